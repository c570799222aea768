/*
 * sts_fetch - the HTTPS fetch of an MTA-STS policy (RFC 8461 3.3) with
 * libcurl: https://mta-sts.DOMAIN/.well-known/mta-sts.txt, validated
 * against the WebPKI (the system's CA bundle, or ca_file: for labs only).
 *
 * The policy host's addresses come from the configured resolver (a
 * struct dns_source: the same validating libunbound the DANE look-ups
 * use), handed to libcurl with CURLOPT_RESOLVE, so that the host name,
 * SNI and certificate check stay the policy host's. Rules: HTTPS only, no
 * proxy, no redirect followed (a 3xx is a failure), only 200 is a policy,
 * the media type must be text/plain, at most STS_MAX_POLICY bytes (the
 * transfer is cut beyond), at most timeout seconds in all.
 *
 * sts_fetch() returns STS_FETCH_OK with the body in *body (NUL-ended,
 * *len bytes; the caller frees it), or the kind of failure with a reason
 * in *why (the caller frees it); the kinds are TLS-RPT's result types
 * (sts_fetch_result_type()). sts_fetch_global_init() runs libcurl's global
 * set-up: call it once, before any thread starts; sts_fetch_global_done()
 * at exit.
 */
#ifndef GW_DANE_STS_FETCH_H
#define GW_DANE_STS_FETCH_H

#include <stddef.h>

#include "dane/dns.h"

enum sts_fetch_result {
	STS_FETCH_OK,
	STS_FETCH_FAILED,	/* sts-policy-fetch-error */
	STS_FETCH_WEBPKI,	/* sts-webpki-invalid */
	STS_FETCH_INVALID	/* sts-policy-invalid (type, size, syntax) */
};

struct sts_fetch_opts {
	const char	*ca_file;	/* NULL: libcurl's default bundle */
	unsigned	timeout;	/* seconds, the whole transfer */
};

void	sts_fetch_global_init(void);
void	sts_fetch_global_done(void);

enum sts_fetch_result sts_fetch(const struct dns_source *, const char *domain,
	    const struct sts_fetch_opts *, char **body, size_t *len,
	    char **why);

/* "sts-policy-fetch-error" ...; NULL for STS_FETCH_OK. */
const char *sts_fetch_result_type(enum sts_fetch_result);

#endif
