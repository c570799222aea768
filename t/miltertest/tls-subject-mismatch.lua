-- tls-subject-mismatch: a verified certificate for another organisation;
-- its DN merely ends in .partner.test, its CN does not match.
dofile(common)
dofile(tls_common)
local conn = gw_connect()
sm_connect(conn, "192.0.2.26", "mx.partner.test")
sm_tls(conn, "mx.partner.test", { version = "TLSv1.3", bits = "256",
    verify = "OK", subject = "/C=XX/O=Evil/CN=evil.example/OU=x.partner.test",
    issuer = PARTNER_CA, cn = "evil.example", cn_issuer = "Partner+20CA" })
expect_refused(conn, "4SUBJ", "<alice@partner.test>")
mt.disconnect(conn)
