-- tls-tempfail: a group with on_failure: tempfail refuses plaintext with
-- 451 4.7.0 (checked in the log) instead of 530.
dofile(common)
dofile(tls_common)
local conn = gw_connect()
sm_connect(conn, "198.51.100.5", "mx.soft.test")
sm_plain(conn, "mx.soft.test")
local got = mail_from(conn, "4SOFT", "<carol@soft.test>")
if got ~= SMFIR_REPLYCODE then
	fail("4SOFT: MAIL FROM got reply " .. tostring(got) ..
	    ", want a temporary refusal (SMFIR_REPLYCODE)")
end
mt.disconnect(conn)
