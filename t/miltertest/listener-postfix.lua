-- listener-postfix: per-listener policy with Postfix's macros. Group
-- "submission" (tls: required) matches the listener named smtps
-- (master.cf: -o milter_macro_daemon_name=smtps, implicit TLS on 465) and
-- port 587 (STARTTLS) by its {daemon_port}; port 25, with Postfix's
-- default name ($myhostname), is the catch-all's.
dofile(common)
dofile(tls_common)

local function pf_listener(conn, addr, name, port)
	mt.macro(conn, SMFIC_CONNECT, "v", "Postfix 3.7.11",
	    "j", "gw.example.test", "{daemon_name}", name,
	    "{daemon_addr}", "127.0.0.1", "{daemon_port}", port,
	    "{client_addr}", addr, "{client_name}", "unknown",
	    "_", "unknown [" .. addr .. "]")
	if gw_conninfo(conn, "unknown", addr) ~= nil then fail("conninfo") end
	gw_expect_sent(conn, SMFIP_NOCONNECT, "connect")
end

local function pf_helo(conn, tls)
	if tls then
		mt.macro(conn, SMFIC_HELO, "{tls_version}", "TLSv1.3",
		    "{cipher}", "TLS_AES_256_GCM_SHA384", "{cipher_bits}", "256")
	end
	if gw_helo(conn, "client.example.test") ~= nil then fail("helo") end
end

-- 465: TLS from the first byte, so the TLS macros come with HELO.
local conn = gw_connect()
pf_listener(conn, "100.64.0.1", "smtps", "465")
pf_helo(conn, true)
expect_delivered(conn, "4LSMTPS", "<alice@example.test>",
    "group=submission; policy=required; version=TLSv1.3; " ..
    "cipher=TLS_AES_256_GCM_SHA384; bits=256; client-cert=none")
mt.disconnect(conn)

-- 587 without STARTTLS: the same group refuses plain text.
conn = gw_connect()
pf_listener(conn, "100.64.0.2", "mx.example.test", "587")
pf_helo(conn, false)
expect_refused(conn, "4L587", "<alice@example.test>")
mt.disconnect(conn)

-- 25: another listener, the catch-all group, plain text accepted.
conn = gw_connect()
pf_listener(conn, "100.64.0.3", "mx.example.test", "25")
pf_helo(conn, false)
expect_delivered(conn, "4LMX", "<alice@example.test>",
    "group=default; policy=preferred; version=none")
mt.disconnect(conn)

-- A Postfix whose milter_connect_macros leave out the listener macros:
-- the catch-all's, and gatewarden says once that listener conditions
-- match nothing (the script checks the log).
conn = gw_connect()
mt.macro(conn, SMFIC_CONNECT, "v", "Postfix 3.7.11", "j", "gw.example.test",
    "{client_addr}", "100.64.0.8", "{client_name}", "unknown",
    "_", "unknown [100.64.0.8]")
if gw_conninfo(conn, "unknown", "100.64.0.8") ~= nil then fail("conninfo") end
gw_expect_sent(conn, SMFIP_NOCONNECT, "connect")
pf_helo(conn, false)
expect_delivered(conn, "4LNOMACRO", "<alice@example.test>",
    "group=default; policy=preferred; version=none")
mt.disconnect(conn)
