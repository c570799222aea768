/*
 * ks_sqlite - the SQLite back end: opening (creating and upgrading the
 * schema), closing, transactions and errors; see keystore.h and
 * ks_sqlite.h. Insertion is in ks_sqlite_add.c, look-up in
 * ks_sqlite_lookup.c, certificates by key in ks_sqlite_certs.c, settings
 * and CAs in ks_sqlite_settings.c, revocation in ks_sqlite_revocation.c.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include "lib/xalloc.h"
#include "smime/keystore/ks_sqlite.h"

/* Per statement wait inside SQLite before it reports SQLITE_BUSY. */
#define BUSY_STEP_MS	200

static _Thread_local unsigned ks_seed;

/* The size cap's running total: one row that every insertion and
 * deletion of a certificate updates in its own transaction (triggers, so
 * that no path can forget it), started from the rows already there. A
 * harvest reads it instead of adding up the whole table. */
#define CHARGE_TOTAL \
	"CREATE TABLE totals (" \
	" name TEXT PRIMARY KEY," \
	" value INTEGER NOT NULL)", \
	"INSERT INTO totals (name, value) SELECT 'charge', " \
	"coalesce(sum(charge), 0) FROM certs", \
	"CREATE TRIGGER certs_charge_added AFTER INSERT ON certs BEGIN " \
	"UPDATE totals SET value = value + new.charge WHERE name = " \
	"'charge'; END", \
	"CREATE TRIGGER certs_charge_removed AFTER DELETE ON certs BEGIN " \
	"UPDATE totals SET value = value - old.charge WHERE name = " \
	"'charge'; END", \
	"CREATE TRIGGER certs_charge_changed AFTER UPDATE OF charge ON certs " \
	"BEGIN UPDATE totals SET value = value - old.charge + new.charge " \
	"WHERE name = 'charge'; END"

/* The size cap's eviction order (ks_sqlite_add.c: evict()), so that an
 * eviction reads the oldest entry instead of sorting the table. */
#define LRU_INDEX \
	"CREATE INDEX certs_lru ON certs ((CASE last_used WHEN 0 THEN " \
	"added_at ELSE last_used END), id) WHERE origin IN (2, 3) AND " \
	"usable_verify = 0"

/* Answers of OCSP responders and CRLs, by the revocation module's key;
 * the last revocation status of each certificate, by fingerprint. */
#define REVOCATION_TABLES \
	"CREATE TABLE revocation_answers (" \
	" key TEXT PRIMARY KEY," \
	" der BLOB NOT NULL," \
	" fetched_at INTEGER NOT NULL," \
	" expires_at INTEGER NOT NULL)", \
	"CREATE TABLE revocation_status (" \
	" fingerprint TEXT PRIMARY KEY," \
	" status TEXT NOT NULL," \
	" source TEXT NOT NULL," \
	" checked_at INTEGER NOT NULL," \
	" next_update INTEGER NOT NULL," \
	" reason TEXT NOT NULL)"

static const char *const schema[] = {
	"CREATE TABLE certs ("
	" id INTEGER PRIMARY KEY,"
	" fingerprint TEXT NOT NULL UNIQUE,"
	" der BLOB NOT NULL,"
	" label TEXT,"
	" subject TEXT NOT NULL,"
	" issuer TEXT NOT NULL,"
	" serial TEXT NOT NULL,"
	" not_before INTEGER NOT NULL,"
	" not_after INTEGER NOT NULL,"
	" key_usage INTEGER NOT NULL,"
	" origin INTEGER NOT NULL CHECK (origin IN (0, 1, 2, 3)),"
	" added_at INTEGER NOT NULL,"
	" last_used INTEGER NOT NULL DEFAULT 0,"
	" usable_encrypt INTEGER NOT NULL,"
	" usable_verify INTEGER NOT NULL,"
	" charge INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL DEFAULT 0)",
	/* kind 0: e-mail address, 1: DNS name (wildcards as written) */
	"CREATE TABLE names ("
	" cert_id INTEGER NOT NULL,"
	" kind INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" PRIMARY KEY (cert_id, kind, name)) WITHOUT ROWID",
	"CREATE INDEX names_by_name ON names (kind, name)",
	"CREATE INDEX certs_label ON certs (label)",
	"CREATE TABLE settings ("
	" name TEXT PRIMARY KEY,"
	" value TEXT NOT NULL)",
	"CREATE TABLE cas ("
	" id INTEGER PRIMARY KEY,"
	" fingerprint TEXT NOT NULL UNIQUE,"
	" der BLOB NOT NULL,"
	" added_at INTEGER NOT NULL)",
	REVOCATION_TABLES,
	CHARGE_TOTAL,
	LRU_INDEX,
	"PRAGMA user_version = 3",
};

/* Version 1 to 2: origin ldap (3) and a certificate's expiry in the store
 * (expires_at: its TTL; SQLite cannot change a CHECK constraint in place,
 * so the table is rebuilt), and the revocation tables. */
static const char *const upgrade_1_2[] = {
	"CREATE TABLE certs_v2 ("
	" id INTEGER PRIMARY KEY,"
	" fingerprint TEXT NOT NULL UNIQUE,"
	" der BLOB NOT NULL,"
	" label TEXT,"
	" subject TEXT NOT NULL,"
	" issuer TEXT NOT NULL,"
	" serial TEXT NOT NULL,"
	" not_before INTEGER NOT NULL,"
	" not_after INTEGER NOT NULL,"
	" key_usage INTEGER NOT NULL,"
	" origin INTEGER NOT NULL CHECK (origin IN (0, 1, 2, 3)),"
	" added_at INTEGER NOT NULL,"
	" last_used INTEGER NOT NULL DEFAULT 0,"
	" usable_encrypt INTEGER NOT NULL,"
	" usable_verify INTEGER NOT NULL,"
	" charge INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL DEFAULT 0)",
	"INSERT INTO certs_v2 SELECT id, fingerprint, der, label, subject, "
	"issuer, serial, not_before, not_after, key_usage, origin, added_at, "
	"last_used, usable_encrypt, usable_verify, charge, 0 FROM certs",
	"DROP TABLE certs",
	"ALTER TABLE certs_v2 RENAME TO certs",
	"CREATE INDEX certs_label ON certs (label)",
	REVOCATION_TABLES,
	"PRAGMA user_version = 2",
};

/* Version 2 to 3: the size cap's running total and eviction order. */
static const char *const upgrade_2_3[] = {
	CHARGE_TOTAL,
	LRU_INDEX,
	"PRAGMA user_version = 3",
};

/* Busy, I/O trouble, a full disk or no memory may pass: the mail waits.
 * A damaged or foreign file, a constraint or misuse will not. */
static enum ks_status
classify(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_NOMEM:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
	case SQLITE_INTERRUPT:
		return KS_TEMPFAIL;
	default:
		return KS_PERMFAIL;
	}
}

static void
fail_sqlite(struct keystore *ks, int rc, const char *what)
{
	const char *msg = ks->db != NULL ? sqlite3_errmsg(ks->db) :
	    sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_NOTADB:
		ks_fail(ks, "%s: not a key store (not an SQLite database, or "
		    "its header is damaged)", what);
		break;
	case SQLITE_CORRUPT:
		ks_fail(ks, "%s: the file is damaged (%s); restore it from a "
		    "backup or move it away", what, msg);
		break;
	case SQLITE_FULL:
		ks_fail(ks, "%s: disk full (%s)", what, msg);
		break;
	default:
		ks_fail(ks, "%s: %s", what, msg);
		break;
	}
}

int
ks_prepare(struct keystore *ks, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v2(ks->db, sql, -1, st, NULL);
}

int
ks_step_done(sqlite3_stmt *st)
{
	int	rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A few milliseconds, growing with the attempts, randomised so that
 * writers that collided do not collide again. */
static void
backoff(unsigned attempt)
{
	struct timespec ts;
	unsigned ms;

	if (ks_seed == 0)
		ks_seed = (unsigned)monotonic_ms() ^ (unsigned)(uintptr_t)&ts;
	ks_seed = ks_seed * 1103515245u + 12345u;
	ms = 1 + (ks_seed >> 16) % (attempt < 6 ? 2u << attempt : 64u);
	ts.tv_sec = 0;
	ts.tv_nsec = (long)ms * 1000000L;
	nanosleep(&ts, NULL);
}

static bool
is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

enum ks_status
ks_run(struct keystore *ks, bool write, ks_txn_fn fn, void *arg,
    const char *what)
{
	int64_t	deadline = monotonic_ms() + KEYSTORE_BUSY_MS;
	enum ks_status st;
	unsigned attempt;
	bool	reported;
	int	rc;

	pthread_mutex_lock(&ks->lock);
	for (attempt = 0;; attempt++) {
		ks->answer = KS_OK;
		reported = false;
		rc = sqlite3_exec(ks->db, write ? "BEGIN IMMEDIATE" : "BEGIN",
		    NULL, NULL, NULL);
		if (rc == SQLITE_OK) {
			rc = fn(ks, arg);
			if (rc == SQLITE_OK)
				rc = sqlite3_exec(ks->db, "COMMIT", NULL, NULL,
				    NULL);
			/* The message first: ROLLBACK resets it. */
			if (rc != SQLITE_OK && rc != KS_TXN_ABORT) {
				fail_sqlite(ks, rc, what);
				reported = true;
			}
			if (rc != SQLITE_OK && sqlite3_get_autocommit(ks->db) == 0)
				sqlite3_exec(ks->db, "ROLLBACK", NULL, NULL,
				    NULL);
		}
		if (rc == SQLITE_OK || rc == KS_TXN_ABORT ||
		    !is_busy(rc) || monotonic_ms() >= deadline)
			break;
		backoff(attempt);
	}
	if (rc == SQLITE_OK)
		st = ks->answer;
	else if (rc == KS_TXN_ABORT)
		st = ks->answer == KS_OK ? KS_PERMFAIL : ks->answer;
	else {
		if (!reported)
			fail_sqlite(ks, rc, what);
		st = classify(rc);
	}
	pthread_mutex_unlock(&ks->lock);
	return st;
}

static int
txn_version(struct keystore *ks, void *arg)
{
	int	*version = arg;
	sqlite3_stmt *st;
	int	rc;

	if ((rc = ks_prepare(ks, "PRAGMA user_version", &st)) != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
txn_create(struct keystore *ks, void *arg)
{
	sqlite3_stmt *st;
	int	version = 0, tables = 0, rc;
	size_t	i;

	(void)arg;
	if ((rc = txn_version(ks, &version)) != SQLITE_OK)
		return rc;
	if (version != 0)
		return SQLITE_OK;	/* another process created it first */
	if ((rc = ks_prepare(ks, "SELECT count(*) FROM sqlite_master",
	    &st)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		tables = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc;
	if (tables != 0) {
		ks_fail(ks, "an SQLite database, but not a gatewarden key "
		    "store (user_version 0 with tables)");
		ks->answer = KS_PERMFAIL;
		return KS_TXN_ABORT;
	}
	for (i = 0; i < sizeof(schema) / sizeof(schema[0]); i++)
		if ((rc = sqlite3_exec(ks->db, schema[i], NULL, NULL,
		    NULL)) != SQLITE_OK)
			return rc;
	return SQLITE_OK;
}

static int
run_all(struct keystore *ks, const char *const *sql, size_t n)
{
	size_t	i;
	int	rc;

	for (i = 0; i < n; i++)
		if ((rc = sqlite3_exec(ks->db, sql[i], NULL, NULL, NULL)) !=
		    SQLITE_OK)
			return rc;
	return SQLITE_OK;
}

/* From the version found to KEYSTORE_SCHEMA_VERSION, one step after the
 * other, in one transaction. */
static int
txn_upgrade(struct keystore *ks, void *arg)
{
	int	version = 0, rc;

	(void)arg;
	if ((rc = txn_version(ks, &version)) != SQLITE_OK)
		return rc;
	if (version < 1 || version >= KEYSTORE_SCHEMA_VERSION)
		return SQLITE_OK;	/* another process upgraded it first */
	if (version == 1 && (rc = run_all(ks, upgrade_1_2,
	    sizeof(upgrade_1_2) / sizeof(upgrade_1_2[0]))) != SQLITE_OK)
		return rc;
	return run_all(ks, upgrade_2_3,
	    sizeof(upgrade_2_3) / sizeof(upgrade_2_3[0]));
}

_Static_assert(KEYSTORE_SCHEMA_VERSION == 3,
    "txn_upgrade() knows every version");

/* journal_mode=WAL needs a lock of its own; retried like a transaction. */
static enum ks_status
set_wal(struct keystore *ks)
{
	int64_t	deadline = monotonic_ms() + KEYSTORE_BUSY_MS;
	sqlite3_stmt *st;
	unsigned attempt;
	bool	wal = false;
	int	rc;

	for (attempt = 0;; attempt++) {
		rc = ks_prepare(ks, "PRAGMA journal_mode = WAL", &st);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW) {
				const unsigned char *m = sqlite3_column_text(st, 0);

				wal = m != NULL && strcmp((const char *)m, "wal") == 0;
				rc = SQLITE_OK;
			}
			sqlite3_finalize(st);
		}
		if (!is_busy(rc) || monotonic_ms() >= deadline)
			break;
		backoff(attempt);
	}
	if (rc != SQLITE_OK) {
		fail_sqlite(ks, rc, "open");
		return classify(rc);
	}
	if (!wal) {
		ks_fail(ks, "cannot switch to WAL mode");
		return KS_TEMPFAIL;
	}
	return KS_OK;
}

static void sq_close(struct keystore *);
static enum ks_status sq_check(struct keystore *);

static const struct ks_backend sqlite_backend = {
	.name = "sqlite",
	.close = sq_close,
	.add = sq_add,
	.put = sq_put,
	.domain_harvests = sq_domain_harvests,
	.lookup = sq_lookup,
	.touch = sq_touch,
	.get = sq_get,
	.foreach = sq_foreach,
	.count = sq_count,
	.remove = sq_remove,
	.promote = sq_promote,
	.setting_get = sq_setting_get,
	.setting_set = sq_setting_set,
	.claim = sq_claim,
	.ca_replace = sq_ca_replace,
	.ca_foreach = sq_ca_foreach,
	.revocation_get = sq_revocation_get,
	.revocation_put = sq_revocation_put,
	.status_set = sq_status_set,
	.status_get = sq_status_get,
	.check = sq_check,
};

/* SQLite says only "unable to open database file" or "attempt to write
 * a readonly database" when the store's folder is on a read-only file
 * system (WAL mode writes its -wal and -shm files beside the store even
 * to read): the error says so. */
static void
ro_hint(struct keystore *ks, const char *path)
{
	struct statvfs vfs;
	char	*dir = x_strdup(path), *slash = strrchr(dir, '/'), *err;

	if (slash != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (statvfs(slash != NULL ? dir : ".", &vfs) == 0 &&
	    (vfs.f_flag & ST_RDONLY)) {
		const char *why;
		size_t	skip = strlen("key store ") + strlen(path) + 2;

		/* ks_fail() puts "key store PATH: " before it again */
		err = x_strdup(keystore_strerror());
		why = strlen(err) > skip ? err + skip : err;
		ks_fail(ks, "%s (its file system is read-only: the key store "
		    "needs to write beside the file)", why);
		free(err);
	}
	free(dir);
}

enum ks_status
ks_sqlite_open(const char *path, uint64_t max_size, struct keystore **out)
{
	struct keystore *ks;
	struct stat sb;
	enum ks_status st;
	int	version = 0, rc;

	*out = NULL;
	ks = ks_handle_new(path, max_size);
	ks->be = &sqlite_backend;
	/* SQLite would only say "unable to open database file" */
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		ks_fail(ks, "open: is a directory, not a key store file");
		st = KS_PERMFAIL;
		goto fail;
	}
	rc = sqlite3_open_v2(path, &ks->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (ks->db == NULL)
			ks_fail(ks, "open: %s", sqlite3_errstr(rc));
		else
			fail_sqlite(ks, rc, "open");
		st = classify(rc);
		goto fail;
	}
	sqlite3_extended_result_codes(ks->db, 1);
	sqlite3_busy_timeout(ks->db, BUSY_STEP_MS);
	if ((st = set_wal(ks)) != KS_OK)
		goto fail;
	rc = sqlite3_exec(ks->db, "PRAGMA synchronous = FULL", NULL, NULL,
	    NULL);
	if (rc != SQLITE_OK) {
		fail_sqlite(ks, rc, "open");
		st = classify(rc);
		goto fail;
	}
	if ((st = ks_run(ks, false, txn_version, &version, "open")) != KS_OK)
		goto fail;
	if (version == 0 && (st = ks_run(ks, true, txn_create, NULL,
	    "create")) != KS_OK)
		goto fail;
	if (version >= 1 && version < KEYSTORE_SCHEMA_VERSION &&
	    (st = ks_run(ks, true, txn_upgrade, NULL, "upgrade")) != KS_OK)
		goto fail;
	if (version < KEYSTORE_SCHEMA_VERSION && (st = ks_run(ks, false,
	    txn_version, &version, "open")) != KS_OK)
		goto fail;
	if (version != KEYSTORE_SCHEMA_VERSION) {
		ks_fail(ks, "schema version %d, this program knows %d: %s",
		    version, KEYSTORE_SCHEMA_VERSION, version > 
		    KEYSTORE_SCHEMA_VERSION ? "made by a newer gatewarden" :
		    "not a gatewarden key store");
		st = KS_PERMFAIL;
		goto fail;
	}
	*out = ks;
	return KS_OK;
fail:
	ro_hint(ks, path);
	keystore_close(ks);
	return st;
}

static void
sq_close(struct keystore *ks)
{
	if (ks->db != NULL)
		sqlite3_close(ks->db);
	ks->db = NULL;
}

/* The size cap's running total is what the rows add up to. */
static int
check_total(struct keystore *ks)
{
	sqlite3_stmt *st;
	int64_t	total, sum;
	int	rc;

	if ((rc = ks_prepare(ks, "SELECT (SELECT value FROM totals WHERE "
	    "name = 'charge'), (SELECT coalesce(sum(charge), 0) FROM certs)",
	    &st)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc;
	}
	total = sqlite3_column_int64(st, 0);
	sum = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	return ks_total_matches(ks, total, sum) ? SQLITE_OK : KS_TXN_ABORT;
}

static int
txn_check(struct keystore *ks, void *arg)
{
	sqlite3_stmt *st;
	int	rc;

	(void)arg;
	if ((rc = ks_prepare(ks, "PRAGMA integrity_check(1)", &st)) != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(st, 0);

		if (m == NULL || strcmp(m, "ok") != 0) {
			ks_fail(ks, "the file is damaged: %s; restore it from "
			    "a backup", m != NULL ? m : "?");
			ks->answer = KS_PERMFAIL;
			sqlite3_finalize(st);
			return KS_TXN_ABORT;
		}
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return rc;
	return check_total(ks);
}

static enum ks_status
sq_check(struct keystore *ks)
{
	return ks_run(ks, false, txn_check, NULL, "check");
}
