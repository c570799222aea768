/*
 * keystore_lookup - the recipient look-up (exact address, then domain
 * and RFC 6125 wildcard), the reason when no key is usable, and the
 * best-effort last_used update; see keystore.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "smime/x509/cert_info.h"
#include "smime/keystore/keystore_int.h"

struct lookup_arg {
	const char	*address, *domain;
	char		*wildcard;	/* "*.parent" or NULL */
	int64_t		now;
	int64_t		id;
	const char *const *except;
	size_t		nexcept;
	struct ks_cert	*cert, *unusable;
};

static bool
excepted(const struct lookup_arg *a, const unsigned char *fp)
{
	size_t	i;

	for (i = 0; fp != NULL && i < a->nexcept; i++)
		if (strcmp(a->except[i], (const char *)fp) == 0)
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
	sqlite3_bind_text(st, 2, kind == KS_NAME_EMAIL ? a->address : a->domain,
	    -1, SQLITE_STATIC);
	if (kind == KS_NAME_DNS && a->wildcard != NULL)
		sqlite3_bind_text(st, 3, a->wildcard, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->now);
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

	ks_cert_free(a->cert);	/* from an attempt that was retried */
	ks_cert_free(a->unusable);
	a->cert = a->unusable = NULL;
	a->id = 0;
	if ((rc = find(ks, a, KS_NAME_EMAIL, false)) != SQLITE_OK)
		return rc;
	if (a->id == 0 && (rc = find(ks, a, KS_NAME_DNS, false)) != SQLITE_OK)
		return rc;
	if (a->id != 0)
		return ks_load_id(ks, a->id, &a->cert);
	ks->answer = KS_NOTFOUND;
	/* None usable: the one that would have been taken, for the reason. */
	if ((rc = find(ks, a, KS_NAME_EMAIL, true)) != SQLITE_OK)
		return rc;
	if (a->id == 0 && (rc = find(ks, a, KS_NAME_DNS, true)) != SQLITE_OK)
		return rc;
	if (a->id == 0)
		return SQLITE_OK;
	rc = ks_load_id(ks, a->id, &a->unusable);
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

enum cert_problem
ks_cert_encrypt_problem(const struct ks_cert *c, int64_t now)
{
	if (!c->usable_encrypt)
		return CERT_KEY_USAGE;
	return cert_dates_problem(c->not_before, c->not_after, now);
}

void
ks_answer_clear(struct ks_answer *an)
{
	if (an == NULL)
		return;
	ks_cert_free(an->cert);
	ks_cert_free(an->unusable);
	an->cert = an->unusable = NULL;
	an->problem = CERT_OK;
}

enum ks_status
keystore_lookup_answer(struct keystore *ks, const char *address, int64_t now,
    struct ks_answer *an)
{
	return keystore_lookup_except(ks, address, now, NULL, 0, an);
}

enum ks_status
keystore_lookup_except(struct keystore *ks, const char *address, int64_t now,
    const char *const *except, size_t nexcept, struct ks_answer *an)
{
	struct lookup_arg a;
	enum ks_status st;
	char	*addr, *dot;
	size_t	i;

	memset(an, 0, sizeof(*an));
	if (strlen(address) > KS_ADDRESS_MAX || strrchr(address, '@') == NULL) {
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
	a.except = except;
	a.nexcept = nexcept;
	st = ks_run(ks, false, txn_lookup, &a, "look-up");
	if (st == KS_OK && a.cert != NULL) {
		/* best effort: see keystore.h */
		if (a.cert->last_used < now &&
		    ks_run(ks, true, txn_touch, &a, "update last_used") == KS_OK)
			a.cert->last_used = now;
		an->cert = a.cert;
		ks_cert_free(a.unusable);
	} else if (st == KS_NOTFOUND && a.unusable != NULL) {
		an->unusable = a.unusable;
		an->problem = ks_cert_encrypt_problem(a.unusable, now);
	} else {
		ks_cert_free(a.cert);
		ks_cert_free(a.unusable);
	}
	free(a.wildcard);
	free(addr);
	return st;
}

enum ks_status
keystore_lookup(struct keystore *ks, const char *address, int64_t now,
    struct ks_cert **out)
{
	struct ks_answer an;
	enum ks_status st = keystore_lookup_answer(ks, address, now, &an);

	*out = an.cert;
	an.cert = NULL;
	ks_answer_clear(&an);
	return st;
}
