/*
 * keystore - the front end of the key store: it picks the back end from
 * the store's name (a file: SQLite; a postgresql:// URI: PostgreSQL),
 * checks and normalises every argument, and calls the back end through
 * struct ks_backend (ks_backend.h); see keystore.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "smime/keystore/ks_backend.h"
#include "smime/x509/trust.h"

#define SETTING_NAME_MAX	64
#define SETTING_MAX		1024
#define LABEL_MAX		128

static _Thread_local char ks_errbuf[512];

const char *
keystore_strerror(void)
{
	return ks_errbuf[0] ? ks_errbuf : "no error";
}

void
ks_fail(struct keystore *ks, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = snprintf(ks_errbuf, sizeof(ks_errbuf), "key store %s: ",
	    ks != NULL ? ks->path : "?");
	if (n < 0 || (size_t)n >= sizeof(ks_errbuf))
		return;
	va_start(ap, fmt);
	vsnprintf(ks_errbuf + n, sizeof(ks_errbuf) - (size_t)n, fmt, ap);
	va_end(ap);
}

bool
ks_total_matches(struct keystore *ks, int64_t total, int64_t sum)
{
	if (total == sum)
		return true;
	ks_fail(ks, "the size cap's running total is %lld bytes, the "
	    "certificates add up to %lld", (long long)total, (long long)sum);
	ks->answer = KS_PERMFAIL;
	return false;
}

struct keystore *
ks_handle_new(const char *path, uint64_t max_size)
{
	struct keystore *ks = x_calloc(1, sizeof(*ks));

	ks->path = x_strdup(path);
	ks->max_size = max_size;
	pthread_mutex_init(&ks->lock, NULL);
	return ks;
}

void
ks_handle_free(struct keystore *ks)
{
	if (ks == NULL)
		return;
	pthread_mutex_destroy(&ks->lock);
	free(ks->path);
	free(ks);
}

int64_t
ks_charge(size_t derlen, char *const *emails, size_t nemails,
    char *const *domains, size_t ndomains)
{
	int64_t	charge = (int64_t)derlen + KEYSTORE_ROW_OVERHEAD;
	size_t	i;

	for (i = 0; i < nemails; i++)
		charge += (int64_t)strlen(emails[i]);
	for (i = 0; i < ndomains; i++)
		charge += (int64_t)strlen(domains[i]);
	return charge;
}

bool
ks_is_hex_prefix(const char *s)
{
	size_t	n = strlen(s), i;

	if (n < 8 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool
keystore_is_uri(const char *spec)
{
	return strncmp(spec, "postgresql://", 13) == 0 ||
	    strncmp(spec, "postgres://", 11) == 0;
}

bool
keystore_have_postgresql(void)
{
#ifdef HAVE_LIBPQ
	return true;
#else
	return false;
#endif
}

void
keystore_display(const char *spec, char *buf, size_t size)
{
	const char *at, *scheme_end, *colon;

	if (!keystore_is_uri(spec) ||
	    (scheme_end = strstr(spec, "://")) == NULL) {
		snprintf(buf, size, "%s", spec);
		return;
	}
	scheme_end += 3;
	at = strchr(scheme_end, '@');
	if (at != NULL && strcspn(scheme_end, "/?") > (size_t)(at - scheme_end)) {
		/* user:password@host: the password is not shown */
		colon = memchr(scheme_end, ':', (size_t)(at - scheme_end));
		if (colon != NULL) {
			snprintf(buf, size, "%.*s:***%s",
			    (int)(colon - spec), spec, at);
			goto query;
		}
	}
	snprintf(buf, size, "%s", spec);
query:
	/* password=... in the query string goes too */
	{
		char	*p = strstr(buf, "password=");

		if (p != NULL && (p == buf || p[-1] == '?' || p[-1] == '&'))
			snprintf(p, size - (size_t)(p - buf), "password=***");
	}
}

enum ks_status
keystore_open(const char *path, uint64_t max_size, struct keystore **out)
{
	*out = NULL;
	if (keystore_is_uri(path)) {
#ifdef HAVE_LIBPQ
		return ks_pg_open(path, max_size, out);
#else
		ks_fail(NULL, "%s: a PostgreSQL URI, but this gatewarden was "
		    "built without PostgreSQL (configure --with-postgresql)",
		    "smime.keystore");
		return KS_PERMFAIL;
#endif
	}
	return ks_sqlite_open(path, max_size, out);
}

enum ks_status
keystore_migrate(const char *path, int *from, int *to)
{
	struct keystore *ks = NULL;
	enum ks_status st;

	*from = *to = 0;
	if (keystore_is_uri(path)) {
#ifdef HAVE_LIBPQ
		return ks_pg_migrate(path, from, to);
#else
		return keystore_open(path, 0, &ks);
#endif
	}
	/* An SQLite file is created and upgraded when it is opened. */
	if ((st = ks_sqlite_open(path, 0, &ks)) != KS_OK)
		return st;
	*from = *to = KEYSTORE_SCHEMA_VERSION;
	keystore_close(ks);
	return KS_OK;
}

void
keystore_close(struct keystore *ks)
{
	if (ks == NULL)
		return;
	ks->be->close(ks);
	ks_handle_free(ks);
}

const char *
keystore_backend_name(const struct keystore *ks)
{
	return ks->be->name;
}

const char *
keystore_origin_name(enum ks_origin o)
{
	switch (o) {
	case KS_ADDED:
		return "added";
	case KS_IMPORTED:
		return "imported";
	case KS_HARVESTED:
		return "harvested";
	case KS_LDAP:
		return "ldap";
	}
	return "?";
}

const char *
keystore_status_name(enum ks_status st)
{
	static const char *const names[] = { "ok", "not found", "exists",
	    "temporary failure", "permanent failure" };

	return (unsigned)st < 5 ? names[st] : "?";
}

/* ---- insertion ---------------------------------------------------- */

/* Runs the insertion a describes (der, derlen, origin, options). */
static enum ks_status
add_cert(struct keystore *ks, struct ks_add *a, char *fingerprint)
{
	struct cert_info ci;
	const char *why = NULL;
	enum ks_status st;

	if (!cert_info_from_der(a->der, a->derlen, &ci, NULL, &why)) {
		ks_fail(ks, "refused: %s", why);
		return KS_PERMFAIL;
	}
	if (fingerprint != NULL)
		memcpy(fingerprint, ci.fingerprint, sizeof(ci.fingerprint));
	a->ci = &ci;
	st = ks->be->add(ks, a);
	a->ci = NULL;
	cert_info_clear(&ci);
	return st;
}

static enum ks_status
add(struct keystore *ks, const unsigned char *der, size_t derlen,
    enum ks_origin origin, const char *label, int64_t now, bool replace,
    int64_t expires_at, char *fingerprint)
{
	struct ks_add a;

	memset(&a, 0, sizeof(a));
	a.der = der;
	a.derlen = derlen;
	a.origin = origin;
	a.label = label;
	a.now = now;
	a.replace = replace;
	a.expires_at = expires_at;
	return add_cert(ks, &a, fingerprint);
}

enum ks_status
keystore_add(struct keystore *ks, const unsigned char *der, size_t derlen,
    enum ks_origin origin, const char *label, int64_t now, char *fingerprint)
{
	if (label != NULL && (strlen(label) == 0 || strlen(label) > LABEL_MAX)) {
		ks_fail(ks, "a label has 1 to 128 characters");
		return KS_PERMFAIL;
	}
	if (origin == KS_LDAP) {
		ks_fail(ks, "a certificate from a directory has a TTL: "
		    "keystore_add_ldap()");
		return KS_PERMFAIL;
	}
	return add(ks, der, derlen, origin, label, now, false, 0, fingerprint);
}

enum ks_status
keystore_harvest(struct keystore *ks, const unsigned char *der,
    size_t derlen, bool replace, int64_t now, bool *added)
{
	enum ks_status st;

	st = add(ks, der, derlen, KS_HARVESTED, NULL, now, replace, 0, NULL);
	if (added != NULL)
		*added = st == KS_OK;
	return st == KS_EXISTS ? KS_OK : st;
}

enum ks_status
keystore_harvest_key(struct keystore *ks, const unsigned char *der,
    size_t derlen, const struct ks_harvest *h, int64_t now,
    struct ks_harvest_outcome *out)
{
	struct ks_add a;
	enum ks_status st;

	memset(out, 0, sizeof(*out));
	memset(&a, 0, sizeof(a));
	a.der = der;
	a.derlen = derlen;
	a.origin = KS_HARVESTED;
	a.now = now;
	a.replace = h->replace;
	a.keep_first = h->keep_first;
	a.no_encrypt = !h->encrypt;
	st = add_cert(ks, &a, out->fingerprint);
	out->added = st == KS_OK && !a.kept;
	out->known = a.known;
	out->kept_first = a.kept;
	out->evicted = a.evicted;
	return st == KS_EXISTS ? KS_OK : st;
}

enum ks_status
keystore_add_ldap(struct keystore *ks, const unsigned char *der,
    size_t derlen, int64_t ttl, int64_t now, char *fingerprint)
{
	enum ks_status st;

	st = add(ks, der, derlen, KS_LDAP, NULL, now, false, now + ttl,
	    fingerprint);
	return st == KS_EXISTS ? KS_OK : st;
}

enum ks_status
keystore_domain_harvests(struct keystore *ks, const char *domain,
    int64_t since, uint64_t *n)
{
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
	st = ks->be->domain_harvests(ks, lower, since, n);
	free(lower);
	return st;
}

/* ---- look-up ------------------------------------------------------ */

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
	struct ks_query q;
	enum ks_status st;
	char	*addr, *dot, *wildcard = NULL;
	size_t	i;

	memset(an, 0, sizeof(*an));
	if (strlen(address) > KS_ADDRESS_MAX || strrchr(address, '@') == NULL) {
		ks_fail(ks, "not an e-mail address");
		return KS_PERMFAIL;
	}
	memset(&q, 0, sizeof(q));
	addr = x_strdup(address);
	for (i = 0; addr[i] != '\0'; i++)
		addr[i] = (char)tolower((unsigned char)addr[i]);
	q.address = addr;
	q.domain = strrchr(addr, '@') + 1;
	/* RFC 6125: "*" stands for exactly one whole left-most label, and
	 * never for a top-level domain: *.example.net covers a.example.net,
	 * neither example.net nor b.a.example.net. */
	dot = strchr(q.domain, '.');
	if (dot != NULL && dot != q.domain && strchr(dot + 1, '.') != NULL)
		wildcard = x_asprintf("*%s", dot);
	q.wildcard = wildcard;
	q.now = now;
	q.except = except;
	q.nexcept = nexcept;
	st = ks->be->lookup(ks, &q);
	if (st == KS_OK && q.cert != NULL) {
		/* best effort: see keystore.h */
		if (q.cert->last_used < now &&
		    ks->be->touch(ks, q.cert->id, now) == KS_OK)
			q.cert->last_used = now;
		an->cert = q.cert;
		ks_cert_free(q.unusable);
	} else if (st == KS_NOTFOUND && q.unusable != NULL) {
		an->unusable = q.unusable;
		an->problem = ks_cert_encrypt_problem(q.unusable, now);
	} else {
		ks_cert_free(q.cert);
		ks_cert_free(q.unusable);
	}
	free(wildcard);
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

/* ---- certificates by key ------------------------------------------ */

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

enum ks_status
keystore_get(struct keystore *ks, const char *key, struct ks_cert **out)
{
	*out = NULL;
	return ks->be->get(ks, key, out);
}

enum ks_status
keystore_foreach(struct keystore *ks,
    bool (*fn)(const struct ks_cert *, void *), void *fnarg)
{
	return ks->be->foreach(ks, fn, fnarg);
}

enum ks_status
keystore_count(struct keystore *ks, uint64_t *n, uint64_t *bytes)
{
	uint64_t a = 0, b = 0;
	enum ks_status st = ks->be->count(ks, &a, &b);

	if (n != NULL)
		*n = a;
	if (bytes != NULL)
		*bytes = b;
	return st;
}

enum ks_status
keystore_remove(struct keystore *ks, const char *key)
{
	return ks->be->remove(ks, key);
}

enum ks_status
keystore_promote(struct keystore *ks, const char *key)
{
	return ks->be->promote(ks, key);
}

/* ---- settings and CAs --------------------------------------------- */

enum ks_status
keystore_setting_get(struct keystore *ks, const char *name, char *buf,
    size_t size)
{
	if (size > 0)
		buf[0] = '\0';
	return ks->be->setting_get(ks, name, buf, size);
}

enum ks_status
keystore_setting_set(struct keystore *ks, const char *name, const char *value)
{
	if (strlen(name) > SETTING_NAME_MAX || strlen(value) > SETTING_MAX) {
		ks_fail(ks, "setting name or value too long");
		return KS_PERMFAIL;
	}
	return ks->be->setting_set(ks, name, value);
}

enum ks_status
keystore_claim(struct keystore *ks, const char *name, int64_t now,
    int64_t interval, bool *won)
{
	enum ks_status st;
	char	*key;

	*won = false;
	if (strlen(name) == 0 || strlen(name) > 300) {
		ks_fail(ks, "a claim's name has 1 to 300 characters");
		return KS_PERMFAIL;
	}
	key = x_asprintf("claim:%s", name);
	st = ks->be->claim(ks, key, now, now + interval, won);
	free(key);
	return st;
}

enum ks_status
keystore_fleet_update(struct keystore *ks, const char *domain,
    const char *address, const char *fingerprint, int64_t now, int64_t since,
    uint64_t *n, char *report, size_t size)
{
	enum ks_status st;
	char	*ldom, *laddr;
	size_t	i;

	*n = 0;
	if (report != NULL && size > 0)
		report[0] = '\0';
	if (ks->be->fleet_update == NULL)
		return KS_NOTFOUND;
	if (strlen(domain) == 0 || strlen(domain) > 253 ||
	    strlen(address) == 0 || strlen(address) > KS_ADDRESS_MAX ||
	    strlen(fingerprint) != 64) {
		ks_fail(ks, "a key update names a domain, an address and a "
		    "fingerprint");
		return KS_PERMFAIL;
	}
	ldom = x_strdup(domain);
	laddr = x_strdup(address);
	for (i = 0; ldom[i] != '\0'; i++)
		ldom[i] = (char)tolower((unsigned char)ldom[i]);
	for (i = 0; laddr[i] != '\0'; i++)
		laddr[i] = (char)tolower((unsigned char)laddr[i]);
	st = ks->be->fleet_update(ks, ldom, laddr, fingerprint, now, since, n,
	    report, size);
	free(ldom);
	free(laddr);
	return st;
}

enum ks_status
keystore_ca_replace(struct keystore *ks, const unsigned char *const *der,
    const size_t *derlen, size_t n, int64_t now)
{
	char	(*fp)[65];
	enum ks_status st;
	size_t	i;

	fp = n > 0 ? calloc(n, sizeof(*fp)) : NULL;
	if (n > 0 && fp == NULL) {
		ks_fail(ks, "out of memory");
		return KS_TEMPFAIL;
	}
	for (i = 0; i < n; i++) {
		struct cert_info ci;
		const char *why = NULL;

		if (!cert_info_from_der(der[i], derlen[i], &ci, NULL, &why)) {
			ks_fail(ks, "CA certificate %zu refused: %s", i + 1, why);
			free(fp);
			return KS_PERMFAIL;
		}
		memcpy(fp[i], ci.fingerprint, sizeof(fp[i]));
		cert_info_clear(&ci);
	}
	st = ks->be->ca_replace(ks, der, derlen, fp, n, now);
	free(fp);
	return st;
}

enum ks_status
keystore_ca_foreach(struct keystore *ks,
    bool (*fn)(const unsigned char *, size_t, void *), void *fnarg)
{
	return ks->be->ca_foreach(ks, fn, fnarg);
}

/* ---- revocation --------------------------------------------------- */

enum ks_status
keystore_revocation_get(struct keystore *ks, const char *key, int64_t now,
    unsigned char **der, size_t *len, int64_t *fetched_at,
    int64_t *expires_at)
{
	return ks->be->revocation_get(ks, key, now, der, len, fetched_at,
	    expires_at);
}

enum ks_status
keystore_revocation_put(struct keystore *ks, const char *key,
    const unsigned char *der, size_t len, int64_t fetched_at,
    int64_t expires_at, int64_t now)
{
	if (len > KEYSTORE_REVOCATION_MAX) {
		ks_fail(ks, "revocation answer of %zu bytes: larger than %d",
		    len, KEYSTORE_REVOCATION_MAX);
		return KS_PERMFAIL;
	}
	return ks->be->revocation_put(ks, key, der, len, fetched_at,
	    expires_at, now);
}

enum ks_status
keystore_revocation_status_set(struct keystore *ks, const char *fingerprint,
    const struct ks_revocation_status *rs)
{
	return ks->be->status_set(ks, fingerprint, rs);
}

enum ks_status
keystore_revocation_status_get(struct keystore *ks, const char *fingerprint,
    struct ks_revocation_status *rs)
{
	memset(rs, 0, sizeof(*rs));
	return ks->be->status_get(ks, fingerprint, rs);
}

enum ks_status
keystore_check(struct keystore *ks)
{
	return ks->be->check(ks);
}

/* ---- copying a store ---------------------------------------------- */

struct copy_arg {
	struct keystore *to;
	uint64_t	copied, skipped;
	enum ks_status	st;
};

static bool
copy_one(const struct ks_cert *c, void *arg)
{
	struct copy_arg *a = arg;
	enum ks_status st;

	st = a->to->be->put(a->to, c, ks_charge(c->derlen, c->emails,
	    c->nemails, c->domains, c->ndomains));
	if (st == KS_OK)
		a->copied++;
	else if (st == KS_EXISTS)
		a->skipped++;
	else {
		a->st = st;
		return false;
	}
	return true;
}

struct ca_list {
	unsigned char	**der;
	size_t		*len, n;
};

static bool
collect_ca(const unsigned char *der, size_t len, void *arg)
{
	struct ca_list *l = arg;

	l->der = x_reallocarray(l->der, l->n + 1, sizeof(*l->der));
	l->len = x_reallocarray(l->len, l->n + 1, sizeof(*l->len));
	l->der[l->n] = x_malloc(len);
	memcpy(l->der[l->n], der, len);
	l->len[l->n++] = len;
	return true;
}

enum ks_status
keystore_copy(struct keystore *from, struct keystore *to, int64_t now,
    uint64_t *copied, uint64_t *skipped)
{
	static const char *const settings[] = { TRUST_SETTING_SYSTEM };
	struct copy_arg a = { to, 0, 0, KS_OK };
	struct ca_list cas = { NULL, NULL, 0 };
	enum ks_status st;
	char	buf[SETTING_MAX + 1];
	size_t	i;

	*copied = *skipped = 0;
	st = keystore_foreach(from, copy_one, &a);
	*copied = a.copied;
	*skipped = a.skipped;
	if (st != KS_OK || a.st != KS_OK)
		return st != KS_OK ? st : a.st;
	if ((st = keystore_ca_foreach(from, collect_ca, &cas)) == KS_OK &&
	    cas.n > 0)
		st = keystore_ca_replace(to, (const unsigned char *const *)cas.der,
		    cas.len, cas.n, now);
	for (i = 0; i < cas.n; i++)
		free(cas.der[i]);
	free(cas.der);
	free(cas.len);
	for (i = 0; st == KS_OK && i < sizeof(settings) / sizeof(settings[0]);
	    i++) {
		st = keystore_setting_get(from, settings[i], buf, sizeof(buf));
		if (st == KS_OK)
			st = keystore_setting_set(to, settings[i], buf);
		else if (st == KS_NOTFOUND)
			st = KS_OK;
	}
	return st;
}
