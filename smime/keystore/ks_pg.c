/*
 * ks_pg - the PostgreSQL back end: connecting (and re-connecting), the
 * transaction runner, parameters and results, the look-up cache and its
 * invalidation by LISTEN/NOTIFY, opening and closing; see ks_pg.h. The
 * schema and its migrations are in ks_pg_schema.c, the operations in
 * ks_pg_ops.c.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/xalloc.h"
#include "smime/keystore/ks_pg.h"
#include "smime/keystore/ks_pg_schema.h"

#define RECONNECT_MS	1000
#define CONNECT_TIMEOUT	"10"

static _Thread_local unsigned pg_seed;

static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
backoff(unsigned attempt)
{
	struct timespec ts;
	unsigned ms;

	if (pg_seed == 0)
		pg_seed = (unsigned)monotonic_ms() ^ (unsigned)(uintptr_t)&ts;
	pg_seed = pg_seed * 1103515245u + 12345u;
	ms = 1 + (pg_seed >> 16) % (attempt < 6 ? 2u << attempt : 64u);
	ts.tv_sec = 0;
	ts.tv_nsec = (long)ms * 1000000L;
	nanosleep(&ts, NULL);
}

/* ---- parameters and results --------------------------------------- */

void
pp_init(struct pg_params *p)
{
	p->n = 0;
}

static int
pp_next(struct pg_params *p)
{
	if (p->n >= PG_PARAMS_MAX)
		abort();	/* a programming error, not an input */
	p->len[p->n] = 0;
	p->fmt[p->n] = 0;
	return p->n++;
}

void
pp_text(struct pg_params *p, const char *s)
{
	p->v[pp_next(p)] = s;
}

void
pp_int(struct pg_params *p, int64_t v)
{
	int	i = pp_next(p);

	snprintf(p->num[i], sizeof(p->num[i]), "%" PRId64, v);
	p->v[i] = p->num[i];
}

void
pp_bool(struct pg_params *p, bool b)
{
	p->v[pp_next(p)] = b ? "t" : "f";
}

void
pp_bin(struct pg_params *p, const void *data, size_t len)
{
	int	i = pp_next(p);

	p->v[i] = len > 0 ? data : "";
	p->len[i] = (int)len;
	p->fmt[i] = 1;
}

int64_t
pg_int(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool
pg_bool(const PGresult *r, int row, int col)
{
	return PQgetvalue(r, row, col)[0] == 't';
}

char *
pg_str(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return x_strdup(PQgetvalue(r, row, col));
}

unsigned char *
pg_bytes(const PGresult *r, int row, int col, size_t *len)
{
	unsigned char *raw, *out;
	size_t	n = 0;

	raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col),
	    &n);
	if (raw == NULL)
		abort();	/* like x_malloc(): out of memory */
	out = x_malloc(n ? n : 1);
	memcpy(out, raw, n);
	PQfreemem(raw);
	*len = n;
	return out;
}

/* ---- errors ------------------------------------------------------- */

static bool
state_is(const struct ks_pg *pg, const char *code)
{
	return strncmp(pg->sqlstate, code, strlen(code)) == 0;
}

/* A lost or read-only connection, a fail-over, a server short of
 * resources or shutting down: the mail waits. Anything else will not
 * pass by itself. */
static enum ks_status
classify(struct keystore *ks)
{
	struct ks_pg *pg = ks->pg;

	if (pg->broken || pg->sqlstate[0] == '\0' || state_is(pg, "08") ||
	    state_is(pg, "40") || state_is(pg, "53") || state_is(pg, "57") ||
	    state_is(pg, "58") || state_is(pg, "25006") ||
	    state_is(pg, "55P03"))
		return KS_TEMPFAIL;
	return KS_PERMFAIL;
}

static bool
retryable(const struct ks_pg *pg)
{
	return !pg->broken && (state_is(pg, "40001") || state_is(pg, "40P01"));
}

static void
record(struct keystore *ks, const PGresult *r)
{
	struct ks_pg *pg = ks->pg;
	const char *state = r != NULL ? PQresultErrorField(r,
	    PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r != NULL ? PQresultErrorMessage(r) : "";
	size_t	n;

	snprintf(pg->sqlstate, sizeof(pg->sqlstate), "%s",
	    state != NULL ? state : "");
	if (msg == NULL || msg[0] == '\0')
		msg = PQerrorMessage(pg->conn);
	if (PQstatus(pg->conn) != CONNECTION_OK)
		pg->broken = true;
	n = strcspn(msg, "\n");
	if (state_is(pg, "42P01"))
		ks_fail(ks, "%s: %.*s: the gatewarden schema is missing: run "
		    "gatewarden-keys migrate", pg->what, (int)n, msg);
	else
		ks_fail(ks, "%s: %.*s%s%s%s", pg->what, (int)n, msg,
		    pg->sqlstate[0] ? " (SQLSTATE " : "", pg->sqlstate,
		    pg->sqlstate[0] ? ")" : "");
}

PGresult *
pg_q(struct keystore *ks, const char *sql, struct pg_params *p)
{
	PGresult *r;
	ExecStatusType s;

	r = PQexecParams(ks->pg->conn, sql, p != NULL ? p->n : 0, NULL,
	    p != NULL ? p->v : NULL, p != NULL ? p->len : NULL,
	    p != NULL ? p->fmt : NULL, 0);
	s = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK)
		return r;
	record(ks, r);
	PQclear(r);
	return NULL;
}

int
pg_do(struct keystore *ks, const char *sql, struct pg_params *p)
{
	PGresult *r = pg_q(ks, sql, p);

	if (r == NULL)
		return PG_ERR;
	PQclear(r);
	return PG_DONE;
}

/* ---- the look-up cache -------------------------------------------- */

struct ks_cert *
ks_cert_dup(const struct ks_cert *c)
{
	struct ks_cert *d;
	size_t	i;

	if (c == NULL)
		return NULL;
	d = x_calloc(1, sizeof(*d));
	*d = *c;
	d->der = x_malloc(c->derlen ? c->derlen : 1);
	memcpy(d->der, c->der, c->derlen);
	d->label = c->label != NULL ? x_strdup(c->label) : NULL;
	d->subject = c->subject != NULL ? x_strdup(c->subject) : NULL;
	d->issuer = c->issuer != NULL ? x_strdup(c->issuer) : NULL;
	d->serial = c->serial != NULL ? x_strdup(c->serial) : NULL;
	d->emails = c->nemails ? x_reallocarray(NULL, c->nemails,
	    sizeof(char *)) : NULL;
	for (i = 0; i < c->nemails; i++)
		d->emails[i] = x_strdup(c->emails[i]);
	d->domains = c->ndomains ? x_reallocarray(NULL, c->ndomains,
	    sizeof(char *)) : NULL;
	for (i = 0; i < c->ndomains; i++)
		d->domains[i] = x_strdup(c->domains[i]);
	return d;
}

void
pg_cache_clear(struct ks_pg *pg)
{
	size_t	i;

	for (i = 0; i < pg->ncache; i++) {
		free(pg->cache[i].address);
		ks_cert_free(pg->cache[i].cert);
		ks_cert_free(pg->cache[i].unusable);
	}
	free(pg->cache);
	pg->cache = NULL;
	pg->ncache = 0;
}

bool
pg_poll(struct keystore *ks)
{
	struct ks_pg *pg = ks->pg;
	PGnotify *n;

	if (pg->conn == NULL || pg->broken)
		return false;
	if (PQconsumeInput(pg->conn) == 0 ||
	    PQstatus(pg->conn) != CONNECTION_OK) {
		pg->broken = true;
		return false;
	}
	while ((n = PQnotifies(pg->conn)) != NULL) {
		if (strcmp(n->relname, KEYSTORE_PG_CHANNEL) == 0) {
			pg->notifications++;
			pg_cache_clear(pg);
		}
		PQfreemem(n);
	}
	return true;
}

/* ---- connecting --------------------------------------------------- */

/* The URI's parameters, with target_session_attrs=read-write and a
 * connection time-out added when it does not set them. */
static bool
conninfo(struct keystore *ks, const char *uri)
{
	struct ks_pg *pg = ks->pg;
	PQconninfoOption *opts, *o;
	char	*err = NULL;
	bool	has_tsa = false, has_timeout = false, has_app = false;
	size_t	n = 0;

	opts = PQconninfoParse(uri, &err);
	if (opts == NULL) {
		ks_fail(ks, "not a PostgreSQL URI: %.*s",
		    err != NULL ? (int)strcspn(err, "\n") : 3,
		    err != NULL ? err : "bad");
		PQfreemem(err);
		return false;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		has_tsa |= strcmp(o->keyword, "target_session_attrs") == 0;
		has_timeout |= strcmp(o->keyword, "connect_timeout") == 0;
		has_app |= strcmp(o->keyword, "application_name") == 0;
	}
	PQconninfoFree(opts);
	pg->keys = x_calloc(5, sizeof(char *));
	pg->values = x_calloc(5, sizeof(char *));
	pg->keys[n] = "dbname";
	pg->values[n++] = pg->uri;
	if (!has_tsa) {
		pg->keys[n] = "target_session_attrs";
		pg->values[n++] = "read-write";
	}
	if (!has_timeout) {
		pg->keys[n] = "connect_timeout";
		pg->values[n++] = CONNECT_TIMEOUT;
	}
	if (!has_app) {
		pg->keys[n] = "application_name";
		pg->values[n++] = "gatewarden";
	}
	return true;
}

/* The server's notices (NOTICE: relation exists, skipping ...) are not
 * errors and must not reach the daemon's standard error. */
static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Opens a new connection; the caller holds the handle's mutex. libpq
 * may take up to the connect time-out to give up on a server that does
 * not answer, so the mutex is let go meanwhile: look-ups the cache can
 * answer go on, and the other sessions that need the database fail at
 * once (ensure_connected() sees pg->connecting) instead of queueing
 * behind this one. */
static bool
connect_now(struct keystore *ks)
{
	struct ks_pg *pg = ks->pg;
	const char *what = pg->what;
	PGconn	*conn;
	PGresult *r;

	pg->connecting = true;
	pg->last_try = monotonic_ms();
	pg->broken = true;
	pthread_mutex_unlock(&ks->lock);
	conn = PQconnectdbParams(pg->keys, pg->values, 1);
	pthread_mutex_lock(&ks->lock);
	pg->connecting = false;
	if (pg->conn != NULL)
		PQfinish(pg->conn);
	pg->conn = conn;
	pg->what = "connect";
	pg->sqlstate[0] = '\0';
	if (pg->conn == NULL) {
		ks_fail(ks, "connect: out of memory");
		return false;
	}
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		const char *m = PQerrorMessage(pg->conn);

		ks_fail(ks, "connect: %.*s", (int)strcspn(m, "\n"), m);
		return false;
	}
	PQsetNoticeProcessor(pg->conn, quiet, NULL);
	/* Notifications missed while away: nothing cached is to be trusted. */
	pg_cache_clear(pg);
	pg->broken = false;
	r = pg_q(ks, "LISTEN " KEYSTORE_PG_CHANNEL, NULL);
	pg->what = what;
	if (r == NULL) {
		pg->broken = true;
		return false;
	}
	PQclear(r);
	return true;
}

/* connect_now() for an opener, which holds no mutex yet. */
static bool
connect_first(struct keystore *ks)
{
	bool	up;

	pthread_mutex_lock(&ks->lock);
	up = connect_now(ks);
	pthread_mutex_unlock(&ks->lock);
	return up;
}

/* The connection is up, or was re-opened; false (reason recorded) when
 * it is down and the last attempt is less than RECONNECT_MS old. */
static bool
ensure_connected(struct keystore *ks)
{
	struct ks_pg *pg = ks->pg;

	if (pg->conn != NULL && !pg->broken &&
	    PQstatus(pg->conn) == CONNECTION_OK)
		return true;
	if (pg->connecting) {
		ks_fail(ks, "the database is unreachable (another session is "
		    "connecting)");
		return false;
	}
	if (monotonic_ms() - pg->last_try < RECONNECT_MS) {
		ks_fail(ks, "the database is unreachable (retried every "
		    "%d ms)", RECONNECT_MS);
		return false;
	}
	return connect_now(ks);
}

/* ---- transactions ------------------------------------------------- */

enum ks_status
pg_run_locked(struct keystore *ks, enum pg_mode mode, pg_txn_fn fn,
    void *arg, const char *what)
{
	static const char *const begin[] = {
		[PG_READ] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
		[PG_WRITE] = "BEGIN ISOLATION LEVEL SERIALIZABLE",
		[PG_MIGRATE] = "BEGIN ISOLATION LEVEL READ COMMITTED",
		[PG_TOUCH] = "BEGIN ISOLATION LEVEL READ COMMITTED",
	};
	struct ks_pg *pg = ks->pg;
	int64_t	deadline = monotonic_ms() + KEYSTORE_BUSY_MS;
	unsigned attempt;
	bool	again = false;
	int	rc;

	pg->what = what;
	for (attempt = 0;; attempt++) {
		ks->answer = KS_OK;
		pg->sqlstate[0] = '\0';
		if (!ensure_connected(ks))
			return KS_TEMPFAIL;
		(void)pg_poll(ks);
		rc = pg_do(ks, begin[mode], NULL);
		if (rc == PG_DONE) {
			rc = fn(ks, arg);
			if (rc == PG_DONE)
				rc = pg_do(ks, "COMMIT", NULL);
			if (rc != PG_DONE && !pg->broken &&
			    PQtransactionStatus(pg->conn) != PQTRANS_IDLE) {
				char	save[6];

				memcpy(save, pg->sqlstate, sizeof(save));
				PQclear(PQexec(pg->conn, "ROLLBACK"));
				memcpy(pg->sqlstate, save, sizeof(save));
			}
		}
		if (rc == PG_ERR && retryable(pg) &&
		    monotonic_ms() < deadline) {
			backoff(attempt);
			continue;
		}
		/* A connection found lost (the server restarted, a fail-over):
		 * once more on a new one; a write that did commit is then
		 * found by its ON CONFLICT. */
		if (rc == PG_ERR && pg->broken && !again) {
			again = true;
			continue;
		}
		break;
	}
	if (rc == PG_DONE) {
		if (mode == PG_WRITE || mode == PG_MIGRATE)
			pg_cache_clear(pg);
		return ks->answer;
	}
	if (rc == PG_ABORT)
		return ks->answer == KS_OK ? KS_PERMFAIL : ks->answer;
	return classify(ks);
}

enum ks_status
pg_run(struct keystore *ks, enum pg_mode mode, pg_txn_fn fn, void *arg,
    const char *what)
{
	enum ks_status st;

	pthread_mutex_lock(&ks->lock);
	st = pg_run_locked(ks, mode, fn, arg, what);
	pthread_mutex_unlock(&ks->lock);
	return st;
}

/* ---- opening ------------------------------------------------------ */

static struct keystore *
handle(const char *uri, uint64_t max_size)
{
	struct keystore *ks;
	char	shown[1100];

	keystore_display(uri, shown, sizeof(shown));
	ks = ks_handle_new(shown, max_size);
	ks->be = &ks_pg_backend;
	ks->pg = x_calloc(1, sizeof(*ks->pg));
	ks->pg->uri = x_strdup(uri);
	ks->pg->last_try = monotonic_ms() - RECONNECT_MS;
	return ks;
}

void
ks_pg_close(struct keystore *ks)
{
	struct ks_pg *pg = ks->pg;

	if (pg == NULL)
		return;
	if (pg->conn != NULL)
		PQfinish(pg->conn);
	pg_cache_clear(pg);
	free(pg->keys);
	free(pg->values);
	free(pg->uri);
	free(pg);
	ks->pg = NULL;
}

static int
txn_version(struct keystore *ks, void *arg)
{
	int	*version = arg;
	PGresult *r;

	r = pg_q(ks, "SELECT coalesce(max(version), 0) FROM "
	    KS_PG_VERSION_TABLE, NULL);
	if (r == NULL)
		return PG_ERR;
	*version = PQntuples(r) == 1 ? (int)pg_int(r, 0, 0) : 0;
	PQclear(r);
	return PG_DONE;
}

enum ks_status
ks_pg_open(const char *uri, uint64_t max_size, struct keystore **out)
{
	struct keystore *ks = handle(uri, max_size);
	enum ks_status st;
	int	version = 0;

	*out = NULL;
	if (!conninfo(ks, uri)) {
		keystore_close(ks);
		return KS_PERMFAIL;
	}
	if (!connect_first(ks)) {
		keystore_close(ks);
		return KS_TEMPFAIL;
	}
	st = pg_run(ks, PG_READ, txn_version, &version, "open");
	if (st == KS_PERMFAIL && strstr(keystore_strerror(), "migrate")) {
		ks_fail(ks, "no gatewarden schema in this database: run "
		    "gatewarden-keys migrate");
	} else if (st == KS_OK && version != KEYSTORE_PG_SCHEMA_VERSION) {
		ks_fail(ks, "schema version %d, this program knows %d: %s",
		    version, KEYSTORE_PG_SCHEMA_VERSION,
		    version > KEYSTORE_PG_SCHEMA_VERSION ?
		    "made by a newer gatewarden" :
		    "run gatewarden-keys migrate");
		st = KS_PERMFAIL;
	}
	if (st != KS_OK) {
		keystore_close(ks);
		return st;
	}
	*out = ks;
	return KS_OK;
}

struct migrate_arg {
	int	from, to;
};

static int
txn_migrate(struct keystore *ks, void *arg)
{
	struct migrate_arg *m = arg;
	struct pg_params p;
	int	rc;

	/* Nodes that migrate at once queue here; the lock goes with the
	 * transaction. */
	pp_init(&p);
	pp_int(&p, KS_PG_MIGRATE_LOCK);
	if ((rc = pg_do(ks, "SELECT pg_advisory_xact_lock($1)", &p)) != PG_DONE)
		return rc;
	if ((rc = pg_do(ks, "CREATE TABLE IF NOT EXISTS " KS_PG_VERSION_TABLE
	    " (version integer NOT NULL)", NULL)) != PG_DONE)
		return rc;
	if ((rc = txn_version(ks, &m->from)) != PG_DONE)
		return rc;
	if (m->from > KEYSTORE_PG_SCHEMA_VERSION) {
		ks_fail(ks, "schema version %d is newer than this program's "
		    "%d", m->from, KEYSTORE_PG_SCHEMA_VERSION);
		ks->answer = KS_PERMFAIL;
		return PG_ABORT;
	}
	if ((rc = ks_pg_schema_apply(ks, m->from)) != PG_DONE)
		return rc;
	m->to = KEYSTORE_PG_SCHEMA_VERSION;
	return PG_DONE;
}

enum ks_status
ks_pg_migrate(const char *uri, int *from, int *to)
{
	struct keystore *ks = handle(uri, 0);
	struct migrate_arg m = { 0, 0 };
	enum ks_status st;

	*from = *to = 0;
	if (!conninfo(ks, uri)) {
		keystore_close(ks);
		return KS_PERMFAIL;
	}
	if (!connect_first(ks)) {
		keystore_close(ks);
		return KS_TEMPFAIL;
	}
	st = pg_run(ks, PG_MIGRATE, txn_migrate, &m, "migrate");
	*from = m.from;
	*to = st == KS_OK ? m.to : m.from;
	keystore_close(ks);
	return st;
}
