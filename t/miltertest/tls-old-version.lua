-- tls-old-version: TLSv1.1 against min_tls_version TLSv1.2.
dofile(common)
dofile(tls_common)
local conn = gw_connect()
sm_connect(conn, "192.0.2.25", "mx.partner.test")
sm_tls(conn, "mx.partner.test", { version = "TLSv1.1",
    cipher = "ECDHE-RSA-AES256-SHA", bits = "256", verify = "OK",
    subject = PARTNER_DN, issuer = PARTNER_CA, cn = "mta.partner.test",
    cn_issuer = "Partner+20CA" })
expect_refused(conn, "4OLDV", "<alice@partner.test>")
mt.disconnect(conn)
