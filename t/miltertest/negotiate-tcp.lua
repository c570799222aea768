-- negotiate-tcp: on an inet socket gatewarden takes the DATA stage with a
-- reply (that reply acknowledges the envelope the MTA wrote without
-- waiting, so that the message's first write is not held back by Nagle's
-- algorithm until a delayed ACK) and still declines what it never needs.
dofile(common)
local conn = gw_connect()
if mt.test_option(conn, SMFIP_NODATA) then fail("DATA stage declined over TCP") end
if mt.test_option(conn, SMFIP_NR_DATA) then fail("no-reply for DATA asked over TCP") end
if not mt.test_option(conn, SMFIP_NOUNKNOWN) then fail("unknown-command stage not declined") end
if not mt.test_option(conn, SMFIP_NR_HDR) then fail("no-reply for headers not asked") end
gw_postfix_connect(conn, "192.0.2.7", "client.example")
gw_helo(conn, "client.example")
gw_mail(conn, "4TCPDATA", "<alice@sender.test>")
if gw_rcptto(conn, "<bob@rcpt.test>") ~= nil then fail("rcptto") end
if mt.data(conn) ~= nil then fail("data") end
gw_expect(conn, SMFIR_CONTINUE, "DATA")
gw_forged_message(conn)
gw_expect(conn, SMFIR_CONTINUE, "end of message")
mt.disconnect(conn)
