-- sender-login: the envelope sender no longer chooses the signing key.
-- Rule legal-signs signs mail from legal@example.com with Legal's
-- certificate, and the sender login map says only alice owns that
-- address: another user's and an internal server's messages that claim
-- it are refused. With -D after_reload=1 (the runner gave the address to
-- mallory and reloaded), alice's message is refused instead. Postfix's macros: {auth_type}/{auth_authen} at MAIL FROM when
-- the client did SMTP AUTH.
dofile(common)

local function message(conn, qid, addr, login)
	gw_postfix_connect(conn, addr, "unknown")
	gw_expect_sent(conn, SMFIP_NOCONNECT, "connect")
	if gw_helo(conn, "client.example.test") ~= nil then fail("helo") end
	if login then
		mt.macro(conn, SMFIC_MAIL, "i", qid, "{auth_type}", "PLAIN",
		    "{auth_authen}", login)
	else
		mt.macro(conn, SMFIC_MAIL, "i", qid)
	end
	if mt.mailfrom(conn, "<legal@example.com>") ~= nil then
		fail(qid .. ": mailfrom")
	end
	gw_expect(conn, SMFIR_CONTINUE, qid .. ": MAIL FROM")
	if gw_rcptto(conn, "<bob@partner.test>") ~= nil then
		fail(qid .. ": rcptto")
	end
	mt.header(conn, "From", "Legal <legal@example.com>")
	mt.header(conn, "Subject", "contract")
	mt.header(conn, "Content-Type", "text/plain")
	gw_eoh(conn)
	gw_body(conn, "We agree to everything.\r\n")
	if mt.eom(conn) ~= nil then fail(qid .. ": eom") end
end

-- After a reload that gave legal@ to mallory: alice is no owner any more.
if after_reload then
	local conn = gw_connect()
	message(conn, "4LOGINRELOAD", "10.1.2.5", "alice")
	gw_expect(conn, SMFIR_REPLYCODE, "4LOGINRELOAD: end of message")
	if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
	    "sender address not owned by authenticated user") then
		fail("4LOGINRELOAD: alice was not refused after the reload")
	end
	mt.disconnect(conn)
	return
end

-- (The owner's signed message is checked through Postfix with real SMTP
-- AUTH, t/e2e-sender-login.sh: miltertest 2.11 reads a milter's reply
-- into a 1 KiB buffer, and a signed body is larger.)

local conn

-- mallory logs in and claims legal@: refused, nothing signed.
conn = gw_connect()
message(conn, "4LOGINBAD", "10.1.2.4", "mallory")
gw_expect(conn, SMFIR_REPLYCODE, "4LOGINBAD: end of message")
if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
    "sender address not owned by authenticated user") then
	fail("4LOGINBAD: not 550 5.7.1 sender address not owned by " ..
	    "authenticated user")
end
if mt.eom_check(conn, MT_BODYCHANGE) then
	fail("4LOGINBAD: the body was replaced")
end
mt.disconnect(conn)

-- An internal server (10/8, no SMTP AUTH) forwards mail "from" legal@:
-- not signed as if Legal wrote it.
conn = gw_connect()
message(conn, "4LOGINFWD", "10.9.9.9", nil)
gw_expect(conn, SMFIR_REPLYCODE, "4LOGINFWD: end of message")
if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
    "sender address needs SMTP AUTH by its owner") then
	fail("4LOGINFWD: not 550 5.7.1 sender address needs SMTP AUTH by " ..
	    "its owner")
end
if mt.eom_check(conn, MT_BODYCHANGE) then
	fail("4LOGINFWD: the body was replaced")
end
mt.disconnect(conn)
