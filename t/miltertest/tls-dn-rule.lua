-- tls-dn-rule: a rule written as a full DN matches Sendmail's decoded
-- {cert_subject}; another organisation's DN is refused.
dofile(common)
dofile(tls_common)
local conn = gw_connect()
sm_connect(conn, "203.0.113.5", "mx.partner.test")
sm_tls(conn, "mx.partner.test", { version = "TLSv1.3", bits = "256",
    verify = "TRUSTED", subject = PARTNER_DN, issuer = PARTNER_CA,
    cn = "mta.partner.test", cn_issuer = "Partner+20CA" })
expect_delivered(conn, "4DNOK", "<alice@partner.test>",
    "group=dn-rule; policy=required; version=TLSv1.3; " ..
    "cipher=TLS_AES_256_GCM_SHA384; bits=256; client-cert=verified")
mt.disconnect(conn)

conn = gw_connect()
sm_connect(conn, "203.0.113.6", "mx.partner.test")
sm_tls(conn, "mx.partner.test", { version = "TLSv1.3", bits = "256",
    verify = "OK", subject = "/C=DE/O=Other+20GmbH/CN=mta.partner.test",
    issuer = PARTNER_CA, cn = "mta.partner.test", cn_issuer = "Partner+20CA" })
expect_refused(conn, "4DNBAD", "<alice@partner.test>")
mt.disconnect(conn)
