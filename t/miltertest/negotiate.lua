-- negotiate: gatewarden asks for the actions it uses and declines the
-- stages it does not need (no reply where it never refuses).
dofile(common)
local conn = gw_connect()
if not mt.test_action(conn, SMFIF_CHGHDRS) then
	fail("header change action not requested")
end
if mt.test_action(conn, SMFIF_CHGFROM) then
	fail("envelope sender change requested but never used")
end
if not mt.test_option(conn, SMFIP_NODATA) then fail("DATA stage not declined") end
if not mt.test_option(conn, SMFIP_NOUNKNOWN) then fail("unknown-command stage not declined") end
if not mt.test_option(conn, SMFIP_NR_CONN) then fail("no-reply for connect not asked") end
if not mt.test_option(conn, SMFIP_NR_HDR) then fail("no-reply for headers not asked") end
if not mt.test_option(conn, SMFIP_NOBODY) then
	fail("body asked for, but no configured feature reads bodies")
end
if mt.test_action(conn, SMFIF_CHGBODY) or mt.test_action(conn, SMFIF_DELRCPT) then
	fail("body or recipient changes asked for without sending rules")
end
-- miltertest offers SMFIF_SETSYMLIST: the connect macros come at MAIL FROM,
-- and nothing of a policy-only configuration reads HELO or recipients.
if not mt.test_option(conn, SMFIP_NOCONNECT) then fail("connect stage not declined") end
if not mt.test_option(conn, SMFIP_NOHELO) then fail("HELO stage not declined") end
if not mt.test_option(conn, SMFIP_NORCPT) then fail("RCPT stage not declined") end
if mt.test_option(conn, SMFIP_NR_MAIL) then
	fail("no-reply for MAIL asked, but MAIL is where TLS policy refuses")
end
mt.disconnect(conn)
