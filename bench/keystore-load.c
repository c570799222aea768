/*
 * keystore-load - a bulk load of harvested keys for keystore-bench; see
 * keystore-load.h. The rows are those of the key store's schema
 * (smime/keystore/ks_sqlite.c, ks_pg_schema.c): origin 2 (harvested),
 * usable for encryption, charged like a harvest. Only a benchmark writes
 * around the key store's interface, and only into a store made for it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/x509v3.h>
#include <sqlite3.h>
#ifdef HAVE_LIBPQ
#include <libpq-fe.h>
#endif

#include "bench/keystore-load.h"
#include "smime/keystore/keystore.h"
#include "smime/x509/cert_info.h"
#include "smime/x509/x509_build.h"

/* One certificate as its row needs it. */
struct row {
	unsigned char	*der;
	int		len;
	struct cert_info ci;
	char		addr[128];
	int64_t		charge;
};

static int
make_row(EVP_PKEY *key, unsigned long i, int64_t now,
    void (*address)(unsigned long, char *, size_t), struct row *r)
{
	struct cert_spec sp;
	const char *why = NULL, *email;
	X509	*x;

	address(i, r->addr, sizeof(r->addr));
	email = r->addr;
	memset(&sp, 0, sizeof(sp));
	sp.cn = r->addr;
	sp.emails = &email;
	sp.nemails = 1;
	sp.not_before = now - 86400;
	sp.not_after = now + 365 * 86400;
	sp.smime = true;
	sp.key_usage = CERT_SPEC_DEFAULT_KU;
	r->der = NULL;
	if ((x = cert_build(&sp, key, NULL, NULL, &why)) == NULL ||
	    (r->len = i2d_X509(x, &r->der)) <= 0 ||
	    !cert_info_from_der(r->der, (size_t)r->len, &r->ci, NULL, &why)) {
		fprintf(stderr, "keystore-load: certificate %lu: %s\n", i,
		    why != NULL ? why : "?");
		X509_free(x);
		return -1;
	}
	X509_free(x);
	r->charge = (int64_t)r->len + (int64_t)strlen(r->addr) +
	    KEYSTORE_ROW_OVERHEAD;
	return 0;
}

static void
free_row(struct row *r)
{
	OPENSSL_free(r->der);
	cert_info_clear(&r->ci);
}

/* Building a certificate costs about a millisecond here, a million of
 * them a quarter of an hour: a load uses KS_LOAD_POOL real ones, and row
 * i beyond them takes certificate i % KS_LOAD_POOL for its body, its own
 * address and a fingerprint of its own (SHA-256 of the body and i: no
 * certificate has it, but rows, names and indexes are what a store of
 * that many distinct keys would hold, and of their sizes). */
#define KS_LOAD_POOL	4096

struct pool {
	struct row	*r;
	size_t		n;
};

static int
pool_make(struct pool *p, EVP_PKEY *key, unsigned long first,
    unsigned long n, int64_t now,
    void (*address)(unsigned long, char *, size_t))
{
	p->n = n < KS_LOAD_POOL ? n : KS_LOAD_POOL;
	if ((p->r = calloc(p->n, sizeof(*p->r))) == NULL)
		return -1;
	for (size_t i = 0; i < p->n; i++)
		if (make_row(key, first + i, now, address, &p->r[i]) != 0) {
			p->n = i;
			return -1;
		}
	return 0;
}

static void
pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free_row(&p->r[i]);
	free(p->r);
}

/* Row i of the load (i from 0): r borrows the pool's body. */
static void
pool_row(const struct pool *p, unsigned long i, unsigned long first,
    void (*address)(unsigned long, char *, size_t), struct row *r,
    char *fp)
{
	static const char hex[] = "0123456789abcdef";
	const struct row *src = &p->r[i % p->n];
	unsigned char md[32], idx[8];
	EVP_MD_CTX *ctx;
	unsigned j;

	*r = *src;
	address(first + i, r->addr, sizeof(r->addr));
	r->charge = (int64_t)r->len + (int64_t)strlen(r->addr) +
	    KEYSTORE_ROW_OVERHEAD;
	if (i < p->n) {
		memcpy(fp, src->ci.fingerprint, 65);
		return;
	}
	for (j = 0; j < 8; j++)
		idx[j] = (unsigned char)(i >> (8 * j));
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, src->der, (size_t)src->len) != 1 ||
	    EVP_DigestUpdate(ctx, idx, sizeof(idx)) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, NULL) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
	for (j = 0; j < 32; j++) {
		fp[2 * j] = hex[md[j] >> 4];
		fp[2 * j + 1] = hex[md[j] & 15];
	}
	fp[64] = '\0';
}

/* ---- SQLite -------------------------------------------------------- */

static int
sq_fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "keystore-load: %s: %s\n", what, sqlite3_errmsg(db));
	return -1;
}

static int
sq_row(sqlite3 *db, sqlite3_stmt *cert, sqlite3_stmt *name,
    const struct row *r, const char *fp, int64_t now)
{
	sqlite3_reset(cert);
	sqlite3_bind_text(cert, 1, fp, -1, SQLITE_STATIC);
	sqlite3_bind_blob(cert, 2, r->der, r->len, SQLITE_STATIC);
	sqlite3_bind_text(cert, 3, r->ci.subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(cert, 4, r->ci.issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(cert, 5, r->ci.serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(cert, 6, r->ci.not_before);
	sqlite3_bind_int64(cert, 7, r->ci.not_after);
	sqlite3_bind_int64(cert, 8, r->ci.key_usage);
	sqlite3_bind_int64(cert, 9, now);
	sqlite3_bind_int64(cert, 10, r->charge);
	if (sqlite3_step(cert) != SQLITE_DONE)
		return sq_fail(db, "insert certificate");
	sqlite3_reset(name);
	sqlite3_bind_int64(name, 1, sqlite3_last_insert_rowid(db));
	sqlite3_bind_text(name, 2, r->addr, -1, SQLITE_STATIC);
	if (sqlite3_step(name) != SQLITE_DONE)
		return sq_fail(db, "insert name");
	return 0;
}

static int
sq_load(const char *path, EVP_PKEY *key, unsigned long first,
    unsigned long n, int64_t now,
    void (*address)(unsigned long, char *, size_t))
{
	sqlite3	*db = NULL;
	sqlite3_stmt *cert = NULL, *name = NULL;
	struct pool pool = { NULL, 0 };
	struct row r;
	char	fp[65];
	unsigned long i;
	int	rc = -1;

	if (pool_make(&pool, key, first, n, now, address) != 0)
		goto out;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		sq_fail(db, path);
		goto out;
	}
	sqlite3_busy_timeout(db, 30000);
	if (sqlite3_prepare_v2(db, "INSERT INTO certs (fingerprint, der, "
	    "label, subject, issuer, serial, not_before, not_after, key_usage, "
	    "origin, added_at, last_used, usable_encrypt, usable_verify, "
	    "charge, expires_at) VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "2, ?9, 0, 1, 0, ?10, 0)", -1, &cert, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO names (cert_id, kind, name) "
	    "VALUES (?1, 0, ?2)", -1, &name, NULL) != SQLITE_OK) {
		sq_fail(db, "prepare");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (i % KS_LOAD_BATCH == 0 && sqlite3_exec(db, "BEGIN IMMEDIATE",
		    NULL, NULL, NULL) != SQLITE_OK) {
			sq_fail(db, "begin");
			goto out;
		}
		pool_row(&pool, i, first, address, &r, fp);
		if (sq_row(db, cert, name, &r, fp, now) != 0)
			goto out;
		if ((i + 1 == n || (i + 1) % KS_LOAD_BATCH == 0) &&
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			sq_fail(db, "commit");
			goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(cert);
	sqlite3_finalize(name);
	sqlite3_close(db);
	pool_free(&pool);
	return rc;
}

/* ---- PostgreSQL ---------------------------------------------------- */

#ifdef HAVE_LIBPQ
static int
pq_ok(PGconn *c, PGresult *res, ExecStatusType want, const char *what)
{
	int	ok = res != NULL && PQresultStatus(res) == want;

	if (!ok)
		fprintf(stderr, "keystore-load: %s: %s", what,
		    PQerrorMessage(c));
	PQclear(res);
	return ok ? 0 : -1;
}

/* A growing buffer of COPY text. */
struct copybuf {
	char	*p;
	size_t	len, cap;
};

static void
cb_room(struct copybuf *b, size_t more)
{
	if (b->len + more + 1 > b->cap) {
		b->cap = (b->len + more + 1) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
}

/* Separators and numbers, as they are. */
static void
cb_raw(struct copybuf *b, const char *s)
{
	size_t	n = strlen(s);

	cb_room(b, n);
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

/* A text value in COPY's text format (backslash escapes). */
static void
cb_text(struct copybuf *b, const char *s)
{
	cb_room(b, 2 * strlen(s));
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '\t' || *s == '\n' || *s == '\r') {
			b->p[b->len++] = '\\';
			b->p[b->len++] = *s == '\t' ? 't' : *s == '\n' ? 'n' :
			    *s == '\r' ? 'r' : '\\';
		} else
			b->p[b->len++] = *s;
	}
	b->p[b->len] = '\0';
}

/* A bytea value: "\\x" and hex (COPY turns the doubled backslash into
 * the one bytea's hex format starts with). */
static void
cb_bytea(struct copybuf *b, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t	j;

	cb_raw(b, "\\\\x");
	cb_room(b, 2 * n);
	for (j = 0; j < n; j++) {
		b->p[b->len++] = hex[p[j] >> 4];
		b->p[b->len++] = hex[p[j] & 15];
	}
	b->p[b->len] = '\0';
}

static int
pq_copy(PGconn *c, const char *sql, const struct copybuf *b)
{
	if (pq_ok(c, PQexec(c, sql), PGRES_COPY_IN, "copy") != 0)
		return -1;
	if (PQputCopyData(c, b->p, (int)b->len) != 1 ||
	    PQputCopyEnd(c, NULL) != 1)
		return pq_ok(c, NULL, PGRES_COMMAND_OK, "copy data");
	return pq_ok(c, PQgetResult(c), PGRES_COMMAND_OK, "copy end");
}

static int
pq_batch(PGconn *c, const struct pool *pool, unsigned long first,
    unsigned long from, unsigned long n, int64_t id, int64_t now,
    void (*address)(unsigned long, char *, size_t))
{
	struct copybuf certs = { NULL, 0, 0 }, names = { NULL, 0, 0 };
	unsigned long i;
	struct row r;
	char	num[160], fp[65];
	int	rc = -1;

	for (i = 0; i < n; i++, id++) {
		pool_row(pool, from + i, first, address, &r, fp);
		snprintf(num, sizeof(num), "%lld\t", (long long)id);
		cb_raw(&certs, num);
		cb_text(&certs, fp);
		cb_raw(&certs, "\t");
		cb_bytea(&certs, r.der, (size_t)r.len);
		cb_raw(&certs, "\t\\N\t");	/* no label */
		cb_text(&certs, r.ci.subject);
		cb_raw(&certs, "\t");
		cb_text(&certs, r.ci.issuer);
		cb_raw(&certs, "\t");
		cb_text(&certs, r.ci.serial);
		snprintf(num, sizeof(num), "\t%lld\t%lld\t%ld\t2\t%lld\t0\tt\t"
		    "f\t%lld\t0\n", (long long)r.ci.not_before,
		    (long long)r.ci.not_after, r.ci.key_usage, (long long)now,
		    (long long)r.charge);
		cb_raw(&certs, num);
		snprintf(num, sizeof(num), "%lld\t0\t", (long long)id);
		cb_raw(&names, num);
		cb_text(&names, r.addr);
		cb_raw(&names, "\n");
	}
	if (pq_ok(c, PQexec(c, "BEGIN"), PGRES_COMMAND_OK, "begin") != 0 ||
	    pq_copy(c, "COPY certs (id, fingerprint, der, label, subject, "
	    "issuer, serial, not_before, not_after, key_usage, origin, "
	    "added_at, last_used, usable_encrypt, usable_verify, charge, "
	    "expires_at) FROM STDIN", &certs) != 0 ||
	    pq_copy(c, "COPY names (cert_id, kind, name) FROM STDIN",
	    &names) != 0 ||
	    pq_ok(c, PQexec(c, "COMMIT"), PGRES_COMMAND_OK, "commit") != 0)
		goto out;
	rc = 0;
out:
	free(certs.p);
	free(names.p);
	return rc;
}

static int
pq_load(const char *uri, EVP_PKEY *key, unsigned long first,
    unsigned long n, int64_t now,
    void (*address)(unsigned long, char *, size_t))
{
	PGconn	*c = PQconnectdb(uri);
	struct pool pool = { NULL, 0 };
	PGresult *res;
	unsigned long i, k;
	int64_t	id;
	int	rc = -1;

	if (pool_make(&pool, key, first, n, now, address) != 0)
		goto out;
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "keystore-load: %s", PQerrorMessage(c));
		goto out;
	}
	res = PQexec(c, "SELECT coalesce(max(id), 0) + 1 FROM certs");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pq_ok(c, res, PGRES_TUPLES_OK, "max id");
		goto out;
	}
	id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	for (i = 0; i < n; i += k) {
		k = n - i < KS_LOAD_BATCH ? n - i : KS_LOAD_BATCH;
		if (pq_batch(c, &pool, first, i, k, id + (int64_t)i, now,
		    address) != 0)
			goto out;
	}
	/* the identity column goes on after the rows written with ids */
	if (pq_ok(c, PQexec(c, "SELECT setval(pg_get_serial_sequence("
	    "'certs', 'id'), (SELECT max(id) FROM certs))"), PGRES_TUPLES_OK,
	    "setval") != 0 ||
	    pq_ok(c, PQexec(c, "ANALYZE"), PGRES_COMMAND_OK, "analyze") != 0)
		goto out;
	rc = 0;
out:
	PQfinish(c);
	pool_free(&pool);
	return rc;
}

static int
pq_sizes(const char *uri, char *buf, size_t size)
{
	PGconn	*c = PQconnectdb(uri);
	PGresult *res;
	int	rc = -1;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "keystore-load: %s", PQerrorMessage(c));
		goto out;
	}
	res = PQexec(c, "SELECT pg_total_relation_size('certs'), "
	    "pg_total_relation_size('names'), pg_indexes_size('certs') + "
	    "pg_indexes_size('names'), pg_database_size(current_database())");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		snprintf(buf, size, "certs=%sB names=%sB of which indexes=%sB "
		    "database=%sB", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
		    PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
		rc = 0;
	}
	PQclear(res);
out:
	PQfinish(c);
	return rc;
}
#endif

int
ks_load(const char *store, EVP_PKEY *key, unsigned long first,
    unsigned long n, int64_t now,
    void (*address)(unsigned long, char *, size_t))
{
	if (!keystore_is_uri(store))
		return sq_load(store, key, first, n, now, address);
#ifdef HAVE_LIBPQ
	return pq_load(store, key, first, n, now, address);
#else
	fprintf(stderr, "keystore-load: built without PostgreSQL\n");
	return -1;
#endif
}

int
ks_load_sizes(const char *store, char *buf, size_t size)
{
	char	wal[4096];
	struct stat a, b;

	if (!keystore_is_uri(store)) {
		snprintf(wal, sizeof(wal), "%s-wal", store);
		if (stat(store, &a) != 0)
			return -1;
		if (stat(wal, &b) != 0)
			b.st_size = 0;
		snprintf(buf, size, "file=%lldB wal=%lldB",
		    (long long)a.st_size, (long long)b.st_size);
		return 0;
	}
#ifdef HAVE_LIBPQ
	return pq_sizes(store, buf, size);
#else
	return -1;
#endif
}
