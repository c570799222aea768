/*
 * cms_verify - see cms_verify.h.
 *
 * OpenSSL's CMS_verify() checks the signatures (CMS_NO_SIGNER_CERT_VERIFY:
 * the chains are checked here, once at the signing time and once now,
 * which CMS_verify cannot do, and so that "tampered" and "untrusted" get
 * reasons of their own).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "smime/cms/cms_keypref.h"
#include "smime/cms/cms_parse.h"
#include "smime/cms/cms_verify.h"
#include "smime/x509/cert_info.h"

const char *
cms_check_name(enum cms_check c)
{
	switch (c) {
	case CMS_CHECK_PASS:
		return "pass";
	case CMS_CHECK_FAIL:
		return "fail";
	case CMS_CHECK_NEUTRAL:
		return "neutral";
	case CMS_CHECK_PERMERROR:
		return "permerror";
	}
	return "?";
}

static int
verdict(struct cms_verify_result *r, enum cms_check v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
verdict(struct cms_verify_result *r, enum cms_check v, const char *fmt, ...)
{
	va_list	ap;

	r->verdict = v;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	return 0;
}

static int64_t
signing_time(CMS_SignerInfo *si)
{
	X509_ATTRIBUTE *a;
	ASN1_TYPE *t;
	int64_t	v;
	int	loc = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);

	if (loc < 0 || (a = CMS_signed_get_attr(si, loc)) == NULL ||
	    (t = X509_ATTRIBUTE_get0_type(a, 0)) == NULL)
		return 0;
	if (t->type != V_ASN1_UTCTIME && t->type != V_ASN1_GENERALIZEDTIME)
		return 0;
	return cert_time(t->value.asn1_string, &v) ? v : 0;
}

/* The reason for a certificate the chain check refused. */
static void
chain_reason(int e, int depth, char *buf, size_t sz)
{
	const char *who = depth == 0 ? "signer certificate" :
	    "a certificate of the signer's chain";

	switch (e) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		snprintf(buf, sz, "%s expired", who);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		snprintf(buf, sz, "%s not yet valid", who);
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		snprintf(buf, sz, "signer not trusted (no chain to a trusted "
		    "CA)");
		break;
	case X509_V_ERR_INVALID_PURPOSE:
		snprintf(buf, sz, "%s not for e-mail protection", who);
		break;
	default:
		snprintf(buf, sz, "%s: %s", who, X509_verify_cert_error_string(e));
	}
}

/* Revocation of the chain the "now" check built (smime/revoke/README.md):
 * revoked and, by on_unknown, refuse are a verdict of FAIL (0 with the
 * reason in buf); tempfail is -2 (the mail waits, never a pass); accept
 * passes and is remembered in r for the log. 1: the chain holds. */
static int
revocation_ok(struct revocation *rev, X509_STORE_CTX *ctx, int64_t now,
    struct cms_verify_result *r, char *buf, size_t sz)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get1_chain(ctx);
	enum rev_status st;

	if (chain == NULL)
		return -1;
	st = revocation_check_chain(rev, chain, now, &r->revocation);
	sk_X509_pop_free(chain, X509_free);
	if (st == REV_REVOKED) {
		snprintf(buf, sz, "certificate revoked: %.200s",
		    r->revocation.reason);
		return 0;
	}
	if (st != REV_UNKNOWN)
		return 1;
	switch (revocation_on_unknown(rev)) {
	case UNKNOWN_ACCEPT:
		r->revocation_unknown_accepted = true;
		return 1;
	case UNKNOWN_REFUSE:
		snprintf(buf, sz, "revocation status unknown: %.200s",
		    r->revocation.reason);
		return 0;
	case UNKNOWN_TEMPFAIL:
	default:
		snprintf(buf, sz, "revocation status unknown (on_unknown: "
		    "tempfail): %.180s", r->revocation.reason);
		return -2;
	}
}

/* 1: the signer chains to a trust anchor at time at (and, when rev is
 * set, is not revoked); 0: it does not (reason in buf); -1: out of
 * memory; -2: revocation status unknown, the mail must wait (reason in
 * buf). */
static int
chain_ok(X509_STORE *store, X509 *signer, STACK_OF(X509) *untrusted,
    int64_t at, struct revocation *rev, struct cms_verify_result *r,
    char *buf, size_t sz)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *vp;
	int	ok;

	if (ctx == NULL || !X509_STORE_CTX_init(ctx, store, signer, untrusted)) {
		X509_STORE_CTX_free(ctx);
		return -1;
	}
	X509_STORE_CTX_set_default(ctx, "smime_sign");
	vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(vp, (time_t)at);
	ok = X509_verify_cert(ctx) > 0;
	if (!ok)
		chain_reason(X509_STORE_CTX_get_error(ctx),
		    X509_STORE_CTX_get_error_depth(ctx), buf, sz);
	else if (rev != NULL)
		ok = revocation_ok(rev, ctx, at, r, buf, sz);
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return ok < 0 ? ok : ok ? 1 : 0;
}

/* Checks every signer's chain now (with its revocation) and at its
 * signing time. */
static int
check_chains(CMS_ContentInfo *cms, X509_STORE *store, STACK_OF(X509) *certs,
    struct revocation *rev, int64_t now, struct cms_verify_result *r,
    struct smime_err *err)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	CMS_SignerInfo *si;
	X509	*signer;
	char	why[sizeof(r->reason)];
	int	i, k;
	int64_t	at;

	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		si = sk_CMS_SignerInfo_value(sis, i);
		CMS_SignerInfo_get0_algs(si, NULL, &signer, NULL, NULL);
		k = chain_ok(store, signer, certs, now, rev, r, why,
		    sizeof(why));
		if (k == -2) {
			smime_err_set(err, SMIME_TEMP, "%s", why);
			return -1;
		}
		if (k < 0)
			goto nomem;
		if (k == 0)
			return verdict(r, CMS_CHECK_FAIL, "%s", why);
		at = signing_time(si);
		if (at == 0 || at == now)
			continue;
		if ((k = chain_ok(store, signer, certs, at, NULL, r, why,
		    sizeof(why))) < 0)
			goto nomem;
		if (k == 0)
			return verdict(r, CMS_CHECK_FAIL, "%s at signing time",
			    why);
	}
	return verdict(r, CMS_CHECK_PASS, "signature verified");
nomem:
	smime_err_set(err, SMIME_TEMP, "out of memory checking a certificate "
	    "chain");
	return -1;
}

/* Digest algorithms OpenSSL does not know make the message neutral
 * before anything is tried. */
static bool
digests_known(STACK_OF(CMS_SignerInfo) *sis, char *name, size_t sz)
{
	X509_ALGOR *dig;
	int	i;

	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(sis, i), NULL,
		    NULL, &dig, NULL);
		if (dig == NULL || EVP_get_digestbyobj(dig->algorithm) == NULL) {
			if (dig == NULL || OBJ_obj2txt(name, (int)sz,
			    dig->algorithm, 0) <= 0)
				snprintf(name, sz, "?");
			return false;
		}
	}
	return true;
}

static void
keep_certs(CMS_ContentInfo *cms, STACK_OF(X509) *certs,
    struct cms_verify_result *r)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	CMS_SignerInfo *si;
	X509	*signer = NULL, *pref;

	if (sk_CMS_SignerInfo_num(sis) <= 0)
		return;
	si = sk_CMS_SignerInfo_value(sis, 0);
	CMS_SignerInfo_get0_algs(si, NULL, &signer, NULL, NULL);
	if (signer != NULL && X509_up_ref(signer))
		r->signer = signer;
	if ((pref = cms_keypref_find(si, certs)) != NULL && X509_up_ref(pref))
		r->enc_pref = pref;
	r->signing_time = signing_time(si);
}

int
cms_verify_signed(CMS_ContentInfo *cms, BIO *dcont, BIO *out,
    X509_STORE *store, struct revocation *rev, int64_t now,
    struct cms_verify_result *r, struct smime_err *err)
{
	STACK_OF(CMS_SignerInfo) *sis;
	STACK_OF(X509) *certs = NULL;
	char	why[200];
	int	n, found, rc = 0;

	memset(r, 0, sizeof(*r));
	r->revocation.status = REV_NONE;
	r->revocation.depth = -1;
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
		return verdict(r, CMS_CHECK_PERMERROR, "not a signed-data "
		    "structure");
	sis = CMS_get0_SignerInfos(cms);
	n = sk_CMS_SignerInfo_num(sis);
	r->nsigners = n > 0 ? (unsigned)n : 0;
	if (n <= 0)
		return verdict(r, CMS_CHECK_NEUTRAL, "certificates only, no "
		    "signature");
	if (n > CMS_VERIFY_MAX_SIGNERS)
		return verdict(r, CMS_CHECK_PERMERROR, "more than %d signers",
		    CMS_VERIFY_MAX_SIGNERS);
	certs = CMS_get1_certs(cms);
	if (sk_X509_num(certs) > CMS_VERIFY_MAX_CERTS) {
		verdict(r, CMS_CHECK_PERMERROR, "more than %d certificates",
		    CMS_VERIFY_MAX_CERTS);
		goto done;
	}
	if (!digests_known(sis, why, sizeof(why))) {
		verdict(r, CMS_CHECK_NEUTRAL, "unsupported algorithm (digest "
		    "%s)", why);
		goto done;
	}
	ERR_clear_error();
	found = CMS_set1_signers_certs(cms, NULL, 0);
	keep_certs(cms, certs, r);
	if (found < n) {
		ERR_clear_error();
		verdict(r, CMS_CHECK_PERMERROR, "signer certificate not "
		    "included in the message");
		goto done;
	}
	if (CMS_verify(cms, NULL, NULL, dcont, out, CMS_NO_SIGNER_CERT_VERIFY |
	    CMS_BINARY) <= 0) {
		if (cms_failure(why, sizeof(why)))
			verdict(r, CMS_CHECK_NEUTRAL, "unsupported algorithm "
			    "(%s)", why);
		else
			verdict(r, CMS_CHECK_FAIL, "signature does not verify "
			    "(%s)", why);
		goto done;
	}
	r->signature_ok = true;
	if (check_chains(cms, store, certs, rev, now, r, err) < 0)
		rc = -1;
done:
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

int
cms_signed_content(CMS_ContentInfo *cms, BIO *out, struct smime_err *err)
{
	ASN1_OCTET_STRING **pos = CMS_get0_content(cms);

	if (pos == NULL || *pos == NULL) {
		smime_err_set(err, SMIME_PERM, "signed-data without content");
		return -1;
	}
	if (BIO_write(out, ASN1_STRING_get0_data(*pos),
	    ASN1_STRING_length(*pos)) != ASN1_STRING_length(*pos)) {
		smime_err_set(err, SMIME_TEMP, "writing the content failed");
		return -1;
	}
	return 0;
}

void
cms_verify_result_clear(struct cms_verify_result *r)
{
	if (r == NULL)
		return;
	X509_free(r->signer);
	X509_free(r->enc_pref);
	r->signer = r->enc_pref = NULL;
}
