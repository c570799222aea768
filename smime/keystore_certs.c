/*
 * keystore_certs - certificates in the key store: insertion, harvest,
 * eviction, the recipient look-up, listing; see keystore.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "smime/cert_info.h"
#include "smime/keystore_int.h"

#define NAME_EMAIL	0
#define NAME_DNS	1
#define ADDRESS_MAX	320

#define CERT_COLUMNS "id, fingerprint, der, label, subject, issuer, serial, " \
	"not_before, not_after, key_usage, origin, added_at, last_used, " \
	"usable_encrypt, usable_verify"

struct add_arg {
	const unsigned char *der;
	size_t		derlen;
	const struct cert_info *ci;
	enum ks_origin	origin;
	const char	*label;
	int64_t		now;
	bool		replace;
	int64_t		new_id;
};

void
ks_cert_free(struct ks_cert *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nemails; i++)
		free(c->emails[i]);
	for (i = 0; i < c->ndomains; i++)
		free(c->domains[i]);
	free(c->emails);
	free(c->domains);
	free(c->der);
	free(c->label);
	free(c->subject);
	free(c->issuer);
	free(c->serial);
	free(c);
}

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
		if (sqlite3_column_int(st, 0) == NAME_EMAIL) {
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

/* Reads one row of CERT_COLUMNS and its names into a new ks_cert. */
static int
load_row(struct keystore *ks, sqlite3_stmt *st, struct ks_cert **out)
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
	if ((rc = load_names(ks, c)) != SQLITE_OK) {
		ks_cert_free(c);
		return rc;
	}
	*out = c;
	return SQLITE_OK;
}

static int
load_id(struct keystore *ks, int64_t id, struct ks_cert **out)
{
	sqlite3_stmt *st;
	int	rc;

	rc = ks_prepare(ks, "SELECT " CERT_COLUMNS " FROM certs WHERE id = ?1",
	    &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = load_row(ks, st, out);
	else if (rc == SQLITE_DONE)
		rc = SQLITE_NOTFOUND;
	sqlite3_finalize(st);
	return rc;
}

static int
delete_id(struct keystore *ks, int64_t id)
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

static int64_t
charge_of(const struct add_arg *a)
{
	int64_t	charge = (int64_t)a->derlen + KEYSTORE_ROW_OVERHEAD;
	size_t	i;

	for (i = 0; i < a->ci->nemails; i++)
		charge += (int64_t)strlen(a->ci->emails[i]);
	for (i = 0; i < a->ci->ndomains; i++)
		charge += (int64_t)strlen(a->ci->domains[i]);
	return charge;
}

/* Deletes harvested, unpromoted keys of a's addresses that are older. */
static int
replace_older(struct keystore *ks, const struct add_arg *a)
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
		rc = delete_id(ks, ids[i]);
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
 * within the cap. */
static int
evict(struct keystore *ks, const struct add_arg *a)
{
	sqlite3_stmt *st;
	int64_t	total = 0, id, charge;
	int	rc;

	if (ks->max_size == 0)
		return SQLITE_OK;
	if ((rc = ks_prepare(ks, "SELECT coalesce(sum(charge), 0) FROM certs",
	    &st)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc;
	while ((uint64_t)total > ks->max_size) {
		rc = ks_prepare(ks, "SELECT id, charge FROM certs WHERE "
		    "origin = 2 AND usable_verify = 0 AND id != ?1 ORDER BY "
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
		if ((rc = delete_id(ks, id)) != SQLITE_OK)
			return rc;
		total -= charge;
	}
	return SQLITE_OK;
}

static int
txn_add(struct keystore *ks, void *arg)
{
	struct add_arg *a = arg;
	const struct cert_info *ci = a->ci;
	sqlite3_stmt *st;
	int	rc;

	if ((rc = ks_prepare(ks, "SELECT id FROM certs WHERE fingerprint = ?1",
	    &st)) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, ci->fingerprint, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW) {
		ks->answer = KS_EXISTS;
		return SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		return rc;
	if (a->replace && (rc = replace_older(ks, a)) != SQLITE_OK)
		return rc;
	rc = ks_prepare(ks, "INSERT INTO certs (fingerprint, der, label, "
	    "subject, issuer, serial, not_before, not_after, key_usage, origin, "
	    "added_at, last_used, usable_encrypt, usable_verify, charge) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12, ?13, ?14)",
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
	sqlite3_bind_int(st, 12, ci->can_encrypt);
	sqlite3_bind_int(st, 13, a->origin == KS_ADDED && ci->can_verify);
	sqlite3_bind_int64(st, 14, charge_of(a));
	if ((rc = ks_step_done(st)) != SQLITE_OK)
		return rc;
	a->new_id = sqlite3_last_insert_rowid(ks->db);
	if ((rc = insert_names(ks, a->new_id, NAME_EMAIL, ci->emails,
	    ci->nemails)) != SQLITE_OK ||
	    (rc = insert_names(ks, a->new_id, NAME_DNS, ci->domains,
	    ci->ndomains)) != SQLITE_OK)
		return rc;
	return evict(ks, a);
}

static enum ks_status
add(struct keystore *ks, const unsigned char *der, size_t derlen,
    enum ks_origin origin, const char *label, int64_t now, bool replace,
    char *fingerprint)
{
	struct cert_info ci;
	struct add_arg a;
	const char *why = NULL;
	enum ks_status st;

	if (!cert_info_from_der(der, derlen, &ci, NULL, &why)) {
		ks_fail(ks, "refused: %s", why);
		return KS_PERMFAIL;
	}
	if (fingerprint != NULL)
		memcpy(fingerprint, ci.fingerprint, sizeof(ci.fingerprint));
	memset(&a, 0, sizeof(a));
	a.der = der;
	a.derlen = derlen;
	a.ci = &ci;
	a.origin = origin;
	a.label = label;
	a.now = now;
	a.replace = replace;
	st = ks_run(ks, true, txn_add, &a, "add");
	cert_info_clear(&ci);
	return st;
}

enum ks_status
keystore_add(struct keystore *ks, const unsigned char *der, size_t derlen,
    enum ks_origin origin, const char *label, int64_t now, char *fingerprint)
{
	if (label != NULL && (strlen(label) == 0 || strlen(label) > 128)) {
		ks_fail(ks, "a label has 1 to 128 characters");
		return KS_PERMFAIL;
	}
	return add(ks, der, derlen, origin, label, now, false, fingerprint);
}

enum ks_status
keystore_harvest(struct keystore *ks, const unsigned char *der,
    size_t derlen, bool replace, int64_t now, bool *added)
{
	enum ks_status st;

	st = add(ks, der, derlen, KS_HARVESTED, NULL, now, replace, NULL);
	if (added != NULL)
		*added = st == KS_OK;
	return st == KS_EXISTS ? KS_OK : st;
}

/* ---- look-up ---------------------------------------------------------- */

struct lookup_arg {
	const char	*address, *domain;
	char		*wildcard;	/* "*.parent" or NULL */
	int64_t		now;
	int64_t		id;
	struct ks_cert	*cert;
};

static int
find(struct keystore *ks, struct lookup_arg *a, int kind)
{
	sqlite3_stmt *st;
	int	rc;

	rc = ks_prepare(ks, "SELECT c.id FROM certs c JOIN names n ON "
	    "n.cert_id = c.id WHERE n.kind = ?1 AND (n.name = ?2 OR n.name = ?3) "
	    "AND c.usable_encrypt = 1 AND c.not_before <= ?4 AND "
	    "c.not_after >= ?4 ORDER BY c.not_before DESC, c.added_at DESC, "
	    "c.id DESC LIMIT 1", &st);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int(st, 1, kind);
	sqlite3_bind_text(st, 2, kind == NAME_EMAIL ? a->address : a->domain,
	    -1, SQLITE_STATIC);
	if (kind == NAME_DNS && a->wildcard != NULL)
		sqlite3_bind_text(st, 3, a->wildcard, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		a->id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
txn_lookup(struct keystore *ks, void *arg)
{
	struct lookup_arg *a = arg;
	int	rc;

	ks_cert_free(a->cert);	/* from an attempt that was retried */
	a->cert = NULL;
	a->id = 0;
	if ((rc = find(ks, a, NAME_EMAIL)) != SQLITE_OK)
		return rc;
	if (a->id == 0 && (rc = find(ks, a, NAME_DNS)) != SQLITE_OK)
		return rc;
	if (a->id == 0) {
		ks->answer = KS_NOTFOUND;
		return SQLITE_OK;
	}
	return load_id(ks, a->id, &a->cert);
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
keystore_lookup(struct keystore *ks, const char *address, int64_t now,
    struct ks_cert **out)
{
	struct lookup_arg a;
	enum ks_status st;
	char	*addr, *dot;
	size_t	i;

	*out = NULL;
	if (strlen(address) > ADDRESS_MAX || strrchr(address, '@') == NULL) {
		ks_fail(ks, "not an e-mail address");
		return KS_PERMFAIL;
	}
	memset(&a, 0, sizeof(a));
	addr = x_strdup(address);
	for (i = 0; addr[i] != '\0'; i++)
		addr[i] = (char)tolower((unsigned char)addr[i]);
	a.address = addr;
	a.domain = strrchr(addr, '@') + 1;
	/* RFC 6125: "*" stands for exactly one whole left-most label, and
	 * never for a top-level domain: *.example.net covers a.example.net,
	 * neither example.net nor b.a.example.net. */
	dot = strchr(a.domain, '.');
	if (dot != NULL && dot != a.domain && strchr(dot + 1, '.') != NULL)
		a.wildcard = x_asprintf("*%s", dot);
	a.now = now;
	st = ks_run(ks, false, txn_lookup, &a, "look-up");
	if (st == KS_OK && a.cert != NULL) {
		/* best effort: see keystore.h */
		if (a.cert->last_used < now &&
		    ks_run(ks, true, txn_touch, &a, "update last_used") == KS_OK)
			a.cert->last_used = now;
		*out = a.cert;
	} else if (st != KS_OK) {
		ks_cert_free(a.cert);
	}
	free(a.wildcard);
	free(addr);
	return st;
}

/* ---- by key, listing, removal ---------------------------------------- */

struct key_arg {
	const char	*key;
	int64_t		id;
	struct ks_cert	*cert;
	bool		(*fn)(const struct ks_cert *, void *);
	void		*fnarg;
};

static bool
is_hex_prefix(const char *s)
{
	size_t	n = strlen(s), i;

	if (n < 8 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Resolves a->key into a->id; sets answer NOTFOUND/EXISTS (ambiguous). */
static int
resolve(struct keystore *ks, struct key_arg *a)
{
	sqlite3_stmt *st;
	char	prefix[80];
	size_t	i, n = 0;
	int	rc;

	snprintf(prefix, sizeof(prefix), "%s%%", is_hex_prefix(a->key) ?
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
	return load_id(ks, a->id, &a->cert);
}

enum ks_status
keystore_get(struct keystore *ks, const char *key, struct ks_cert **out)
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
	return delete_id(ks, a->id);
}

enum ks_status
keystore_remove(struct keystore *ks, const char *key)
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
keystore_promote(struct keystore *ks, const char *key)
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

	rc = ks_prepare(ks, "SELECT " CERT_COLUMNS " FROM certs ORDER BY id",
	    &st);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ks_cert *c = NULL;
		bool	more;

		if ((rc = load_row(ks, st, &c)) != SQLITE_OK)
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
keystore_foreach(struct keystore *ks,
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

	if ((rc = ks_prepare(ks, "SELECT count(*), coalesce(sum(charge), 0) "
	    "FROM certs", &st)) != SQLITE_OK)
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
keystore_count(struct keystore *ks, uint64_t *n, uint64_t *bytes)
{
	struct count_arg a = { 0, 0 };
	enum ks_status st = ks_run(ks, false, txn_count, &a, "count");

	if (n != NULL)
		*n = a.n;
	if (bytes != NULL)
		*bytes = a.bytes;
	return st;
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
keystore_domain_harvests(struct keystore *ks, const char *domain,
    int64_t since, uint64_t *n)
{
	struct changes_arg a;
	enum ks_status st;
	char	*lower;
	size_t	i;

	*n = 0;
	if (strlen(domain) == 0 || strlen(domain) > 253) {
		ks_fail(ks, "not a domain");
		return KS_PERMFAIL;
	}
	lower = x_strdup(domain);
	for (i = 0; lower[i] != '\0'; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	a.domain = lower;
	a.since = since;
	a.n = 0;
	st = ks_run(ks, false, txn_changes, &a, "count harvests");
	*n = a.n;
	free(lower);
	return st;
}
