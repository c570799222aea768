-- common.lua: shared steps for gatewarden's miltertest cases.
-- The runner (t/miltertest.sh) defines: sock (the milter socket as
-- miltertest spells it), and loads this file before each case.

-- Fails the case with a message; miltertest exits non-zero.
function fail(msg)
	error("FAIL: " .. msg)
end

-- Connects and negotiates with everything Postfix offers.
function gw_connect()
	local conn = mt.connect(sock, 40, 0.25)
	if conn == nil then fail("cannot connect to " .. sock) end
	if mt.negotiate(conn, nil, nil, nil) ~= nil then
		fail("negotiation failed")
	end
	return conn
end

-- Sends the connect macros the way Postfix spells them, then the
-- connection information.
function gw_postfix_connect(conn, addr, name)
	mt.macro(conn, SMFIC_CONNECT, "v", "Postfix 3.7.11",
	    "{daemon_name}", "smtpd", "{client_addr}", addr,
	    "{client_name}", name)
	if mt.conninfo(conn, name, addr) ~= nil then fail("conninfo") end
end

function gw_expect(conn, want, what)
	local got = mt.getreply(conn)
	if got ~= want then
		fail(what .. ": got reply " .. tostring(got) .. ", want " ..
		    tostring(want))
	end
end

-- End of headers, when the milter asked for that stage at all (an MTA
-- must not send a stage the milter declined; miltertest refuses to).
function gw_eoh(conn)
	if not mt.test_option(conn, SMFIP_NOEOH) then
		if mt.eoh(conn) ~= nil then fail("eoh") end
	end
end

-- A body chunk, when the milter asked for the body at all (it declines it
-- when no configured feature reads bodies).
function gw_body(conn, text)
	if not mt.test_option(conn, SMFIP_NOBODY) then
		if mt.bodystring(conn, text) ~= nil then fail("body") end
	end
end
