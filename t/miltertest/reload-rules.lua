-- reload-rules: a reload that adds sending rules, while connections
-- negotiated without a body (no rules then) are open. Such a connection
-- cannot sign or encrypt, so a message the new rules could cover (one of
-- an outbound sender group) is tempfailed at MAIL FROM instead of leaving
-- in clear; a message no rule can cover (inbound group) passes; a new
-- connection negotiates the body and applies the rules. A second reload
-- (reload2_cmd) adds what a connection with the body still lacks (the
-- reply at RCPT for mandatory DANE): its outbound mail is tempfailed
-- too. The runner defines reload_cmd and reload2_cmd (each puts a file
-- in place, sends SIGUSR1, waits for the log line) and checks the
-- warning lines.
dofile(common)

local function mail_from(conn, qid)
	return gw_mail_from(conn, qid, "<alice@example.test>")
end

local function rest_of_message(conn, qid)
	if gw_rcptto(conn, "<bob@remote.test>") ~= nil then fail("rcptto") end
	mt.header(conn, "From", "alice@example.test")
	mt.header(conn, "Subject", "hello")
	gw_eoh(conn)
	gw_body(conn, "hello\r\n")
	if mt.eom(conn) ~= nil then fail(qid .. ": eom") end
	gw_expect(conn, SMFIR_CONTINUE, qid .. ": end of message")
end

-- Two connections opened under the file without rules: no body asked.
local relay = gw_session("192.0.2.20", "app.example.test")
local inbound = gw_session("192.0.2.30", "mx.sender.test")
if not mt.test_option(relay, SMFIP_NOBODY) then
	fail("body asked for before any sending rule existed")
end

if mail_from(relay, "4BEFORE") ~= SMFIR_CONTINUE then
	fail("4BEFORE: MAIL FROM refused before the reload")
end
rest_of_message(relay, "4BEFORE")

if os.execute(reload_cmd) ~= true then fail("reload command failed") end

-- The outbound connection cannot apply the new rules: tempfail.
local got = mail_from(relay, "4RELOADA")
if got ~= SMFIR_REPLYCODE and got ~= SMFIR_TEMPFAIL then
	fail("4RELOADA: MAIL FROM got reply " .. tostring(got) ..
	    ", want a temporary refusal")
end
mt.disconnect(relay)

-- The inbound connection: no sending rule applies to inbound mail.
if mail_from(inbound, "4RELOADB") ~= SMFIR_CONTINUE then
	fail("4RELOADB: inbound message refused after the reload")
end
rest_of_message(inbound, "4RELOADB")
mt.disconnect(inbound)

-- A new connection negotiates what the rules need, and the rules run
-- there (the reload opened the key store): partner.test has no key, and
-- missing_key: bounce refuses the message.
local fresh = gw_session("192.0.2.20", "app.example.test")
if mt.test_option(fresh, SMFIP_NOBODY) then
	fail("a connection opened after the reload declined the body")
end
if mt.test_option(fresh, SMFIP_NORCPT) or mt.test_option(fresh, SMFIP_NOHELO) then
	fail("a connection opened after the reload declined RCPT or HELO " ..
	    "(the rules read recipients, a split copy's trace the HELO name)")
end
if not mt.test_action(fresh, SMFIF_CHGBODY) then
	fail("a connection opened after the reload cannot replace the body")
end
if mail_from(fresh, "4FRESH") ~= SMFIR_CONTINUE then
	fail("4FRESH: MAIL FROM refused on a new connection")
end
if gw_rcptto(fresh, "<bob@partner.test>") ~= nil then fail("rcptto") end
mt.header(fresh, "From", "alice@example.test")
mt.header(fresh, "Subject", "hello")
gw_eoh(fresh)
gw_body(fresh, "hello\r\n")
if mt.eom(fresh) ~= nil then fail("4FRESH: eom") end
gw_expect(fresh, SMFIR_REPLYCODE, "4FRESH: end of message")
if not mt.eom_check(fresh, MT_SMTPREPLY, "554", "5.7.1",
    "No S/MIME key for recipient: <bob@partner.test>") then
	fail("4FRESH: the sending rule did not run (no 554 5.7.1 for the "
	    .. "recipient without a key)")
end

-- A second reload adds a mandatory DANE destination: the connection
-- above gets the body but no reply at RCPT, so that configuration cannot
-- run on it, nor therefore its rules: its outbound mail is tempfailed.
if os.execute(reload2_cmd) ~= true then fail("second reload failed") end
got = mail_from(fresh, "4RELOADC")
if got ~= SMFIR_REPLYCODE and got ~= SMFIR_TEMPFAIL then
	fail("4RELOADC: MAIL FROM got reply " .. tostring(got) ..
	    ", want a temporary refusal")
end
mt.disconnect(fresh)
