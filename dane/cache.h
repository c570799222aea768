/*
 * cache - DANE look-up results shared by every milter thread, kept for
 * their DNS TTL.
 *
 * What is kept per domain is the summary of its RFC 7672 look-up (tlsa.h),
 * which is all the RCPT check needs. An entry lives for the smallest TTL of
 * the answers, capped at max_ttl; a result with a failed or bogus answer
 * lives DANE_CACHE_FAIL_TTL seconds (less when its TTL is smaller), so
 * that a passing DNS problem is not remembered long nor a broken zone
 * asked again for every recipient. At most max_entries domains are held; when full,
 * expired entries go first, then the one that expires soonest.
 *
 * Time comes from a clock function (NULL: time(NULL)) so tests control it.
 * Every function is thread-safe. dane_cache_free(NULL) is fine.
 */
#ifndef GW_DANE_CACHE_H
#define GW_DANE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dane/tlsa.h"

#define DANE_CACHE_FAIL_TTL	30

typedef time_t (*dane_clock_fn)(void *arg);

struct dane_cache;

struct dane_cache *dane_cache_new(size_t max_entries, uint32_t max_ttl,
	    dane_clock_fn clock, void *clock_arg);
void	dane_cache_free(struct dane_cache *);

/* true and *s filled when domain (case-insensitive) has a live entry. */
bool	dane_cache_get(struct dane_cache *, const char *domain,
	    struct dane_summary *s);
/* Keeps s for domain, for ttl seconds (capped as above). */
void	dane_cache_put(struct dane_cache *, const char *domain,
	    const struct dane_summary *s, uint32_t ttl);
size_t	dane_cache_size(struct dane_cache *);

#endif
