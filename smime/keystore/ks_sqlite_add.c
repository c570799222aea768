/*
 * ks_sqlite_add - putting certificates into an SQLite key store:
 * insertion, harvest (with replacement of older keys), a copy as it is,
 * the size cap's eviction, and the harvest count behind the key-churn
 * alert; see keystore.h and ks_backend.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "smime/x509/cert_info.h"
#include "smime/keystore/ks_sqlite.h"

static int64_t
charge_of(const struct ks_add *a)
{
	return ks_charge(a->derlen, a->ci->emails, a->ci->nemails,
	    a->ci->domains, a->ci->ndomains);
}

/* Deletes harvested, unpromoted keys of a's addresses that are older. */
static int
replace_older(struct keystore *ks, const struct ks_add *a)
{
	sqlite3_stmt *st;
	int64_t	*ids = NULL;
	size_t	n = 0, i;
	int	rc = SQLITE_OK;

	for (i = 0; i < a->ci->nemails && rc == SQLITE_OK; i++) {
		rc = ks_prepare(ks, "SELECT c.id FROM certs c JOIN names n "
		    "ON n.cert_id = c.id WHERE n.kind = 0 AND n.name = ?1 AND "
		    "c.origin = 2 AND c.usable_verify = 0 AND "
		    "c.not_before < ?2", &st);
		if (rc != SQLITE_OK)
			break;
		sqlite3_bind_text(st, 1, a->ci->emails[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, a->ci->not_before);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			ids = x_reallocarray(ids, n + 1, sizeof(*ids));
			ids[n++] = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	for (i = 0; i < n && rc == SQLITE_OK; i++)
		rc = ks_delete_id(ks, ids[i]);
	free(ids);
	return rc;
}

static int
insert_names(struct keystore *ks, int64_t id, int kind, char **names,
    size_t n)
{
	sqlite3_stmt *st;
	size_t	i;
	int	rc;

	for (i = 0; i < n; i++) {
		rc = ks_prepare(ks, "INSERT OR IGNORE INTO names (cert_id, "
		    "kind, name) VALUES (?1, ?2, ?3)", &st);
		if (rc != SQLITE_OK)
			return rc;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, kind);
		sqlite3_bind_text(st, 3, names[i], -1, SQLITE_STATIC);
		if ((rc = ks_step_done(st)) != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

/* Evicts least recently used harvested keys until the total charge is
 * within the cap. Each deletion takes its charge off the total (a
 * trigger) in this transaction. */
static int
evict(struct keystore *ks, struct ks_add *a)
{
	sqlite3_stmt *st;
	int64_t	total = 0, id, charge;
	int	rc;

	if (ks->max_size == 0)
		return SQLITE_OK;
	/* the running total, this insertion included (ks_sqlite.c) */
	if ((rc = ks_prepare(ks, "SELECT value FROM totals WHERE name = "
	    "'charge'", &st)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc;
	while ((uint64_t)total > ks->max_size) {
		rc = ks_prepare(ks, "SELECT id, charge FROM certs WHERE "
		    "origin IN (2, 3) AND usable_verify = 0 AND id != ?1 ORDER BY "
		    "CASE last_used WHEN 0 THEN added_at ELSE last_used END, "
		    "id LIMIT 1", &st);
		if (rc != SQLITE_OK)
			return rc;
		sqlite3_bind_int64(st, 1, a->new_id);
		rc = sqlite3_step(st);
		id = sqlite3_column_int64(st, 0);
		charge = sqlite3_column_int64(st, 1);
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE) {
			if (a->origin != KS_HARVESTED)
				return SQLITE_OK;	/* never refuse the administrator */
			ks_fail(ks, "size cap of %llu bytes reached and no "
			    "harvested key left to evict",
			    (unsigned long long)ks->max_size);
			ks->answer = KS_PERMFAIL;
			return KS_TXN_ABORT;
		}
		if (rc != SQLITE_ROW)
			return rc;
		if ((rc = ks_delete_id(ks, id)) != SQLITE_OK)
			return rc;
		a->evicted++;
		total -= charge;
	}
	return SQLITE_OK;
}

/* Whether another certificate usable for encryption names one of a's
 * addresses. */
static int
address_known(struct keystore *ks, struct ks_add *a)
{
	sqlite3_stmt *st;
	size_t	i;
	int	rc = SQLITE_OK;

	a->known = false;
	for (i = 0; i < a->ci->nemails && !a->known && rc == SQLITE_OK; i++) {
		rc = ks_prepare(ks, "SELECT 1 FROM certs c JOIN names n ON "
		    "n.cert_id = c.id WHERE n.kind = 0 AND n.name = ?1 AND "
		    "c.usable_encrypt = 1 LIMIT 1", &st);
		if (rc != SQLITE_OK)
			break;
		sqlite3_bind_text(st, 1, a->ci->emails[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		a->known = rc == SQLITE_ROW;
		sqlite3_finalize(st);
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	return rc;
}

static int
txn_add(struct keystore *ks, void *arg)
{
	struct ks_add *a = arg;
	const struct cert_info *ci = a->ci;
	sqlite3_stmt *st;
	int	rc;

	if ((rc = ks_prepare(ks, "SELECT id FROM certs WHERE fingerprint = ?1",
	    &st)) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, ci->fingerprint, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW && a->origin == KS_LDAP) {
		/* found again: its TTL starts afresh (only for a copy that
		 * came from a directory: others have no TTL) */
		if ((rc = ks_prepare(ks, "UPDATE certs SET expires_at = ?1 "
		    "WHERE fingerprint = ?2 AND origin = 3", &st)) != SQLITE_OK)
			return rc;
		sqlite3_bind_int64(st, 1, a->expires_at);
		sqlite3_bind_text(st, 2, ci->fingerprint, -1, SQLITE_STATIC);
		if ((rc = ks_step_done(st)) != SQLITE_OK)
			return rc;
		ks->answer = KS_EXISTS;
		return SQLITE_OK;
	}
	if (rc == SQLITE_ROW) {
		ks->answer = KS_EXISTS;
		return SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		return rc;
	/* A retried transaction starts again from nothing. */
	a->kept = false;
	a->evicted = 0;
	if (a->origin == KS_HARVESTED && !a->no_encrypt && ci->can_encrypt &&
	    (rc = address_known(ks, a)) != SQLITE_OK)
		return rc;
	if (a->keep_first && a->known) {
		a->kept = true;
		return SQLITE_OK;
	}
	if (a->replace && (rc = replace_older(ks, a)) != SQLITE_OK)
		return rc;
	rc = ks_prepare(ks, "INSERT INTO certs (fingerprint, der, label, "
	    "subject, issuer, serial, not_before, not_after, key_usage, origin, "
	    "added_at, last_used, usable_encrypt, usable_verify, charge, "
	    "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    "0, ?12, ?13, ?14, ?15)",
	    &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, ci->fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, a->der, (int)a->derlen, SQLITE_STATIC);
	if (a->label != NULL)
		sqlite3_bind_text(st, 3, a->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ci->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ci->issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ci->serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, ci->not_before);
	sqlite3_bind_int64(st, 8, ci->not_after);
	sqlite3_bind_int64(st, 9, ci->key_usage);
	sqlite3_bind_int(st, 10, (int)a->origin);
	sqlite3_bind_int64(st, 11, a->now);
	sqlite3_bind_int(st, 12, ci->can_encrypt && !a->no_encrypt);
	sqlite3_bind_int(st, 13, a->origin == KS_ADDED && ci->can_verify);
	sqlite3_bind_int64(st, 14, charge_of(a));
	sqlite3_bind_int64(st, 15, a->expires_at);
	if ((rc = ks_step_done(st)) != SQLITE_OK)
		return rc;
	a->new_id = sqlite3_last_insert_rowid(ks->db);
	if ((rc = insert_names(ks, a->new_id, KS_NAME_EMAIL, ci->emails,
	    ci->nemails)) != SQLITE_OK ||
	    (rc = insert_names(ks, a->new_id, KS_NAME_DNS, ci->domains,
	    ci->ndomains)) != SQLITE_OK)
		return rc;
	return evict(ks, a);
}

enum ks_status
sq_add(struct keystore *ks, struct ks_add *a)
{
	return ks_run(ks, true, txn_add, a, "add");
}

struct put_arg {
	const struct ks_cert *c;
	int64_t		charge;
};

static int
txn_put(struct keystore *ks, void *arg)
{
	struct put_arg *p = arg;
	const struct ks_cert *c = p->c;
	sqlite3_stmt *st;
	int64_t	id;
	int	rc;

	if ((rc = ks_prepare(ks, "SELECT id FROM certs WHERE fingerprint = ?1",
	    &st)) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, c->fingerprint, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW) {
		ks->answer = KS_EXISTS;
		return SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		return rc;
	rc = ks_prepare(ks, "INSERT INTO certs (fingerprint, der, label, "
	    "subject, issuer, serial, not_before, not_after, key_usage, origin, "
	    "added_at, last_used, usable_encrypt, usable_verify, charge, "
	    "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    "?12, ?13, ?14, ?15, ?16)", &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, c->fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, c->der, (int)c->derlen, SQLITE_STATIC);
	if (c->label != NULL)
		sqlite3_bind_text(st, 3, c->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, c->not_before);
	sqlite3_bind_int64(st, 8, c->not_after);
	sqlite3_bind_int64(st, 9, c->key_usage);
	sqlite3_bind_int(st, 10, (int)c->origin);
	sqlite3_bind_int64(st, 11, c->added_at);
	sqlite3_bind_int64(st, 12, c->last_used);
	sqlite3_bind_int(st, 13, c->usable_encrypt);
	sqlite3_bind_int(st, 14, c->usable_verify);
	sqlite3_bind_int64(st, 15, p->charge);
	sqlite3_bind_int64(st, 16, c->expires_at);
	if ((rc = ks_step_done(st)) != SQLITE_OK)
		return rc;
	id = sqlite3_last_insert_rowid(ks->db);
	if ((rc = insert_names(ks, id, KS_NAME_EMAIL, c->emails,
	    c->nemails)) != SQLITE_OK)
		return rc;
	return insert_names(ks, id, KS_NAME_DNS, c->domains, c->ndomains);
}

enum ks_status
sq_put(struct keystore *ks, const struct ks_cert *c, int64_t charge)
{
	struct put_arg p = { c, charge };

	return ks_run(ks, true, txn_put, &p, "copy");
}

struct changes_arg {
	const char	*domain;
	int64_t		since;
	uint64_t	n;
};

static int
txn_changes(struct keystore *ks, void *arg)
{
	struct changes_arg *a = arg;
	sqlite3_stmt *st;
	int	rc;

	rc = ks_prepare(ks, "SELECT count(DISTINCT c.id) FROM certs c JOIN "
	    "names n ON n.cert_id = c.id WHERE n.kind = 0 AND c.origin = 2 AND "
	    "c.added_at >= ?2 AND substr(n.name, -length(?1) - 1) = '@' || ?1",
	    &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, a->domain, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->since);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		a->n = (uint64_t)sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

enum ks_status
sq_domain_harvests(struct keystore *ks, const char *domain, int64_t since,
    uint64_t *n)
{
	struct changes_arg a;
	enum ks_status st;

	a.domain = domain;
	a.since = since;
	a.n = 0;
	st = ks_run(ks, false, txn_changes, &a, "count harvests");
	*n = a.n;
	return st;
}
