/*
 * sts_cache - the MTA-STS policies fetched, kept for their max_age in a
 * small SQLite file of their own, so that they survive restarts (RFC 8461
 * 5.1: a cached policy is used until it expires, even when its TXT record
 * is gone or the next fetch fails).
 *
 * One row per policy domain: the TXT id the policy was fetched under, the
 * policy text exactly as fetched (parsed again by sts.h when read, so the
 * parser stays the one judge), when it was fetched and when it expires.
 * The file is in WAL mode with a busy time-out, shared safely by
 * gatewarden-maps serve and the map writer; a file that cannot be opened
 * is an error of sts_cache_open() (NULL, message in *err, the caller frees
 * it); a later read or write that fails is logged as a warning and taken
 * as a miss (the next fetch then decides). path ":memory:" keeps the
 * policies in memory only (tests). When the process is root and owner is
 * not (uid_t)-1, the file is given to owner (the daemon's user), so that
 * SQLite creates its -wal and -shm files for that user too.
 *
 * Thread-safe (SQLite's serialized mode). sts_cache_close(NULL) is fine;
 * sts_cached_clear() frees what a get filled.
 */
#ifndef GW_DANE_STS_CACHE_H
#define GW_DANE_STS_CACHE_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "dane/sts.h"

struct sts_cache;

struct sts_cached {
	char		id[STS_MAX_ID + 1];
	char		*text;		/* the policy file */
	time_t		fetched, expires;
};

struct sts_cache *sts_cache_open(const char *path, uid_t owner, gid_t group,
	    char **err);
void	sts_cache_close(struct sts_cache *);

/* true and *out filled when domain has a row (expired or not). */
bool	sts_cache_get(struct sts_cache *, const char *domain,
	    struct sts_cached *out);
void	sts_cache_put(struct sts_cache *, const char *domain, const char *id,
	    const char *text, time_t fetched, time_t expires);
void	sts_cache_delete(struct sts_cache *, const char *domain);
void	sts_cached_clear(struct sts_cached *);

#endif
