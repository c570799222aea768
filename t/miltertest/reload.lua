-- reload: SIGUSR1 puts a new configuration in force for the next message,
-- while the message in flight finishes under the one it started with.
-- The runner defines reload_cmd: rewrites the file with authserv_id
-- "new.gatewarden.test" and sends SIGUSR1, waiting for the log line.
dofile(common)
local conn = gw_connect()
gw_postfix_connect(conn, "192.0.2.12", "mx.sender.test")
gw_helo(conn, "mx.sender.test")
mt.macro(conn, SMFIC_MAIL, "i", "4INFLIGHT")
mt.mailfrom(conn, "<alice@sender.test>")
gw_rcptto(conn, "<bob@example.test>")
if os.execute(reload_cmd) ~= true then fail("reload command failed") end
mt.header(conn, "Authentication-Results", "mx.gatewarden.test; smime=pass")
gw_eoh(conn)
gw_body(conn, "in flight\r\n")
mt.eom(conn)
gw_expect(conn, SMFIR_CONTINUE, "in-flight message")
if not mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results") then
	fail("in-flight message did not keep the old authserv-id")
end

-- The next message on the same connection runs under the new file.
mt.macro(conn, SMFIC_MAIL, "i", "4NEXT")
mt.mailfrom(conn, "<alice@sender.test>")
gw_rcptto(conn, "<bob@example.test>")
mt.header(conn, "Authentication-Results", "mx.gatewarden.test; smime=pass")
gw_eoh(conn)
gw_body(conn, "next\r\n")
mt.eom(conn)
gw_expect(conn, SMFIR_CONTINUE, "next message")
if mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results") then
	fail("old authserv-id still treated as ours after reload")
end
mt.disconnect(conn)

local conn2 = gw_connect()
gw_postfix_connect(conn2, "192.0.2.13", "mx.sender.test")
gw_helo(conn2, "mx.sender.test")
mt.macro(conn2, SMFIC_MAIL, "i", "4NEWCONN")
mt.mailfrom(conn2, "<alice@sender.test>")
gw_rcptto(conn2, "<bob@example.test>")
mt.header(conn2, "Authentication-Results", "new.gatewarden.test; smime=pass")
gw_eoh(conn2)
gw_body(conn2, "new\r\n")
mt.eom(conn2)
gw_expect(conn2, SMFIR_CONTINUE, "new connection")
if not mt.eom_check(conn2, MT_HDRDELETE, "Authentication-Results") then
	fail("new authserv-id not in force after reload")
end
mt.disconnect(conn2)
