-- listener-sendmail: per-listener policy with Sendmail's macros: its
-- DaemonPortOptions names the submission daemon MSA, {daemon_addr} is the
-- address the daemon listens on. Group "submission" (tls: required)
-- matches Name=MSA, and 127.0.0.1:2465 by address and port.
dofile(common)
dofile(tls_common)

local function sm_listener(conn, addr, name, daddr, port)
	mt.macro(conn, SMFIC_CONNECT, "v", "8.17.1", "j", "gw.example.test",
	    "{daemon_name}", name, "{daemon_addr}", daddr,
	    "{daemon_port}", port, "{daemon_family}", "inet",
	    "{client_addr}", addr, "{client_name}", "[" .. addr .. "]",
	    "{client_resolve}", "FAIL", "_", "[" .. addr .. "]")
	if gw_conninfo(conn, "[" .. addr .. "]", addr) ~= nil then
		fail("conninfo")
	end
	gw_expect_sent(conn, SMFIP_NOCONNECT, "connect")
end

local tls = { version = "TLSv1.3", bits = "256", verify = "NO" }

-- The MSA without STARTTLS: refused.
local conn = gw_connect()
sm_listener(conn, "100.64.0.4", "MSA", "0.0.0.0", "5870")
sm_plain(conn, "client.example.test")
expect_refused(conn, "4LMSA", "<alice@example.test>")
mt.disconnect(conn)

-- The MSA after STARTTLS: accepted, recorded.
conn = gw_connect()
sm_listener(conn, "100.64.0.5", "MSA", "0.0.0.0", "5870")
sm_tls(conn, "client.example.test", tls)
expect_delivered(conn, "4LMSATLS", "<alice@example.test>",
    "group=submission; policy=required; version=TLSv1.3; " ..
    "cipher=TLS_AES_256_GCM_SHA384; bits=256; client-cert=none")
mt.disconnect(conn)

-- A daemon named otherwise, on 127.0.0.1:2465: address and port match.
conn = gw_connect()
sm_listener(conn, "100.64.0.6", "MTA-TLS", "127.0.0.1", "2465")
sm_tls(conn, "client.example.test", tls)
expect_delivered(conn, "4LADDR", "<alice@example.test>",
    "group=submission; policy=required; version=TLSv1.3; " ..
    "cipher=TLS_AES_256_GCM_SHA384; bits=256; client-cert=none")
mt.disconnect(conn)

-- Sendmail's MTA daemon on 25: the catch-all.
conn = gw_connect()
sm_listener(conn, "100.64.0.7", "MTA", "0.0.0.0", "25")
sm_plain(conn, "client.example.test")
expect_delivered(conn, "4LMTA", "<alice@example.test>",
    "group=default; policy=preferred; version=none")
mt.disconnect(conn)
