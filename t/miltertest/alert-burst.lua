-- alert-burst: 25 sessions of a `tls: required` group from 25 different
-- addresses, none with STARTTLS: every one is refused; the runner counts
-- the alert mails (at most 20 of one kind per window).
dofile(common)
for i = 1, 25 do
	local conn = gw_connect()
	gw_postfix_connect(conn, "198.18.0." .. i, "unknown")
	gw_helo(conn, "client.test")
	mt.macro(conn, SMFIC_MAIL, "i", "4BURST" .. i)
	mt.mailfrom(conn, "<a@partner.test>")
	gw_expect(conn, SMFIR_REPLYCODE, "MAIL FROM from 198.18.0." .. i)
	mt.disconnect(conn)
end
