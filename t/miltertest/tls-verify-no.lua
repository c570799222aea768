-- tls-verify-no: {verify}=NO, the client sent no certificate.
dofile(common)
dofile(tls_common)
local conn = gw_connect()
sm_connect(conn, "192.0.2.23", "mx.partner.test")
sm_tls(conn, "mx.partner.test", { version = "TLSv1.3", bits = "256",
    verify = "NO" })
expect_refused(conn, "4VNO", "<alice@partner.test>")
mt.disconnect(conn)
