/*
 * ks_sqlite_certs - reading certificates out of an SQLite key store: rows
 * into struct ks_cert, look-up by key, listing, counting, removal and
 * promotion; see keystore.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "smime/x509/cert_info.h"
#include "smime/keystore/ks_sqlite.h"

static char *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? x_strdup((const char *)s) : NULL;
}

static int
load_names(struct keystore *ks, struct ks_cert *c)
{
	sqlite3_stmt *st;
	int	rc;

	rc = ks_prepare(ks, "SELECT kind, name FROM names WHERE cert_id = ?1 "
	    "ORDER BY kind, name", &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, c->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char	*name = col_str(st, 1);

		if (name == NULL)
			continue;
		if (sqlite3_column_int(st, 0) == KS_NAME_EMAIL) {
			c->emails = x_reallocarray(c->emails, c->nemails + 1,
			    sizeof(char *));
			c->emails[c->nemails++] = name;
		} else {
			c->domains = x_reallocarray(c->domains, c->ndomains + 1,
			    sizeof(char *));
			c->domains[c->ndomains++] = name;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Reads one row of KS_CERT_COLUMNS and its names into a new ks_cert. */
int
ks_load_row(struct keystore *ks, sqlite3_stmt *st, struct ks_cert **out)
{
	struct ks_cert *c = x_calloc(1, sizeof(*c));
	const void *der = sqlite3_column_blob(st, 2);
	const unsigned char *fp = sqlite3_column_text(st, 1);
	int	n = sqlite3_column_bytes(st, 2), rc;

	c->id = sqlite3_column_int64(st, 0);
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s",
	    fp != NULL ? (const char *)fp : "");
	c->derlen = n > 0 ? (size_t)n : 0;
	c->der = x_malloc(c->derlen);
	if (c->derlen > 0 && der != NULL)
		memcpy(c->der, der, c->derlen);
	c->label = col_str(st, 3);
	c->subject = col_str(st, 4);
	c->issuer = col_str(st, 5);
	c->serial = col_str(st, 6);
	c->not_before = sqlite3_column_int64(st, 7);
	c->not_after = sqlite3_column_int64(st, 8);
	c->key_usage = (long)sqlite3_column_int64(st, 9);
	c->origin = (enum ks_origin)sqlite3_column_int(st, 10);
	c->added_at = sqlite3_column_int64(st, 11);
	c->last_used = sqlite3_column_int64(st, 12);
	c->usable_encrypt = sqlite3_column_int(st, 13) != 0;
	c->usable_verify = sqlite3_column_int(st, 14) != 0;
	c->expires_at = sqlite3_column_int64(st, 15);
	if ((rc = load_names(ks, c)) != SQLITE_OK) {
		ks_cert_free(c);
		return rc;
	}
	*out = c;
	return SQLITE_OK;
}

int
ks_load_id(struct keystore *ks, int64_t id, struct ks_cert **out)
{
	sqlite3_stmt *st;
	int	rc;

	rc = ks_prepare(ks, "SELECT " KS_CERT_COLUMNS " FROM certs WHERE id = ?1",
	    &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = ks_load_row(ks, st, out);
	else if (rc == SQLITE_DONE)
		rc = SQLITE_NOTFOUND;
	sqlite3_finalize(st);
	return rc;
}

int
ks_delete_id(struct keystore *ks, int64_t id)
{
	sqlite3_stmt *st;
	int	rc;

	if ((rc = ks_prepare(ks, "DELETE FROM names WHERE cert_id = ?1",
	    &st)) != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = ks_step_done(st)) != SQLITE_OK)
		return rc;
	if ((rc = ks_prepare(ks, "DELETE FROM certs WHERE id = ?1", &st)) !=
	    SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	return ks_step_done(st);
}

struct key_arg {
	const char	*key;
	int64_t		id;
	struct ks_cert	*cert;
	bool		(*fn)(const struct ks_cert *, void *);
	void		*fnarg;
};

/* Resolves a->key into a->id; sets answer NOTFOUND/EXISTS (ambiguous). */
static int
resolve(struct keystore *ks, struct key_arg *a)
{
	sqlite3_stmt *st;
	char	prefix[80];
	size_t	i, n = 0;
	int	rc;

	snprintf(prefix, sizeof(prefix), "%s%%", ks_is_hex_prefix(a->key) ?
	    a->key : "-");
	for (i = 0; prefix[i] != '\0'; i++)
		prefix[i] = (char)tolower((unsigned char)prefix[i]);
	rc = ks_prepare(ks, "SELECT id FROM certs WHERE fingerprint LIKE ?1 "
	    "OR label = ?2 LIMIT 2", &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->key, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a->id = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc;
	if (n != 1) {
		ks->answer = n == 0 ? KS_NOTFOUND : KS_EXISTS;
		ks_fail(ks, "%s: %s", a->key, n == 0 ? "no such key" :
		    "ambiguous: give more of the fingerprint");
	}
	return SQLITE_OK;
}

static int
txn_get(struct keystore *ks, void *arg)
{
	struct key_arg *a = arg;
	int	rc;

	ks_cert_free(a->cert);	/* from an attempt that was retried */
	a->cert = NULL;
	if ((rc = resolve(ks, a)) != SQLITE_OK || ks->answer != KS_OK)
		return rc;
	return ks_load_id(ks, a->id, &a->cert);
}

enum ks_status
sq_get(struct keystore *ks, const char *key, struct ks_cert **out)
{
	struct key_arg a;
	enum ks_status st;

	memset(&a, 0, sizeof(a));
	a.key = key;
	st = ks_run(ks, false, txn_get, &a, "get");
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

	if ((rc = resolve(ks, a)) != SQLITE_OK || ks->answer != KS_OK)
		return rc;
	return ks_delete_id(ks, a->id);
}

enum ks_status
sq_remove(struct keystore *ks, const char *key)
{
	struct key_arg a;

	memset(&a, 0, sizeof(a));
	a.key = key;
	return ks_run(ks, true, txn_remove, &a, "remove");
}

static int
txn_promote(struct keystore *ks, void *arg)
{
	struct key_arg *a = arg;
	sqlite3_stmt *st;
	int	rc;

	if ((rc = resolve(ks, a)) != SQLITE_OK || ks->answer != KS_OK)
		return rc;
	if ((rc = ks_prepare(ks, "UPDATE certs SET usable_verify = 1 WHERE "
	    "id = ?1", &st)) != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, a->id);
	return ks_step_done(st);
}

enum ks_status
sq_promote(struct keystore *ks, const char *key)
{
	struct key_arg a;

	memset(&a, 0, sizeof(a));
	a.key = key;
	return ks_run(ks, true, txn_promote, &a, "promote");
}

static int
txn_foreach(struct keystore *ks, void *arg)
{
	struct key_arg *a = arg;
	sqlite3_stmt *st;
	int	rc;

	rc = ks_prepare(ks, "SELECT " KS_CERT_COLUMNS " FROM certs ORDER BY id",
	    &st);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ks_cert *c = NULL;
		bool	more;

		if ((rc = ks_load_row(ks, st, &c)) != SQLITE_OK)
			break;
		more = a->fn(c, a->fnarg);
		ks_cert_free(c);
		if (!more) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

enum ks_status
sq_foreach(struct keystore *ks,
    bool (*fn)(const struct ks_cert *, void *), void *fnarg)
{
	struct key_arg a;

	memset(&a, 0, sizeof(a));
	a.fn = fn;
	a.fnarg = fnarg;
	return ks_run(ks, false, txn_foreach, &a, "list");
}

struct count_arg {
	uint64_t	n, bytes;
};

static int
txn_count(struct keystore *ks, void *arg)
{
	struct count_arg *a = arg;
	sqlite3_stmt *st;
	int	rc;

	if ((rc = ks_prepare(ks, "SELECT (SELECT count(*) FROM certs), "
	    "(SELECT value FROM totals WHERE name = 'charge')", &st)) !=
	    SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		a->n = (uint64_t)sqlite3_column_int64(st, 0);
		a->bytes = (uint64_t)sqlite3_column_int64(st, 1);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

enum ks_status
sq_count(struct keystore *ks, uint64_t *n, uint64_t *bytes)
{
	struct count_arg a = { 0, 0 };
	enum ks_status st = ks_run(ks, false, txn_count, &a, "count");

	*n = a.n;
	*bytes = a.bytes;
	return st;
}
