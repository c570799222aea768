/*
 * ks_sqlite_settings - named settings and the custom trusted CAs in an
 * SQLite key store; see keystore.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "smime/x509/cert_info.h"
#include "smime/keystore/ks_sqlite.h"

struct setting_arg {
	const char	*name, *value;
	char		*buf;
	size_t		size;
};

static int
txn_setting_get(struct keystore *ks, void *arg)
{
	struct setting_arg *a = arg;
	sqlite3_stmt *st;
	int	rc;

	if ((rc = ks_prepare(ks, "SELECT value FROM settings WHERE name = ?1",
	    &st)) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);

		snprintf(a->buf, a->size, "%s", v != NULL ? (const char *)v : "");
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		ks->answer = KS_NOTFOUND;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

enum ks_status
sq_setting_get(struct keystore *ks, const char *name, char *buf,
    size_t size)
{
	struct setting_arg a = { name, NULL, buf, size };

	return ks_run(ks, false, txn_setting_get, &a, "read setting");
}

static int
txn_setting_set(struct keystore *ks, void *arg)
{
	struct setting_arg *a = arg;
	sqlite3_stmt *st;
	int	rc;

	if ((rc = ks_prepare(ks, "INSERT OR REPLACE INTO settings (name, value) "
	    "VALUES (?1, ?2)", &st)) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->value, -1, SQLITE_STATIC);
	return ks_step_done(st);
}

enum ks_status
sq_setting_set(struct keystore *ks, const char *name, const char *value)
{
	struct setting_arg a = { name, value, NULL, 0 };

	return ks_run(ks, true, txn_setting_set, &a, "write setting");
}

struct claim_arg {
	const char	*name;
	int64_t		now, until;
	bool		won;
};

/* The claim row holds when it runs out; taken when absent or run out. */
static int
txn_claim(struct keystore *ks, void *arg)
{
	struct claim_arg *a = arg;
	sqlite3_stmt *st;
	int	rc;

	if ((rc = ks_prepare(ks, "INSERT INTO settings (name, value) VALUES "
	    "(?1, ?2) ON CONFLICT (name) DO UPDATE SET value = excluded.value "
	    "WHERE CAST(settings.value AS INTEGER) <= ?3", &st)) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->until);
	sqlite3_bind_int64(st, 3, a->now);
	if ((rc = ks_step_done(st)) != SQLITE_OK)
		return rc;
	a->won = sqlite3_changes(ks->db) > 0;
	return SQLITE_OK;
}

enum ks_status
sq_claim(struct keystore *ks, const char *name, int64_t now, int64_t until,
    bool *won)
{
	struct claim_arg a = { name, now, until, false };
	enum ks_status st = ks_run(ks, true, txn_claim, &a, "claim");

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
	sqlite3_stmt *st;
	size_t	i;
	int	rc;

	if ((rc = sqlite3_exec(ks->db, "DELETE FROM cas", NULL, NULL, NULL)) !=
	    SQLITE_OK)
		return rc;
	for (i = 0; i < a->n; i++) {
		if ((rc = ks_prepare(ks, "INSERT OR IGNORE INTO cas (fingerprint, "
		    "der, added_at) VALUES (?1, ?2, ?3)", &st)) != SQLITE_OK)
			return rc;
		sqlite3_bind_text(st, 1, a->fp[i], -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, a->der[i], (int)a->derlen[i],
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, a->now);
		if ((rc = ks_step_done(st)) != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

enum ks_status
sq_ca_replace(struct keystore *ks, const unsigned char *const *der,
    const size_t *derlen, char (*fp)[65], size_t n, int64_t now)
{
	struct ca_arg a;

	memset(&a, 0, sizeof(a));
	a.fp = fp;
	a.der = der;
	a.derlen = derlen;
	a.n = n;
	a.now = now;
	return ks_run(ks, true, txn_ca_replace, &a, "replace CAs");
}

static int
txn_ca_foreach(struct keystore *ks, void *arg)
{
	struct ca_arg *a = arg;
	sqlite3_stmt *st;
	int	rc;

	if ((rc = ks_prepare(ks, "SELECT der FROM cas ORDER BY id", &st)) !=
	    SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int	n = sqlite3_column_bytes(st, 0);
		const void *p = sqlite3_column_blob(st, 0);

		if (p == NULL || n <= 0)
			continue;
		if (!a->fn(p, (size_t)n, a->fnarg)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

enum ks_status
sq_ca_foreach(struct keystore *ks,
    bool (*fn)(const unsigned char *, size_t, void *), void *fnarg)
{
	struct ca_arg a;

	memset(&a, 0, sizeof(a));
	a.fn = fn;
	a.fnarg = fnarg;
	return ks_run(ks, false, txn_ca_foreach, &a, "list CAs");
}
