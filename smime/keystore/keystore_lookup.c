/*
 * keystore_lookup - the recipient look-up (exact address, then domain
 * and RFC 6125 wildcard) and its best-effort last_used update; see
 * keystore.h.
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
	sqlite3_bind_text(st, 2, kind == KS_NAME_EMAIL ? a->address : a->domain,
	    -1, SQLITE_STATIC);
	if (kind == KS_NAME_DNS && a->wildcard != NULL)
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
	if ((rc = find(ks, a, KS_NAME_EMAIL)) != SQLITE_OK)
		return rc;
	if (a->id == 0 && (rc = find(ks, a, KS_NAME_DNS)) != SQLITE_OK)
		return rc;
	if (a->id == 0) {
		ks->answer = KS_NOTFOUND;
		return SQLITE_OK;
	}
	return ks_load_id(ks, a->id, &a->cert);
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
