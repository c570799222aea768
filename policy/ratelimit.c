/*
 * ratelimit - see ratelimit.h.
 *
 * A plain array searched linearly: alerts are rare and the table small
 * (hundreds of keys), so a hash table would buy nothing but code.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/xalloc.h"
#include "policy/ratelimit.h"

struct slot {
	bool		used;
	char		key[RATELIMIT_KEY_MAX];
	uint64_t	last;		/* when the last alert was allowed */
	unsigned	suppressed;	/* refused since then */
};

struct ratelimit {
	pthread_mutex_t	lock;
	struct slot	*slots;
	size_t		nslots;
	uint64_t	interval;
	ratelimit_clock_fn clock;
	void		*arg;
};

static uint64_t
monotonic_seconds(void *arg)
{
	struct timespec ts;

	(void)arg;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec;
}

struct ratelimit *
ratelimit_new(size_t max_entries, uint64_t interval, ratelimit_clock_fn clock,
    void *arg)
{
	struct ratelimit *rl;

	if (max_entries == 0)
		return NULL;
	rl = x_calloc(1, sizeof(*rl));
	rl->slots = x_calloc(max_entries, sizeof(*rl->slots));
	rl->nslots = max_entries;
	rl->interval = interval;
	rl->clock = clock ? clock : monotonic_seconds;
	rl->arg = arg;
	if (pthread_mutex_init(&rl->lock, NULL) != 0) {
		free(rl->slots);
		free(rl);
		return NULL;
	}
	return rl;
}

/* The slot for key, or the one to give it: a free one, else the oldest. */
static struct slot *
find_slot(struct ratelimit *rl, const char *key, bool *found)
{
	struct slot *free_slot = NULL, *oldest = NULL;
	size_t	i;

	*found = false;
	for (i = 0; i < rl->nslots; i++) {
		struct slot *s = &rl->slots[i];

		if (!s->used) {
			if (free_slot == NULL)
				free_slot = s;
			continue;
		}
		if (strcmp(s->key, key) == 0) {
			*found = true;
			return s;
		}
		if (oldest == NULL || s->last < oldest->last)
			oldest = s;
	}
	return free_slot ? free_slot : oldest;
}

bool
ratelimit_allow(struct ratelimit *rl, const char *key, unsigned *suppressed)
{
	char	k[RATELIMIT_KEY_MAX];
	struct slot *s;
	bool	found, allow;
	uint64_t now;

	if (suppressed)
		*suppressed = 0;
	if (rl == NULL || key == NULL)
		return true;
	strncpy(k, key, sizeof(k) - 1);
	k[sizeof(k) - 1] = '\0';
	now = rl->clock(rl->arg);
	pthread_mutex_lock(&rl->lock);
	s = find_slot(rl, k, &found);
	/* A clock that went backwards (a fake one) counts as "long ago". */
	allow = !found || now < s->last || now - s->last >= rl->interval;
	if (allow) {
		if (suppressed && found)
			*suppressed = s->suppressed;
		s->used = true;
		memcpy(s->key, k, sizeof(k));
		s->last = now;
		s->suppressed = 0;
	} else if (s->suppressed < ~0U)
		s->suppressed++;
	pthread_mutex_unlock(&rl->lock);
	return allow;
}

size_t
ratelimit_count(struct ratelimit *rl)
{
	size_t	i, n = 0;

	if (rl == NULL)
		return 0;
	pthread_mutex_lock(&rl->lock);
	for (i = 0; i < rl->nslots; i++)
		if (rl->slots[i].used)
			n++;
	pthread_mutex_unlock(&rl->lock);
	return n;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl->slots);
	free(rl);
}
