/*
 * revoke_crl - CRLs (RFC 5280 section 5): where a certificate's are, one
 * fetched and verified against its issuer, and a certificate looked up in
 * it; see revoke_int.h and revoke.h for the rules.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "lib/xalloc.h"
#include "smime/revoke/revoke_int.h"
#include "smime/x509/cert_info.h"

#define CRL_URLS_MAX	8

char **
crl_urls(X509 *x, size_t *n)
{
	STACK_OF(DIST_POINT) *dps;
	char	**v = NULL;
	int	i, j;

	*n = 0;
	if ((dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL,
	    NULL)) == NULL)
		return NULL;
	for (i = 0; i < sk_DIST_POINT_num(dps) && *n < CRL_URLS_MAX; i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		/* a CRL of another issuer (indirect) is not taken */
		if (dp->distpoint == NULL || dp->distpoint->type != 0 ||
		    dp->CRLissuer != NULL)
			continue;
		for (j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname) &&
		    *n < CRL_URLS_MAX; j++) {
			GENERAL_NAME *gn = sk_GENERAL_NAME_value(
			    dp->distpoint->name.fullname, j);
			const unsigned char *u;
			int	len;

			if (gn->type != GEN_URI)
				continue;
			u = ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier);
			len = ASN1_STRING_length(gn->d.uniformResourceIdentifier);
			if (len < 8 || len > 2048 || strncasecmp((const char *)u,
			    "http://", 7) != 0 || memchr(u, '\0', (size_t)len))
				continue;
			v = x_reallocarray(v, *n + 1, sizeof(*v));
			v[(*n)++] = x_strndup((const char *)u, (size_t)len);
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return v;
}

void
crl_urls_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

bool
crl_key(const char *url, X509 *issuer, char *buf, size_t size)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, i;
	char	h[2 * EVP_MAX_MD_SIZE + 1];

	if (X509_pubkey_digest(issuer, EVP_sha256(), md, &mdlen) != 1)
		return false;
	for (i = 0; i < mdlen; i++)
		snprintf(h + 2 * i, 3, "%02x", md[i]);
	return (size_t)snprintf(buf, size, "crl:%s|%s", url, h) < size;
}

/* Extensions of a CRL that we understand; any other critical one makes
 * the CRL unusable (RFC 5280 5.2). */
static bool
crl_extensions_ok(X509_CRL *crl, char *why, size_t whysz)
{
	const STACK_OF(X509_EXTENSION) *exts = X509_CRL_get0_extensions(crl);
	int	i, nid;

	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);

		nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
		if (nid == NID_delta_crl) {
			snprintf(why, whysz, "a delta CRL (not supported)");
			return false;
		}
		if (X509_EXTENSION_get_critical(e) &&
		    nid != NID_issuing_distribution_point &&
		    nid != NID_crl_number && nid != NID_authority_key_identifier) {
			snprintf(why, whysz, "a critical CRL extension that "
			    "gatewarden does not know");
			return false;
		}
	}
	return true;
}

bool
crl_from_der(const unsigned char *der, size_t len, X509 *issuer, int64_t now,
    int64_t max_age, struct rev_result *res, char *why, size_t whysz)
{
	const unsigned char *p = der;
	X509_CRL *crl = NULL;
	EVP_PKEY *key;
	BIO	*b;
	uint32_t ku;

	memset(res, 0, sizeof(*res));
	res->reason = -1;
	if (len > REV_CRL_MAX)
		goto bad_format;
	if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		/* some CAs publish PEM */
		X509_CRL_free(crl);
		crl = NULL;
		if ((b = BIO_new_mem_buf(der, (int)len)) != NULL) {
			crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
			BIO_free(b);
		}
	}
	if (crl == NULL)
		goto bad_format;
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(issuer)) != 0) {
		snprintf(why, whysz, "the CRL is issued by another CA");
		goto bad;
	}
	ku = X509_get_key_usage(issuer);
	if (ku != UINT32_MAX && !(ku & KU_CRL_SIGN)) {
		snprintf(why, whysz, "the issuer's key usage forbids signing "
		    "CRLs");
		goto bad;
	}
	if ((key = X509_get0_pubkey(issuer)) == NULL ||
	    X509_CRL_verify(crl, key) != 1) {
		snprintf(why, whysz, "the CRL's signature does not verify with "
		    "the issuer's key");
		goto bad;
	}
	if (!crl_extensions_ok(crl, why, whysz))
		goto bad;
	if (!cert_time(X509_CRL_get0_lastUpdate(crl), &res->this_update) ||
	    (X509_CRL_get0_nextUpdate(crl) != NULL &&
	    !cert_time(X509_CRL_get0_nextUpdate(crl), &res->next_update))) {
		snprintf(why, whysz, "unreadable dates in the CRL");
		goto bad;
	}
	if (!rev_times_ok("CRL", res->this_update, res->next_update, now,
	    max_age, why, whysz))
		goto bad;
	res->crl = crl;
	res->der = x_malloc(len);
	memcpy(res->der, der, len);
	res->len = len;
	ERR_clear_error();
	return true;
bad_format:
	snprintf(why, whysz, "not a CRL");
bad:
	X509_CRL_free(crl);
	ERR_clear_error();
	return false;
}

bool
crl_fetch(const struct rev_io *io, const char *url, X509 *issuer,
    unsigned timeout_ms, int64_t now, int64_t max_age, struct rev_result *res,
    char *why, size_t whysz)
{
	unsigned char *out = NULL;
	size_t	outlen = 0;
	char	err[400];
	bool	good;

	memset(res, 0, sizeof(*res));
	if (!io->fetch(io->arg, url, NULL, 0, timeout_ms, REV_CRL_MAX, &out,
	    &outlen, err, sizeof(err))) {
		snprintf(why, whysz, "CRL %s: %s", url, err);
		return false;
	}
	good = crl_from_der(out, outlen, issuer, now, max_age, res, err,
	    sizeof(err));
	if (!good)
		snprintf(why, whysz, "CRL %s: %s", url, err);
	free(out);
	return good;
}

enum rev_status
crl_lookup(X509_CRL *crl, X509 *x, int64_t *revoked_at, int *reason,
    char *why, size_t whysz)
{
	ISSUING_DIST_POINT *idp;
	X509_REVOKED *rev = NULL;
	ASN1_ENUMERATED *code;
	bool	ca = X509_check_ca(x) != 0, covered = true;
	int	crit = -1;

	*revoked_at = 0;
	*reason = -1;
	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit,
	    NULL);
	if (idp != NULL) {
		if (idp->indirectCRL || idp->onlysomereasons != NULL ||
		    idp->onlyattr)
			covered = false;
		else if ((idp->onlyuser && ca) || (idp->onlyCA && !ca))
			covered = false;
		ISSUING_DIST_POINT_free(idp);
	} else if (crit != -1) {
		covered = false;	/* there, but unreadable */
	}
	if (!covered) {
		snprintf(why, whysz, "the CRL's scope does not cover this "
		    "certificate");
		return REV_UNKNOWN;
	}
	/* 1: listed; 2: listed as removeFromCRL, so not revoked */
	if (X509_CRL_get0_by_serial(crl, &rev,
	    X509_get0_serialNumber(x)) != 1 || rev == NULL)
		return REV_GOOD;
	(void)cert_time(X509_REVOKED_get0_revocationDate(rev), revoked_at);
	if ((code = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL,
	    NULL)) != NULL) {
		*reason = (int)ASN1_ENUMERATED_get(code);
		ASN1_ENUMERATED_free(code);
	}
	return REV_REVOKED;
}
