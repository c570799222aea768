/*
 * spool - a message body held in memory up to a limit and in a private
 * file beyond it.
 *
 * spool_init() prepares an empty store; spool_append() adds bytes, moving
 * everything to a new 0600 file "gw-XXXXXX" in the spool directory the
 * moment the memory limit would be passed, or the memory that all stores
 * of the process hold together would pass total_limit (0: none), so
 * that many large messages at once cost no more memory than a few
 * (every descriptor of it is
 * close-on-exec: no command gatewarden runs inherits a body), and notes in
 * eightbit whether a byte above 0x7f came (a copy handed back to the MTA
 * must declare it); spool_open_reader() gives the whole content back as a
 * FILE (a memory stream or the file, rewound) for the body-phase
 * features; spool_discard() frees the memory and unlinks
 * the file, and must be called however the message ends (it is safe to call
 * twice). spool_clean_stale() removes files left by a crash, at start-up.
 *
 * Errors: spool_append() returns -1 with errno set (ENOSPC, EIO ...) and
 * the store stays usable for spool_discard() only; callers apply the
 * configured failure action (tempfail by default). A store belongs to one
 * message, and a message to one milter thread; only the sum over all
 * stores is shared (atomic).
 */
#ifndef GW_SPOOL_H
#define GW_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct spool {
	const char	*dir;		/* borrowed from the config */
	uint64_t	limit;		/* bytes kept in memory */
	uint64_t	total_limit;	/* for all stores together; 0: none */
	unsigned char	*mem;
	size_t		memlen, memcap;
	int		fd;		/* -1 while in memory */
	char		path[4096];	/* the file's path once spooled */
	uint64_t	size;		/* bytes appended so far */
	bool		eightbit;	/* one of them is 0x80 or above */
};

void	spool_init(struct spool *, const char *dir, uint64_t memory_limit,
	    uint64_t total_limit);
/* The bytes of memory all stores hold now (for metrics and tests). */
uint64_t spool_memory_in_use(void);
int	spool_append(struct spool *, const void *, size_t);
bool	spool_on_disk(const struct spool *);
/* The content from its start; the caller fcloses the FILE. NULL on error
 * with errno set. */
FILE	*spool_open_reader(struct spool *);
void	spool_discard(struct spool *);
/* Removes "gw-*" files in the directory open as dir (left open);
 * returns how many, or -1 when it cannot be read. */
int	spool_clean_stale(int dirfd);

#endif
