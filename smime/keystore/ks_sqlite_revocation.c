/*
 * ks_sqlite_revocation - in an SQLite key store, the revocation module's persistent cache (OCSP
 * responses and CRLs as fetched, so that a restart does not fetch
 * everything again) and the last revocation status of each certificate
 * (shown by gatewarden-keys list and check); see keystore.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "smime/keystore/ks_sqlite.h"

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
	sqlite3_stmt *st;
	int	rc, n;

	rc = ks_prepare(ks, "SELECT der, fetched_at, expires_at FROM "
	    "revocation_answers WHERE key = ?1 AND expires_at >= ?2", &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		n = sqlite3_column_bytes(st, 0);
		a->outlen = n > 0 ? (size_t)n : 0;
		a->out = x_malloc(a->outlen ? a->outlen : 1);
		if (a->outlen > 0)
			memcpy(a->out, sqlite3_column_blob(st, 0), a->outlen);
		a->fetched_at = sqlite3_column_int64(st, 1);
		a->expires_at = sqlite3_column_int64(st, 2);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		ks->answer = KS_NOTFOUND;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

enum ks_status
sq_revocation_get(struct keystore *ks, const char *key, int64_t now,
    unsigned char **der, size_t *len, int64_t *fetched_at,
    int64_t *expires_at)
{
	struct answer_arg a = { 0 };
	enum ks_status st;

	a.key = key;
	a.now = now;
	st = ks_run(ks, false, txn_answer_get, &a, "revocation answer");
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
	sqlite3_stmt *st;
	int	rc;

	/* expired answers go as new ones come */
	if ((rc = ks_prepare(ks, "DELETE FROM revocation_answers WHERE "
	    "expires_at < ?1", &st)) != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, a->now);
	if ((rc = ks_step_done(st)) != SQLITE_OK)
		return rc;
	rc = ks_prepare(ks, "INSERT OR REPLACE INTO revocation_answers (key, "
	    "der, fetched_at, expires_at) VALUES (?1, ?2, ?3, ?4)", &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, a->der, (int)a->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, a->fetched_at);
	sqlite3_bind_int64(st, 4, a->expires_at);
	return ks_step_done(st);
}

enum ks_status
sq_revocation_put(struct keystore *ks, const char *key,
    const unsigned char *der, size_t len, int64_t fetched_at,
    int64_t expires_at, int64_t now)
{
	struct answer_arg a = { 0 };

	a.key = key;
	a.der = der;
	a.len = len;
	a.fetched_at = fetched_at;
	a.expires_at = expires_at;
	a.now = now;
	return ks_run(ks, true, txn_answer_put, &a, "store revocation answer");
}

struct status_arg {
	const char	*fingerprint;
	struct ks_revocation_status *rs;
};

static int
txn_status_set(struct keystore *ks, void *arg)
{
	struct status_arg *a = arg;
	sqlite3_stmt *st;
	int	rc;

	rc = ks_prepare(ks, "INSERT OR REPLACE INTO revocation_status "
	    "(fingerprint, status, source, checked_at, next_update, reason) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, a->fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->rs->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->rs->source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->rs->checked_at);
	sqlite3_bind_int64(st, 5, a->rs->next_update);
	sqlite3_bind_text(st, 6, a->rs->reason, -1, SQLITE_STATIC);
	return ks_step_done(st);
}

enum ks_status
sq_status_set(struct keystore *ks, const char *fingerprint,
    const struct ks_revocation_status *rs)
{
	struct status_arg a = { fingerprint, (struct ks_revocation_status *)rs };

	return ks_run(ks, true, txn_status_set, &a, "store revocation status");
}

static void
copy_col(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(buf, size, "%s", s != NULL ? (const char *)s : "");
}

static int
txn_status_get(struct keystore *ks, void *arg)
{
	struct status_arg *a = arg;
	sqlite3_stmt *st;
	int	rc;

	rc = ks_prepare(ks, "SELECT status, source, checked_at, next_update, "
	    "reason FROM revocation_status WHERE fingerprint = ?1", &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, a->fingerprint, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_col(st, 0, a->rs->status, sizeof(a->rs->status));
		copy_col(st, 1, a->rs->source, sizeof(a->rs->source));
		a->rs->checked_at = sqlite3_column_int64(st, 2);
		a->rs->next_update = sqlite3_column_int64(st, 3);
		copy_col(st, 4, a->rs->reason, sizeof(a->rs->reason));
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		ks->answer = KS_NOTFOUND;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

enum ks_status
sq_status_get(struct keystore *ks, const char *fingerprint,
    struct ks_revocation_status *rs)
{
	struct status_arg a = { fingerprint, rs };

	return ks_run(ks, false, txn_status_get, &a, "revocation status");
}
