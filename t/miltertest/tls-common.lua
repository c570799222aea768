-- tls-common.lua: helpers for the inbound TLS cases, which feed the
-- macros exactly as Sendmail 8.17 (or, where named, Postfix 3.7) sends
-- them. Loaded after common.lua (fail, gw_connect, gw_expect).

PARTNER_DN = "/C=DE/O=Partner+20GmbH/CN=mta.partner.test"
PARTNER_CA = "/C=DE/O=Partner+20GmbH/CN=Partner+20CA"

-- Connect macros as Sendmail sends them (confMILTER_MACROS_CONNECT with
-- v and {client_*}, or what smfi_setsymlist asked for).
function sm_connect(conn, addr, name)
	mt.macro(conn, SMFIC_CONNECT, "v", "8.17.1", "j", "gw.example.test",
	    "{daemon_name}", "MTA", "{client_addr}", addr,
	    "{client_name}", name, "{client_resolve}", "OK",
	    "_", name .. " [" .. addr .. "]")
	-- The connection itself carries the bare address.
	local ip = (addr:gsub("^IPv6:", ""))
	if gw_conninfo(conn, name, ip) ~= nil then fail("conninfo") end
	if not mt.test_option(conn, SMFIP_NOCONNECT) then
		gw_expect_sent(conn, SMFIP_NOCONNECT, "connect")
	end
end

-- The HELO after STARTTLS, with Sendmail's TLS macros (DNs xtext).
function sm_tls(conn, name, t)
	mt.macro(conn, SMFIC_HELO, "{tls_version}", t.version,
	    "{cipher}", t.cipher or "TLS_AES_256_GCM_SHA384",
	    "{cipher_bits}", t.bits, "{verify}", t.verify,
	    "{cert_subject}", t.subject or "", "{cert_issuer}", t.issuer or "",
	    "{cn_subject}", t.cn or "", "{cn_issuer}", t.cn_issuer or "")
	if gw_helo(conn, name) ~= nil then fail("helo") end
	gw_expect_sent(conn, SMFIP_NOHELO, "HELO")
end

-- A HELO without STARTTLS: Sendmail sends its TLS macros cleared to "".
function sm_plain(conn, name)
	mt.macro(conn, SMFIC_HELO, "{tls_version}", "", "{cipher}", "",
	    "{cipher_bits}", "", "{verify}", "", "{cert_subject}", "",
	    "{cert_issuer}", "")
	if gw_helo(conn, name) ~= nil then fail("helo") end
	gw_expect_sent(conn, SMFIP_NOHELO, "HELO")
end

-- MAIL FROM with queue id qid; returns the milter's reply.
function mail_from(conn, qid, sender)
	mt.macro(conn, SMFIC_MAIL, "i", qid)
	if mt.mailfrom(conn, sender) ~= nil then fail("mailfrom") end
	return mt.getreply(conn)
end

-- MAIL FROM that must be refused. miltertest cannot show the reply text
-- before end of message: the runner checks code, status and requirement
-- in the milter's log line for qid.
function expect_refused(conn, qid, sender)
	local got = mail_from(conn, qid, sender)
	if got ~= SMFIR_REPLYCODE then
		fail(qid .. ": MAIL FROM got reply " .. tostring(got) ..
		    ", want a refusal (SMFIR_REPLYCODE)")
	end
end

-- MAIL FROM that must be accepted, then a message whose end must carry
-- the X-Gatewarden-TLS value want. (No mt.eoh(): miltertest sends it
-- itself when negotiated, and fails when the milter declined it.)
function expect_delivered(conn, qid, sender, want)
	local got = mail_from(conn, qid, sender)
	if got ~= SMFIR_CONTINUE then
		fail(qid .. ": MAIL FROM got reply " .. tostring(got) ..
		    ", want continue")
	end
	gw_rcptto(conn, "<bob@example.test>")
	mt.header(conn, "From", sender)
	gw_body(conn, "hello\r\n")
	mt.eom(conn)
	gw_expect(conn, SMFIR_CONTINUE, qid .. ": end of message")
	if not mt.eom_check(conn, MT_HDRADD, "X-Gatewarden-TLS", want) then
		fail(qid .. ": X-Gatewarden-TLS is not \"" .. want .. "\"")
	end
end
