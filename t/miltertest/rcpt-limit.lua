-- rcpt-limit: a message with more recipients than gatewarden keeps
-- (100,000) fails inside gatewarden; with on_internal_error: accept (the
-- runner's configuration for this case) it is accepted unprocessed, but
-- its forged headers, sent after the recipient limit, are still deleted.
dofile(common)
local conn = gw_session("192.0.2.16", "mx.sender.test")
if mt.test_option(conn, SMFIP_NORCPT) then
	fail("recipients declined: the limit cannot be reached")
end
gw_mail(conn, "4RCPTLIMIT", "<alice@sender.test>")
for i = 1, 100001 do
	if gw_rcptto(conn, "<u" .. i .. "@example.test>") ~= nil then
		fail("rcptto " .. i)
	end
end
gw_forged_message(conn)
local got = mt.getreply(conn)
if got ~= SMFIR_ACCEPT and got ~= SMFIR_CONTINUE then
	fail("end of message: got reply " .. tostring(got) .. ", want accept")
end
gw_forged_removed(conn)
mt.disconnect(conn)
