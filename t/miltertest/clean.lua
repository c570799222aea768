-- clean: a message with none of our headers is accepted unchanged.
dofile(common)
local conn = gw_connect()
gw_postfix_connect(conn, "192.0.2.11", "mx.sender.test")
gw_helo(conn, "mx.sender.test")
mt.macro(conn, SMFIC_MAIL, "i", "4CLEAN")
mt.mailfrom(conn, "<alice@sender.test>")
gw_rcptto(conn, "<bob@example.test>")
mt.header(conn, "From", "alice@sender.test")
mt.header(conn, "Authentication-Results", "other.test; dkim=pass")
gw_eoh(conn)
gw_body(conn, "hello\r\n")
mt.eom(conn)
gw_expect(conn, SMFIR_CONTINUE, "end of message")
if mt.eom_check(conn, MT_HDRDELETE) or mt.eom_check(conn, MT_HDRCHANGE) or
    mt.eom_check(conn, MT_BODYCHANGE) or
    mt.eom_check(conn, MT_RCPTDELETE, "<bob@example.test>") then
	fail("a clean message was modified")
end
mt.disconnect(conn)
