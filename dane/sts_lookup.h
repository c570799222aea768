/*
 * sts_lookup - MTA-STS policy discovery for one domain (RFC 8461 3 and
 * 5.1), over a TXT look-up, the policy cache (sts_cache.h) and the HTTPS
 * fetch (sts_fetch.h).
 *
 * sts_lookup() asks for the TXT record of _mta-sts.DOMAIN, then:
 *  - a failed or bogus TXT answer: the cached policy while it lasts,
 *    else STS_TEMP (the caller tempfails rather than deliver under a
 *    weaker policy);
 *  - no usable record (none, several, invalid): the cached policy while
 *    it lasts (5.1: a policy outlives its record), else STS_NONE;
 *  - a record whose id is the cached policy's: the cached policy, fetched
 *    again (the cache refreshed) once it is older than half its max_age
 *    or a day;
 *  - a new id, or no cached policy: the policy is fetched; a good one is
 *    cached for max_age (at most the configured cap) and used; when the
 *    fetch fails (fetch error, WebPKI, invalid policy) the cached policy
 *    still applies while it lasts, else STS_NONE (5.1: deliver as though
 *    the domain had no policy), with the failure kept for reports.
 * A policy of mode none is a policy (cached, so it is not fetched again)
 * that asks for nothing.
 *
 * result.ttl says how long the result may be reused without asking again:
 * the TXT record's TTL, never past the policy's expiry, STS_FAIL_TTL after
 * a failure, at least 1. Time comes from the clock hook (default
 * time(NULL)) and the fetch can be replaced (sts_ctx_set_hooks), for
 * tests. sts_ctx is thread-safe once made; sts_ctx_free(NULL) and
 * sts_result_clear() of a zeroed result are fine.
 */
#ifndef GW_DANE_STS_LOOKUP_H
#define GW_DANE_STS_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "conf/config.h"
#include "dane/dns.h"
#include "dane/sts.h"
#include "dane/sts_fetch.h"

#define STS_FAIL_TTL	30

enum sts_status { STS_NONE, STS_POLICY, STS_TEMP };

struct sts_result {
	enum sts_status	status;
	struct sts_policy policy;	/* STS_POLICY */
	char		id[STS_MAX_ID + 1];
	bool		cached;		/* the policy came from the cache */
	bool		fetched;	/* a fetch was tried in this look-up */
	enum sts_fetch_result fetch;	/* its result */
	char		*why;		/* what happened, for logs and reports */
	uint32_t	ttl;
	time_t		expires;	/* of the policy */
};

typedef enum sts_fetch_result sts_fetch_fn(void *arg,
	    const struct dns_source *, const char *domain,
	    const struct sts_fetch_opts *, char **body, size_t *len,
	    char **why);

struct sts_ctx;

/* owner/group: who the cache file belongs to when made by root ((uid_t)-1:
 * leave it). NULL and *err when the cache cannot be opened. */
struct sts_ctx *sts_ctx_new(const struct mta_sts_conf *, uid_t owner,
	    gid_t group, char **err);
void	sts_ctx_free(struct sts_ctx *);
void	sts_ctx_set_hooks(struct sts_ctx *, time_t (*clock)(void *),
	    sts_fetch_fn *fetch, void *arg);

void	sts_lookup(struct sts_ctx *, const struct dns_source *,
	    const char *domain, struct sts_result *out);
void	sts_result_clear(struct sts_result *);
/* Deep copy of in into *out. */
void	sts_result_copy(struct sts_result *out, const struct sts_result *in);

#endif
