/*
 * cms_sign - the signature stage (see cms_stage.h): RFC 8551 signed-data
 * over the inner entity, streamed.
 *
 *   - detached: multipart/signed; protocol="application/pkcs7-signature";
 *     micalg=sha-256|sha-384|sha-512; the inner entity is copied to down
 *     as the first part while it is digested, the DER signature follows as
 *     the base64 part smime.p7s;
 *   - opaque: application/pkcs7-mime; smime-type=signed-data; the entity
 *     travels inside the BER signed-data, base64 (smime.p7m).
 * Signature algorithm: ECDSA for EC keys; for RSA keys PKCS#1 v1.5 or
 * RSASSA-PSS with MGF1 over the same digest and a salt as long as the
 * digest (what gpgsm and RFC 4056 expect; OpenSSL would use the maximum).
 * The signer's certificate is always included (readers need it); its chain
 * only when include_chain is set. Signed attributes: content type, signing
 * time, message digest, S/MIME capabilities (OpenSSL's defaults).
 *
 * cms_sign_new() returns NULL with err set (SMIME_TEMP) when OpenSSL
 * refuses the key or parameters. Free with cms_stage_free().
 */
#ifndef GW_SMIME_CMS_SIGN_H
#define GW_SMIME_CMS_SIGN_H

#include <stdbool.h>

#include "conf/config.h"
#include "smime/cms/cms_stage.h"
#include "smime/cms/signer.h"

struct cms_sign_opts {
	const struct smime_signer *signer;
	enum smime_digest digest;
	enum smime_signature signature;
	bool		include_chain;
	bool		detached;
};

struct cms_stage *cms_sign_new(const struct cms_sign_opts *, struct smime_err *);

/* "sha-256" ... as RFC 5751 spells the micalg parameter. */
const char *cms_micalg(enum smime_digest);
const EVP_MD *cms_digest_md(enum smime_digest);

#endif
