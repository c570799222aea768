/*
 * revoke - the revocation context: the chain walk, the cache of answers,
 * the bound on fetches in flight and the background refresh; see
 * revoke.h. OCSP is in revoke_ocsp.c, CRLs in revoke_crl.c.
 *
 * One mutex guards the cache, the counters and the refresh queue; no
 * fetch runs under it. An entry being fetched is marked so: other
 * threads that need it wait (a condition variable) instead of fetching
 * it again.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "lib/xalloc.h"
#include "smime/revoke/revoke_int.h"
#include "smime/x509/cert_info.h"

#define NBUCKETS	1024
#define REFRESH_QUEUE	64
#define KEY_MAX		2200

enum kind { KIND_OCSP, KIND_CRL, KIND_ISSUER };

/* What a fetch needs: the certificate (OCSP, caIssuers) or only its
 * issuer (CRL). */
struct job {
	enum kind	kind;
	char		key[KEY_MAX];
	char		*url;
	X509		*x, *issuer;
};

struct entry {
	struct entry	*next;
	char		*key;
	unsigned	hash;
	bool		have;		/* a verified answer is in res */
	struct rev_result res;
	int64_t		fetched_at, expires_at, refresh_at, last_used;
	int64_t		failed_until;	/* wall clock */
	char		failure[400];
	bool		fetching, queued, tried_store;
	unsigned	waiters;
};

struct revocation {
	struct revocation_conf conf;
	struct rev_io	io;
	pthread_mutex_t	lock;
	pthread_cond_t	changed;	/* an entry or a fetch slot */
	struct entry	*buckets[NBUCKETS];
	size_t		nentries;
	unsigned	inflight;
	struct rev_stats stats;
	/* background refresh */
	struct job	*queue[REFRESH_QUEUE];
	size_t		nqueued;
	pthread_cond_t	work;
	pthread_t	worker;
	bool		worker_started, stopping;
};

/* snprintf() into a line that may be cut: reasons quote reasons. */
static void
say(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(char *buf, size_t size, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static const char *const status_names[] = { "good", "revoked", "unknown",
	"none" };
static const char *const source_names[] = { "none", "ocsp", "crl" };

const char *
rev_status_name(enum rev_status s)
{
	return (unsigned)s < 4 ? status_names[s] : "?";
}

const char *
rev_source_name(enum rev_source s)
{
	return (unsigned)s < 3 ? source_names[s] : "?";
}

const char *
rev_reason_name(int r)
{
	static const char *const names[] = { "unspecified", "keyCompromise",
	    "cACompromise", "affiliationChanged", "superseded",
	    "cessationOfOperation", "certificateHold", "7", "removeFromCRL",
	    "privilegeWithdrawn", "aACompromise" };

	return r >= 0 && r <= 10 ? names[r] : "unspecified";
}

const char *
rev_utc(int64_t t, char *buf, size_t size)
{
	time_t	tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "?");
	return buf;
}

void
rev_result_clear(struct rev_result *r)
{
	if (r == NULL)
		return;
	X509_CRL_free(r->crl);
	X509_free(r->issuer);
	free(r->der);
	memset(r, 0, sizeof(*r));
	r->reason = -1;
}

int64_t
rev_result_expiry(const struct rev_result *r, int64_t fetched_at,
    int64_t max_age)
{
	return r->next_update != 0 ? r->next_update : fetched_at + max_age;
}

bool
rev_times_ok(const char *what, int64_t this_update, int64_t next_update,
    int64_t now, int64_t max_age, char *why, size_t whysz)
{
	char	t[40];

	if (this_update > now + REV_LEEWAY_S) {
		snprintf(why, whysz, "%s from the future (thisUpdate %s)", what,
		    rev_utc(this_update, t, sizeof(t)));
		return false;
	}
	if (next_update != 0 && next_update + REV_LEEWAY_S < now) {
		snprintf(why, whysz, "%s is stale (nextUpdate %s has passed)",
		    what, rev_utc(next_update, t, sizeof(t)));
		return false;
	}
	if (next_update == 0 && this_update + max_age < now) {
		snprintf(why, whysz, "%s without nextUpdate, older than "
		    "max_age (thisUpdate %s)", what, rev_utc(this_update, t,
		    sizeof(t)));
		return false;
	}
	return true;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits on cv until deadline (monotonic ms); false when it passed. */
static bool
wait_until(pthread_cond_t *cv, pthread_mutex_t *m, int64_t deadline)
{
	struct timespec ts;
	int64_t	left = deadline - mono_ms();

	if (left <= 0)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(left / 1000);
	ts.tv_nsec += (long)(left % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_cond_timedwait(cv, m, &ts) != ETIMEDOUT ||
	    mono_ms() < deadline;
}

static unsigned
hash_key(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void
entry_free(struct entry *e)
{
	rev_result_clear(&e->res);
	free(e->key);
	free(e);
}

/* Makes room: answers that expired (and failures that are over) go
 * first, then the least recently used. Entries in use stay. Locked. */
static void
evict(struct revocation *r, int64_t now)
{
	struct entry **pp, *e, **oldest;
	size_t	i;

	for (i = 0; i < NBUCKETS; i++)
		for (pp = &r->buckets[i]; (e = *pp) != NULL;) {
			if (!e->fetching && e->waiters == 0 && !e->queued &&
			    (!e->have || e->expires_at < now) &&
			    e->failed_until <= now) {
				*pp = e->next;
				entry_free(e);
				r->nentries--;
			} else
				pp = &e->next;
		}
	while (r->nentries >= REV_CACHE_MAX) {
		oldest = NULL;
		for (i = 0; i < NBUCKETS; i++)
			for (pp = &r->buckets[i]; *pp != NULL; pp = &(*pp)->next)
				if (!(*pp)->fetching && (*pp)->waiters == 0 &&
				    !(*pp)->queued && (oldest == NULL ||
				    (*pp)->last_used < (*oldest)->last_used))
					oldest = pp;
		if (oldest == NULL)
			return;
		e = *oldest;
		*oldest = e->next;
		entry_free(e);
		r->nentries--;
	}
}

static struct entry *
entry_get(struct revocation *r, const char *key, int64_t now)
{
	unsigned h = hash_key(key);
	struct entry *e;

	for (e = r->buckets[h % NBUCKETS]; e != NULL; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	if (r->nentries >= REV_CACHE_MAX)
		evict(r, now);
	e = x_calloc(1, sizeof(*e));
	e->key = x_strdup(key);
	e->hash = h;
	e->res.reason = -1;
	e->next = r->buckets[h % NBUCKETS];
	r->buckets[h % NBUCKETS] = e;
	r->nentries++;
	return e;
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->url);
	X509_free(j->x);
	X509_free(j->issuer);
	free(j);
}

/* Verifies a stored answer again, as if just fetched (but its nonce). */
static bool
from_store(struct revocation *r, const struct job *j, int64_t now,
    struct rev_result *res, int64_t *fetched_at)
{
	unsigned char *der = NULL;
	size_t	len = 0;
	char	why[400];
	bool	good;

	if (r->io.load == NULL || !r->io.load(r->io.arg, j->key, now, &der,
	    &len, fetched_at))
		return false;
	switch (j->kind) {
	case KIND_OCSP:
		good = ocsp_from_der(der, len, j->x, j->issuer, NULL, now,
		    (int64_t)r->conf.max_age, res, why, sizeof(why));
		break;
	case KIND_CRL:
		good = crl_from_der(der, len, j->issuer, now,
		    (int64_t)r->conf.max_age, res, why, sizeof(why));
		break;
	case KIND_ISSUER:
	default:
		memset(res, 0, sizeof(*res));
		res->reason = -1;
		good = (res->issuer = issuer_from_der(der, len, j->x)) != NULL;
		break;
	}
	free(der);
	return good;
}

static bool
fetch(struct revocation *r, const struct job *j, unsigned timeout_ms,
    int64_t now, struct rev_result *res, char *why, size_t whysz)
{
	switch (j->kind) {
	case KIND_OCSP:
		return ocsp_fetch(&r->io, j->url, j->x, j->issuer, timeout_ms,
		    now, (int64_t)r->conf.max_age, res, why, whysz);
	case KIND_CRL:
		return crl_fetch(&r->io, j->url, j->issuer, timeout_ms, now,
		    (int64_t)r->conf.max_age, res, why, whysz);
	case KIND_ISSUER:
	default:
		return issuer_fetch(&r->io, j->url, j->x, timeout_ms, res, why,
		    whysz);
	}
}

static void *worker_main(void *);

/* Queues a background refresh of e (locked); a full queue skips it. */
static void
queue_refresh(struct revocation *r, struct entry *e, const struct job *j)
{
	struct job *copy;

	if (e->queued || e->fetching || r->nqueued >= REFRESH_QUEUE ||
	    r->stopping)
		return;
	if (!r->worker_started) {
		if (pthread_create(&r->worker, NULL, worker_main, r) != 0)
			return;
		r->worker_started = true;
	}
	copy = x_calloc(1, sizeof(*copy));
	*copy = *j;
	copy->url = x_strdup(j->url);
	if (copy->x != NULL)
		X509_up_ref(copy->x);
	if (copy->issuer != NULL)
		X509_up_ref(copy->issuer);
	r->queue[r->nqueued++] = copy;
	e->queued = true;
	pthread_cond_signal(&r->work);
}

/* The answer for j: from memory, else the store, else a fetch (or the
 * fetch another thread is making). refresh: fetch even when memory has
 * a fresh answer (the background refresh). true with *res (a copy: its
 * crl up-referenced, no der) and *cached; false with why. */
static bool
answer(struct revocation *r, const struct job *j, int64_t now,
    int64_t deadline, bool refresh, struct rev_result *res,
    int64_t *fetched_at, bool *cached, char *why, size_t whysz)
{
	struct rev_result got;
	struct entry *e;
	int64_t	fat = now, left;
	bool	good, stored = false;
	char	err[400];

	memset(res, 0, sizeof(*res));
	res->reason = -1;
	*cached = false;
	pthread_mutex_lock(&r->lock);
	e = entry_get(r, j->key, now);
	e->waiters++;
	for (;;) {
		if (e->have && now <= e->expires_at && (!refresh ||
		    e->fetching)) {
			*res = e->res;
			res->der = NULL;
			if (res->crl != NULL)
				X509_CRL_up_ref(res->crl);
			if (res->issuer != NULL)
				X509_up_ref(res->issuer);
			*fetched_at = e->fetched_at;
			*cached = true;
			e->last_used = now;
			if (!refresh) {
				r->stats.cache_hits++;
				if (now >= e->refresh_at)
					queue_refresh(r, e, j);
			}
			e->waiters--;
			pthread_mutex_unlock(&r->lock);
			return true;
		}
		if (!refresh && e->failed_until > now) {
			snprintf(why, whysz, "%s (failed at most %ds ago)",
			    e->failure, REV_RETRY_S);
			break;
		}
		if (e->fetching) {
			if (!wait_until(&r->changed, &r->lock, deadline)) {
				snprintf(why, whysz, "no answer in time (another "
				    "fetch of it is still running)");
				break;
			}
			continue;
		}
		if (r->inflight >= r->conf.max_fetches) {
			r->stats.waits_for_slot++;
			if (!wait_until(&r->changed, &r->lock, deadline)) {
				snprintf(why, whysz, "no answer in time (%u "
				    "fetches in flight)", r->inflight);
				break;
			}
			continue;
		}
		/* this thread fetches */
		e->fetching = true;
		r->inflight++;
		stored = !e->tried_store && !refresh;
		e->tried_store = true;
		pthread_mutex_unlock(&r->lock);

		good = false;
		if (stored && from_store(r, j, now, &got, &fat))
			good = true;
		else {
			stored = false;
			left = deadline - mono_ms();
			if (left > (int64_t)r->conf.timeout * 1000)
				left = (int64_t)r->conf.timeout * 1000;
			fat = now;
			if (left <= 0)
				snprintf(err, sizeof(err), "no time left for a "
				    "fetch");
			else
				good = fetch(r, j, (unsigned)left, now, &got, err,
				    sizeof(err));
		}
		if (good && !stored && r->io.save != NULL)
			r->io.save(r->io.arg, j->key, got.der, got.len, fat,
			    rev_result_expiry(&got, fat,
			    (int64_t)r->conf.max_age), now);

		pthread_mutex_lock(&r->lock);
		r->inflight--;
		e->fetching = false;
		if (good) {
			if (stored)
				r->stats.store_hits++;
			else
				r->stats.fetches++;
			rev_result_clear(&e->res);
			e->res = got;
			free(e->res.der);	/* saved already */
			e->res.der = NULL;
			e->have = true;
			e->fetched_at = fat;
			e->expires_at = rev_result_expiry(&got, fat,
			    (int64_t)r->conf.max_age);
			e->refresh_at = fat + (e->expires_at - fat) * 3 / 4;
			e->failed_until = 0;
			e->last_used = now;
			*res = e->res;
			if (res->crl != NULL)
				X509_CRL_up_ref(res->crl);
			if (res->issuer != NULL)
				X509_up_ref(res->issuer);
			*fetched_at = fat;
			*cached = stored;
		} else {
			r->stats.fetch_failures++;
			e->failed_until = now + REV_RETRY_S;
			snprintf(e->failure, sizeof(e->failure), "%s", err);
			snprintf(why, whysz, "%s", err);
		}
		pthread_cond_broadcast(&r->changed);
		e->waiters--;
		pthread_mutex_unlock(&r->lock);
		return good;
	}
	e->waiters--;
	pthread_mutex_unlock(&r->lock);
	return false;
}

static void *
worker_main(void *arg)
{
	struct revocation *r = arg;
	struct rev_result res;
	struct entry *e;
	struct job *j;
	int64_t	fat;
	bool	cached;
	char	why[400];

	pthread_mutex_lock(&r->lock);
	while (!r->stopping) {
		if (r->nqueued == 0) {
			pthread_cond_wait(&r->work, &r->lock);
			continue;
		}
		j = r->queue[0];
		memmove(r->queue, r->queue + 1, --r->nqueued * sizeof(*r->queue));
		r->stats.refreshes++;
		pthread_mutex_unlock(&r->lock);
		(void)answer(r, j, (int64_t)time(NULL), mono_ms() +
		    (int64_t)r->conf.timeout * 1000, true, &res, &fat, &cached,
		    why, sizeof(why));
		rev_result_clear(&res);
		pthread_mutex_lock(&r->lock);
		e = entry_get(r, j->key, (int64_t)time(NULL));
		e->queued = false;
		job_free(j);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct revocation *
revocation_new(const struct revocation_conf *conf, const struct rev_io *io)
{
	struct revocation *r = x_calloc(1, sizeof(*r));
	pthread_condattr_t ca;

	r->conf = *conf;
	r->conf.ocsp_responder = conf->ocsp_responder != NULL ?
	    x_strdup(conf->ocsp_responder) : NULL;
	if (r->conf.max_fetches == 0)
		r->conf.max_fetches = 1;
	if (r->conf.timeout == 0)
		r->conf.timeout = 1;
	r->io = *io;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->changed, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&r->work, NULL);
	return r;
}

void
revocation_free(struct revocation *r)
{
	struct entry *e, *next;
	size_t	i;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_broadcast(&r->work);
	pthread_mutex_unlock(&r->lock);
	if (r->worker_started)
		pthread_join(r->worker, NULL);
	for (i = 0; i < r->nqueued; i++)
		job_free(r->queue[i]);
	for (i = 0; i < NBUCKETS; i++)
		for (e = r->buckets[i]; e != NULL; e = next) {
			next = e->next;
			entry_free(e);
		}
	pthread_cond_destroy(&r->work);
	pthread_cond_destroy(&r->changed);
	pthread_mutex_destroy(&r->lock);
	free(r->conf.ocsp_responder);
	free(r);
}

enum on_unknown
revocation_on_unknown(const struct revocation *r)
{
	return r->conf.on_unknown;
}

enum revocation_mode
revocation_mode(const struct revocation *r)
{
	return r->conf.mode;
}

void
revocation_stats(struct revocation *r, struct rev_stats *out)
{
	pthread_mutex_lock(&r->lock);
	*out = r->stats;
	pthread_mutex_unlock(&r->lock);
}

/* The status of one certificate. */
struct one {
	enum rev_status	status;
	enum rev_source	source;
	bool		cached;
	int64_t		checked_at, next_update, revoked_at;
	int		reason;
	char		why[512];
};

static void
from_result(struct one *o, enum rev_status st, enum rev_source src,
    const struct rev_result *res, int64_t fetched_at, bool cached,
    int64_t max_age)
{
	o->status = st;
	o->source = src;
	o->cached = cached;
	o->checked_at = fetched_at;
	o->next_update = rev_result_expiry(res, fetched_at, max_age);
}

static bool
by_ocsp(struct revocation *r, X509 *x, X509 *issuer, int64_t now,
    int64_t deadline, struct one *o, char *why, size_t whysz)
{
	struct rev_result res;
	struct job j = { 0 };
	int64_t	fat = 0;
	bool	cached, got;
	char	t[40];

	if ((j.url = ocsp_url(x, r->conf.ocsp_responder)) == NULL)
		return false;
	j.kind = KIND_OCSP;
	j.x = x;
	j.issuer = issuer;
	if (!ocsp_key(x, issuer, j.key, sizeof(j.key))) {
		snprintf(why, whysz, "cannot make an OCSP request");
		free(j.url);
		return false;
	}
	got = answer(r, &j, now, deadline, false, &res, &fat, &cached, why,
	    whysz);
	if (got) {
		from_result(o, res.status, REVSRC_OCSP, &res, fat, cached,
		    (int64_t)r->conf.max_age);
		o->revoked_at = res.revoked_at;
		o->reason = res.reason;
		if (res.status == REV_REVOKED)
			snprintf(o->why, sizeof(o->why), "revoked on %s (%s), "
			    "says the OCSP responder %s", rev_utc(res.revoked_at,
			    t, sizeof(t)), rev_reason_name(res.reason), j.url);
		else if (res.status == REV_GOOD)
			snprintf(o->why, sizeof(o->why), "not revoked, says the "
			    "OCSP responder %s", j.url);
		else
			snprintf(why, whysz, "the OCSP responder %s does not "
			    "know the certificate", j.url);
	}
	rev_result_clear(&res);
	free(j.url);
	return got && o->status != REV_UNKNOWN;
}

static bool
by_crl(struct revocation *r, X509 *x, X509 *issuer, int64_t now,
    int64_t deadline, struct one *o, char *why, size_t whysz)
{
	struct rev_result res;
	struct job j = { 0 };
	enum rev_status st;
	int64_t	fat = 0, rat;
	char	**urls, t[40], err[400];
	size_t	n, i;
	int	reason;
	bool	cached, done = false;

	if ((urls = crl_urls(x, &n)) == NULL)
		return false;
	j.kind = KIND_CRL;
	j.x = x;
	j.issuer = issuer;
	for (i = 0; i < n && !done; i++) {
		j.url = urls[i];
		if (!crl_key(urls[i], issuer, j.key, sizeof(j.key)))
			continue;
		if (!answer(r, &j, now, deadline, false, &res, &fat, &cached,
		    err, sizeof(err))) {
			snprintf(why, whysz, "%s", err);
			continue;
		}
		st = crl_lookup(res.crl, x, &rat, &reason, err, sizeof(err));
		if (st == REV_UNKNOWN)
			snprintf(why, whysz, "CRL %s: %s", urls[i], err);
		else {
			from_result(o, st, REVSRC_CRL, &res, fat, cached,
			    (int64_t)r->conf.max_age);
			o->revoked_at = rat;
			o->reason = reason;
			if (st == REV_REVOKED)
				snprintf(o->why, sizeof(o->why), "revoked on %s "
				    "(%s), says the CRL %s", rev_utc(rat, t,
				    sizeof(t)), rev_reason_name(reason), urls[i]);
			else
				snprintf(o->why, sizeof(o->why), "not in the CRL "
				    "%s", urls[i]);
			done = true;
		}
		rev_result_clear(&res);
	}
	crl_urls_free(urls, n);
	return done;
}

/*
 * x names no source of the kind the mode uses. When it names one of the
 * other kind, its issuer does publish revocation, only not in the form
 * the administrator chose: unknown (on_unknown decides), never "nothing
 * to check".
 */
static void
nothing_to_check(X509 *x, bool want_ocsp, bool want_crl, struct one *o)
{
	char	*other_url = NULL, **other_urls = NULL;
	size_t	nother = 0;

	if (!want_ocsp)
		other_url = ocsp_url(x, NULL);
	if (!want_crl)
		other_urls = crl_urls(x, &nother);
	if (other_url != NULL || nother > 0) {
		o->status = REV_UNKNOWN;
		snprintf(o->why, sizeof(o->why), "status unknown: it names "
		    "only %s (%s), which trust.revocation.mode %s does not "
		    "use", other_url ? "an OCSP responder" : "a CRL",
		    other_url ? other_url : other_urls[0],
		    want_ocsp ? "ocsp" : "crl");
	} else {
		o->status = REV_NONE;
		snprintf(o->why, sizeof(o->why), "names no %s to check",
		    want_ocsp && want_crl ? "OCSP responder nor CRL" :
		    want_ocsp ? "OCSP responder" : "CRL");
	}
	free(other_url);
	crl_urls_free(other_urls, nother);
}

/* x, whose issuer is issuer (NULL: not found). */
static void
check_one(struct revocation *r, X509 *x, X509 *issuer, int64_t now,
    int64_t deadline, struct one *o)
{
	bool	want_ocsp = r->conf.mode == REVMODE_OCSP ||
		    r->conf.mode == REVMODE_OCSP_THEN_CRL;
	bool	want_crl = r->conf.mode == REVMODE_CRL ||
		    r->conf.mode == REVMODE_OCSP_THEN_CRL;
	char	*url = want_ocsp ? ocsp_url(x, r->conf.ocsp_responder) : NULL;
	char	**urls = NULL, why[512] = "", more[512] = "";
	size_t	n = 0;

	memset(o, 0, sizeof(*o));
	o->reason = -1;
	if (want_crl)
		urls = crl_urls(x, &n);
	if (url == NULL && n == 0) {
		nothing_to_check(x, want_ocsp, want_crl, o);
		goto out;
	}
	if (issuer == NULL) {
		o->status = REV_UNKNOWN;
		snprintf(o->why, sizeof(o->why), "its issuer is not known, so "
		    "its revocation cannot be checked");
		goto out;
	}
	if (url != NULL && by_ocsp(r, x, issuer, now, deadline, o, why,
	    sizeof(why)))
		goto out;
	if (n > 0 && by_crl(r, x, issuer, now, deadline, o, more,
	    sizeof(more)))
		goto out;
	o->status = REV_UNKNOWN;
	o->source = REVSRC_NONE;
	snprintf(o->why, sizeof(o->why), "status unknown: %s%s%s",
	    why[0] ? why : "", why[0] && more[0] ? "; " : "", more);
out:
	free(url);
	crl_urls_free(urls, n);
}

static bool
self_issued(X509 *x)
{
	return X509_check_issued(x, x) == X509_V_OK;
}

/* The worst status of the chain into a. anchor: the last certificate
 * of chain is a trust anchor (not checked); otherwise its issuer was not
 * found. */
static enum rev_status
walk(struct revocation *r, STACK_OF(X509) *chain, bool anchor,
    int64_t now, struct rev_answer *a)
{
	int64_t	deadline = mono_ms() + 2 * (int64_t)r->conf.timeout * 1000;
	int	n = sk_X509_num(chain), i, rank, best = -1;
	struct one o;
	X509	*x;

	memset(a, 0, sizeof(*a));
	a->status = REV_NONE;
	a->depth = -1;
	a->crl_reason = -1;
	pthread_mutex_lock(&r->lock);
	r->stats.checks++;
	pthread_mutex_unlock(&r->lock);
	if (r->conf.mode == REVMODE_OFF || n == 0) {
		snprintf(a->reason, sizeof(a->reason), "revocation not checked "
		    "(mode off)");
		if (r->conf.mode != REVMODE_OFF)
			snprintf(a->reason, sizeof(a->reason), "no certificate");
		return REV_NONE;
	}
	for (i = 0; i < n; i++) {
		x = sk_X509_value(chain, i);
		if (i == n - 1 && anchor)
			break;	/* the trust anchor */
		check_one(r, x, i + 1 < n ? sk_X509_value(chain, i + 1) : NULL,
		    now, deadline, &o);
		/* revoked beats unknown beats good beats none; the leaf
		 * tells the source and dates when all are good */
		rank = o.status == REV_REVOKED ? 3 : o.status == REV_UNKNOWN ?
		    2 : o.status == REV_GOOD ? 1 : 0;
		if (rank <= best)
			continue;
		best = rank;
		a->status = o.status;
		a->source = o.source;
		a->depth = i;
		a->cached = o.cached;
		a->checked_at = o.checked_at;
		a->next_update = o.next_update;
		a->revoked_at = o.revoked_at;
		a->crl_reason = o.reason;
		cert_name_line(X509_get_subject_name(x), a->subject,
		    sizeof(a->subject));
		say(a->reason, sizeof(a->reason), "%s %s: %s", i == 0 ?
		    "the certificate" : "the issuing certificate", a->subject,
		    o.why);
		if (o.status == REV_REVOKED)
			break;
	}
	if (best < 0)
		snprintf(a->reason, sizeof(a->reason), "nothing to check (a "
		    "trust anchor)");
	return a->status;
}

enum rev_status
revocation_check_chain(struct revocation *r, STACK_OF(X509) *chain,
    int64_t now, struct rev_answer *a)
{
	return walk(r, chain, true, now, a);
}

/* Whether x is one of trust's certificates: a trust anchor need not be
 * self-signed (a custom list may hold an intermediate). */
static bool
in_store(X509_STORE *trust, X509 *x)
{
	X509_STORE_CTX *ctx;
	STACK_OF(X509) *sk;
	bool	found = false;
	int	i;

	if (trust == NULL || (ctx = X509_STORE_CTX_new()) == NULL)
		return false;
	if (X509_STORE_CTX_init(ctx, trust, NULL, NULL) == 1 &&
	    (sk = X509_STORE_CTX_get1_certs(ctx,
	    X509_get_subject_name(x))) != NULL) {
		for (i = 0; i < sk_X509_num(sk) && !found; i++)
			found = X509_cmp(sk_X509_value(sk, i), x) == 0;
		sk_X509_pop_free(sk, X509_free);
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return found;
}

/* x's issuer from its caIssuers URLs, through the cache (the answers are
 * kept like the others, so the bounds on fetches apply); NULL when none
 * is found. Caller frees. */
static X509 *
issuer_get(struct revocation *r, X509 *x, int64_t now, int64_t deadline)
{
	struct rev_result res;
	struct job j = { 0 };
	char	**urls, why[400];
	size_t	n, i;
	int64_t	fat;
	bool	cached;
	X509	*found = NULL;

	if ((urls = issuer_urls(x, &n)) == NULL)
		return NULL;
	j.kind = KIND_ISSUER;
	j.x = x;
	for (i = 0; i < n && found == NULL; i++) {
		j.url = urls[i];
		if ((size_t)snprintf(j.key, sizeof(j.key), "issuer:%s",
		    urls[i]) >= sizeof(j.key))
			continue;
		if (!answer(r, &j, now, deadline, false, &res, &fat, &cached,
		    why, sizeof(why)))
			continue;
		/* one URL, one CA: still, the cached one must have issued x */
		if (res.issuer != NULL &&
		    X509_check_issued(res.issuer, x) == X509_V_OK &&
		    X509_verify(x, X509_get0_pubkey(res.issuer)) == 1) {
			found = res.issuer;
			res.issuer = NULL;
		}
		rev_result_clear(&res);
	}
	issuer_urls_free(urls, n);
	ERR_clear_error();
	return found;
}

/* x's issuer among trust's certificates, when x's signature verifies
 * with its key; NULL when none. Caller frees. */
static X509 *
store_issuer(X509_STORE *trust, X509 *x)
{
	X509_STORE_CTX *ctx;
	X509	*up = NULL;

	if (trust == NULL || (ctx = X509_STORE_CTX_new()) == NULL)
		return NULL;
	if (X509_STORE_CTX_init(ctx, trust, x, NULL) != 1 ||
	    X509_STORE_CTX_get1_issuer(&up, ctx, x) != 1)
		up = NULL;
	if (up != NULL && X509_verify(x, X509_get0_pubkey(up)) != 1) {
		X509_free(up);
		up = NULL;
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return up;
}

/* Completes chain with the issuers its certificates name (caIssuers),
 * each one's own issuer taken from trust first, until a trust anchor or
 * a self-signed certificate: whether it ends at one (else the last
 * certificate's issuer is missing). */
static bool
extend(struct revocation *r, STACK_OF(X509) *chain, X509_STORE *trust,
    int64_t now)
{
	int64_t	deadline = mono_ms() + (int64_t)r->conf.timeout * 1000;
	X509	*last, *up;
	int	i;

	for (i = 0; i < 4; i++) {
		last = sk_X509_value(chain, sk_X509_num(chain) - 1);
		if (self_issued(last) || in_store(trust, last))
			return true;
		if ((up = store_issuer(trust, last)) == NULL &&
		    (r->conf.mode == REVMODE_OFF ||
		    (up = issuer_get(r, last, now, deadline)) == NULL))
			return false;
		if (!sk_X509_push(chain, up)) {
			X509_free(up);
			return false;
		}
	}
	return false;
}

STACK_OF(X509) *
revocation_fetch_issuers(struct revocation *r, X509 *x, X509_STORE *trust,
    int64_t now)
{
	STACK_OF(X509) *chain = sk_X509_new_null();

	if (chain == NULL || !sk_X509_push(chain, x)) {
		sk_X509_free(chain);
		return NULL;
	}
	X509_up_ref(x);
	(void)extend(r, chain, trust, now);
	X509_free(sk_X509_shift(chain));
	if (sk_X509_num(chain) == 0) {
		sk_X509_free(chain);
		return NULL;
	}
	return chain;
}

static int
accept_all(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;
}

enum rev_status
revocation_check_cert(struct revocation *r, X509 *x, X509_STORE *trust,
    STACK_OF(X509) *untrusted, int64_t now, struct rev_answer *a)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *chain = NULL;
	enum rev_status st;
	bool	anchor;

	if (ctx != NULL && X509_STORE_CTX_init(ctx, trust, x, untrusted) == 1) {
		X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx),
		    (time_t)now);
		X509_STORE_CTX_set_verify_cb(ctx, accept_all);
		(void)X509_verify_cert(ctx);
		chain = X509_STORE_CTX_get1_chain(ctx);
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	if (chain == NULL) {
		/* out of memory, or nothing built: the certificate alone */
		if ((chain = sk_X509_new_null()) == NULL ||
		    !sk_X509_push(chain, x)) {
			sk_X509_free(chain);
			memset(a, 0, sizeof(*a));
			a->status = REV_UNKNOWN;
			a->depth = 0;
			snprintf(a->reason, sizeof(a->reason), "cannot check "
			    "revocation: out of memory");
			return REV_UNKNOWN;
		}
		X509_up_ref(x);
	}
	anchor = extend(r, chain, trust, now);
	st = walk(r, chain, anchor, now, a);
	sk_X509_pop_free(chain, X509_free);
	return st;
}
