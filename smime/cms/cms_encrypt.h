/*
 * cms_encrypt - the envelope stage (see cms_stage.h): RFC 8551
 * application/pkcs7-mime with smime-type=enveloped-data (AES-256-CBC,
 * AES-128-CBC) or smime-type=authEnveloped-data (AES-256-GCM, RFC 5083),
 * base64 (smime.p7m), streamed as BER.
 *
 * One RecipientInfo per certificate, identified by issuer and serial:
 *   - RSA keys: key transport with PKCS#1 v1.5 (KT_PKCS1, what gpgsm and
 *     NSS read) or RSAES-OAEP with SHA-256 and MGF1-SHA-256 (KT_OAEP);
 *   - EC keys: ephemeral-static ECDH (dhSinglePass-stdDH) with the X9.63
 *     KDF over SHA-256 (RFC 5753; OpenSSL would use SHA-1) and AES key wrap
 *     of the content cipher's size.
 * The certificates are borrowed: CMS takes its own references.
 * cms_encrypt_new() returns NULL with err set (SMIME_TEMP for OpenSSL
 * failures, SMIME_PERM when a certificate's key can neither transport
 * nor agree a key, e.g. DSA). Free with cms_stage_free().
 */
#ifndef GW_SMIME_CMS_ENCRYPT_H
#define GW_SMIME_CMS_ENCRYPT_H

#include <stddef.h>

#include <openssl/x509.h>

#include "conf/config.h"
#include "smime/cms/cms_stage.h"

struct cms_encrypt_opts {
	enum smime_cipher cipher;
	enum key_transport key_transport;
	X509		*const *certs;
	size_t		ncerts;
};

struct cms_stage *cms_encrypt_new(const struct cms_encrypt_opts *,
	    struct smime_err *);

#endif
