/*
 * ratelimit - "at most one alert per key per interval", thread-safe.
 *
 * ratelimit_new(max_entries, interval, clock, arg) makes a limiter that
 * remembers up to max_entries keys (strings, e.g. tls_alert_key()). Keys
 * longer than RATELIMIT_KEY_MAX - 1 bytes are cut to that length (two
 * overlong keys that share their first bytes share a slot, which only
 * makes alerts rarer). clock returns seconds on a monotonic scale and is
 * called with arg; NULL uses CLOCK_MONOTONIC. Tests inject a fake clock.
 *
 * ratelimit_allow(rl, key, &suppressed) returns true when an alert for key
 * may go now: the key was not seen, or its last allowed alert is at least
 * interval seconds old. It then records now, and puts into *suppressed
 * (may be NULL) how many calls for the key were refused since the last
 * allowed one, so the alert can say "N similar alerts suppressed". It
 * returns false (and counts) otherwise.
 *
 * Memory is fixed at creation: when every slot is in use, a new key takes
 * the slot whose last allowed alert is oldest (such a key may then alert
 * again early; alerts are never lost to the bound, only less limited).
 *
 * ratelimit_new() returns NULL when max_entries is 0 (out of memory
 * aborts, lib/xalloc.h). ratelimit_free(NULL) is fine. All calls on one
 * limiter may come from any thread; a mutex guards it.
 */
#ifndef GW_RATELIMIT_H
#define GW_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_KEY_MAX 256

typedef uint64_t (*ratelimit_clock_fn)(void *arg);

struct ratelimit;

struct ratelimit *ratelimit_new(size_t max_entries, uint64_t interval,
	    ratelimit_clock_fn, void *arg);
bool	ratelimit_allow(struct ratelimit *, const char *key,
	    unsigned *suppressed);
/* Keys currently remembered (for tests and statistics). */
size_t	ratelimit_count(struct ratelimit *);
void	ratelimit_free(struct ratelimit *);

#endif
