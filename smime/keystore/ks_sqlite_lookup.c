/*
 * ks_sqlite_lookup - the recipient look-up in an SQLite key store (exact
 * address, then domain and RFC 6125 wildcard), the certificate for the
 * reason when no key is usable, and the last_used update; see keystore.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "smime/x509/cert_info.h"
#include "smime/keystore/ks_sqlite.h"

struct lookup_arg {
	struct ks_query	*q;
	int64_t		id, now;
};

static bool
excepted(const struct lookup_arg *a, const unsigned char *fp)
{
	size_t	i;

	for (i = 0; fp != NULL && i < a->q->nexcept; i++)
		if (strcmp(a->q->except[i], (const char *)fp) == 0)
			return true;
	return false;
}

/* The newest certificate of kind naming a's address or domain, but not
 * one of a->except; only those usable at a->now unless any. An ldap copy
 * whose TTL ran out is not there at all. */
static int
find(struct keystore *ks, struct lookup_arg *a, int kind, bool any)
{
	sqlite3_stmt *st;
	int	rc;

	rc = ks_prepare(ks, any ? "SELECT c.id, c.fingerprint FROM certs c "
	    "JOIN names n ON n.cert_id = c.id WHERE n.kind = ?1 AND "
	    "(n.name = ?2 OR n.name = ?3) AND (c.origin != 3 OR "
	    "c.expires_at >= ?4) ORDER BY c.not_before DESC, c.added_at DESC, "
	    "c.id DESC" :
	    "SELECT c.id, c.fingerprint FROM certs c JOIN names n ON "
	    "n.cert_id = c.id WHERE n.kind = ?1 AND (n.name = ?2 OR n.name = ?3) "
	    "AND c.usable_encrypt = 1 AND c.not_before <= ?4 AND "
	    "c.not_after >= ?4 AND (c.origin != 3 OR c.expires_at >= ?4) "
	    "ORDER BY c.not_before DESC, c.added_at DESC, c.id DESC", &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int(st, 1, kind);
	sqlite3_bind_text(st, 2, kind == KS_NAME_EMAIL ? a->q->address :
	    a->q->domain, -1, SQLITE_STATIC);
	if (kind == KS_NAME_DNS && a->q->wildcard != NULL)
		sqlite3_bind_text(st, 3, a->q->wildcard, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->q->now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!excepted(a, sqlite3_column_text(st, 1))) {
			a->id = sqlite3_column_int64(st, 0);
			break;
		}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
txn_lookup(struct keystore *ks, void *arg)
{
	struct lookup_arg *a = arg;
	int	rc;

	ks_cert_free(a->q->cert);	/* from an attempt that was retried */
	ks_cert_free(a->q->unusable);
	a->q->cert = a->q->unusable = NULL;
	a->id = 0;
	if ((rc = find(ks, a, KS_NAME_EMAIL, false)) != SQLITE_OK)
		return rc;
	if (a->id == 0 && (rc = find(ks, a, KS_NAME_DNS, false)) != SQLITE_OK)
		return rc;
	if (a->id != 0)
		return ks_load_id(ks, a->id, &a->q->cert);
	ks->answer = KS_NOTFOUND;
	/* None usable: the one that would have been taken, for the reason. */
	if ((rc = find(ks, a, KS_NAME_EMAIL, true)) != SQLITE_OK)
		return rc;
	if (a->id == 0 && (rc = find(ks, a, KS_NAME_DNS, true)) != SQLITE_OK)
		return rc;
	if (a->id == 0)
		return SQLITE_OK;
	rc = ks_load_id(ks, a->id, &a->q->unusable);
	a->id = 0;
	return rc;
}

static int
txn_touch(struct keystore *ks, void *arg)
{
	struct lookup_arg *a = arg;
	sqlite3_stmt *st;
	int	rc;

	rc = ks_prepare(ks, "UPDATE certs SET last_used = ?1 WHERE id = ?2 "
	    "AND last_used < ?1", &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, a->now);
	sqlite3_bind_int64(st, 2, a->id);
	return ks_step_done(st);
}

enum ks_status
sq_lookup(struct keystore *ks, struct ks_query *q)
{
	struct lookup_arg a = { q, 0, q->now };

	return ks_run(ks, false, txn_lookup, &a, "look-up");
}

enum ks_status
sq_touch(struct keystore *ks, int64_t id, int64_t now)
{
	struct lookup_arg a = { NULL, id, now };

	return ks_run(ks, true, txn_touch, &a, "update last_used");
}
