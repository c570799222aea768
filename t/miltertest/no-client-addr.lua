-- no-client-addr: a connection that declined the connect stage has no
-- socket address to fall back on; when the MTA sends no {client_addr}
-- at MAIL FROM either, sender groups that match on client_ip cannot be
-- judged, and the message is tempfailed rather than put in a group on a
-- guess.
dofile(common)
dofile(tls_common)
local conn = gw_connect()
if not mt.test_option(conn, SMFIP_NOCONNECT) then
	fail("connect stage not declined: the case cannot arise")
end
mt.macro(conn, SMFIC_CONNECT, "v", "Postfix 3.7.11", "{daemon_name}", "smtpd")
if gw_conninfo(conn, "unknown", "192.0.2.20") ~= nil then fail("conninfo") end
local got = mail_from(conn, "4NOADDR", "<alice@partner.test>")
if got ~= SMFIR_REPLYCODE then
	fail("MAIL FROM without a client address: got reply " .. tostring(got) ..
	    ", want a tempfail (SMFIR_REPLYCODE)")
end
mt.disconnect(conn)
