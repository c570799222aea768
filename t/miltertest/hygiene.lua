-- hygiene: forged X-Gatewarden-* headers and Authentication-Results with
-- our authserv-id are deleted; another authserv-id's results are kept.
dofile(common)
local conn = gw_connect()
gw_postfix_connect(conn, "192.0.2.10", "mx.sender.test")
mt.helo(conn, "mx.sender.test")
mt.macro(conn, SMFIC_MAIL, "i", "4HYG1ENE")
if mt.mailfrom(conn, "<alice@sender.test>") ~= nil then fail("mailfrom") end
gw_expect(conn, SMFIR_CONTINUE, "MAIL FROM")
if mt.rcptto(conn, "<bob@example.test>") ~= nil then fail("rcptto") end
mt.header(conn, "From", "alice@sender.test")
mt.header(conn, "X-Gatewarden-TLS", "group=forged; policy=required")
mt.header(conn, "Subject", "hello")
mt.header(conn, "Authentication-Results", "other.test; dkim=pass")
mt.header(conn, "Authentication-Results", "mx.gatewarden.test; smime=pass")
gw_eoh(conn)
gw_body(conn, "hello\r\n")
if mt.eom(conn) ~= nil then fail("eom") end
gw_expect(conn, SMFIR_CONTINUE, "end of message")
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
mt.disconnect(conn)
