/*
 * signer_cache - see signer_cache.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "milter/signer_cache.h"

#define NFILES	4

struct stamp {
	bool		present;
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec	mtime, ctime;
};

struct entry {
	char		*path[NFILES];	/* certificate, key, pkcs12, passphrase */
	struct stamp	st[NFILES];
	struct smime_signer *s;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries[SIGNER_CACHE_MAX];
static size_t	nentries;

static void
paths_of(const struct smime_certificate *c, const char *p[NFILES])
{
	p[0] = c->certificate;
	p[1] = c->key;
	p[2] = c->pkcs12;
	p[3] = c->passphrase_file;
}

/* false when a named file cannot be stat()ed: no entry stands then. */
static bool
stamp_files(const char *const p[NFILES], struct stamp st[NFILES])
{
	struct stat sb;
	int	i;

	for (i = 0; i < NFILES; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		if (p[i] == NULL)
			continue;
		if (stat(p[i], &sb) != 0)
			return false;
		st[i].present = true;
		st[i].dev = sb.st_dev;
		st[i].ino = sb.st_ino;
		st[i].size = sb.st_size;
		st[i].mtime = sb.st_mtim;
		st[i].ctime = sb.st_ctim;
	}
	return true;
}

static bool
same_stamp(const struct stamp *a, const struct stamp *b)
{
	return a->present == b->present && a->dev == b->dev &&
	    a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec &&
	    a->ctime.tv_sec == b->ctime.tv_sec &&
	    a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static bool
same_stamps(const struct stamp a[NFILES], const struct stamp b[NFILES])
{
	int	i;

	for (i = 0; i < NFILES; i++)
		if (!same_stamp(&a[i], &b[i]))
			return false;
	return true;
}

static bool
same_path(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
entry_free(struct entry *e)
{
	int	i;

	if (e == NULL)
		return;
	for (i = 0; i < NFILES; i++)
		free(e->path[i]);
	smime_signer_free(e->s);
	free(e);
}

/* The entry for these paths (stamps not compared), or NULL; its index. */
static struct entry *
find(const char *const p[NFILES], size_t *at)
{
	size_t	k;
	int	i;

	for (k = 0; k < nentries; k++) {
		for (i = 0; i < NFILES; i++)
			if (!same_path(entries[k]->path[i], p[i]))
				break;
		if (i == NFILES) {
			*at = k;
			return entries[k];
		}
	}
	return NULL;
}

static void
drop(size_t at)
{
	entry_free(entries[at]);
	memmove(&entries[at], &entries[at + 1],
	    (nentries - at - 1) * sizeof(entries[0]));
	nentries--;
}

/* A signer of the caller's own with references to e's objects. */
static int
share(const struct smime_signer *from, struct smime_signer **out,
    struct smime_err *err)
{
	struct smime_signer *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->chain = X509_chain_up_ref(from->chain)) == NULL) {
		free(s);
		smime_err_set(err, SMIME_TEMP, "out of memory");
		return -1;
	}
	X509_up_ref(from->cert);
	s->cert = from->cert;
	EVP_PKEY_up_ref(from->key);
	s->key = from->key;
	memcpy(s->fingerprint, from->fingerprint, sizeof(s->fingerprint));
	*out = s;
	return 0;
}

static struct entry *
entry_new(const char *const p[NFILES], const struct stamp st[NFILES],
    struct smime_signer *s)
{
	struct entry *e = calloc(1, sizeof(*e));
	int	i;

	if (e == NULL)
		return NULL;
	for (i = 0; i < NFILES; i++) {
		if (p[i] != NULL && (e->path[i] = strdup(p[i])) == NULL) {
			entry_free(e);
			return NULL;
		}
		e->st[i] = st[i];
	}
	e->s = s;
	return e;
}

int
signer_cache_load(const struct smime_certificate *c, struct smime_signer **out,
    struct smime_err *err)
{
	const char *p[NFILES];
	struct stamp st[NFILES], after[NFILES];
	struct entry *e;
	struct smime_signer *s = NULL;
	size_t	at;
	bool	stamped;
	int	rc;

	*out = NULL;
	paths_of(c, p);
	pthread_mutex_lock(&lock);
	stamped = stamp_files(p, st);
	if ((e = find(p, &at)) != NULL) {
		if (stamped && same_stamps(e->st, st)) {
			rc = share(e->s, out, err);
			pthread_mutex_unlock(&lock);
			return rc;
		}
		drop(at);
	}
	if (smime_signer_load(c, &s, err) != 0) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	/* Files that changed while they were read are not cached. */
	if (stamped && (!stamp_files(p, after) || !same_stamps(st, after)))
		stamped = false;
	if (stamped) {
		if (nentries == SIGNER_CACHE_MAX)
			drop(0);
		if ((e = entry_new(p, st, s)) != NULL) {
			entries[nentries++] = e;
			rc = share(s, out, err);
			pthread_mutex_unlock(&lock);
			return rc;
		}
	}
	pthread_mutex_unlock(&lock);
	*out = s;
	return 0;
}

void
signer_cache_clear(void)
{
	pthread_mutex_lock(&lock);
	while (nentries > 0)
		drop(nentries - 1);
	pthread_mutex_unlock(&lock);
}
