-- common.lua: shared steps for gatewarden's miltertest cases.
-- The runner (t/miltertest.sh) defines: sock (the milter socket as
-- miltertest spells it), and loads this file before each case.

-- Fails the case with a message; miltertest exits non-zero. (It does not
-- print the error's text itself, so the message is printed first.)
function fail(msg)
	print("FAIL: " .. msg)
	error("FAIL: " .. msg)
end

-- Connects and negotiates with everything Postfix offers.
function gw_connect()
	local conn = mt.connect(sock, 40, 0.25)
	if conn == nil then fail("cannot connect to " .. sock) end
	if mt.negotiate(conn, nil, nil, nil) ~= nil then
		fail("negotiation failed")
	end
	return conn
end

-- Sends the connect macros the way Postfix spells them, then the
-- connection information.
function gw_postfix_connect(conn, addr, name)
	mt.macro(conn, SMFIC_CONNECT, "v", "Postfix 3.7.11",
	    "{daemon_name}", "smtpd", "{client_addr}", addr,
	    "{client_name}", name)
	if gw_conninfo(conn, name, addr) ~= nil then fail("conninfo") end
end

-- The connect, HELO and RCPT stages, when the milter asked for them: it
-- negotiates connect away when it can ask for the connect macros at MAIL
-- FROM instead, HELO when nothing reads the HELO name, and RCPT when
-- nothing reads recipients (an MTA must not send a stage the milter
-- declined; miltertest refuses to). Each returns what miltertest's call
-- returns, nil when the stage was declined.
function gw_conninfo(conn, name, addr)
	if mt.test_option(conn, SMFIP_NOCONNECT) then return nil end
	return mt.conninfo(conn, name, addr)
end

function gw_helo(conn, name)
	if mt.test_option(conn, SMFIP_NOHELO) then return nil end
	return mt.helo(conn, name)
end

function gw_rcptto(conn, rcpt)
	if mt.test_option(conn, SMFIP_NORCPT) then return nil end
	return mt.rcptto(conn, rcpt)
end

-- A connection from addr (named name) that said HELO name, the way
-- Postfix reports it.
function gw_session(addr, name)
	local conn = gw_connect()
	gw_postfix_connect(conn, addr, name)
	gw_helo(conn, name)
	return conn
end

-- MAIL FROM sender with queue id qid; returns the milter's reply.
function gw_mail_from(conn, qid, sender)
	mt.macro(conn, SMFIC_MAIL, "i", qid)
	if mt.mailfrom(conn, sender) ~= nil then fail(qid .. ": mailfrom") end
	return mt.getreply(conn)
end

-- MAIL FROM that must be accepted.
function gw_mail(conn, qid, sender)
	gw_mail_from(conn, qid, sender)
	gw_expect(conn, SMFIR_CONTINUE, qid .. ": MAIL FROM")
end

-- The reply to a stage that may have been declined (SMFIP_NO* flag
-- declined): a continue when it was sent, nothing otherwise.
function gw_expect_sent(conn, declined, what)
	if not mt.test_option(conn, declined) then
		gw_expect(conn, SMFIR_CONTINUE, what)
	end
end

function gw_expect(conn, want, what)
	local got = mt.getreply(conn)
	if got ~= want then
		fail(what .. ": got reply " .. tostring(got) .. ", want " ..
		    tostring(want))
	end
end

-- End of headers, when the milter asked for that stage at all (an MTA
-- must not send a stage the milter declined; miltertest refuses to).
function gw_eoh(conn)
	if not mt.test_option(conn, SMFIP_NOEOH) then
		if mt.eoh(conn) ~= nil then fail("eoh") end
	end
end

-- A body chunk, when the milter asked for the body at all (it declines it
-- when no configured feature reads bodies).
function gw_body(conn, text)
	if not mt.test_option(conn, SMFIP_NOBODY) then
		if mt.bodystring(conn, text) ~= nil then fail("body") end
	end
end

-- The rest of a message carrying forged headers of ours (for authserv-id
-- mx.gatewarden.test) among the sender's own, up to its end.
function gw_forged_message(conn)
	mt.header(conn, "From", "alice@sender.test")
	mt.header(conn, "X-Gatewarden-TLS", "group=forged; policy=required")
	mt.header(conn, "Subject", "hello")
	mt.header(conn, "Authentication-Results", "other.test; dkim=pass")
	mt.header(conn, "Authentication-Results",
	    "mx.gatewarden.test; smime=pass")
	gw_eoh(conn)
	gw_body(conn, "hello\r\n")
	if mt.eom(conn) ~= nil then fail("eom") end
end

-- After gw_forged_message: the forged headers, and only they, deleted.
function gw_forged_removed(conn)
	if not mt.eom_check(conn, MT_HDRDELETE, "X-Gatewarden-TLS") then
		fail("forged X-Gatewarden-TLS not deleted")
	end
	if not mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results") then
		fail("forged Authentication-Results not deleted")
	end
	if mt.eom_check(conn, MT_HDRDELETE, "Subject") or
	    mt.eom_check(conn, MT_HDRDELETE, "From") then
		fail("a header of the sender's was deleted")
	end
end
