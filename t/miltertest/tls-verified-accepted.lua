-- tls-verified-accepted: TLSv1.3, 256 bits, {verify}=OK, subject CN and
-- issuer CN that match the partner's rules: accepted and recorded.
dofile(common)
dofile(tls_common)
local conn = gw_connect()
sm_connect(conn, "192.0.2.21", "mx.partner.test")
sm_tls(conn, "mx.partner.test", { version = "TLSv1.3", bits = "256",
    verify = "OK", subject = PARTNER_DN, issuer = PARTNER_CA,
    cn = "mta.partner.test", cn_issuer = "Partner+20CA" })
expect_delivered(conn, "4TLSOK", "<alice@partner.test>",
    "group=partners; policy=required; version=TLSv1.3; " ..
    "cipher=TLS_AES_256_GCM_SHA384; bits=256; client-cert=verified")
mt.disconnect(conn)
