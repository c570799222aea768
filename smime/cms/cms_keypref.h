/*
 * cms_keypref - the SMIMEEncryptionKeyPreference signed attribute (RFC
 * 8551 section 2.5.3): a signer naming the certificate it wants to be
 * encrypted to, when that is not the signing certificate (many
 * organisations issue separate signing and encryption certificates).
 *
 * cms_keypref_find() reads the attribute of si (issuerAndSerialNumber,
 * receipentKeyId or subjectAltKeyIdentifier) and returns the matching
 * certificate of certs (borrowed from certs), or NULL when the attribute
 * is absent, malformed or names a certificate the message did not carry.
 * The ASN.1 is decoded by OpenSSL's template machinery.
 */
#ifndef GW_SMIME_CMS_KEYPREF_H
#define GW_SMIME_CMS_KEYPREF_H

#include <openssl/cms.h>
#include <openssl/x509.h>

X509	*cms_keypref_find(CMS_SignerInfo *, STACK_OF(X509) *certs);

#endif
