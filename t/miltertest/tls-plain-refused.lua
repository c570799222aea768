-- tls-plain-refused: a partner (tls: required) that did not STARTTLS is
-- refused at MAIL FROM, twice; the runner checks 530 5.7.0 in the log and
-- that only the first refusal raised an alert (rate limit).
dofile(common)
dofile(tls_common)
for _, qid in ipairs({ "4PLAIN1", "4PLAIN2" }) do
	local conn = gw_connect()
	sm_connect(conn, "192.0.2.20", "mx.partner.test")
	sm_plain(conn, "mx.partner.test")
	expect_refused(conn, qid, "<alice@partner.test>")
	mt.disconnect(conn)
end
