-- tls-verify-fail: {verify}=FAIL is no verified client certificate.
dofile(common)
dofile(tls_common)
local conn = gw_connect()
sm_connect(conn, "192.0.2.22", "mx.partner.test")
sm_tls(conn, "mx.partner.test", { version = "TLSv1.3", bits = "256",
    verify = "FAIL", subject = PARTNER_DN, issuer = PARTNER_CA,
    cn = "mta.partner.test", cn_issuer = "Partner+20CA" })
expect_refused(conn, "4VFAIL", "<alice@partner.test>")
mt.disconnect(conn)
