/*
 * test_policy_ratelimit - the alert rate limiter (policy/ratelimit.h) with
 * a fake clock: one alert per key per interval, suppressed counts, the
 * bound on memory, and concurrent callers.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "policy/ratelimit.h"
#include "t/tap.h"

static uint64_t
fake_clock(void *arg)
{
	return *(uint64_t *)arg;
}

static void
test_interval(void)
{
	static const struct {
		uint64_t now;
		const char *key;
		bool	want;
		unsigned suppressed;	/* reported when allowed */
	} steps[] = {
		{ 1000, "tls-required group=partners client=192.0.2.7", true, 0 },
		{ 1000, "tls-required group=partners client=192.0.2.7", false, 0 },
		{ 1001, "tls-required group=partners client=192.0.2.8", true, 0 },
		{ 4599, "tls-required group=partners client=192.0.2.7", false, 0 },
		{ 4600, "tls-required group=partners client=192.0.2.7", true, 2 },
		{ 4601, "tls-required group=partners client=192.0.2.7", false, 0 },
		{ 4601, "tls-required group=partners client=192.0.2.8", true, 0 },
		{ 9000, "tls-required group=partners client=192.0.2.7", true, 1 },
		{ 10, "tls-required group=partners client=192.0.2.7", true, 0 },
	};
	uint64_t now = 0;
	struct ratelimit *rl = ratelimit_new(8, 3600, fake_clock, &now);
	size_t	i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		unsigned sup = 99;
		bool	got;

		now = steps[i].now;
		got = ratelimit_allow(rl, steps[i].key, &sup);
		ok(got == steps[i].want, "step %zu at %llu: got %s, want %s",
		    i, (unsigned long long)now, got ? "allow" : "refuse",
		    steps[i].want ? "allow" : "refuse");
		if (got)
			is_uint(sup, steps[i].suppressed,
			    "step %zu: suppressed count", i);
		else
			is_uint(sup, 0, "step %zu: refusal reports 0", i);
	}
	is_uint(ratelimit_count(rl), 2, "two keys remembered");
	ratelimit_free(rl);
}

static void
test_bound(void)
{
	uint64_t now = 100;
	struct ratelimit *rl = ratelimit_new(3, 60, fake_clock, &now);
	char	key[32];
	unsigned i;

	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "k%u", i);
		now = 100 + i;
		ok(ratelimit_allow(rl, key, NULL), "fill %s", key);
	}
	is_uint(ratelimit_count(rl), 3, "full at 3");
	now = 110;
	ok(ratelimit_allow(rl, "k3", NULL), "new key when full is allowed");
	is_uint(ratelimit_count(rl), 3, "still 3 keys after eviction");
	ok(ratelimit_allow(rl, "k0", NULL),
	    "the oldest key (k0) was evicted: allowed again");
	ok(!ratelimit_allow(rl, "k2", NULL), "k2 kept: still limited");
	ok(!ratelimit_allow(rl, "k3", NULL), "k3 kept: still limited");
	ratelimit_free(rl);

	ok(ratelimit_new(0, 60, NULL, NULL) == NULL, "zero entries refused");
	ratelimit_free(NULL);
	ok(ratelimit_allow(NULL, "x", NULL), "NULL limiter allows");
}

static void
test_long_keys(void)
{
	uint64_t now = 1;
	struct ratelimit *rl = ratelimit_new(4, 60, fake_clock, &now);
	char	a[RATELIMIT_KEY_MAX + 50], b[RATELIMIT_KEY_MAX + 50];

	memset(a, 'x', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[sizeof(b) - 2] = 'y';
	ok(ratelimit_allow(rl, a, NULL), "overlong key allowed once");
	ok(!ratelimit_allow(rl, b, NULL),
	    "overlong keys differing past the limit share a slot");
	ratelimit_free(rl);
}

struct race {
	struct ratelimit *rl;
	unsigned	allowed;
	pthread_mutex_t	lock;
};

static void *
racer(void *arg)
{
	struct race *r = arg;
	int	i;

	for (i = 0; i < 2000; i++)
		if (ratelimit_allow(r->rl, i % 2 ? "a" : "b", NULL)) {
			pthread_mutex_lock(&r->lock);
			r->allowed++;
			pthread_mutex_unlock(&r->lock);
		}
	return NULL;
}

static void
test_threads(void)
{
	uint64_t now = 5;
	struct race r;
	pthread_t t[4];
	unsigned i;

	r.rl = ratelimit_new(4, 60, fake_clock, &now);
	r.allowed = 0;
	pthread_mutex_init(&r.lock, NULL);
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, racer, &r);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	is_uint(r.allowed, 2, "4 threads x 2000 calls on 2 keys: 2 allowed");
	pthread_mutex_destroy(&r.lock);
	ratelimit_free(r.rl);

	/* The real clock: a second call right away is limited. */
	r.rl = ratelimit_new(1, 3600, NULL, NULL);
	ok(ratelimit_allow(r.rl, "k", NULL) && !ratelimit_allow(r.rl, "k", NULL),
	    "monotonic clock: second call within the hour refused");
	ratelimit_free(r.rl);
}

int
main(void)
{
	plan_lazy();
	test_interval();
	test_bound();
	test_long_keys();
	test_threads();
	return done_testing();
}
