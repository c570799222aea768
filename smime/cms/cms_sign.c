/*
 * cms_sign - see cms_sign.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "lib/xalloc.h"
#include "smime/mime/b64.h"
#include "smime/cms/cms_sign.h"

const char *
cms_micalg(enum smime_digest d)
{
	switch (d) {
	case DIGEST_SHA384:
		return "sha-384";
	case DIGEST_SHA512:
		return "sha-512";
	default:
		return "sha-256";
	}
}

const EVP_MD *
cms_digest_md(enum smime_digest d)
{
	switch (d) {
	case DIGEST_SHA384:
		return EVP_sha384();
	case DIGEST_SHA512:
		return EVP_sha512();
	default:
		return EVP_sha256();
	}
}

/* ---- detached: multipart/signed ----------------------------------------- */

static BIO *
detached_open(struct cms_stage *st, BIO *down, struct smime_err *err)
{
	char	lead[160];

	st->down = down;
	snprintf(lead, sizeof(lead),
	    "This is an S/MIME signed message\r\n\r\n--%s\r\n", st->boundary);
	if (!cms_stage_puts(down, lead)) {
		smime_err_set(err, SMIME_TEMP, "writing the signed body failed");
		return NULL;
	}
	/* With down as the content BIO, OpenSSL digests what passes and
	 * hands it on: the entity is written once, digested on the way. */
	if ((st->in = CMS_dataInit(st->cms, down)) == NULL) {
		smime_err_ssl(err, SMIME_TEMP, "CMS_dataInit");
		return NULL;
	}
	return st->in;
}

static int
detached_close(struct cms_stage *st, struct smime_err *err)
{
	char	text[320];
	int	ok;

	ok = CMS_dataFinal(st->cms, st->in);
	cms_stage_unchain(st->in, st->down);
	st->in = NULL;
	if (!ok) {
		smime_err_ssl(err, SMIME_TEMP, "signing failed");
		return -1;
	}
	snprintf(text, sizeof(text), "\r\n--%s\r\n"
	    "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n"
	    "Content-Description: S/MIME Cryptographic Signature\r\n\r\n",
	    st->boundary);
	if (!cms_stage_puts(st->down, text) ||
	    (st->b64 = b64_bio_new(st->down)) == NULL) {
		smime_err_set(err, SMIME_TEMP, "writing the signature failed");
		return -1;
	}
	ok = i2d_CMS_bio(st->b64, st->cms) && b64_bio_finish(st->b64, 1);
	cms_stage_unchain(st->b64, st->down);
	st->b64 = NULL;
	snprintf(text, sizeof(text), "\r\n--%s--\r\n", st->boundary);
	if (!ok || !cms_stage_puts(st->down, text)) {
		smime_err_ssl(err, SMIME_TEMP, "writing the signature failed");
		return -1;
	}
	return 0;
}

/* ---- the signer ------------------------------------------------------- */

static int
add_signer(struct cms_stage *st, const struct cms_sign_opts *o,
    struct smime_err *err)
{
	CMS_SignerInfo *si;
	EVP_PKEY_CTX *pctx;
	X509_ALGOR *sigalg;
	int	i;
	bool	pss = o->signature == SIG_PSS &&
	    EVP_PKEY_get_base_id(o->signer->key) == EVP_PKEY_RSA;

	/* CMS_KEY_PARAM (needed to reach the PSS parameters) leaves the
	 * signature algorithm unset until the signature is made; only then
	 * is it used. */
	si = CMS_add1_signer(st->cms, o->signer->cert, o->signer->key,
	    cms_digest_md(o->digest), CMS_BINARY | (pss ? CMS_KEY_PARAM : 0));
	if (si == NULL) {
		smime_err_ssl(err, SMIME_TEMP, "adding the signer");
		return -1;
	}
	if (pss) {
		/* A streamed signed-data is encoded once before it is
		 * signed (the bytes ahead of the content): give the field a
		 * placeholder that OpenSSL replaces by the RSASSA-PSS
		 * identifier when it signs, before the signer infos are
		 * encoded again at the end. */
		CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &sigalg);
		X509_ALGOR_set0(sigalg, OBJ_nid2obj(NID_rsassaPss),
		    V_ASN1_UNDEF, NULL);
		pctx = CMS_SignerInfo_get0_pkey_ctx(si);
		if (pctx == NULL ||
		    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, cms_digest_md(o->digest)) <= 0) {
			smime_err_ssl(err, SMIME_TEMP, "RSASSA-PSS parameters");
			return -1;
		}
	}
	if (o->include_chain)
		for (i = 0; i < sk_X509_num(o->signer->chain); i++)
			if (!CMS_add1_cert(st->cms,
			    sk_X509_value(o->signer->chain, i))) {
				smime_err_ssl(err, SMIME_TEMP, "adding the chain");
				return -1;
			}
	return 0;
}

static int
new_boundary(char *out, size_t outsz)
{
	unsigned char r[16];
	size_t	i, n;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	n = (size_t)snprintf(out, outsz, "----=_gw_");
	for (i = 0; i < sizeof(r) && n + 3 <= outsz; i++, n += 2)
		snprintf(out + n, 3, "%02x", r[i]);
	return 0;
}

struct cms_stage *
cms_sign_new(const struct cms_sign_opts *o, struct smime_err *err)
{
	struct cms_stage *st = x_calloc(1, sizeof(*st));
	unsigned flags = CMS_PARTIAL | CMS_BINARY |
	    (o->detached ? CMS_DETACHED : CMS_STREAM);

	st->cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	if (st->cms == NULL) {
		smime_err_ssl(err, SMIME_TEMP, "CMS_sign");
		goto fail;
	}
	if (add_signer(st, o, err) < 0)
		goto fail;
	if (o->detached) {
		if (new_boundary(st->boundary, sizeof(st->boundary)) < 0) {
			smime_err_ssl(err, SMIME_TEMP, "random boundary");
			goto fail;
		}
		snprintf(st->content_type, sizeof(st->content_type),
		    "multipart/signed; protocol=\"application/pkcs7-signature\";"
		    " micalg=%s; boundary=\"%s\"", cms_micalg(o->digest),
		    st->boundary);
		st->open = detached_open;
		st->close = detached_close;
	} else {
		snprintf(st->content_type, sizeof(st->content_type),
		    "application/pkcs7-mime; smime-type=signed-data;"
		    " name=\"smime.p7m\"");
		st->cte = "base64";
		st->disposition = "attachment; filename=\"smime.p7m\"";
		st->open = cms_stage_open_ber;
		st->close = cms_stage_close_ber;
	}
	return st;
fail:
	cms_stage_free(st);
	return NULL;
}
