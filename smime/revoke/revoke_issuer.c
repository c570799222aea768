/*
 * revoke_issuer - a certificate's issuer from its Authority Information
 * Access caIssuers URLs (RFC 5280 4.2.2.1), for the revocation check of a
 * certificate whose chain gatewarden does not hold (a harvested key whose
 * intermediate came only with the signed message); see revoke_int.h.
 * Nothing here is trusted: an issuer is taken only when x's signature
 * verifies with its key, and it serves only to ask about x's revocation.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include "lib/xalloc.h"
#include "smime/revoke/revoke_int.h"

#define ISSUER_URLS_MAX	4

char **
issuer_urls(X509 *x, size_t *n)
{
	AUTHORITY_INFO_ACCESS *aia;
	char	**v = NULL;
	int	i;

	*n = 0;
	if ((aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL)) == NULL)
		return NULL;
	for (i = 0; i < sk_ACCESS_DESCRIPTION_num(aia) &&
	    *n < ISSUER_URLS_MAX; i++) {
		ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		const unsigned char *u;
		int	len;

		if (OBJ_obj2nid(ad->method) != NID_ad_ca_issuers ||
		    ad->location->type != GEN_URI)
			continue;
		u = ASN1_STRING_get0_data(ad->location->d.uniformResourceIdentifier);
		len = ASN1_STRING_length(ad->location->d.uniformResourceIdentifier);
		if (len < 8 || len > 2048 || strncasecmp((const char *)u,
		    "http://", 7) != 0 || memchr(u, '\0', (size_t)len))
			continue;
		v = x_reallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = x_strndup((const char *)u, (size_t)len);
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	return v;
}

static bool
issued(X509 *issuer, X509 *x)
{
	EVP_PKEY *key = X509_get0_pubkey(issuer);

	return X509_check_issued(issuer, x) == X509_V_OK && key != NULL &&
	    X509_verify(x, key) == 1;
}

X509 *
issuer_from_der(const unsigned char *der, size_t len, X509 *x)
{
	const unsigned char *p = der;
	STACK_OF(X509) *certs = NULL;
	X509	*c, *found = NULL;
	PKCS7	*p7;
	int	i;

	if ((c = d2i_X509(NULL, &p, (long)len)) != NULL) {
		if (p == der + len && issued(c, x))
			found = c;
		else
			X509_free(c);
		ERR_clear_error();
		return found;
	}
	p = der;
	if ((p7 = d2i_PKCS7(NULL, &p, (long)len)) != NULL &&
	    PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
		certs = p7->d.sign->cert;
	for (i = 0; certs != NULL && i < sk_X509_num(certs) && found == NULL;
	    i++)
		if (issued(sk_X509_value(certs, i), x)) {
			found = sk_X509_value(certs, i);
			X509_up_ref(found);
		}
	PKCS7_free(p7);
	ERR_clear_error();
	return found;
}

void
issuer_urls_free(char **v, size_t n)
{
	crl_urls_free(v, n);
}

bool
issuer_fetch(const struct rev_io *io, const char *url, X509 *x,
    unsigned timeout_ms, struct rev_result *res, char *why, size_t whysz)
{
	unsigned char *out = NULL;
	size_t	outlen = 0;
	char	err[400];

	memset(res, 0, sizeof(*res));
	res->reason = -1;
	if (!io->fetch(io->arg, url, NULL, 0, timeout_ms, REV_ISSUER_MAX, &out,
	    &outlen, err, sizeof(err))) {
		snprintf(why, whysz, "issuer %s: %s", url, err);
		return false;
	}
	if ((res->issuer = issuer_from_der(out, outlen, x)) == NULL) {
		snprintf(why, whysz, "issuer %s: not the certificate that "
		    "issued it", url);
		free(out);
		return false;
	}
	res->der = out;
	res->len = outlen;
	return true;
}
