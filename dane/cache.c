/*
 * cache - see cache.h.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dane/cache.h"
#include "lib/xalloc.h"

struct entry {
	char		*domain;
	struct dane_summary s;
	time_t		expires;
	struct entry	*next;
};

struct dane_cache {
	pthread_mutex_t	lock;
	struct entry	**bucket;
	size_t		nbuckets, n, max;
	uint32_t	max_ttl;
	dane_clock_fn	clock;
	void		*clock_arg;
};

static time_t
now(const struct dane_cache *c)
{
	return c->clock ? c->clock(c->clock_arg) : time(NULL);
}

static size_t
hash(const char *s, size_t nbuckets)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)tolower((unsigned char)*s);
		h *= 1099511628211ULL;
	}
	return (size_t)(h % nbuckets);
}

struct dane_cache *
dane_cache_new(size_t max_entries, uint32_t max_ttl, dane_clock_fn clock,
    void *clock_arg)
{
	struct dane_cache *c = x_calloc(1, sizeof(*c));

	c->max = max_entries ? max_entries : 1;
	c->nbuckets = c->max < 64 ? 64 : c->max;
	c->bucket = x_calloc(c->nbuckets, sizeof(*c->bucket));
	c->max_ttl = max_ttl;
	c->clock = clock;
	c->clock_arg = clock_arg;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void
entry_free(struct entry *e)
{
	free(e->domain);
	free(e);
}

void
dane_cache_free(struct dane_cache *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nbuckets; i++)
		while (c->bucket[i]) {
			struct entry *e = c->bucket[i];

			c->bucket[i] = e->next;
			entry_free(e);
		}
	free(c->bucket);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Removes expired entries; with none expired and force, the one that
 * expires soonest. Lock held. */
static void
evict(struct dane_cache *c, time_t t, bool force)
{
	struct entry **pp, **soonest = NULL;
	size_t	i;

	for (i = 0; i < c->nbuckets; i++)
		for (pp = &c->bucket[i]; *pp; ) {
			struct entry *e = *pp;

			if (e->expires <= t) {
				*pp = e->next;
				entry_free(e);
				c->n--;
				continue;
			}
			if (soonest == NULL || e->expires < (*soonest)->expires)
				soonest = pp;
			pp = &e->next;
		}
	if (force && c->n >= c->max && soonest) {
		struct entry *e = *soonest;

		*soonest = e->next;
		entry_free(e);
		c->n--;
	}
}

bool
dane_cache_get(struct dane_cache *c, const char *domain,
    struct dane_summary *s)
{
	struct entry *e;
	bool	found = false;
	time_t	t = now(c);

	pthread_mutex_lock(&c->lock);
	for (e = c->bucket[hash(domain, c->nbuckets)]; e; e = e->next)
		if (strcasecmp(e->domain, domain) == 0) {
			if (e->expires > t) {
				*s = e->s;
				found = true;
			}
			break;
		}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void
dane_cache_put(struct dane_cache *c, const char *domain,
    const struct dane_summary *s, uint32_t ttl)
{
	struct entry *e, **head;
	time_t	t = now(c);

	if (ttl > c->max_ttl)
		ttl = c->max_ttl;
	/* A failed or bogus answer carries no TTL of its own (0): it is
	 * kept briefly all the same, so a broken zone is not hammered. */
	if ((s->failed || s->bogus || s->mx_failed || s->mx_bogus) &&
	    (ttl == 0 || ttl > DANE_CACHE_FAIL_TTL))
		ttl = DANE_CACHE_FAIL_TTL;
	if (ttl == 0)
		return;
	pthread_mutex_lock(&c->lock);
	head = &c->bucket[hash(domain, c->nbuckets)];
	for (e = *head; e; e = e->next)
		if (strcasecmp(e->domain, domain) == 0)
			break;
	if (e == NULL) {
		if (c->n >= c->max)
			evict(c, t, true);
		e = x_calloc(1, sizeof(*e));
		e->domain = x_strdup(domain);
		e->next = *head;
		*head = e;
		c->n++;
	}
	e->s = *s;
	e->expires = t + (time_t)ttl;
	pthread_mutex_unlock(&c->lock);
}

size_t
dane_cache_size(struct dane_cache *c)
{
	size_t	n;

	pthread_mutex_lock(&c->lock);
	n = c->n;
	pthread_mutex_unlock(&c->lock);
	return n;
}
