/*
 * serve_cache - the answers of gatewarden-maps serve, one entry per domain,
 * touched by the event-loop thread only (no locks).
 *
 * An entry holds the domain's last answer (also once expired: the change
 * log compares with it), when it expires, when it was last asked for
 * (recently asked domains are refreshed before they expire), whether a
 * look-up is in flight for it (busy: one look-up per domain, every
 * request for it waits on that one) and the requests waiting.
 *
 * cache_get() finds or adds an entry; when max entries are held, one that
 * is neither busy nor waited on goes first (an expired one, else the one
 * asked for least recently); with none such the cache grows past max
 * (bounded by the look-ups in flight and the clients). cache_remove()
 * frees an idle entry; cache_each() visits every entry (the visitor may
 * remove the one it is given). cache_free() frees all (waiters must be
 * gone).
 */
#ifndef GW_DANE_SERVE_CACHE_H
#define GW_DANE_SERVE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "dane/serve_answer.h"

struct waiter;

struct entry {
	char		*domain;
	struct answer	*ans;		/* NULL until the first answer */
	time_t		expires;
	time_t		last_used;
	time_t		next_try;	/* no refresh before (after a failure) */
	bool		busy;
	bool		refresh_failed;	/* since the answer in force came */
	struct waiter	*waiters;
	struct entry	*hnext;
};

struct cache;

struct cache *cache_new(size_t max);
void	cache_free(struct cache *);
struct entry *cache_find(struct cache *, const char *domain);
struct entry *cache_get(struct cache *, const char *domain, time_t now);
void	cache_remove(struct cache *, struct entry *);
void	cache_each(struct cache *, void (*fn)(struct entry *, void *),
	    void *arg);
size_t	cache_size(const struct cache *);

#endif
