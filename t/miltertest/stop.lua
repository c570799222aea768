-- stop: after SIGTERM no new connection is accepted, and the message in
-- flight still completes. The runner defines term_cmd: it sends SIGTERM
-- and waits until the socket is gone (libmilter looks at its stop flag
-- every 5 seconds; until then it still serves new connections in full).
dofile(common)
local conn = gw_connect()
gw_postfix_connect(conn, "192.0.2.14", "mx.sender.test")
mt.macro(conn, SMFIC_MAIL, "i", "4STOPPING")
mt.mailfrom(conn, "<alice@sender.test>")
gw_rcptto(conn, "<bob@example.test>")
mt.header(conn, "X-Gatewarden-Test", "forged")
if os.execute(term_cmd) ~= true then fail("SIGTERM command failed") end
-- mt.connect raises an error when it cannot connect.
local connected, late = pcall(mt.connect, sock, 1, 0.1)
if connected and late ~= nil then
	fail("a new connection was accepted after SIGTERM")
end
gw_eoh(conn)
gw_body(conn, "finishing\r\n")
mt.eom(conn)
gw_expect(conn, SMFIR_CONTINUE, "message in flight at SIGTERM")
if not mt.eom_check(conn, MT_HDRDELETE, "X-Gatewarden-Test") then
	fail("message in flight not processed after SIGTERM")
end
mt.disconnect(conn)
