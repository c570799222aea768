/*
 * ks_pg_ops - the key store's operations on PostgreSQL, statement for
 * statement the SQLite back end's (ks_sqlite_*.c) in PostgreSQL's words:
 * insertion and harvest (INSERT ... ON CONFLICT in a SERIALIZABLE
 * transaction), eviction, look-up through the handle's cache, keys,
 * settings, CAs and revocation; see keystore.h and ks_pg.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/xalloc.h"
#include "smime/keystore/ks_pg.h"

#define CERT_COLUMNS "id, fingerprint, der, label, subject, issuer, " \
	"serial, not_before, not_after, key_usage, origin, added_at, " \
	"last_used, usable_encrypt, usable_verify, expires_at"
/* The cache holds at most this many addresses; full, it starts afresh. */
#define CACHE_MAX	4096
/* last_used is written at most this often per key (seconds). */
#define TOUCH_EVERY	60

static int64_t
monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* ---- rows --------------------------------------------------------- */

static int
load_names(struct keystore *ks, struct ks_cert *c)
{
	struct pg_params p;
	PGresult *r;
	int	i;

	pp_init(&p);
	pp_int(&p, c->id);
	r = pg_q(ks, "SELECT kind, name FROM names WHERE cert_id = $1 "
	    "ORDER BY kind, name COLLATE \"C\"", &p);
	if (r == NULL)
		return PG_ERR;
	for (i = 0; i < PQntuples(r); i++) {
		char	*name = pg_str(r, i, 1);

		if (name == NULL)
			continue;
		if (pg_int(r, i, 0) == KS_NAME_EMAIL) {
			c->emails = x_reallocarray(c->emails, c->nemails + 1,
			    sizeof(char *));
			c->emails[c->nemails++] = name;
		} else {
			c->domains = x_reallocarray(c->domains, c->ndomains + 1,
			    sizeof(char *));
			c->domains[c->ndomains++] = name;
		}
	}
	PQclear(r);
	return PG_DONE;
}

static int
load_row(struct keystore *ks, const PGresult *r, int row,
    struct ks_cert **out)
{
	struct ks_cert *c = x_calloc(1, sizeof(*c));
	const char *fp = PQgetvalue(r, row, 1);

	c->id = pg_int(r, row, 0);
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s", fp);
	c->der = pg_bytes(r, row, 2, &c->derlen);
	c->label = pg_str(r, row, 3);
	c->subject = pg_str(r, row, 4);
	c->issuer = pg_str(r, row, 5);
	c->serial = pg_str(r, row, 6);
	c->not_before = pg_int(r, row, 7);
	c->not_after = pg_int(r, row, 8);
	c->key_usage = (long)pg_int(r, row, 9);
	c->origin = (enum ks_origin)pg_int(r, row, 10);
	c->added_at = pg_int(r, row, 11);
	c->last_used = pg_int(r, row, 12);
	c->usable_encrypt = pg_bool(r, row, 13);
	c->usable_verify = pg_bool(r, row, 14);
	c->expires_at = pg_int(r, row, 15);
	if (load_names(ks, c) != PG_DONE) {
		ks_cert_free(c);
		return PG_ERR;
	}
	*out = c;
	return PG_DONE;
}

/* The certificate of row id; answer KS_NOTFOUND when there is none. */
static int
load_id(struct keystore *ks, int64_t id, struct ks_cert **out)
{
	struct pg_params p;
	PGresult *r;
	int	rc = PG_DONE;

	pp_init(&p);
	pp_int(&p, id);
	r = pg_q(ks, "SELECT " CERT_COLUMNS " FROM certs WHERE id = $1", &p);
	if (r == NULL)
		return PG_ERR;
	if (PQntuples(r) == 1)
		rc = load_row(ks, r, 0, out);
	else
		ks->answer = KS_NOTFOUND;
	PQclear(r);
	return rc;
}

static int
delete_id(struct keystore *ks, int64_t id)
{
	struct pg_params p;

	pp_init(&p);
	pp_int(&p, id);
	return pg_do(ks, "DELETE FROM certs WHERE id = $1", &p);
}

/* One row of a single-column integer result, or def. */
static int
one_int(struct keystore *ks, const char *sql, struct pg_params *p,
    int64_t def, int64_t *out, bool *found)
{
	PGresult *r = pg_q(ks, sql, p);

	if (r == NULL)
		return PG_ERR;
	*found = PQntuples(r) > 0;
	*out = *found ? pg_int(r, 0, 0) : def;
	PQclear(r);
	return PG_DONE;
}

/* ---- insertion ---------------------------------------------------- */

static int
insert_names(struct keystore *ks, int64_t id, int kind, char *const *names,
    size_t n)
{
	struct pg_params p;
	size_t	i;
	int	rc;

	for (i = 0; i < n; i++) {
		pp_init(&p);
		pp_int(&p, id);
		pp_int(&p, kind);
		pp_text(&p, names[i]);
		rc = pg_do(ks, "INSERT INTO names (cert_id, kind, name) VALUES "
		    "($1, $2, $3) ON CONFLICT DO NOTHING", &p);
		if (rc != PG_DONE)
			return rc;
	}
	return PG_DONE;
}

/* Deletes harvested, unpromoted keys of a's addresses that are older. */
static int
replace_older(struct keystore *ks, const struct ks_add *a)
{
	struct pg_params p;
	size_t	i;
	int	rc;

	for (i = 0; i < a->ci->nemails; i++) {
		pp_init(&p);
		pp_text(&p, a->ci->emails[i]);
		pp_int(&p, a->ci->not_before);
		rc = pg_do(ks, "DELETE FROM certs WHERE id IN (SELECT c.id "
		    "FROM certs c JOIN names n ON n.cert_id = c.id WHERE "
		    "n.kind = 0 AND n.name = $1 AND c.origin = 2 AND NOT "
		    "c.usable_verify AND c.not_before < $2)", &p);
		if (rc != PG_DONE)
			return rc;
	}
	return PG_DONE;
}

/* Whether another certificate usable for encryption names one of a's
 * addresses. */
static int
address_known(struct keystore *ks, struct ks_add *a)
{
	struct pg_params p;
	int64_t	v;
	size_t	i;
	int	rc;

	a->known = false;
	for (i = 0; i < a->ci->nemails && !a->known; i++) {
		pp_init(&p);
		pp_text(&p, a->ci->emails[i]);
		rc = one_int(ks, "SELECT 1 FROM certs c JOIN names n ON "
		    "n.cert_id = c.id WHERE n.kind = 0 AND n.name = $1 AND "
		    "c.usable_encrypt LIMIT 1", &p, 0, &v, &a->known);
		if (rc != PG_DONE)
			return rc;
	}
	return PG_DONE;
}

/* Evicts least recently used harvested keys until the total charge is
 * within the cap. */
static int
evict(struct keystore *ks, struct ks_add *a)
{
	struct pg_params p;
	PGresult *r;
	int64_t	total;
	bool	found;
	int	rc;

	if (ks->max_size == 0)
		return PG_DONE;
	/* the running total, this insertion included (ks_pg_schema.c) */
	if ((rc = one_int(ks, "SELECT value FROM totals WHERE name = "
	    "'charge'", NULL, 0, &total, &found)) != PG_DONE)
		return rc;
	while ((uint64_t)total > ks->max_size) {
		pp_init(&p);
		pp_int(&p, a->new_id);
		r = pg_q(ks, "SELECT id, charge FROM certs WHERE origin IN "
		    "(2, 3) AND NOT usable_verify AND id != $1 ORDER BY CASE "
		    "last_used WHEN 0 THEN added_at ELSE last_used END, id "
		    "LIMIT 1", &p);
		if (r == NULL)
			return PG_ERR;
		if (PQntuples(r) == 0) {
			PQclear(r);
			if (a->origin != KS_HARVESTED)
				return PG_DONE;	/* never refuse the administrator */
			ks_fail(ks, "size cap of %llu bytes reached and no "
			    "harvested key left to evict",
			    (unsigned long long)ks->max_size);
			ks->answer = KS_PERMFAIL;
			return PG_ABORT;
		}
		total -= pg_int(r, 0, 1);
		rc = delete_id(ks, pg_int(r, 0, 0));
		PQclear(r);
		if (rc != PG_DONE)
			return rc;
		a->evicted++;
	}
	return PG_DONE;
}

static int
txn_add(struct keystore *ks, void *arg)
{
	struct ks_add *a = arg;
	const struct cert_info *ci = a->ci;
	struct pg_params p;
	PGresult *r;
	int64_t	id;
	bool	found;
	int	rc;

	/* A retried transaction starts again from nothing. */
	a->kept = a->known = false;
	a->evicted = 0;
	pp_init(&p);
	pp_text(&p, ci->fingerprint);
	if ((rc = one_int(ks, "SELECT id FROM certs WHERE fingerprint = $1",
	    &p, 0, &id, &found)) != PG_DONE)
		return rc;
	if (found) {
		if (a->origin == KS_LDAP) {
			/* found again: its TTL starts afresh */
			pp_init(&p);
			pp_int(&p, a->expires_at);
			pp_text(&p, ci->fingerprint);
			if ((rc = pg_do(ks, "UPDATE certs SET expires_at = $1 "
			    "WHERE fingerprint = $2 AND origin = 3", &p)) !=
			    PG_DONE)
				return rc;
		}
		ks->answer = KS_EXISTS;
		return PG_DONE;
	}
	if (a->origin == KS_HARVESTED && !a->no_encrypt && ci->can_encrypt &&
	    (rc = address_known(ks, a)) != PG_DONE)
		return rc;
	if (a->keep_first && a->known) {
		a->kept = true;
		return PG_DONE;
	}
	if (a->replace && (rc = replace_older(ks, a)) != PG_DONE)
		return rc;
	pp_init(&p);
	pp_text(&p, ci->fingerprint);
	pp_bin(&p, a->der, a->derlen);
	pp_text(&p, a->label);
	pp_text(&p, ci->subject);
	pp_text(&p, ci->issuer);
	pp_text(&p, ci->serial);
	pp_int(&p, ci->not_before);
	pp_int(&p, ci->not_after);
	pp_int(&p, ci->key_usage);
	pp_int(&p, (int)a->origin);
	pp_int(&p, a->now);
	pp_bool(&p, ci->can_encrypt && !a->no_encrypt);
	pp_bool(&p, a->origin == KS_ADDED && ci->can_verify);
	pp_int(&p, ks_charge(a->derlen, ci->emails, ci->nemails, ci->domains,
	    ci->ndomains));
	pp_int(&p, a->expires_at);
	r = pg_q(ks, "INSERT INTO certs (fingerprint, der, label, subject, "
	    "issuer, serial, not_before, not_after, key_usage, origin, "
	    "added_at, last_used, usable_encrypt, usable_verify, charge, "
	    "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
	    "$11, 0, $12, $13, $14, $15) ON CONFLICT (fingerprint) DO NOTHING "
	    "RETURNING id", &p);
	if (r == NULL)
		return PG_ERR;
	if (PQntuples(r) == 0) {
		/* another node stored it in the meantime */
		PQclear(r);
		ks->answer = KS_EXISTS;
		return PG_DONE;
	}
	a->new_id = pg_int(r, 0, 0);
	PQclear(r);
	if ((rc = insert_names(ks, a->new_id, KS_NAME_EMAIL, ci->emails,
	    ci->nemails)) != PG_DONE ||
	    (rc = insert_names(ks, a->new_id, KS_NAME_DNS, ci->domains,
	    ci->ndomains)) != PG_DONE)
		return rc;
	return evict(ks, a);
}

static enum ks_status
pg_add(struct keystore *ks, struct ks_add *a)
{
	return pg_run(ks, PG_WRITE, txn_add, a, "add");
}

struct put_arg {
	const struct ks_cert *c;
	int64_t		charge;
};

static int
txn_put(struct keystore *ks, void *arg)
{
	struct put_arg *pa = arg;
	const struct ks_cert *c = pa->c;
	struct pg_params p;
	PGresult *r;
	int64_t	id;
	int	rc;

	pp_init(&p);
	pp_text(&p, c->fingerprint);
	pp_bin(&p, c->der, c->derlen);
	pp_text(&p, c->label);
	pp_text(&p, c->subject);
	pp_text(&p, c->issuer);
	pp_text(&p, c->serial);
	pp_int(&p, c->not_before);
	pp_int(&p, c->not_after);
	pp_int(&p, c->key_usage);
	pp_int(&p, (int)c->origin);
	pp_int(&p, c->added_at);
	pp_int(&p, c->last_used);
	pp_bool(&p, c->usable_encrypt);
	pp_bool(&p, c->usable_verify);
	pp_int(&p, pa->charge);
	pp_int(&p, c->expires_at);
	r = pg_q(ks, "INSERT INTO certs (fingerprint, der, label, subject, "
	    "issuer, serial, not_before, not_after, key_usage, origin, "
	    "added_at, last_used, usable_encrypt, usable_verify, charge, "
	    "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
	    "$11, $12, $13, $14, $15, $16) ON CONFLICT (fingerprint) DO "
	    "NOTHING RETURNING id", &p);
	if (r == NULL)
		return PG_ERR;
	if (PQntuples(r) == 0) {
		PQclear(r);
		ks->answer = KS_EXISTS;
		return PG_DONE;
	}
	id = pg_int(r, 0, 0);
	PQclear(r);
	if ((rc = insert_names(ks, id, KS_NAME_EMAIL, c->emails,
	    c->nemails)) != PG_DONE)
		return rc;
	return insert_names(ks, id, KS_NAME_DNS, c->domains, c->ndomains);
}

static enum ks_status
pg_put(struct keystore *ks, const struct ks_cert *c, int64_t charge)
{
	struct put_arg pa = { c, charge };

	return pg_run(ks, PG_WRITE, txn_put, &pa, "copy");
}

struct changes_arg {
	const char	*domain;
	int64_t		since;
	int64_t		n;
};

static int
txn_changes(struct keystore *ks, void *arg)
{
	struct changes_arg *a = arg;
	struct pg_params p;
	bool	found;

	pp_init(&p);
	pp_text(&p, a->domain);
	pp_int(&p, a->since);
	return one_int(ks, "SELECT count(DISTINCT c.id) FROM certs c JOIN "
	    "names n ON n.cert_id = c.id WHERE n.kind = 0 AND c.origin = 2 AND "
	    "c.added_at >= $2 AND right(n.name, length($1) + 1) = '@' || $1",
	    &p, 0, &a->n, &found);
}

static enum ks_status
pg_domain_harvests(struct keystore *ks, const char *domain, int64_t since,
    uint64_t *n)
{
	struct changes_arg a = { domain, since, 0 };
	enum ks_status st = pg_run(ks, PG_READ, txn_changes, &a,
	    "count harvests");

	*n = (uint64_t)a.n;
	return st;
}

/* ---- look-up ------------------------------------------------------ */

static bool
excepted(const struct ks_query *q, const char *fp)
{
	size_t	i;

	for (i = 0; i < q->nexcept; i++)
		if (strcmp(q->except[i], fp) == 0)
			return true;
	return false;
}

struct lookup_arg {
	struct ks_query	*q;
	int64_t		id;
	int64_t		changes_at;	/* when time alone may change the answer */
};

static int
find(struct keystore *ks, struct lookup_arg *a, int kind, bool any)
{
	struct ks_query *q = a->q;
	struct pg_params p;
	PGresult *r;
	int	i;

	pp_init(&p);
	pp_int(&p, kind);
	pp_text(&p, kind == KS_NAME_EMAIL ? q->address : q->domain);
	pp_text(&p, kind == KS_NAME_DNS ? q->wildcard : NULL);
	pp_int(&p, q->now);
	r = pg_q(ks, any ? "SELECT c.id, c.fingerprint FROM certs c "
	    "JOIN names n ON n.cert_id = c.id WHERE n.kind = $1 AND "
	    "(n.name = $2 OR n.name = $3) AND (c.origin != 3 OR "
	    "c.expires_at >= $4) ORDER BY c.not_before DESC, c.added_at DESC, "
	    "c.id DESC" :
	    "SELECT c.id, c.fingerprint FROM certs c JOIN names n ON "
	    "n.cert_id = c.id WHERE n.kind = $1 AND (n.name = $2 OR n.name = $3) "
	    "AND c.usable_encrypt AND c.not_before <= $4 AND "
	    "c.not_after >= $4 AND (c.origin != 3 OR c.expires_at >= $4) "
	    "ORDER BY c.not_before DESC, c.added_at DESC, c.id DESC", &p);
	if (r == NULL)
		return PG_ERR;
	for (i = 0; i < PQntuples(r); i++)
		if (!excepted(q, PQgetvalue(r, i, 1))) {
			a->id = pg_int(r, i, 0);
			break;
		}
	PQclear(r);
	return PG_DONE;
}

/* The first moment after now when a certificate naming the address or
 * its domain comes into its dates, or goes out of them or of its TTL:
 * until then the answer stays what it is unless the store changes. */
static int
changes_at(struct keystore *ks, struct lookup_arg *a)
{
	struct ks_query *q = a->q;
	struct pg_params p;
	PGresult *r;

	pp_init(&p);
	pp_int(&p, q->now);
	pp_text(&p, q->address);
	pp_text(&p, q->domain);
	pp_text(&p, q->wildcard);
	r = pg_q(ks, "SELECT min(least(CASE WHEN c.not_before > $1 THEN "
	    "c.not_before END, CASE WHEN c.not_after >= $1 THEN c.not_after + 1 "
	    "END, CASE WHEN c.origin = 3 AND c.expires_at >= $1 THEN "
	    "c.expires_at + 1 END)) FROM certs c JOIN names n ON n.cert_id = "
	    "c.id WHERE (n.kind = 0 AND n.name = $2) OR (n.kind = 1 AND "
	    "(n.name = $3 OR n.name = $4))", &p);
	if (r == NULL)
		return PG_ERR;
	a->changes_at = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ?
	    pg_int(r, 0, 0) : INT64_MAX;
	PQclear(r);
	return PG_DONE;
}

static int
txn_lookup(struct keystore *ks, void *arg)
{
	struct lookup_arg *a = arg;
	struct ks_query *q = a->q;
	int	rc;

	ks_cert_free(q->cert);	/* from an attempt that was retried */
	ks_cert_free(q->unusable);
	q->cert = q->unusable = NULL;
	a->id = 0;
	if (q->nexcept == 0 && (rc = changes_at(ks, a)) != PG_DONE)
		return rc;
	if ((rc = find(ks, a, KS_NAME_EMAIL, false)) != PG_DONE)
		return rc;
	if (a->id == 0 && (rc = find(ks, a, KS_NAME_DNS, false)) != PG_DONE)
		return rc;
	if (a->id != 0)
		return load_id(ks, a->id, &q->cert);
	ks->answer = KS_NOTFOUND;
	if ((rc = find(ks, a, KS_NAME_EMAIL, true)) != PG_DONE)
		return rc;
	if (a->id == 0 && (rc = find(ks, a, KS_NAME_DNS, true)) != PG_DONE)
		return rc;
	if (a->id == 0)
		return PG_DONE;
	rc = load_id(ks, a->id, &q->unusable);
	ks->answer = KS_NOTFOUND;
	return rc;
}

static struct pg_cached *
cache_find(struct ks_pg *pg, const char *address)
{
	size_t	i;

	for (i = 0; i < pg->ncache; i++)
		if (strcmp(pg->cache[i].address, address) == 0)
			return &pg->cache[i];
	return NULL;
}

/* Whether the cached answer holds at now: no certificate of the address
 * came into or went out of its dates since the answer was found. */
static bool
cached_holds(const struct pg_cached *e, int64_t now)
{
	return e->now <= now && now < e->changes_at;
}

static void
cache_store(struct ks_pg *pg, const struct ks_query *q, enum ks_status st,
    int64_t changes)
{
	struct pg_cached *e = cache_find(pg, q->address);

	if (e == NULL) {
		if (pg->ncache >= CACHE_MAX)
			pg_cache_clear(pg);
		pg->cache = x_reallocarray(pg->cache, pg->ncache + 1,
		    sizeof(*pg->cache));
		e = &pg->cache[pg->ncache++];
		e->address = x_strdup(q->address);
	} else {
		ks_cert_free(e->cert);
		ks_cert_free(e->unusable);
	}
	e->stored = monotonic_s();
	e->now = q->now;
	e->changes_at = changes;
	e->st = st;
	e->cert = ks_cert_dup(q->cert);
	e->unusable = ks_cert_dup(q->unusable);
}

static enum ks_status
from_cache(struct ks_query *q, const struct pg_cached *e)
{
	q->cert = ks_cert_dup(e->cert);
	q->unusable = ks_cert_dup(e->unusable);
	return e->st;
}

/* Answers from the cache while it is fresh (connected) or, when the
 * database is unreachable, for up to KEYSTORE_PG_STALE_MAX seconds. The
 * cache is for the plain look-up only: one that passes over keys goes to
 * the database. */
static enum ks_status
pg_lookup(struct keystore *ks, struct ks_query *q)
{
	struct ks_pg *pg = ks->pg;
	struct lookup_arg a = { q, 0, 0 };
	struct pg_cached *e;
	enum ks_status st;
	bool	up;

	pthread_mutex_lock(&ks->lock);
	up = pg_poll(ks);
	e = q->nexcept == 0 ? cache_find(pg, q->address) : NULL;
	if (e != NULL && up && monotonic_s() - e->stored <
	    KEYSTORE_PG_CACHE_TTL && cached_holds(e, q->now)) {
		st = from_cache(q, e);
		goto out;
	}
	/* Lost: a cached answer is given without waiting for a reconnection
	 * (which may take the connect time-out); misses and writes try. */
	if (e != NULL && !up && monotonic_s() - e->stored <
	    KEYSTORE_PG_STALE_MAX && cached_holds(e, q->now)) {
		st = from_cache(q, e);
		goto out;
	}
	st = pg_run_locked(ks, PG_READ, txn_lookup, &a, "look-up");
	if (st == KS_OK || st == KS_NOTFOUND) {
		if (q->nexcept == 0)
			cache_store(pg, q, st, a.changes_at);
	} else if (st == KS_TEMPFAIL && pg->broken && q->nexcept == 0 &&
	    (e = cache_find(pg, q->address)) != NULL &&
	    monotonic_s() - e->stored < KEYSTORE_PG_STALE_MAX &&
	    cached_holds(e, q->now)) {
		ks_cert_free(q->cert);
		ks_cert_free(q->unusable);
		st = from_cache(q, e);
	}
out:
	pthread_mutex_unlock(&ks->lock);
	return st;
}

struct touch_arg {
	int64_t		id, now;
};

static int
txn_touch(struct keystore *ks, void *arg)
{
	struct touch_arg *t = arg;
	struct pg_params p;

	pp_init(&p);
	pp_int(&p, t->now);
	pp_int(&p, t->id);
	return pg_do(ks, "UPDATE certs SET last_used = $1 WHERE id = $2 AND "
	    "last_used < $1", &p);
}

/* Written at most every TOUCH_EVERY seconds per key (a look-up answered
 * from the cache would otherwise cost a write each time); the cached
 * copy remembers the last write. Not a change other nodes must hear of:
 * it does not empty the cache. */
static enum ks_status
pg_touch(struct keystore *ks, int64_t id, int64_t now)
{
	struct ks_pg *pg = ks->pg;
	struct touch_arg t = { id, now };
	struct pg_cached *hit = NULL;
	enum ks_status st;
	size_t	i;

	pthread_mutex_lock(&ks->lock);
	for (i = 0; i < pg->ncache; i++)
		if (pg->cache[i].cert != NULL && pg->cache[i].cert->id == id)
			hit = &pg->cache[i];
	if (hit != NULL && hit->cert->last_used > now - TOUCH_EVERY &&
	    hit->cert->last_used != 0) {
		pthread_mutex_unlock(&ks->lock);
		return KS_OK;
	}
	st = pg_run_locked(ks, PG_TOUCH, txn_touch, &t, "update last_used");
	for (i = 0; st == KS_OK && i < pg->ncache; i++)
		if (pg->cache[i].cert != NULL && pg->cache[i].cert->id == id)
			pg->cache[i].cert->last_used = now;
	pthread_mutex_unlock(&ks->lock);
	return st;
}

/* ---- certificates by key ------------------------------------------ */

struct key_arg {
	const char	*key;
	int64_t		id;
	struct ks_cert	*cert;
	bool		(*fn)(const struct ks_cert *, void *);
	void		*fnarg;
	int64_t		n, bytes;
};

/* Resolves a->key into a->id; sets answer NOTFOUND/EXISTS (ambiguous). */
static int
resolve(struct keystore *ks, struct key_arg *a)
{
	struct pg_params p;
	PGresult *r;
	char	prefix[80];
	size_t	i;
	int	n;

	snprintf(prefix, sizeof(prefix), "%s%%", ks_is_hex_prefix(a->key) ?
	    a->key : "-");
	for (i = 0; prefix[i] != '\0'; i++)
		prefix[i] = (char)tolower((unsigned char)prefix[i]);
	pp_init(&p);
	pp_text(&p, prefix);
	pp_text(&p, a->key);
	r = pg_q(ks, "SELECT id FROM certs WHERE fingerprint LIKE $1 OR "
	    "label = $2 LIMIT 2", &p);
	if (r == NULL)
		return PG_ERR;
	n = PQntuples(r);
	if (n == 1)
		a->id = pg_int(r, 0, 0);
	PQclear(r);
	if (n != 1) {
		ks->answer = n == 0 ? KS_NOTFOUND : KS_EXISTS;
		ks_fail(ks, "%s: %s", a->key, n == 0 ? "no such key" :
		    "ambiguous: give more of the fingerprint");
	}
	return PG_DONE;
}

static int
txn_get(struct keystore *ks, void *arg)
{
	struct key_arg *a = arg;
	int	rc;

	ks_cert_free(a->cert);	/* from an attempt that was retried */
	a->cert = NULL;
	if ((rc = resolve(ks, a)) != PG_DONE || ks->answer != KS_OK)
		return rc;
	return load_id(ks, a->id, &a->cert);
}

static enum ks_status
pg_get(struct keystore *ks, const char *key, struct ks_cert **out)
{
	struct key_arg a;
	enum ks_status st;

	memset(&a, 0, sizeof(a));
	a.key = key;
	st = pg_run(ks, PG_READ, txn_get, &a, "get");
	*out = st == KS_OK ? a.cert : NULL;
	if (st != KS_OK)
		ks_cert_free(a.cert);
	return st;
}

static int
txn_remove(struct keystore *ks, void *arg)
{
	struct key_arg *a = arg;
	int	rc;

	if ((rc = resolve(ks, a)) != PG_DONE || ks->answer != KS_OK)
		return rc;
	return delete_id(ks, a->id);
}

static enum ks_status
pg_remove(struct keystore *ks, const char *key)
{
	struct key_arg a;

	memset(&a, 0, sizeof(a));
	a.key = key;
	return pg_run(ks, PG_WRITE, txn_remove, &a, "remove");
}

static int
txn_promote(struct keystore *ks, void *arg)
{
	struct key_arg *a = arg;
	struct pg_params p;
	int	rc;

	if ((rc = resolve(ks, a)) != PG_DONE || ks->answer != KS_OK)
		return rc;
	pp_init(&p);
	pp_int(&p, a->id);
	return pg_do(ks, "UPDATE certs SET usable_verify = true WHERE id = $1",
	    &p);
}

static enum ks_status
pg_promote(struct keystore *ks, const char *key)
{
	struct key_arg a;

	memset(&a, 0, sizeof(a));
	a.key = key;
	return pg_run(ks, PG_WRITE, txn_promote, &a, "promote");
}

/* In pages by id, so that a large store is never one result in memory. */
static int
txn_foreach(struct keystore *ks, void *arg)
{
	struct key_arg *a = arg;
	struct pg_params p;
	PGresult *r;
	int64_t	after = 0;
	int	i, n;

	for (;;) {
		pp_init(&p);
		pp_int(&p, after);
		r = pg_q(ks, "SELECT " CERT_COLUMNS " FROM certs WHERE id > $1 "
		    "ORDER BY id LIMIT 500", &p);
		if (r == NULL)
			return PG_ERR;
		n = PQntuples(r);
		for (i = 0; i < n; i++) {
			struct ks_cert *c = NULL;
			bool	more;

			if (load_row(ks, r, i, &c) != PG_DONE) {
				PQclear(r);
				return PG_ERR;
			}
			after = c->id;
			more = a->fn(c, a->fnarg);
			ks_cert_free(c);
			if (!more) {
				PQclear(r);
				return PG_DONE;
			}
		}
		PQclear(r);
		if (n < 500)
			return PG_DONE;
	}
}

static enum ks_status
pg_foreach(struct keystore *ks, bool (*fn)(const struct ks_cert *, void *),
    void *fnarg)
{
	struct key_arg a;

	memset(&a, 0, sizeof(a));
	a.fn = fn;
	a.fnarg = fnarg;
	return pg_run(ks, PG_READ, txn_foreach, &a, "list");
}

static int
txn_count(struct keystore *ks, void *arg)
{
	struct key_arg *a = arg;
	PGresult *r;

	r = pg_q(ks, "SELECT (SELECT count(*) FROM certs), (SELECT value "
	    "FROM totals WHERE name = 'charge')", NULL);
	if (r == NULL)
		return PG_ERR;
	a->n = pg_int(r, 0, 0);
	a->bytes = pg_int(r, 0, 1);
	PQclear(r);
	return PG_DONE;
}

static enum ks_status
pg_count(struct keystore *ks, uint64_t *n, uint64_t *bytes)
{
	struct key_arg a;
	enum ks_status st;

	memset(&a, 0, sizeof(a));
	st = pg_run(ks, PG_READ, txn_count, &a, "count");
	*n = (uint64_t)a.n;
	*bytes = (uint64_t)a.bytes;
	return st;
}

/* ---- the fleet's key updates -------------------------------------- */

struct update_arg {
	const char	*domain, *address, *fingerprint;
	int64_t		now, since;
	uint64_t	n;
	char		*report;
	size_t		size;
};

/* SERIALIZABLE: two nodes recording updates of one domain at once cannot
 * both miss the other's (one of them is run again and counts both). */
static int
txn_fleet_update(struct keystore *ks, void *arg)
{
	struct update_arg *a = arg;
	struct pg_params p;
	PGresult *r;
	size_t	len = 0;
	int	i, rc;

	pp_init(&p);
	pp_text(&p, a->domain);
	pp_int(&p, a->since < a->now - KEYSTORE_UPDATES_KEEP ? a->since :
	    a->now - KEYSTORE_UPDATES_KEEP);
	if ((rc = pg_do(ks, "DELETE FROM key_updates WHERE domain = $1 AND "
	    "at < $2", &p)) != PG_DONE)
		return rc;
	pp_init(&p);
	pp_text(&p, a->fingerprint);
	pp_text(&p, a->domain);
	pp_text(&p, a->address);
	pp_int(&p, a->now);
	/* A key seen again (two nodes harvesting it, or an address going
	 * back to a key it had) is one row, at its latest time: a flip
	 * back inside the window counts. */
	if ((rc = pg_do(ks, "INSERT INTO key_updates (fingerprint, domain, "
	    "address, at) VALUES ($1, $2, $3, $4) ON CONFLICT (fingerprint) "
	    "DO UPDATE SET at = GREATEST(key_updates.at, excluded.at), "
	    "domain = excluded.domain, address = excluded.address", &p)) !=
	    PG_DONE)
		return rc;
	pp_init(&p);
	pp_text(&p, a->domain);
	pp_int(&p, a->since);
	r = pg_q(ks, "SELECT address, fingerprint FROM key_updates WHERE "
	    "domain = $1 AND at >= $2 ORDER BY at, address", &p);
	if (r == NULL)
		return PG_ERR;
	a->n = (uint64_t)PQntuples(r);
	if (a->report != NULL && a->size > 0)
		a->report[0] = '\0';
	for (i = 0; i < PQntuples(r) && a->report != NULL; i++) {
		int	w = snprintf(a->report + len, a->size - len, "%s %s\n",
		    PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));

		if (w < 0 || (size_t)w >= a->size - len)
			break;	/* the count stays whole; the list is cut */
		len += (size_t)w;
	}
	PQclear(r);
	return PG_DONE;
}

static enum ks_status
pg_fleet_update(struct keystore *ks, const char *domain, const char *address,
    const char *fingerprint, int64_t now, int64_t since, uint64_t *n,
    char *report, size_t size)
{
	struct update_arg a = { domain, address, fingerprint, now, since, 0,
	    report, size };
	enum ks_status st = pg_run(ks, PG_WRITE, txn_fleet_update, &a,
	    "record a key update");

	*n = st == KS_OK ? a.n : 0;
	return st;
}

/* ---- settings and CAs --------------------------------------------- */

struct setting_arg {
	const char	*name, *value;
	char		*buf;
	size_t		size;
};

static int
txn_setting_get(struct keystore *ks, void *arg)
{
	struct setting_arg *a = arg;
	struct pg_params p;
	PGresult *r;

	pp_init(&p);
	pp_text(&p, a->name);
	r = pg_q(ks, "SELECT value FROM settings WHERE name = $1", &p);
	if (r == NULL)
		return PG_ERR;
	if (PQntuples(r) == 1)
		snprintf(a->buf, a->size, "%s", PQgetvalue(r, 0, 0));
	else
		ks->answer = KS_NOTFOUND;
	PQclear(r);
	return PG_DONE;
}

static enum ks_status
pg_setting_get(struct keystore *ks, const char *name, char *buf, size_t size)
{
	struct setting_arg a = { name, NULL, buf, size };

	return pg_run(ks, PG_READ, txn_setting_get, &a, "read setting");
}

static int
txn_setting_set(struct keystore *ks, void *arg)
{
	struct setting_arg *a = arg;
	struct pg_params p;

	pp_init(&p);
	pp_text(&p, a->name);
	pp_text(&p, a->value);
	return pg_do(ks, "INSERT INTO settings (name, value) VALUES ($1, $2) "
	    "ON CONFLICT (name) DO UPDATE SET value = excluded.value", &p);
}

static enum ks_status
pg_setting_set(struct keystore *ks, const char *name, const char *value)
{
	struct setting_arg a = { name, value, NULL, 0 };

	return pg_run(ks, PG_WRITE, txn_setting_set, &a, "write setting");
}

struct claim_arg {
	const char	*name;
	int64_t		now, until;
	bool		won;
};

/* The claim row holds when it runs out; taken when absent or run out.
 * Two nodes at once: the second's INSERT waits for the first's row and
 * evaluates the WHERE on it (READ COMMITTED), so it finds the claim
 * taken. Not a change of keys: the look-up caches stay. */
static int
txn_claim(struct keystore *ks, void *arg)
{
	struct claim_arg *a = arg;
	struct pg_params p;
	PGresult *r;

	pp_init(&p);
	pp_text(&p, a->name);
	pp_int(&p, a->until);
	pp_int(&p, a->now);
	r = pg_q(ks, "INSERT INTO settings (name, value) VALUES ($1, $2) "
	    "ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE "
	    "settings.value::bigint <= $3 RETURNING 1", &p);
	if (r == NULL)
		return PG_ERR;
	a->won = PQntuples(r) == 1;
	PQclear(r);
	return PG_DONE;
}

static enum ks_status
pg_claim(struct keystore *ks, const char *name, int64_t now, int64_t until,
    bool *won)
{
	struct claim_arg a = { name, now, until, false };
	enum ks_status st = pg_run(ks, PG_TOUCH, txn_claim, &a, "claim");

	*won = st == KS_OK && a.won;
	return st;
}

struct ca_arg {
	const unsigned char *const *der;
	const size_t	*derlen;
	char		(*fp)[65];
	size_t		n;
	int64_t		now;
	bool		(*fn)(const unsigned char *, size_t, void *);
	void		*fnarg;
};

static int
txn_ca_replace(struct keystore *ks, void *arg)
{
	struct ca_arg *a = arg;
	struct pg_params p;
	size_t	i;
	int	rc;

	if ((rc = pg_do(ks, "DELETE FROM cas", NULL)) != PG_DONE)
		return rc;
	for (i = 0; i < a->n; i++) {
		pp_init(&p);
		pp_text(&p, a->fp[i]);
		pp_bin(&p, a->der[i], a->derlen[i]);
		pp_int(&p, a->now);
		if ((rc = pg_do(ks, "INSERT INTO cas (fingerprint, der, "
		    "added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		    &p)) != PG_DONE)
			return rc;
	}
	return PG_DONE;
}

static enum ks_status
pg_ca_replace(struct keystore *ks, const unsigned char *const *der,
    const size_t *derlen, char (*fp)[65], size_t n, int64_t now)
{
	struct ca_arg a;

	memset(&a, 0, sizeof(a));
	a.der = der;
	a.derlen = derlen;
	a.fp = fp;
	a.n = n;
	a.now = now;
	return pg_run(ks, PG_WRITE, txn_ca_replace, &a, "replace CAs");
}

static int
txn_ca_foreach(struct keystore *ks, void *arg)
{
	struct ca_arg *a = arg;
	PGresult *r;
	int	i;

	if ((r = pg_q(ks, "SELECT der FROM cas ORDER BY id", NULL)) == NULL)
		return PG_ERR;
	for (i = 0; i < PQntuples(r); i++) {
		size_t	len;
		unsigned char *der = pg_bytes(r, i, 0, &len);
		bool	more = len == 0 || a->fn(der, len, a->fnarg);

		free(der);
		if (!more)
			break;
	}
	PQclear(r);
	return PG_DONE;
}

static enum ks_status
pg_ca_foreach(struct keystore *ks,
    bool (*fn)(const unsigned char *, size_t, void *), void *fnarg)
{
	struct ca_arg a;

	memset(&a, 0, sizeof(a));
	a.fn = fn;
	a.fnarg = fnarg;
	return pg_run(ks, PG_READ, txn_ca_foreach, &a, "list CAs");
}

/* ---- revocation --------------------------------------------------- */

struct answer_arg {
	const char	*key;
	const unsigned char *der;
	size_t		len;
	unsigned char	*out;
	size_t		outlen;
	int64_t		fetched_at, expires_at, now;
};

static int
txn_answer_get(struct keystore *ks, void *arg)
{
	struct answer_arg *a = arg;
	struct pg_params p;
	PGresult *r;

	free(a->out);
	a->out = NULL;
	pp_init(&p);
	pp_text(&p, a->key);
	pp_int(&p, a->now);
	r = pg_q(ks, "SELECT der, fetched_at, expires_at FROM "
	    "revocation_answers WHERE key = $1 AND expires_at >= $2", &p);
	if (r == NULL)
		return PG_ERR;
	if (PQntuples(r) == 1) {
		a->out = pg_bytes(r, 0, 0, &a->outlen);
		a->fetched_at = pg_int(r, 0, 1);
		a->expires_at = pg_int(r, 0, 2);
	} else
		ks->answer = KS_NOTFOUND;
	PQclear(r);
	return PG_DONE;
}

static enum ks_status
pg_revocation_get(struct keystore *ks, const char *key, int64_t now,
    unsigned char **der, size_t *len, int64_t *fetched_at,
    int64_t *expires_at)
{
	struct answer_arg a;
	enum ks_status st;

	memset(&a, 0, sizeof(a));
	a.key = key;
	a.now = now;
	st = pg_run(ks, PG_READ, txn_answer_get, &a, "revocation answer");
	if (st != KS_OK) {
		free(a.out);
		return st;
	}
	*der = a.out;
	*len = a.outlen;
	*fetched_at = a.fetched_at;
	*expires_at = a.expires_at;
	return KS_OK;
}

static int
txn_answer_put(struct keystore *ks, void *arg)
{
	struct answer_arg *a = arg;
	struct pg_params p;
	int	rc;

	/* expired answers go as new ones come */
	pp_init(&p);
	pp_int(&p, a->now);
	if ((rc = pg_do(ks, "DELETE FROM revocation_answers WHERE "
	    "expires_at < $1", &p)) != PG_DONE)
		return rc;
	pp_init(&p);
	pp_text(&p, a->key);
	pp_bin(&p, a->der, a->len);
	pp_int(&p, a->fetched_at);
	pp_int(&p, a->expires_at);
	return pg_do(ks, "INSERT INTO revocation_answers (key, der, "
	    "fetched_at, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) "
	    "DO UPDATE SET der = excluded.der, fetched_at = excluded.fetched_at, "
	    "expires_at = excluded.expires_at", &p);
}

static enum ks_status
pg_revocation_put(struct keystore *ks, const char *key,
    const unsigned char *der, size_t len, int64_t fetched_at,
    int64_t expires_at, int64_t now)
{
	struct answer_arg a;

	memset(&a, 0, sizeof(a));
	a.key = key;
	a.der = der;
	a.len = len;
	a.fetched_at = fetched_at;
	a.expires_at = expires_at;
	a.now = now;
	return pg_run(ks, PG_TOUCH, txn_answer_put, &a,
	    "store revocation answer");
}

struct status_arg {
	const char	*fingerprint;
	struct ks_revocation_status *rs;
};

static int
txn_status_set(struct keystore *ks, void *arg)
{
	struct status_arg *a = arg;
	struct pg_params p;

	pp_init(&p);
	pp_text(&p, a->fingerprint);
	pp_text(&p, a->rs->status);
	pp_text(&p, a->rs->source);
	pp_int(&p, a->rs->checked_at);
	pp_int(&p, a->rs->next_update);
	pp_text(&p, a->rs->reason);
	return pg_do(ks, "INSERT INTO revocation_status (fingerprint, status, "
	    "source, checked_at, next_update, reason) VALUES ($1, $2, $3, $4, "
	    "$5, $6) ON CONFLICT (fingerprint) DO UPDATE SET status = "
	    "excluded.status, source = excluded.source, checked_at = "
	    "excluded.checked_at, next_update = excluded.next_update, "
	    "reason = excluded.reason", &p);
}

static enum ks_status
pg_status_set(struct keystore *ks, const char *fingerprint,
    const struct ks_revocation_status *rs)
{
	struct status_arg a = { fingerprint, (struct ks_revocation_status *)rs };

	return pg_run(ks, PG_TOUCH, txn_status_set, &a,
	    "store revocation status");
}

static int
txn_status_get(struct keystore *ks, void *arg)
{
	struct status_arg *a = arg;
	struct ks_revocation_status *rs = a->rs;
	struct pg_params p;
	PGresult *r;

	pp_init(&p);
	pp_text(&p, a->fingerprint);
	r = pg_q(ks, "SELECT status, source, checked_at, next_update, reason "
	    "FROM revocation_status WHERE fingerprint = $1", &p);
	if (r == NULL)
		return PG_ERR;
	if (PQntuples(r) == 1) {
		snprintf(rs->status, sizeof(rs->status), "%s",
		    PQgetvalue(r, 0, 0));
		snprintf(rs->source, sizeof(rs->source), "%s",
		    PQgetvalue(r, 0, 1));
		rs->checked_at = pg_int(r, 0, 2);
		rs->next_update = pg_int(r, 0, 3);
		snprintf(rs->reason, sizeof(rs->reason), "%s",
		    PQgetvalue(r, 0, 4));
	} else
		ks->answer = KS_NOTFOUND;
	PQclear(r);
	return PG_DONE;
}

static enum ks_status
pg_status_get(struct keystore *ks, const char *fingerprint,
    struct ks_revocation_status *rs)
{
	struct status_arg a = { fingerprint, rs };

	return pg_run(ks, PG_READ, txn_status_get, &a, "revocation status");
}

/* The server keeps its own files sound; what can be checked from here is
 * that every name belongs to a certificate and every certificate parses
 * as far as its stored facts go, and that the size cap's running total
 * is what the rows add up to. */
static int
txn_check(struct keystore *ks, void *arg)
{
	PGresult *r;
	int64_t	n, total, sum;
	bool	found;
	int	rc;

	(void)arg;
	if ((rc = one_int(ks, "SELECT count(*) FROM certs WHERE "
	    "length(der) = 0 OR length(fingerprint) != 64", NULL, 0, &n,
	    &found)) != PG_DONE)
		return rc;
	if (n != 0) {
		ks_fail(ks, "the database is damaged: %lld certificates "
		    "without a body or fingerprint", (long long)n);
		ks->answer = KS_PERMFAIL;
		return PG_ABORT;
	}
	r = pg_q(ks, "SELECT (SELECT value FROM totals WHERE name = "
	    "'charge'), (SELECT coalesce(sum(charge), 0) FROM certs)", NULL);
	if (r == NULL)
		return PG_ERR;
	total = pg_int(r, 0, 0);
	sum = pg_int(r, 0, 1);
	PQclear(r);
	return ks_total_matches(ks, total, sum) ? PG_DONE : PG_ABORT;
}

static enum ks_status
pg_check(struct keystore *ks)
{
	return pg_run(ks, PG_READ, txn_check, NULL, "check");
}

const struct ks_backend ks_pg_backend = {
	.name = "postgresql",
	.close = ks_pg_close,
	.add = pg_add,
	.put = pg_put,
	.domain_harvests = pg_domain_harvests,
	.lookup = pg_lookup,
	.touch = pg_touch,
	.get = pg_get,
	.foreach = pg_foreach,
	.count = pg_count,
	.remove = pg_remove,
	.promote = pg_promote,
	.setting_get = pg_setting_get,
	.setting_set = pg_setting_set,
	.claim = pg_claim,
	.fleet_update = pg_fleet_update,
	.ca_replace = pg_ca_replace,
	.ca_foreach = pg_ca_foreach,
	.revocation_get = pg_revocation_get,
	.revocation_put = pg_revocation_put,
	.status_set = pg_status_set,
	.status_get = pg_status_get,
	.check = pg_check,
};
