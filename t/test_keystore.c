/*
 * test_keystore - the key store (smime/keystore/keystore.h) and the certificate
 * facts it relies on (smime/x509/cert_info.h): look-up order, wildcards,
 * expiry against an injected clock, key-usage refusal, eviction order,
 * harvested vs added keys, settings and CAs, damaged files.
 *
 * One table of cases for both back ends: without arguments on SQLite
 * files; with `--postgresql SOCKDIR PORT` (t/keystore-pg.sh starts the
 * server) the same cases on PostgreSQL, each store a new database made
 * with psql and migrated with keystore_migrate(), plus the cases that
 * only a database server has (schema refused until migrated).
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "smime/x509/cert_info.h"
#include "smime/keystore/keystore.h"
#include "smime/x509/x509_build.h"
#include "t/tap.h"

#define T0	1800000000LL	/* the injected "now" */
#define DAY	86400LL

static char	dir[] = "/tmp/test_keystore.XXXXXX";
static EVP_PKEY	*ec_key, *rsa_key, *ed_key;

struct der {
	unsigned char	*p;
	size_t		len;
};

/* A certificate for one address and/or one DNS name. */
static struct der
make(EVP_PKEY *key, const char *email, const char *dns, int64_t nb,
    int64_t na, bool smime, long ku)
{
	struct cert_spec sp;
	struct der d = { NULL, 0 };
	const char *why = NULL;
	X509	*x;
	int	n;

	memset(&sp, 0, sizeof(sp));
	sp.cn = email != NULL ? email : dns;
	sp.emails = email != NULL ? &email : NULL;
	sp.nemails = email != NULL;
	sp.dns = dns != NULL ? &dns : NULL;
	sp.ndns = dns != NULL;
	sp.not_before = nb;
	sp.not_after = na;
	sp.smime = smime;
	sp.key_usage = ku;
	x = cert_build(&sp, key, NULL, NULL, &why);
	if (x == NULL)
		bail("cert_build: %s", why);
	n = i2d_X509(x, &d.p);
	if (n <= 0)
		bail("i2d_X509");
	d.len = (size_t)n;
	X509_free(x);
	return d;
}

static struct der
smime_cert(const char *email, const char *dns, int64_t nb, int64_t na)
{
	return make(ec_key, email, dns, nb, na, true, CERT_SPEC_DEFAULT_KU);
}

static const char *pg_sock, *pg_port;	/* set: the PostgreSQL run */

static char *
path(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* A URI of database name (dots become underscores) on the test server. */
static char *
pg_uri(const char *name)
{
	static char buf[4][512];
	static int i;
	char	db[64];
	size_t	j;

	snprintf(db, sizeof(db), "ks_%s", name);
	for (j = 0; db[j] != '\0'; j++)
		if (db[j] == '.')
			db[j] = '_';
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "postgresql://postgres@/%s?host=%s&"
	    "port=%s", db, pg_sock, pg_port);
	return buf[i];
}

/* An empty database for the store name, without the schema. */
static char *
pg_createdb(const char *name)
{
	char	cmd[1024], *uri = pg_uri(name);
	const char *db = strstr(uri, "@/") + 2;

	snprintf(cmd, sizeof(cmd), "PGOPTIONS='-c client_min_messages=warning' timeout 60 psql -X -q -h %s -p %s -U "
	    "postgres -d postgres -c 'DROP DATABASE IF EXISTS %.*s' -c "
	    "'CREATE DATABASE %.*s'", pg_sock, pg_port,
	    (int)strcspn(db, "?"), db, (int)strcspn(db, "?"), db);
	if (system(cmd) != 0)
		bail("createdb %s failed", name);
	return uri;
}

/* Where the store called name is on this run's back end: a file, or a
 * database made and migrated the first time it is asked for. */
static char *
store(const char *name)
{
	static char made[32][64];
	static size_t nmade;
	int	from, to;
	size_t	i;

	if (pg_sock == NULL)
		return path(name);
	for (i = 0; i < nmade; i++)
		if (strcmp(made[i], name) == 0)
			return pg_uri(name);
	if (nmade == 32)
		bail("too many stores");
	snprintf(made[nmade++], sizeof(made[0]), "%s", name);
	pg_createdb(name);
	if (keystore_migrate(pg_uri(name), &from, &to) != KS_OK)
		bail("migrate %s: %s", name, keystore_strerror());
	return pg_uri(name);
}

static struct keystore *
open_ok(const char *name, uint64_t max)
{
	struct keystore *ks = NULL;
	enum ks_status st = keystore_open(store(name), max, &ks);

	if (st != KS_OK)
		bail("keystore_open %s: %s", name, keystore_strerror());
	return ks;
}

static char *
fingerprint_of(struct der d)
{
	static char fp[16][65];
	static int i;
	struct cert_info ci;
	const char *why;

	i = (i + 1) % 16;
	if (!cert_info_from_der(d.p, d.len, &ci, NULL, &why))
		bail("cert_info_from_der: %s", why);
	memcpy(fp[i], ci.fingerprint, 65);
	cert_info_clear(&ci);
	return fp[i];
}

/* The fingerprint found for address at now, or "none"/"error". */
static const char *
lookup(struct keystore *ks, const char *address, int64_t now)
{
	static char out[65];
	struct ks_cert *c = NULL;
	enum ks_status st = keystore_lookup(ks, address, now, &c);

	if (st == KS_NOTFOUND)
		return "none";
	if (st != KS_OK)
		return "error";
	memcpy(out, c->fingerprint, 65);
	ks_cert_free(c);
	return out;
}

static void
add(struct keystore *ks, struct der d, enum ks_origin o, int64_t now)
{
	enum ks_status st = keystore_add(ks, d.p, d.len, o, NULL, now, NULL);

	if (st != KS_OK)
		bail("keystore_add: %s", keystore_strerror());
}

static void
test_fqdn(void)
{
	static const struct {
		const char *in;
		bool	wildcard, want;
	} cases[] = {
		{ "example.org", false, true },
		{ "mail.example.org.", false, true },
		{ "localhost", false, false },
		{ "-bad.example.org", false, false },
		{ "bad-.example.org", false, false },
		{ "a..example.org", false, false },
		{ "ex ample.org", false, false },
		{ "*.example.org", true, true },
		{ "*.example.org", false, false },
		{ "*.org", true, false },
		{ "a.*.example.org", true, false },
		{ "f*.example.org", true, false },
		{ "", false, false },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(cert_valid_fqdn(cases[i].in, cases[i].wildcard),
		    cases[i].want, "fqdn \"%s\" (wildcard %d)", cases[i].in,
		    cases[i].wildcard);
}

static void
test_usage_rules(void)
{
	static const struct {
		const char *name;
		enum cert_key_type type;
		long	ku;
		bool	eku_present, eku_email, want;
	} cases[] = {
		{ "RSA, no keyUsage", CERT_KEY_RSA, CERT_NO_KEY_USAGE, false, true, true },
		{ "RSA keyEncipherment", CERT_KEY_RSA, KU_KEY_ENCIPHERMENT, false, true, true },
		{ "RSA digitalSignature only", CERT_KEY_RSA, KU_DIGITAL_SIGNATURE, false, true, false },
		{ "EC keyAgreement", CERT_KEY_EC, KU_KEY_AGREEMENT, false, true, true },
		{ "EC keyEncipherment only", CERT_KEY_EC, KU_KEY_ENCIPHERMENT, false, true, false },
		{ "Ed25519", CERT_KEY_ED25519, CERT_NO_KEY_USAGE, false, true, false },
		{ "RSA, EKU serverAuth only", CERT_KEY_RSA, KU_KEY_ENCIPHERMENT, true, false, false },
		{ "RSA, EKU emailProtection", CERT_KEY_RSA, KU_KEY_ENCIPHERMENT, true, true, true },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(cert_key_can_encrypt(cases[i].type, cases[i].ku,
		    cases[i].eku_present, cases[i].eku_email), cases[i].want,
		    "can encrypt: %s", cases[i].name);
}

static void
test_lookup_order(void)
{
	struct keystore *ks = open_ok("order.db", 0);
	struct der alice = smime_cert("alice@example.org", NULL, T0 - DAY, T0 + DAY);
	struct der dom = smime_cert(NULL, "example.org", T0 - DAY, T0 + DAY);
	struct der wild = smime_cert(NULL, "*.example.net", T0 - DAY, T0 + DAY);
	struct der old = smime_cert("dave@example.com", NULL, T0 - 10 * DAY, T0 + DAY);
	struct der new = smime_cert("dave@example.com", NULL, T0 - 2 * DAY, T0 + DAY);
	struct der old2 = smime_cert("erin@example.com", NULL, T0 - 10 * DAY, T0 + DAY);
	const struct {
		const char *address, *want, *name;
	} cases[] = {
		{ "alice@example.org", fingerprint_of(alice), "exact address" },
		{ "ALICE@Example.ORG", fingerprint_of(alice), "address case-insensitive" },
		{ "bob@example.org", fingerprint_of(dom), "domain certificate" },
		{ "carol@sub.example.net", fingerprint_of(wild), "wildcard covers one label" },
		{ "carol@example.net", "none", "wildcard does not cover the bare domain" },
		{ "carol@a.b.example.net", "none", "wildcard covers only one label" },
		{ "dave@example.com", fingerprint_of(new), "newest valid wins" },
		{ "nobody@example.com", "none", "unknown address" },
	};
	size_t	i;

	add(ks, dom, KS_ADDED, T0);
	add(ks, alice, KS_IMPORTED, T0);
	add(ks, wild, KS_ADDED, T0);
	add(ks, new, KS_HARVESTED, T0);
	add(ks, old, KS_HARVESTED, T0 + 1);	/* added later, but older */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_string(lookup(ks, cases[i].address, T0), cases[i].want,
		    "lookup %s: %s", cases[i].address, cases[i].name);
	is_int(keystore_add(ks, alice.p, alice.len, KS_ADDED, NULL, T0, NULL),
	    KS_EXISTS, "adding a stored certificate again: exists");
	/* harvest with replace drops the older harvested key of the address */
	is_int(keystore_harvest(ks, old2.p, old2.len, false, T0, NULL), KS_OK,
	    "harvest erin (old)");
	{
		struct der newer = smime_cert("erin@example.com", NULL,
		    T0 - DAY, T0 + DAY);
		struct ks_cert *c = NULL;
		bool	added = false;

		is_int(keystore_harvest(ks, newer.p, newer.len, true, T0,
		    &added), KS_OK, "harvest erin (newer, replace)");
		ok(added, "newer key reported as added");
		is_int(keystore_get(ks, fingerprint_of(old2), &c), KS_NOTFOUND,
		    "replace removed the older harvested key");
		ks_cert_free(c);
		is_int(keystore_harvest(ks, newer.p, newer.len, true, T0,
		    &added), KS_OK, "harvest of a known key is fine");
		ok(!added, "known key not reported as added");
		free(newer.p);
	}
	free(alice.p);
	free(dom.p);
	free(wild.p);
	free(old.p);
	free(new.p);
	free(old2.p);
	keystore_close(ks);
}

static void
test_expiry(void)
{
	struct keystore *ks = open_ok("expiry.db", 0);
	struct der d = smime_cert("x@example.org", NULL, T0, T0 + 100);
	const char *fp = fingerprint_of(d);
	const struct {
		int64_t	now;
		const char *want, *name;
	} cases[] = {
		{ T0 - 1, "none", "not yet valid" },
		{ T0, fp, "first second" },
		{ T0 + 100, fp, "last second (notAfter inclusive)" },
		{ T0 + 101, "none", "expired" },
	};
	size_t	i;

	add(ks, d, KS_ADDED, T0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_string(lookup(ks, "x@example.org", cases[i].now),
		    cases[i].want, "expiry: %s", cases[i].name);
	free(d.p);
	keystore_close(ks);
}

static void
test_key_usage(void)
{
	struct keystore *ks = open_ok("usage.db", 0);
	const struct {
		const char *address;
		EVP_PKEY **key;
		bool	smime;
		long	ku;
		bool	want;
		const char *name;
	} cases[] = {
		{ "rsa-ke@example.org", &rsa_key, true, CERT_SPEC_DEFAULT_KU, true, "RSA with keyEncipherment" },
		{ "rsa-sig@example.org", &rsa_key, true, KU_DIGITAL_SIGNATURE, false, "RSA signing only" },
		{ "rsa-noku@example.org", &rsa_key, true, 0, true, "RSA without keyUsage" },
		{ "ec-ka@example.org", &ec_key, true, CERT_SPEC_DEFAULT_KU, true, "EC with keyAgreement" },
		{ "ec-sig@example.org", &ec_key, true, KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION, false, "EC signing only" },
		{ "ed@example.org", &ed_key, true, CERT_SPEC_DEFAULT_KU, false, "Ed25519 cannot be encrypted to" },
		{ "tls@example.org", &rsa_key, false, CERT_SPEC_DEFAULT_KU, false, "EKU serverAuth/clientAuth only" },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct der d = make(*cases[i].key, cases[i].address, NULL,
		    T0 - DAY, T0 + DAY, cases[i].smime, cases[i].ku);

		add(ks, d, KS_ADDED, T0);
		is_string(lookup(ks, cases[i].address, T0), cases[i].want ?
		    fingerprint_of(d) : "none", "key usage: %s", cases[i].name);
		free(d.p);
	}
	keystore_close(ks);
}

/* The reason keystore_lookup_answer() gives when no key is usable: the
 * fingerprint of the certificate passed over and the problem word, or
 * "found" / "nothing" / "error". */
static const char *
answer(struct keystore *ks, const char *address, int64_t now)
{
	static char out[100];
	struct ks_answer an;
	enum ks_status st = keystore_lookup_answer(ks, address, now, &an);

	if (st == KS_OK && an.cert != NULL && an.unusable == NULL)
		snprintf(out, sizeof(out), "found %s", an.cert->fingerprint);
	else if (st == KS_NOTFOUND && an.cert == NULL && an.unusable == NULL &&
	    an.problem == CERT_OK)
		snprintf(out, sizeof(out), "nothing");
	else if (st == KS_NOTFOUND && an.cert == NULL && an.unusable != NULL)
		snprintf(out, sizeof(out), "%s %s", cert_problem_name(an.problem),
		    an.unusable->fingerprint);
	else
		snprintf(out, sizeof(out), "error");
	ks_answer_clear(&an);
	return out;
}

static void
test_unusable(void)
{
	struct keystore *ks = open_ok("unusable.db", 0);
	struct der old = smime_cert("a@example.org", NULL, T0 - 40 * DAY,
	    T0 - 10 * DAY);
	struct der soon = smime_cert("a@example.org", NULL, T0 + 10 * DAY,
	    T0 + 40 * DAY);
	struct der sig = make(ec_key, "s@example.org", NULL, T0 - DAY,
	    T0 + DAY, true, KU_DIGITAL_SIGNATURE);
	struct der good = smime_cert("b@example.org", NULL, T0 - DAY, T0 + DAY);
	struct der bexp = smime_cert("b@example.org", NULL, T0 - 40 * DAY,
	    T0 - 10 * DAY);
	struct der dom = smime_cert(NULL, "expired.example", T0 - 40 * DAY,
	    T0 - 10 * DAY);
	char	want[100];

	add(ks, old, KS_ADDED, T0);
	snprintf(want, sizeof(want), "expired %s", fingerprint_of(old));
	is_string(answer(ks, "a@example.org", T0), want,
	    "unusable: only an expired certificate");
	add(ks, soon, KS_ADDED, T0);
	snprintf(want, sizeof(want), "not-yet-valid %s", fingerprint_of(soon));
	is_string(answer(ks, "A@Example.org", T0), want,
	    "unusable: the newest of two, not yet valid");
	snprintf(want, sizeof(want), "found %s", fingerprint_of(soon));
	is_string(answer(ks, "a@example.org", T0 + 11 * DAY), want,
	    "unusable: later the newer one is valid");
	add(ks, sig, KS_ADDED, T0);
	snprintf(want, sizeof(want), "key-usage %s", fingerprint_of(sig));
	is_string(answer(ks, "s@example.org", T0), want,
	    "unusable: key usage forbids encryption");
	add(ks, bexp, KS_ADDED, T0);
	add(ks, good, KS_ADDED, T0);
	snprintf(want, sizeof(want), "found %s", fingerprint_of(good));
	is_string(answer(ks, "b@example.org", T0), want,
	    "unusable: a valid key beside an expired one is found");
	is_string(answer(ks, "nobody@example.org", T0), "nothing",
	    "unusable: no certificate names the address");
	add(ks, dom, KS_ADDED, T0);
	snprintf(want, sizeof(want), "expired %s", fingerprint_of(dom));
	is_string(answer(ks, "x@expired.example", T0), want,
	    "unusable: an expired domain certificate");
	is_string(lookup(ks, "a@example.org", T0), "none",
	    "keystore_lookup() still says none");
	free(old.p);
	free(soon.p);
	free(sig.p);
	free(good.p);
	free(bexp.p);
	free(dom.p);
	keystore_close(ks);
}

static int64_t
charge(struct der d, const char *email)
{
	return (int64_t)(d.len + strlen(email)) + KEYSTORE_ROW_OVERHEAD;
}

static bool
present(struct keystore *ks, struct der d)
{
	struct ks_cert *c = NULL;
	enum ks_status st = keystore_get(ks, fingerprint_of(d), &c);

	ks_cert_free(c);
	return st == KS_OK;
}

static void
test_eviction(void)
{
	static const char *const who[] = { "admin@example.org",
	    "h1@example.org", "h2@example.org", "h3@example.org",
	    "h4@example.org", "h5@example.org" };
	struct der d[6];
	struct keystore *ks;
	struct ks_cert *c = NULL;
	int64_t	cap = 0, least = INT64_MAX;
	bool	want[6];
	size_t	i;

	for (i = 0; i < 6; i++) {
		d[i] = smime_cert(who[i], NULL, T0 - DAY, T0 + 30 * DAY);
		if (i < 5)
			cap += charge(d[i], who[i]);
		if (charge(d[i], who[i]) < least)
			least = charge(d[i], who[i]);
	}
	/* room for exactly five rows of this size */
	cap += least / 2;
	ks = open_ok("evict.db", (uint64_t)cap);
	add(ks, d[0], KS_ADDED, T0);
	for (i = 1; i <= 4; i++)
		is_int(keystore_harvest(ks, d[i].p, d[i].len, false,
		    T0 + (int64_t)i, NULL), KS_OK, "harvest %s", who[i]);
	/* h1 used recently, h3 promoted: h2 is the least recently used */
	is_string(lookup(ks, who[1], T0 + 10), fingerprint_of(d[1]),
	    "h1 found (and touched)");
	if (keystore_get(ks, fingerprint_of(d[1]), &c) == KS_OK)
		is_int(c->last_used, T0 + 10, "lookup set last_used");
	else
		ok(false, "h1 readable");
	ks_cert_free(c);
	is_int(keystore_promote(ks, fingerprint_of(d[3])), KS_OK, "promote h3");
	is_int(keystore_harvest(ks, d[5].p, d[5].len, false, T0 + 20, NULL),
	    KS_OK, "harvest h5 beyond the cap");
	want[0] = true;		/* added: never evicted */
	want[1] = true;		/* recently used */
	want[2] = false;	/* least recently used harvested key */
	want[3] = true;		/* promoted */
	want[4] = true;
	want[5] = true;
	for (i = 0; i < 6; i++)
		is_int(present(ks, d[i]), want[i], "after eviction: %s %s",
		    who[i], want[i] ? "kept" : "evicted");
	keystore_close(ks);

	/* a store full of added keys: harvest refused, add still allowed */
	ks = open_ok("full.db", (uint64_t)(charge(d[0], who[0]) + 10));
	add(ks, d[0], KS_ADDED, T0);
	is_int(keystore_harvest(ks, d[1].p, d[1].len, false, T0, NULL),
	    KS_PERMFAIL, "harvest with nothing to evict refused");
	ok(strstr(keystore_strerror(), "size cap") != NULL,
	    "reason names the size cap (%s)", keystore_strerror());
	is_int(keystore_add(ks, d[2].p, d[2].len, KS_ADDED, NULL, T0, NULL),
	    KS_OK, "administrator's add beyond the cap allowed");
	keystore_close(ks);
	for (i = 0; i < 6; i++)
		free(d[i].p);
}

/* What the certificates in the store add up to against the cap. */
static bool
add_charge(const struct ks_cert *c, void *arg)
{
	int64_t	*sum = arg;
	size_t	i;

	*sum += (int64_t)c->derlen + KEYSTORE_ROW_OVERHEAD;
	for (i = 0; i < c->nemails; i++)
		*sum += (int64_t)strlen(c->emails[i]);
	for (i = 0; i < c->ndomains; i++)
		*sum += (int64_t)strlen(c->domains[i]);
	return true;
}

/* The store's running total (keystore_count) against the rows' charges
 * added up here, and keystore_check's own comparison. */
static void
total_holds(struct keystore *ks, uint64_t cap, const char *when)
{
	uint64_t n = 0, bytes = 0;
	int64_t	sum = 0;

	if (keystore_count(ks, &n, &bytes) != KS_OK ||
	    keystore_foreach(ks, add_charge, &sum) != KS_OK)
		bail("count: %s", keystore_strerror());
	ok((int64_t)bytes == sum, "%s: running total %llu, rows add up to "
	    "%lld", when, (unsigned long long)bytes, (long long)sum);
	if (cap != 0)
		ok(bytes <= cap, "%s: %llu within the cap of %llu", when,
		    (unsigned long long)bytes, (unsigned long long)cap);
	is_int(keystore_check(ks), KS_OK, "%s: check agrees", when);
}

#define TOTAL_HARVESTERS	2
#define TOTAL_EACH		12
#define TOTAL_FIRST		8	/* harvested by one handle first */
#define TOTAL_CERTS		(TOTAL_FIRST + TOTAL_HARVESTERS * TOTAL_EACH)

struct harvester {
	struct keystore *ks;
	struct der	*d;
	int		failed;
};

static void *
harvester_run(void *arg)
{
	struct harvester *h = arg;
	size_t	i;

	for (i = 0; i < TOTAL_EACH; i++)
		if (keystore_harvest(h->ks, h->d[i].p, h->d[i].len, false,
		    T0 + (int64_t)i, NULL) != KS_OK)
			h->failed++;
	return NULL;
}

/* The size cap's running total after harvests, evictions, removals and
 * two handles harvesting at once (nodes of a fleet, or the daemon and
 * gatewarden-keys on one file). */
static void
test_charge_total(void)
{
	struct der d[TOTAL_CERTS], admin;
	struct harvester h[TOTAL_HARVESTERS];
	pthread_t t[TOTAL_HARVESTERS];
	struct keystore *ks;
	char	who[64];
	uint64_t cap;
	size_t	i, k;

	admin = smime_cert("admin@total.example", NULL, T0 - DAY,
	    T0 + 30 * DAY);
	for (i = 0; i < TOTAL_CERTS; i++) {
		snprintf(who, sizeof(who), "h%02zu@total.example", i);
		d[i] = smime_cert(who, NULL, T0 - DAY, T0 + 30 * DAY);
	}
	/* room for the administrator's key and about four harvested ones */
	cap = (uint64_t)(5 * charge(d[0], "h00@total.example"));
	ks = open_ok("total.db", cap);
	total_holds(ks, cap, "empty");
	add(ks, admin, KS_ADDED, T0);
	for (i = 0; i < TOTAL_FIRST; i++)
		if (keystore_harvest(ks, d[i].p, d[i].len, false,
		    T0 + (int64_t)i, NULL) != KS_OK)
			bail("harvest: %s", keystore_strerror());
	ok(!present(ks, d[0]) && present(ks, d[TOTAL_FIRST - 1]),
	    "harvests past the cap evicted the oldest");
	total_holds(ks, cap, "after harvests and evictions");
	is_int(keystore_remove(ks, fingerprint_of(d[TOTAL_FIRST - 1])), KS_OK,
	    "remove one");
	total_holds(ks, cap, "after a removal");
	keystore_close(ks);

	for (k = 0; k < TOTAL_HARVESTERS; k++) {
		h[k].ks = open_ok("total.db", cap);
		h[k].d = &d[TOTAL_FIRST + k * TOTAL_EACH];
		h[k].failed = 0;
	}
	for (k = 0; k < TOTAL_HARVESTERS; k++)
		if (pthread_create(&t[k], NULL, harvester_run, &h[k]) != 0)
			bail("pthread_create");
	for (k = 0; k < TOTAL_HARVESTERS; k++)
		pthread_join(t[k], NULL);
	for (k = 0; k < TOTAL_HARVESTERS; k++)
		is_int(h[k].failed, 0, "handle %zu: every harvest done", k);
	total_holds(h[0].ks, cap, "after two handles harvested at once");
	total_holds(h[1].ks, cap, "seen from the other handle");
	for (k = 0; k < TOTAL_HARVESTERS; k++)
		keystore_close(h[k].ks);
	free(admin.p);
	for (i = 0; i < TOTAL_CERTS; i++)
		free(d[i].p);
}

/* keystore_harvest_key(): the options an inbound policy's harvest gives,
 * and what it reports (update, kept first, evictions). */
static void
test_harvest_key(void)
{
	struct ks_harvest replace = { true, false, true };
	struct ks_harvest first = { false, true, true };
	struct ks_harvest verify_only = { true, false, false };
	struct ks_harvest_outcome out;
	struct der k1 = smime_cert("pat@partner.test", NULL, T0 - DAY, T0 + DAY);
	struct der k2 = smime_cert("pat@partner.test", NULL, T0, T0 + DAY);
	struct der k3 = smime_cert("sig@partner.test", NULL, T0, T0 + DAY);
	struct der big[8];
	struct keystore *ks = open_ok("harvestkey.db", 0);
	int64_t	cap = 0;
	unsigned evicted = 0;
	size_t	i;

	is_int(keystore_harvest_key(ks, k1.p, k1.len, &first, T0, &out), KS_OK,
	    "harvest a first key");
	ok(out.added && !out.known && !out.kept_first, "first key: stored, "
	    "not an update");
	is_int(keystore_harvest_key(ks, k2.p, k2.len, &first, T0, &out), KS_OK,
	    "harvest a second key with updated_keys off");
	ok(!out.added && out.known && out.kept_first, "updated_keys off: the "
	    "first key stays");
	is_string(lookup(ks, "pat@partner.test", T0 + 1), fingerprint_of(k1),
	    "... and is the one looked up");
	is_int(keystore_harvest_key(ks, k2.p, k2.len, &replace, T0, &out),
	    KS_OK, "harvest the second key with updated_keys on");
	ok(out.added && out.known, "updated_keys on: stored, and an update");
	is_string(lookup(ks, "pat@partner.test", T0 + 1), fingerprint_of(k2),
	    "the newer key is the one looked up");
	is_int(keystore_harvest_key(ks, k3.p, k3.len, &verify_only, T0, &out),
	    KS_OK, "harvest a signer for verification only");
	ok(out.added && !out.known, "stored");
	is_string(lookup(ks, "sig@partner.test", T0 + 1), "none",
	    "a key kept for verification only is never encrypted to");
	keystore_close(ks);

	for (i = 0; i < 8; i++) {
		char	who[64];

		snprintf(who, sizeof(who), "e%zu@partner.test", i);
		big[i] = smime_cert(who, NULL, T0 - DAY, T0 + DAY);
		if (i < 4)
			cap += charge(big[i], who);
	}
	/* room for four rows and half of one */
	ks = open_ok("harvestcap.db", (uint64_t)(cap + cap / 8));
	for (i = 0; i < 8; i++) {
		keystore_harvest_key(ks, big[i].p, big[i].len, &replace,
		    T0 + (int64_t)i, &out);
		evicted += out.evicted;
	}
	is_uint(evicted, 4, "the size cap evicted four harvested keys and "
	    "said so");
	ok(!present(ks, big[0]) && present(ks, big[7]), "the least recently "
	    "used went first");
	keystore_close(ks);
	for (i = 0; i < 8; i++)
		free(big[i].p);
	free(k1.p);
	free(k2.p);
	free(k3.p);
}

static void
test_origins(void)
{
	struct keystore *ks = open_ok("origins.db", 0);
	struct der a = smime_cert("a@example.org", NULL, T0 - DAY, T0 + DAY);
	struct der h = smime_cert("h@example.org", NULL, T0 - DAY, T0 + DAY);
	struct ks_cert *c = NULL;
	char	fp[65];

	is_int(keystore_add(ks, a.p, a.len, KS_ADDED, "partner-a", T0, fp),
	    KS_OK, "add with a label");
	is_string(fp, fingerprint_of(a), "add returns the fingerprint");
	is_int(keystore_harvest(ks, h.p, h.len, false, T0, NULL), KS_OK,
	    "harvest");
	if (keystore_get(ks, "partner-a", &c) == KS_OK) {
		is_string(keystore_origin_name(c->origin), "added", "origin added");
		ok(c->usable_verify && c->usable_encrypt,
		    "added key usable for verification and encryption");
		is_int((long long)c->nemails, 1, "one address");
		if (c->nemails == 1)
			is_string(c->emails[0], "a@example.org", "address stored");
	} else
		ok(false, "get by label: %s", keystore_strerror());
	ks_cert_free(c);
	c = NULL;
	if (keystore_get(ks, fingerprint_of(h), &c) == KS_OK) {
		is_string(keystore_origin_name(c->origin), "harvested",
		    "origin harvested");
		ok(!c->usable_verify && c->usable_encrypt,
		    "harvested key not usable for verification until promoted");
	} else
		ok(false, "get harvested: %s", keystore_strerror());
	ks_cert_free(c);
	c = NULL;
	is_int(keystore_promote(ks, fingerprint_of(h)), KS_OK, "promote");
	if (keystore_get(ks, fingerprint_of(h), &c) == KS_OK)
		ok(c->usable_verify, "promoted key usable for verification");
	else
		ok(false, "get promoted");
	ks_cert_free(c);
	c = NULL;
	is_int(keystore_get(ks, "00000000", &c), KS_NOTFOUND,
	    "unknown fingerprint prefix");
	is_int(keystore_remove(ks, "partner-a"), KS_OK, "remove by label");
	is_int(keystore_get(ks, "partner-a", &c), KS_NOTFOUND, "removed");
	free(a.p);
	free(h.p);
	keystore_close(ks);
}

static void
test_churn(void)
{
	struct keystore *ks = open_ok("churn.db", 0);
	struct der a1 = smime_cert("a@churn.example", NULL, T0 - DAY, T0 + DAY);
	struct der a2 = smime_cert("b@churn.example", NULL, T0 - DAY, T0 + DAY);
	struct der a3 = smime_cert("c@churn.example", NULL, T0 - DAY, T0 + DAY);
	struct der o = smime_cert("a@xchurn.example", NULL, T0 - DAY, T0 + DAY);
	uint64_t n = 99;

	keystore_harvest(ks, a1.p, a1.len, false, T0 - 3 * DAY, NULL);
	keystore_harvest(ks, a2.p, a2.len, false, T0 - 3600, NULL);
	keystore_harvest(ks, o.p, o.len, false, T0 - 60, NULL);
	add(ks, a3, KS_ADDED, T0 - 60);
	is_int(keystore_domain_harvests(ks, "Churn.Example", T0 - 2 * DAY, &n),
	    KS_OK, "count harvests of a domain");
	is_uint(n, 1, "one harvest in 48 hours: neither older ones, nor added "
	    "keys, nor another domain ending in the same letters");
	is_int(keystore_domain_harvests(ks, "churn.example", T0 - 4 * DAY, &n),
	    KS_OK, "count over four days");
	is_uint(n, 2, "two harvests in four days");
	free(a1.p);
	free(a2.p);
	free(a3.p);
	free(o.p);
	keystore_close(ks);
}

static bool
count_ca(const unsigned char *der, size_t len, void *arg)
{
	(void)der;
	(void)len;
	(*(int *)arg)++;
	return true;
}

static void
test_settings_and_cas(void)
{
	struct keystore *ks = open_ok("settings.db", 0);
	struct der c1 = smime_cert(NULL, "ca1.example.org", T0, T0 + DAY);
	struct der c2 = smime_cert(NULL, "ca2.example.org", T0, T0 + DAY);
	const unsigned char *ders[2] = { c1.p, c2.p };
	size_t	lens[2] = { c1.len, c2.len };
	char	buf[32];
	int	n = 0;

	is_int(keystore_setting_get(ks, "system_cas", buf, sizeof(buf)),
	    KS_NOTFOUND, "unset setting");
	is_int(keystore_setting_set(ks, "system_cas", "off"), KS_OK, "set");
	keystore_setting_get(ks, "system_cas", buf, sizeof(buf));
	is_string(buf, "off", "setting read back");
	is_int(keystore_ca_replace(ks, ders, lens, 2, T0), KS_OK, "two CAs");
	keystore_ca_foreach(ks, count_ca, &n);
	is_int(n, 2, "two CAs listed");
	is_int(keystore_ca_replace(ks, ders, lens, 1, T0), KS_OK, "one CA");
	n = 0;
	keystore_ca_foreach(ks, count_ca, &n);
	is_int(n, 1, "replace, not append");
	free(c1.p);
	free(c2.p);
	keystore_close(ks);
}

static void
write_file(const char *p, const void *data, size_t len)
{
	FILE	*f = fopen(p, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		bail("cannot write %s", p);
}

static void
test_damaged(void)
{
	struct keystore *ks = NULL;
	struct ks_cert *c = NULL;
	char	junk[8192];
	enum ks_status st;
	struct stat sb;
	size_t	i;

	memset(junk, 'x', sizeof(junk));
	write_file(path("junk.db"), junk, sizeof(junk));
	is_int(keystore_open(path("junk.db"), 0, &ks), KS_PERMFAIL,
	    "a file of junk is refused");
	ok(ks == NULL && strstr(keystore_strerror(), "not a key store"),
	    "with a clear reason (%s)", keystore_strerror());

	/* a foreign SQLite database */
	ks = open_ok("foreign.db", 0);
	keystore_close(ks);
	{
		char	cmd[512];

		snprintf(cmd, sizeof(cmd), "sqlite3 %s 'PRAGMA user_version=7;'",
		    path("foreign.db"));
		if (system(cmd) != 0)
			bail("sqlite3 failed");
	}
	ks = NULL;
	is_int(keystore_open(path("foreign.db"), 0, &ks), KS_PERMFAIL,
	    "a newer schema version is refused");
	ok(strstr(keystore_strerror(), "newer") != NULL, "reason: %s",
	    keystore_strerror());

	/* a store of some pages, then truncated in the middle */
	ks = open_ok("trunc.db", 0);
	for (i = 0; i < 60; i++) {
		char	addr[64];
		struct der d;

		snprintf(addr, sizeof(addr), "u%zu@example.org", i);
		d = smime_cert(addr, NULL, T0, T0 + DAY);
		add(ks, d, KS_HARVESTED, T0);
		free(d.p);
	}
	keystore_close(ks);
	if (stat(path("trunc.db"), &sb) != 0 || sb.st_size < 16384)
		bail("store too small to truncate: %lld", (long long)sb.st_size);
	if (truncate(path("trunc.db"), sb.st_size / 2) != 0)
		bail("truncate");
	ks = NULL;
	st = keystore_open(path("trunc.db"), 0, &ks);
	ok(st == KS_OK || st == KS_PERMFAIL, "truncated store: open answers "
	    "(%s)", keystore_status_name(st));
	if (st == KS_OK) {
		is_int(keystore_check(ks), KS_PERMFAIL,
		    "integrity check finds the damage");
		ok(strstr(keystore_strerror(), "damaged") != NULL,
		    "reason: %s", keystore_strerror());
		st = keystore_lookup(ks, "u59@example.org", T0, &c);
		ok(st == KS_PERMFAIL || st == KS_OK || st == KS_NOTFOUND,
		    "look-up in a damaged store returns (%s), no crash",
		    keystore_status_name(st));
		ks_cert_free(c);
		keystore_close(ks);
	} else
		ok(strstr(keystore_strerror(), "damaged") ||
		    strstr(keystore_strerror(), "not a key store"),
		    "reason: %s", keystore_strerror());
	ks = NULL;
	is_int(keystore_open("/nonexistent-dir/x/keystore.db", 0, &ks),
	    KS_TEMPFAIL, "missing directory: cannot open (temporary)");
	is_int(keystore_open(dir, 0, &ks), KS_PERMFAIL,
	    "a directory: not a key store (permanent)");
	ok(strstr(keystore_strerror(), "is a directory") != NULL,
	    "a directory: says so (%s)", keystore_strerror());
}

/* What only a database server has: a database without the schema, or
 * with an older one, is refused with the command that fixes it, and
 * migrating is done once however often it runs. */
static void
test_pg_schema(void)
{
	struct keystore *ks = NULL;
	int	from = -1, to = -1;
	char	cmd[1024];

	is_int(keystore_open(pg_createdb("bare"), 0, &ks), KS_PERMFAIL,
	    "a database without the schema is refused");
	ok(strstr(keystore_strerror(), "gatewarden-keys migrate") != NULL,
	    "saying what to run (%s)", keystore_strerror());
	is_int(keystore_migrate(pg_uri("bare"), &from, &to), KS_OK, "migrate");
	ok(from == 0 && to == KEYSTORE_PG_SCHEMA_VERSION,
	    "from nothing to version %d (got %d to %d)",
	    KEYSTORE_PG_SCHEMA_VERSION, from, to);
	is_int(keystore_migrate(pg_uri("bare"), &from, &to), KS_OK,
	    "migrate again");
	ok(from == KEYSTORE_PG_SCHEMA_VERSION && to == from,
	    "nothing left to do (got %d to %d)", from, to);
	is_int(keystore_open(pg_uri("bare"), 0, &ks), KS_OK, "then it opens");
	ok(strcmp(keystore_backend_name(ks), "postgresql") == 0,
	    "on the postgresql back end");
	keystore_close(ks);
	ks = NULL;
	snprintf(cmd, sizeof(cmd), "PGOPTIONS='-c client_min_messages=warning' timeout 60 psql -X -q -h %s -p %s -U "
	    "postgres -d ks_bare -c 'UPDATE gatewarden_schema SET version = "
	    "99'", pg_sock, pg_port);
	if (system(cmd) != 0)
		bail("psql failed");
	is_int(keystore_open(pg_uri("bare"), 0, &ks), KS_PERMFAIL,
	    "a newer schema is refused");
	ok(strstr(keystore_strerror(), "newer") != NULL, "reason: %s",
	    keystore_strerror());
	is_int(keystore_migrate(pg_uri("bare"), &from, &to), KS_PERMFAIL,
	    "and not migrated backwards");
	snprintf(cmd, sizeof(cmd), "postgresql://postgres@/nosuchdb?host=%s&"
	    "port=%s", pg_sock, pg_port);
	is_int(keystore_open(cmd, 0, &ks), KS_TEMPFAIL,
	    "a database that cannot be reached: temporary");
	ok(strstr(keystore_strerror(), "nosuchdb") != NULL, "reason: %s",
	    keystore_strerror());
	is_int(keystore_open("postgresql://h/db?nosuchparameter=1", 0, &ks),
	    KS_PERMFAIL, "a URI libpq does not take: permanent");
	ok(strstr(keystore_strerror(), "nosuchparameter") != NULL,
	    "reason: %s", keystore_strerror());
}

/* A claim is taken once per interval. */
static void
test_claim(void)
{
	struct keystore *ks = open_ok("claim.db", 0), *other = open_ok("claim.db", 0);
	bool	won = false;

	is_int(keystore_claim(ks, "key-churn example.org", T0, 3600, &won),
	    KS_OK, "claim");
	ok(won, "the first claim is won");
	is_int(keystore_claim(other, "key-churn example.org", T0 + 10, 3600,
	    &won), KS_OK, "claim again from another handle");
	ok(!won, "within the interval: lost");
	keystore_claim(other, "key-churn example.net", T0 + 10, 3600, &won);
	ok(won, "another name is a claim of its own");
	keystore_claim(other, "key-churn example.org", T0 + 3600, 3600, &won);
	ok(won, "after the interval: won again");
	keystore_claim(ks, "key-churn example.org", T0 + 3601, 3600, &won);
	ok(!won, "and lost again by the first");
	keystore_close(ks);
	keystore_close(other);
}

/* An SQLite file of schema 2 (before the size cap's running total and
 * its eviction index) with keys in it is upgraded when opened: the total
 * starts from its rows. */
static void
test_upgrade_total(void)
{
	struct der a = smime_cert("u1@upgrade.example", NULL, T0 - DAY,
	    T0 + 30 * DAY), b = smime_cert("u2@upgrade.example", NULL,
	    T0 - DAY, T0 + 30 * DAY);
	struct keystore *ks = open_ok("upgrade.db", 0);
	char	cmd[1024];

	add(ks, a, KS_ADDED, T0);
	is_int(keystore_harvest(ks, b.p, b.len, false, T0, NULL), KS_OK,
	    "a store with two keys");
	keystore_close(ks);
	snprintf(cmd, sizeof(cmd), "sqlite3 %s 'DROP TRIGGER "
	    "certs_charge_added; DROP TRIGGER certs_charge_removed; DROP "
	    "TRIGGER certs_charge_changed; DROP TABLE totals; DROP INDEX "
	    "certs_lru; PRAGMA user_version = 2;'", path("upgrade.db"));
	if (system(cmd) != 0)
		bail("sqlite3 failed");
	ks = open_ok("upgrade.db", 0);
	total_holds(ks, 0, "schema 2 upgraded on open");
	is_int(keystore_remove(ks, fingerprint_of(a)), KS_OK, "remove one");
	total_holds(ks, 0, "then a removal");
	keystore_close(ks);
	free(a.p);
	free(b.p);
}

/* A store of one node leaves the key-churn count to the node's memory. */
static void
test_fleet_update_local(void)
{
	struct keystore *ks = open_ok("updates.db", 0);
	char	fp[65];
	uint64_t n = 9;

	memset(fp, 'a', 64);
	fp[64] = '\0';
	is_int(keystore_fleet_update(ks, "example.org", "a@example.org", fp,
	    T0, T0 - DAY, &n, NULL, 0), KS_NOTFOUND,
	    "one node's store: no fleet count");
	is_int((int)n, 0, "and none counted");
	keystore_close(ks);
}

/* A URI's password is never shown; a build without libpq says so. */
static void
test_uri(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "postgresql://gw:s3cret@db/ks", "postgresql://gw:***@db/ks" },
		{ "postgres://gw@db/ks?password=s3cret&sslmode=require",
		    "postgres://gw@db/ks?password=***" },
		{ "postgresql://db/ks?sslmode=verify-full",
		    "postgresql://db/ks?sslmode=verify-full" },
		{ "/var/lib/gatewarden/keystore.db",
		    "/var/lib/gatewarden/keystore.db" },
	};
	struct keystore *ks = NULL;
	char	buf[256];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		keystore_display(cases[i].in, buf, sizeof(buf));
		is_string(buf, cases[i].want, "shown: %s", cases[i].in);
	}
	ok(keystore_is_uri("postgresql://db/ks") &&
	    keystore_is_uri("postgres://db/ks") &&
	    !keystore_is_uri("/tmp/postgresql://x"), "what is a URI");
	if (keystore_have_postgresql()) {
		is_int(keystore_open("postgresql://gw:s3cret@/nodb?host=/"
		    "nonexistent", 0, &ks), KS_TEMPFAIL,
		    "a server that is not there: temporary");
		ok(strstr(keystore_strerror(), "s3cret") == NULL,
		    "the password is not in the reason (%s)",
		    keystore_strerror());
	} else {
		is_int(keystore_open("postgresql://db/ks", 0, &ks),
		    KS_PERMFAIL, "a build without libpq: permanent");
		ok(strstr(keystore_strerror(), "without PostgreSQL") != NULL,
		    "saying so (%s)", keystore_strerror());
	}
	keystore_close(ks);
}

int
main(int argc, char **argv)
{
	/* for whom: 1 SQLite, 2 PostgreSQL, 3 both (and 0 the facts of
	 * certificates, which do not depend on a store: run once) */
	static const struct {
		const char *name;
		void	(*fn)(void);
		int	backends;
	} cases[] = {
		{ "fqdn", test_fqdn, 1 },
		{ "usage rules", test_usage_rules, 1 },
		{ "look-up order", test_lookup_order, 3 },
		{ "expiry", test_expiry, 3 },
		{ "key usage", test_key_usage, 3 },
		{ "unusable", test_unusable, 3 },
		{ "eviction", test_eviction, 3 },
		{ "size cap's running total", test_charge_total, 3 },
		{ "harvest options", test_harvest_key, 3 },
		{ "origins", test_origins, 3 },
		{ "churn", test_churn, 3 },
		{ "settings and CAs", test_settings_and_cas, 3 },
		{ "claims", test_claim, 3 },
		{ "damaged files", test_damaged, 1 },
		{ "URIs", test_uri, 1 },
		{ "fleet updates on one node", test_fleet_update_local, 1 },
		{ "upgrade to the running total", test_upgrade_total, 1 },
		{ "schema on a server", test_pg_schema, 2 },
	};
	const char *why = NULL;
	char	cmd[300];
	size_t	i;
	int	me;

	plan_lazy();
	if (argc == 4 && strcmp(argv[1], "--postgresql") == 0) {
		pg_sock = argv[2];
		pg_port = argv[3];
	} else if (argc != 1)
		bail("usage: test_keystore [--postgresql SOCKDIR PORT]");
	if (pg_sock != NULL && !keystore_have_postgresql())
		bail("built without PostgreSQL");
	me = pg_sock != NULL ? 2 : 1;
	if (mkdtemp(dir) == NULL)
		bail("mkdtemp");
	if ((ec_key = key_generate(KEY_P256, &why)) == NULL ||
	    (rsa_key = key_generate(KEY_RSA2048, &why)) == NULL ||
	    (ed_key = key_generate(KEY_ED25519, &why)) == NULL)
		bail("keys: %s", why);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cases[i].backends & me) {
			diag("%s: %s", me == 2 ? "postgresql" : "sqlite",
			    cases[i].name);
			cases[i].fn();
		}
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(ed_key);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
