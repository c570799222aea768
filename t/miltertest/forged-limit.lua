-- forged-limit: gatewarden asks the MTA for at most 100 header deletions
-- per message. 100 forged headers (several X-Gatewarden-* names and
-- Authentication-Results with our authserv-id, among the sender's own)
-- are all deleted; with 101 the message is refused (554 5.7.1) and no
-- deletion is asked for.
dofile(common)

-- Sends a message with nforged forged headers; returns nothing.
local function message(conn, qid, nforged)
	gw_mail(conn, qid, "<alice@sender.test>")
	if gw_rcptto(conn, "<bob@example.test>") ~= nil then fail("rcptto") end
	mt.header(conn, "From", "alice@sender.test")
	for i = 1, nforged do
		local k = i % 4
		if k == 0 then
			mt.header(conn, "X-Gatewarden-TLS", "forged " .. i)
		elseif k == 1 then
			mt.header(conn, "Authentication-Results",
			    "mx.gatewarden.test; smime=pass")
			mt.header(conn, "Authentication-Results",
			    "other.test; dkim=pass")
		elseif k == 2 then
			mt.header(conn, "X-Gatewarden-N" .. i, "forged")
		else
			mt.header(conn, "x-gatewarden-tls", "forged " .. i)
			mt.header(conn, "Received", "from x by y")
		end
	end
	mt.header(conn, "Subject", "hello")
	gw_eoh(conn)
	gw_body(conn, "hello\r\n")
	if mt.eom(conn) ~= nil then fail("eom") end
end

local conn = gw_session("192.0.2.15", "mx.sender.test")

message(conn, "4FORGED100", 100)
gw_expect(conn, SMFIR_CONTINUE, "100 forged headers")
for _, name in ipairs({ "X-Gatewarden-TLS", "x-gatewarden-tls",
    "X-Gatewarden-N2", "X-Gatewarden-N98", "Authentication-Results" }) do
	if not mt.eom_check(conn, MT_HDRDELETE, name) then
		fail("100 forged headers: " .. name .. " not deleted")
	end
end
if mt.eom_check(conn, MT_HDRDELETE, "Subject") or
    mt.eom_check(conn, MT_HDRDELETE, "Received") or
    mt.eom_check(conn, MT_HDRDELETE, "From") then
	fail("100 forged headers: a header of the sender's was deleted")
end

message(conn, "4FORGED101", 101)
gw_expect(conn, SMFIR_REPLYCODE, "101 forged headers")
if not mt.eom_check(conn, MT_SMTPREPLY, "554", "5.7.1",
    "message has more than 100 header fields that only gatewarden may write") then
	fail("101 forged headers: no 554 5.7.1 refusal")
end
if mt.eom_check(conn, MT_HDRDELETE) then
	fail("101 forged headers: a refused message had headers deleted")
end
mt.disconnect(conn)
