-- hygiene: forged X-Gatewarden-* headers and Authentication-Results with
-- our authserv-id are deleted; another authserv-id's results are kept.
dofile(common)
local conn = gw_session("192.0.2.10", "mx.sender.test")
gw_mail(conn, "4HYG1ENE", "<alice@sender.test>")
if gw_rcptto(conn, "<bob@example.test>") ~= nil then fail("rcptto") end
gw_forged_message(conn)
gw_expect(conn, SMFIR_CONTINUE, "end of message")
gw_forged_removed(conn)
mt.disconnect(conn)
