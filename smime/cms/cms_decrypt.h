/*
 * cms_decrypt - opens an enveloped-data or authEnveloped-data structure
 * of an incoming message with one of the organisation's keys.
 *
 * cms_decrypt_enveloped(cms, keys, nkeys, out, r, err) looks for a
 * RecipientInfo that names one of the certificates of keys (key
 * transport: issuer and serial or subject key identifier; key agreement:
 * each recipient encrypted key), and decrypts with the first key that has
 * one: RSA PKCS#1 v1.5 and RSAES-OAEP key transport, ECDH key agreement,
 * AES-CBC and AES-GCM content encryption, whatever this OpenSSL does. The
 * content goes to out. The verdict, in r->verdict with a reason:
 *   CMS_CHECK_PASS       decrypted; r->key is the key used (borrowed);
 *   CMS_CHECK_NEUTRAL    an algorithm this OpenSSL cannot process
 *                        (ChaCha20-Poly1305, X25519): left encrypted;
 *   CMS_CHECK_PERMERROR  not an enveloped structure, more than
 *                        CMS_DECRYPT_MAX_RECIPIENTS RecipientInfos, no
 *                        RecipientInfo for any of our certificates
 *                        ("encrypted for someone else"), or decryption
 *                        failed (wrong key, damaged, authentication tag).
 * Only RecipientInfos that name our certificates are tried, so the
 * private key operations are bounded by the number of our keys.
 * out may hold part of the content when the verdict is not PASS. Returns
 * -1 only for SMIME_TEMP.
 */
#ifndef GW_SMIME_CMS_DECRYPT_H
#define GW_SMIME_CMS_DECRYPT_H

#include <stddef.h>

#include <openssl/cms.h>

#include "smime/cms/cms_verify.h"
#include "smime/cms/signer.h"
#include "smime/smime_err.h"

#define CMS_DECRYPT_MAX_RECIPIENTS	256

struct cms_decrypt_result {
	enum cms_check	verdict;
	char		reason[240];
	const struct smime_signer *key;	/* the key used; NULL when none */
	unsigned	nrecipients;
};

int	cms_decrypt_enveloped(CMS_ContentInfo *, struct smime_signer *const *keys,
	    size_t nkeys, BIO *out, struct cms_decrypt_result *,
	    struct smime_err *);
/* true for enveloped-data and authEnveloped-data. */
bool	cms_is_enveloped(CMS_ContentInfo *);

#endif
