-- dane-rcpt: outgoing mail to a `dane: mandatory` destination is refused
-- at RCPT unless some MX host has a secure usable TLSA RRset; incoming
-- mail is never checked. The runner asserts codes and statuses in the log.
dofile(common)

local function rcpt(conn, addr)
	if gw_rcptto(conn, addr) ~= nil then fail("rcptto " .. addr) end
	return mt.getreply(conn)
end

local function want(conn, addr, reply, what)
	local got = rcpt(conn, addr)
	if got ~= reply then
		fail(addr .. ": " .. what .. ": got reply " .. tostring(got))
	end
end

-- An outbound client (sender group "internal", 192.0.2.0/24).
local conn = gw_connect()
gw_postfix_connect(conn, "192.0.2.30", "relay.example.test")
gw_helo(conn, "relay.example.test")
mt.macro(conn, SMFIC_MAIL, "i", "4DANEOUT")
if mt.mailfrom(conn, "<alice@example.test>") ~= nil then fail("mailfrom") end
gw_expect(conn, SMFIR_CONTINUE, "MAIL FROM")
want(conn, "<bob@d311.test>", SMFIR_CONTINUE, "3 1 1 TLSA: accepted")
want(conn, "<carol@d311.test>", SMFIR_CONTINUE, "again, from the cache")
want(conn, "<dave@nodata.test>", SMFIR_REPLYCODE, "no TLSA: refused")
want(conn, "<erin@bogusmx.test>", SMFIR_REPLYCODE, "bogus MX host: refused")
want(conn, "<frank@sf.test>", SMFIR_REPLYCODE, "TLSA SERVFAIL: refused")
want(conn, "<grace@nodata.test.example>", SMFIR_CONTINUE, "not mandatory: no check")
want(conn, "<dave%nodata.test@example.test>", SMFIR_REPLYCODE,
    "a domain only the MTA can read: refused")
mt.disconnect(conn)

-- An inbound client (catch-all group): no DANE check at all.
conn = gw_connect()
gw_postfix_connect(conn, "203.0.113.9", "mx.sender.test")
gw_helo(conn, "mx.sender.test")
mt.macro(conn, SMFIC_MAIL, "i", "4DANEIN")
mt.mailfrom(conn, "<x@sender.test>")
want(conn, "<dave@nodata.test>", SMFIR_CONTINUE, "inbound mail: no check")
mt.disconnect(conn)
