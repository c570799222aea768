/*
 * serve_cache - see serve_cache.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dane/serve_cache.h"
#include "lib/xalloc.h"

struct cache {
	struct entry	**bucket;
	size_t		nbuckets, n, max;
};

static size_t
hash(const char *s, size_t nbuckets)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)(h % nbuckets);
}

struct cache *
cache_new(size_t max)
{
	struct cache *c = x_calloc(1, sizeof(*c));

	c->max = max ? max : 1;
	c->nbuckets = c->max < 64 ? 64 : c->max;
	c->bucket = x_calloc(c->nbuckets, sizeof(*c->bucket));
	return c;
}

static void
entry_free(struct entry *e)
{
	free(e->domain);
	answer_free(e->ans);
	free(e);
}

void
cache_free(struct cache *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nbuckets; i++)
		while (c->bucket[i]) {
			struct entry *e = c->bucket[i];

			c->bucket[i] = e->hnext;
			entry_free(e);
		}
	free(c->bucket);
	free(c);
}

struct entry *
cache_find(struct cache *c, const char *domain)
{
	struct entry *e;

	for (e = c->bucket[hash(domain, c->nbuckets)]; e; e = e->hnext)
		if (strcmp(e->domain, domain) == 0)
			return e;
	return NULL;
}

void
cache_remove(struct cache *c, struct entry *e)
{
	struct entry **pp;

	for (pp = &c->bucket[hash(e->domain, c->nbuckets)]; *pp;
	    pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			c->n--;
			entry_free(e);
			return;
		}
}

static void
evict_one(struct cache *c, time_t now)
{
	struct entry *victim = NULL, *e;
	size_t	i;

	for (i = 0; i < c->nbuckets; i++)
		for (e = c->bucket[i]; e; e = e->hnext) {
			if (e->busy || e->waiters)
				continue;
			if (e->expires <= now) {
				cache_remove(c, e);
				return;
			}
			if (victim == NULL || e->last_used < victim->last_used)
				victim = e;
		}
	if (victim)
		cache_remove(c, victim);
}

struct entry *
cache_get(struct cache *c, const char *domain, time_t now)
{
	struct entry *e = cache_find(c, domain);
	size_t	h;

	if (e)
		return e;
	if (c->n >= c->max)
		evict_one(c, now);
	e = x_calloc(1, sizeof(*e));
	e->domain = x_strdup(domain);
	h = hash(domain, c->nbuckets);
	e->hnext = c->bucket[h];
	c->bucket[h] = e;
	c->n++;
	return e;
}

void
cache_each(struct cache *c, void (*fn)(struct entry *, void *), void *arg)
{
	size_t	i;

	for (i = 0; i < c->nbuckets; i++) {
		struct entry *e = c->bucket[i], *next;

		for (; e; e = next) {
			next = e->hnext;
			fn(e, arg);
		}
	}
}

size_t
cache_size(const struct cache *c)
{
	return c->n;
}
