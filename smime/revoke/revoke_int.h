/*
 * revoke_int - what the revoke_*.c files share; not for other modules.
 *
 * One answer as verified (struct rev_result): an OCSP response's status
 * for one certificate, or a whole CRL (looked up per certificate with
 * crl_lookup()), with its validity and the DER as fetched (to be saved).
 * *_from_der() verify an answer against the issuer at now; *_fetch()
 * fetch one through io and verify it. All return false with why when
 * there is no usable answer. rev_result_clear() is NULL-safe. The
 * issuer of a certificate whose chain is not held comes from its AIA
 * caIssuers (revoke_issuer.c).
 */
#ifndef GW_REVOKE_INT_H
#define GW_REVOKE_INT_H

#include <openssl/ocsp.h>

#include "smime/revoke/revoke.h"

struct rev_result {
	enum rev_status	status;		/* OCSP: good, revoked or unknown */
	int64_t		this_update, next_update;	/* next_update 0: none */
	int64_t		revoked_at;
	int		reason;		/* -1: none given */
	X509_CRL	*crl;		/* a CRL answer */
	X509		*issuer;	/* a caIssuers answer */
	unsigned char	*der;
	size_t		len;
};

void	rev_result_clear(struct rev_result *);
/* When a result stops holding: nextUpdate, else fetched_at + max_age. */
int64_t	rev_result_expiry(const struct rev_result *, int64_t fetched_at,
	    int64_t max_age);
/* thisUpdate/nextUpdate against now with REV_LEEWAY_S; false with why. */
bool	rev_times_ok(const char *what, int64_t this_update,
	    int64_t next_update, int64_t now, int64_t max_age, char *why,
	    size_t whysz);
const char *rev_utc(int64_t, char *buf, size_t size);

/* The responder for x: override when set, else the first http:// URL of
 * its AIA; NULL when none. Caller frees. */
char	*ocsp_url(X509 *x, const char *override);
/* "ocsp:" and the SHA-256 of the DER of x's CertID under issuer. */
bool	ocsp_key(X509 *x, X509 *issuer, char *buf, size_t size);
bool	ocsp_fetch(const struct rev_io *, const char *url, X509 *x,
	    X509 *issuer, unsigned timeout_ms, int64_t now, int64_t max_age,
	    struct rev_result *, char *why, size_t whysz);
/* req: the request sent, for its nonce; NULL for a stored answer. */
bool	ocsp_from_der(const unsigned char *, size_t, X509 *x, X509 *issuer,
	    OCSP_REQUEST *req, int64_t now, int64_t max_age,
	    struct rev_result *, char *why, size_t whysz);

/* The http:// URIs of x's CRL distribution points (at most 8); caller
 * frees each and the array. */
char	**crl_urls(X509 *x, size_t *n);
void	crl_urls_free(char **, size_t);
/* "crl:" URL "|" and the SHA-256 of the issuer's public key. */
bool	crl_key(const char *url, X509 *issuer, char *buf, size_t size);
bool	crl_fetch(const struct rev_io *, const char *url, X509 *issuer,
	    unsigned timeout_ms, int64_t now, int64_t max_age,
	    struct rev_result *, char *why, size_t whysz);
bool	crl_from_der(const unsigned char *, size_t, X509 *issuer, int64_t now,
	    int64_t max_age, struct rev_result *, char *why, size_t whysz);
/* x in the CRL: REV_GOOD, REV_REVOKED (with the date and reason) or
 * REV_UNKNOWN (the CRL does not cover x: its scope). */
enum rev_status crl_lookup(X509_CRL *, X509 *x, int64_t *revoked_at,
	    int *reason, char *why, size_t whysz);

/* The http:// caIssuers URLs of x's AIA (at most 4); caller frees each
 * and the array (issuer_urls_free). */
char	**issuer_urls(X509 *x, size_t *n);
void	issuer_urls_free(char **, size_t);
/* The certificate of der (DER, or a PKCS#7 certs-only bundle) that
 * issued x (x's signature verifies with its key); NULL when none.
 * Caller frees. */
X509	*issuer_from_der(const unsigned char *, size_t, X509 *x);
/* GETs url and keeps, in res->issuer, the certificate that issued x. */
bool	issuer_fetch(const struct rev_io *, const char *url, X509 *x,
	    unsigned timeout_ms, struct rev_result *, char *why, size_t whysz);
#define REV_ISSUER_MAX	(64 * 1024)	/* bytes of a caIssuers answer */

#endif
