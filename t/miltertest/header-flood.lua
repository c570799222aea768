-- header-flood: 100,000 forged X-Gatewarden-* headers, beyond
-- milter.max_header_fields (1000 by default) or, with it raised to
-- 100000, beyond the 4 MiB that headers may hold, cost gatewarden little
-- and the message is refused at its end with 552 5.3.4 and no header
-- change asked of the MTA. The runner defines want (the reply text for
-- its configuration) and measures gatewarden's CPU time around the case.
dofile(common)
local conn = gw_session("192.0.2.14", "mx.sender.test")
gw_mail(conn, "4FLOOD", "<alice@sender.test>")
if gw_rcptto(conn, "<bob@example.test>") ~= nil then fail("rcptto") end
mt.header(conn, "From", "alice@sender.test")
for i = 1, 100000 do
	if mt.header(conn, "X-Gatewarden-A", "x") ~= nil then
		fail("header " .. i)
	end
end
gw_eoh(conn)
gw_body(conn, "hello\r\n")
mt.set_timeout(60)
if mt.eom(conn) ~= nil then fail("eom") end
gw_expect(conn, SMFIR_REPLYCODE, "end of message")
if not mt.eom_check(conn, MT_SMTPREPLY, "552", "5.3.4", want) then
	fail("no 552 5.3.4 refusal with the text: " .. want)
end
if mt.eom_check(conn, MT_HDRDELETE) then
	fail("a refused message still had headers deleted")
end
mt.disconnect(conn)
