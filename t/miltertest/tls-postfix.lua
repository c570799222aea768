-- tls-postfix: the same partner rules under Postfix's spelling: only the
-- CN in {cert_subject}/{cert_issuer}, sent only for a trusted certificate.
dofile(common)
dofile(tls_common)
local conn = gw_connect()
gw_postfix_connect(conn, "192.0.2.27", "mx.partner.test")
gw_expect_sent(conn, SMFIP_NOCONNECT, "connect")
mt.macro(conn, SMFIC_HELO, "{tls_version}", "TLSv1.3",
    "{cipher}", "TLS_AES_256_GCM_SHA384", "{cipher_bits}", "256",
    "{cert_subject}", "mta.partner.test", "{cert_issuer}", "Partner CA")
if gw_helo(conn, "mx.partner.test") ~= nil then fail("helo") end
expect_delivered(conn, "4PFOK", "<alice@partner.test>",
    "group=partners; policy=required; version=TLSv1.3; " ..
    "cipher=TLS_AES_256_GCM_SHA384; bits=256; client-cert=verified")
mt.disconnect(conn)

-- No trusted certificate: Postfix sends no {cert_subject}.
conn = gw_connect()
gw_postfix_connect(conn, "192.0.2.28", "mx.partner.test")
gw_expect_sent(conn, SMFIP_NOCONNECT, "connect")
mt.macro(conn, SMFIC_HELO, "{tls_version}", "TLSv1.3",
    "{cipher}", "TLS_AES_256_GCM_SHA384", "{cipher_bits}", "256")
if gw_helo(conn, "mx.partner.test") ~= nil then fail("helo") end
expect_refused(conn, "4PFNOCERT", "<alice@partner.test>")
mt.disconnect(conn)
