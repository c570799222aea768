/*
 * cms_encrypt - see cms_encrypt.h.
 */
#include "config.h"

#include <stdio.h>

#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "lib/xalloc.h"
#include "smime/cms/cms_encrypt.h"

static const EVP_CIPHER *
cipher_of(enum smime_cipher c)
{
	switch (c) {
	case CIPHER_AES128_CBC:
		return EVP_aes_128_cbc();
	case CIPHER_AES256_GCM:
		return EVP_aes_256_gcm();
	default:
		return EVP_aes_256_cbc();
	}
}

static int
add_recipient(struct cms_stage *st, X509 *cert, enum key_transport kt,
    struct smime_err *err)
{
	CMS_RecipientInfo *ri;
	EVP_PKEY_CTX *pctx;
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	int	id = pub ? EVP_PKEY_get_base_id(pub) : 0;
	int	ok = 1;

	if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC) {
		smime_err_set(err, SMIME_PERM,
		    "recipient certificate with an unusable key type");
		return -1;
	}
	ri = CMS_add1_recipient(st->cms, cert, NULL, NULL, CMS_KEY_PARAM);
	if (ri == NULL || (pctx = CMS_RecipientInfo_get0_pkey_ctx(ri)) == NULL) {
		smime_err_ssl(err, SMIME_TEMP, "adding a recipient");
		return -1;
	}
	if (id == EVP_PKEY_RSA && kt == KT_OAEP)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_OAEP_PADDING) > 0 &&
		    EVP_PKEY_CTX_set_rsa_oaep_md(pctx, EVP_sha256()) > 0 &&
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0;
	else if (id == EVP_PKEY_EC)
		ok = EVP_PKEY_CTX_set_ecdh_kdf_md(pctx, EVP_sha256()) > 0;
	if (!ok) {
		smime_err_ssl(err, SMIME_TEMP, "recipient key parameters");
		return -1;
	}
	return 0;
}

struct cms_stage *
cms_encrypt_new(const struct cms_encrypt_opts *o, struct smime_err *err)
{
	struct cms_stage *st = x_calloc(1, sizeof(*st));
	size_t	i;

	st->cms = CMS_encrypt(NULL, NULL, cipher_of(o->cipher),
	    CMS_PARTIAL | CMS_BINARY | CMS_STREAM);
	if (st->cms == NULL) {
		smime_err_ssl(err, SMIME_TEMP, "CMS_encrypt");
		goto fail;
	}
	for (i = 0; i < o->ncerts; i++)
		if (add_recipient(st, o->certs[i], o->key_transport, err) < 0)
			goto fail;
	snprintf(st->content_type, sizeof(st->content_type),
	    "application/pkcs7-mime; smime-type=%s; name=\"smime.p7m\"",
	    o->cipher == CIPHER_AES256_GCM ? "authEnveloped-data" :
	    "enveloped-data");
	st->cte = "base64";
	st->disposition = "attachment; filename=\"smime.p7m\"";
	st->open = cms_stage_open_ber;
	st->close = cms_stage_close_ber;
	return st;
fail:
	cms_stage_free(st);
	return NULL;
}
