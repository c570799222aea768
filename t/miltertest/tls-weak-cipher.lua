-- tls-weak-cipher: 112 cipher bits against min_cipher_bits 128.
dofile(common)
dofile(tls_common)
local conn = gw_connect()
sm_connect(conn, "192.0.2.24", "mx.partner.test")
sm_tls(conn, "mx.partner.test", { version = "TLSv1.2",
    cipher = "DES-CBC3-SHA", bits = "112", verify = "OK",
    subject = PARTNER_DN, issuer = PARTNER_CA, cn = "mta.partner.test",
    cn_issuer = "Partner+20CA" })
expect_refused(conn, "4WEAK", "<alice@partner.test>")
mt.disconnect(conn)
