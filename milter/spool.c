/*
 * spool - see spool.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "milter/spool.h"

/* The memory every store holds (their buffers' capacity). */
static atomic_uint_least64_t in_use;

void
spool_init(struct spool *s, const char *dir, uint64_t memory_limit,
    uint64_t total_limit)
{
	memset(s, 0, sizeof(*s));
	s->dir = dir;
	s->limit = memory_limit;
	s->total_limit = total_limit;
	s->fd = -1;
}

uint64_t
spool_memory_in_use(void)
{
	return atomic_load(&in_use);
}

/* Takes n more bytes from the budget of all stores; false when that
 * would pass total (then nothing is taken). */
static bool
reserve(uint64_t total, size_t n)
{
	uint_least64_t now = atomic_load(&in_use);

	if (total == 0) {
		atomic_fetch_add(&in_use, n);
		return true;
	}
	do {
		if (now + n > total)
			return false;
	} while (!atomic_compare_exchange_weak(&in_use, &now, now + n));
	return true;
}

static void
release(struct spool *s)
{
	atomic_fetch_sub(&in_use, s->memcap);
	free(s->mem);
	s->mem = NULL;
	s->memlen = s->memcap = 0;
}

bool
spool_on_disk(const struct spool *s)
{
	return s->fd != -1;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Moves what is in memory into a new private file. */
static int
spool_to_disk(struct spool *s)
{
	int	n;

	n = snprintf(s->path, sizeof(s->path), "%s/gw-XXXXXX", s->dir);
	if (n < 0 || (size_t)n >= sizeof(s->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* mkostemp creates the file 0600 with O_EXCL; O_CLOEXEC keeps the
	 * body from every command gatewarden runs (the re-injection's
	 * sendmail, alerts), forked by this thread or another one. */
	if ((s->fd = mkostemp(s->path, O_CLOEXEC)) == -1)
		return -1;
	if (write_all(s->fd, s->mem, s->memlen) == -1)
		return -1;
	release(s);
	return 0;
}

/* Room in memory for len more bytes, within both limits: false when the
 * body must go to the file instead. */
static bool
grow(struct spool *s, size_t len)
{
	size_t	cap = s->memcap ? s->memcap : 8192;

	if (s->memlen + len > s->limit)
		return false;
	if (s->memlen + len <= s->memcap)
		return true;
	while (cap < s->memlen + len)
		cap *= 2;
	if (cap > s->limit)
		cap = (size_t)s->limit;
	if (!reserve(s->total_limit, cap - s->memcap))
		return false;
	s->mem = x_realloc(s->mem, cap);
	s->memcap = cap;
	return true;
}

/* Eight bytes at a time: this runs over every byte of a 7-bit body. */
static bool
has_8bit(const unsigned char *p, size_t len)
{
	uint64_t high = 0, w;
	size_t	i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		high |= w;
	}
	for (; i < len; i++)
		high |= p[i];
	return (high & UINT64_C(0x8080808080808080)) != 0;
}

int
spool_append(struct spool *s, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	if (!s->eightbit)
		s->eightbit = has_8bit(data, len);
	if (s->fd == -1 && !grow(s, len) && spool_to_disk(s) == -1)
		return -1;
	if (s->fd != -1) {
		if (write_all(s->fd, data, len) == -1)
			return -1;
	} else {
		memcpy(s->mem + s->memlen, data, len);
		s->memlen += len;
	}
	s->size += len;
	return 0;
}

FILE *
spool_open_reader(struct spool *s)
{
	int	fd;
	FILE	*fp;

	if (s->fd == -1) {
		/* fmemopen on an empty buffer fails: give it one byte. */
		if (s->mem == NULL)
			s->mem = x_malloc(1);
		return fmemopen(s->mem, s->memlen, "r");
	}
	if ((fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return NULL;
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return NULL;
	}
	if (fseeko(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return NULL;
	}
	return fp;
}

void
spool_discard(struct spool *s)
{
	release(s);
	if (s->fd != -1) {
		close(s->fd);
		s->fd = -1;
		(void)unlink(s->path);
	}
	s->path[0] = '\0';
	s->size = 0;
	s->eightbit = false;
}

int
spool_clean_stale(int dir)
{
	DIR	*d;
	struct dirent *e;
	int	fd, removed = 0;

	if ((fd = fcntl(dir, F_DUPFD_CLOEXEC, 0)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	/* unlinkat() removes a link, never what it points to. */
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "gw-", 3) != 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}
