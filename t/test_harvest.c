/*
 * test_harvest - harvesting the signer certificates of incoming mail
 * (smime/harvest.h) into a real key store on a fixed clock: a table of
 * named cases, each a harvest setting and the certificates a message
 * brought, and what must come of it (the report's outcome and reason,
 * whether the address then has a key to encrypt to, and which); then
 * updates, the first key kept, and a key store that fails under the
 * harvest.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "smime/harvest.h"
#include "smime/keystore/keystore.h"
#include "smime/x509/x509_build.h"
#include "t/tap.h"

#define T0	1800000000LL
#define DAY	86400LL

static char	dir[] = "/tmp/test_harvest.XXXXXX";
static EVP_PKEY	*ca_key, *rsa_key, *ec_key;
static X509	*ca;

enum kind { VALID, SELF_SIGNED, EXPIRED, NO_EMAIL, SIGN_ONLY, EC_SIGN_ONLY,
	    EC_AGREE, OTHER_VALID };

/* A certificate of pat@partner.test (OTHER_VALID: a second key of it). */
static struct inbound_cert
make(enum kind k)
{
	static const char *email = "pat@partner.test", *dns = "partner.test";
	struct cert_spec sp;
	struct inbound_cert c;
	const char *why = NULL;
	unsigned char *der = NULL;
	EVP_PKEY *key = k == EC_SIGN_ONLY || k == EC_AGREE || k == OTHER_VALID ?
	    ec_key : rsa_key;
	X509	*x;
	int	n;

	memset(&sp, 0, sizeof(sp));
	memset(&c, 0, sizeof(c));
	sp.cn = email;
	if (k == NO_EMAIL) {
		sp.dns = &dns;
		sp.ndns = 1;
	} else {
		sp.emails = &email;
		sp.nemails = 1;
	}
	sp.not_before = k == EXPIRED ? T0 - 30 * DAY : T0 - DAY;
	sp.not_after = k == EXPIRED ? T0 - DAY : T0 + 30 * DAY;
	if (k == OTHER_VALID)
		sp.not_before = T0 - DAY / 2;
	sp.smime = true;
	sp.key_usage = k == SIGN_ONLY || k == EC_SIGN_ONLY ?
	    KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION : CERT_SPEC_DEFAULT_KU;
	x = k == SELF_SIGNED ? cert_build(&sp, key, NULL, NULL, &why) :
	    cert_build(&sp, key, ca, ca_key, &why);
	if (x == NULL || (n = i2d_X509(x, &der)) <= 0)
		bail("cert_build: %s", why ? why : "i2d_X509");
	c.der = malloc((size_t)n);
	memcpy(c.der, der, (size_t)n);
	c.len = (size_t)n;
	c.verified = true;
	OPENSSL_free(der);
	X509_free(x);
	return c;
}

static struct harvest_conf
conf(void)
{
	struct harvest_conf h;

	memset(&h, 0, sizeof(h));
	h.enabled = true;
	h.updated_keys = true;
	h.churn_window = 48 * 3600;
	return h;
}

static struct keystore *
store(const char *name)
{
	char	p[300];
	struct keystore *ks = NULL;

	snprintf(p, sizeof(p), "%s/%s.db", dir, name);
	if (keystore_open(p, 0, &ks) != KS_OK)
		bail("keystore_open %s: %s", p, keystore_strerror());
	return ks;
}

/* The fingerprint pat@partner.test is encrypted to, or "none". */
static const char *
lookup(struct keystore *ks)
{
	static char out[65];
	struct ks_cert *c = NULL;
	enum ks_status st = keystore_lookup(ks, "pat@partner.test", T0, &c);

	if (st != KS_OK)
		return st == KS_NOTFOUND ? "none" : "error";
	memcpy(out, c->fingerprint, sizeof(out));
	ks_cert_free(c);
	return out;
}

/* The fingerprint in a report line ("" when none). */
static const char *
fingerprint_in(const char *line)
{
	static char fp[65];
	const char *p = strstr(line, "fingerprint=");

	fp[0] = '\0';
	if (p != NULL)
		snprintf(fp, sizeof(fp), "%.64s", p + 12);
	return fp;
}

struct hcase {
	const char	*name;
	enum kind	kind;
	bool		verified;
	unsigned	opts;
#define O_DISABLED	0x01
#define O_FAILED_OK	0x02
#define O_SELF_OK	0x04
#define O_EXPIRED_OK	0x08
	const char	*outcome;	/* "harvest=WORD", NULL: no line */
	const char	*reason;	/* substring of the line; NULL: none */
	bool		encrypts;	/* the address has a key afterwards */
};

static const struct hcase cases[] = {
	{ "verified RSA signer", VALID, true, 0, "harvest=stored", NULL,
	    true },
	{ "verified EC signer with keyAgreement", EC_AGREE, true, 0,
	    "harvest=stored", NULL, true },
	{ "harvest disabled", VALID, true, O_DISABLED, NULL, NULL, false },
	{ "signature not verified", VALID, false, 0, "harvest=refused",
	    "signature not verified", false },
	{ "not verified, on_failed_verification", VALID, false, O_FAILED_OK,
	    "harvest=stored", NULL, true },
	{ "self-signed", SELF_SIGNED, true, 0, "harvest=refused",
	    "self-signed", false },
	{ "self-signed, allow_self_signed", SELF_SIGNED, true, O_SELF_OK,
	    "harvest=stored", NULL, true },
	{ "expired", EXPIRED, true, 0, "harvest=refused", "expired", false },
	{ "expired, allow_expired: kept, never encrypted to", EXPIRED, true,
	    O_EXPIRED_OK, "harvest=stored", NULL, false },
	{ "no e-mail address", NO_EMAIL, true, 0, "harvest=refused",
	    "no e-mail address", false },
	{ "RSA key usage without keyEncipherment", SIGN_ONLY, true, 0,
	    "harvest=stored", "verification only", false },
	{ "EC key usage without keyAgreement", EC_SIGN_ONLY, true, 0,
	    "harvest=stored", "verification only", false },
};

static void
run_case(const struct hcase *c, size_t n)
{
	struct harvest_conf h = conf();
	struct harvest_report rep;
	struct inbound_cert cert = make(c->kind);
	struct keystore *ks;
	char	name[32];
	enum ks_status st;

	h.enabled = !(c->opts & O_DISABLED);
	h.on_failed_verification = (c->opts & O_FAILED_OK) != 0;
	h.allow_self_signed = (c->opts & O_SELF_OK) != 0;
	h.allow_expired = (c->opts & O_EXPIRED_OK) != 0;
	cert.verified = c->verified;
	snprintf(name, sizeof(name), "case%zu", n);
	ks = store(name);
	st = harvest_certs(ks, &h, &cert, 1, T0, &rep);
	is_int(st, KS_OK, "%s: no key store error", c->name);
	if (c->outcome == NULL)
		is_uint(rep.nlines, 0, "%s: nothing looked at", c->name);
	else if (is_uint(rep.nlines, 1, "%s: one report line", c->name)) {
		ok(strncmp(rep.lines[0], c->outcome, strlen(c->outcome)) == 0,
		    "%s: got \"%s\", want %s", c->name, rep.lines[0],
		    c->outcome);
		if (c->reason != NULL)
			ok(strstr(rep.lines[0], c->reason) != NULL,
			    "%s: reason says \"%s\"", c->name, c->reason);
		else
			ok(strstr(rep.lines[0], "reason=") == NULL,
			    "%s: no reason", c->name);
	}
	is_string(strcmp(lookup(ks), "none") != 0 ? "a key" : "none",
	    c->encrypts ? "a key" : "none", "%s: pat@partner.test then has",
	    c->name);
	is_uint(rep.nupdates, 0, "%s: a first key is no update", c->name);
	harvest_report_clear(&rep);
	keystore_close(ks);
	free(cert.der);
}

/* A signer that named another certificate (SMIMEEncryptionKeyPreference):
 * that one is encrypted to, the signer kept for verification only. */
static void
test_preference(void)
{
	struct harvest_conf h = conf();
	struct harvest_report rep;
	struct inbound_cert c[2];
	struct keystore *ks = store("pref");

	c[0] = make(VALID);
	c[0].signing_only = true;
	c[1] = make(OTHER_VALID);
	c[1].encryption_pref = true;
	harvest_certs(ks, &h, c, 2, T0, &rep);
	if (is_uint(rep.nlines, 2, "preference: both certificates looked at")) {
		ok(strstr(rep.lines[0], "harvest=stored") && !strstr(rep.lines[0],
		    "verification only"), "preference: the preferred one first, "
		    "for encryption: %s", rep.lines[0]);
		ok(strstr(rep.lines[1], "verification only") != NULL,
		    "preference: the signer for verification only: %s",
		    rep.lines[1]);
		is_string(lookup(ks), fingerprint_in(rep.lines[0]),
		    "preference: mail is encrypted to the preferred certificate");
	}
	harvest_report_clear(&rep);
	keystore_close(ks);
	free(c[0].der);
	free(c[1].der);
}

/* updated_keys: a newer key replaces the first and is an update (the
 * key-churn alert counts those); off, the first key stays. */
static void
test_updates(void)
{
	struct harvest_conf h = conf();
	struct harvest_report rep;
	struct inbound_cert k1 = make(VALID), k2 = make(OTHER_VALID);
	struct keystore *ks = store("updates");
	char	first[65];

	harvest_certs(ks, &h, &k1, 1, T0, &rep);
	snprintf(first, sizeof(first), "%s", lookup(ks));
	harvest_report_clear(&rep);
	harvest_certs(ks, &h, &k2, 1, T0, &rep);
	ok(rep.nlines == 1 && strncmp(rep.lines[0], "harvest=updated", 15) ==
	    0, "updated_keys: the second key is an update (%s)",
	    rep.nlines ? rep.lines[0] : "no line");
	ok(rep.nupdates == 1 && strcmp(rep.updates[0].domain,
	    "partner.test") == 0 && strcmp(rep.updates[0].address,
	    "pat@partner.test") == 0, "updated_keys: the update names "
	    "partner.test and the address");
	ok(strcmp(lookup(ks), first) != 0 && strcmp(lookup(ks), "none") != 0,
	    "updated_keys: the newer key is encrypted to");
	harvest_report_clear(&rep);
	harvest_certs(ks, &h, &k2, 1, T0, &rep);
	ok(rep.nlines == 1 && strncmp(rep.lines[0], "harvest=known", 13) == 0
	    && rep.nupdates == 0, "the same key again: known, no update");
	harvest_report_clear(&rep);
	keystore_close(ks);

	h.updated_keys = false;
	ks = store("first");
	harvest_certs(ks, &h, &k1, 1, T0, &rep);
	harvest_report_clear(&rep);
	harvest_certs(ks, &h, &k2, 1, T0, &rep);
	ok(rep.nlines == 1 && strncmp(rep.lines[0], "harvest=kept-first", 18)
	    == 0 && rep.nupdates == 0, "updated_keys off: kept-first (%s)",
	    rep.nlines ? rep.lines[0] : "no line");
	is_string(lookup(ks), first, "updated_keys off: the first key stays");
	harvest_report_clear(&rep);
	keystore_close(ks);
	free(k1.der);
	free(k2.der);
}

/* A key store that breaks under the harvest: reported, never fatal. */
static void
test_store_error(void)
{
	struct harvest_conf h = conf();
	struct harvest_report rep;
	struct inbound_cert c = make(VALID);
	struct keystore *ks = store("broken");
	char	p[300];
	sqlite3	*db;
	enum ks_status st;

	/* Another hand damages the schema under the open store. */
	snprintf(p, sizeof(p), "%s/broken.db", dir);
	if (sqlite3_open(p, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "ALTER TABLE certs RENAME TO lost", NULL, NULL,
	    NULL) != SQLITE_OK)
		bail("damaging %s: %s", p, sqlite3_errmsg(db));
	sqlite3_close(db);
	st = harvest_certs(ks, &h, &c, 1, T0, &rep);
	ok(st != KS_OK, "a broken key store: the harvest reports failure (%d)",
	    (int)st);
	ok(rep.nlines == 1 && strncmp(rep.lines[0], "harvest=error", 13) == 0,
	    "... with a line for the log: %s", rep.nlines ? rep.lines[0] :
	    "no line");
	ok(rep.nlines == 1 && strstr(rep.lines[0], "no such table") != NULL,
	    "... naming SQLite's reason, not the one of the rollback after it");
	harvest_report_clear(&rep);
	keystore_close(ks);
	free(c.der);
}

int
main(void)
{
	struct cert_spec sp;
	const char *why = NULL;
	char	cmd[300];
	size_t	i;

	plan_lazy();
	if (mkdtemp(dir) == NULL)
		bail("mkdtemp");
	if ((ca_key = key_generate(KEY_P256, &why)) == NULL ||
	    (rsa_key = key_generate(KEY_RSA2048, &why)) == NULL ||
	    (ec_key = key_generate(KEY_P256, &why)) == NULL)
		bail("keys: %s", why);
	memset(&sp, 0, sizeof(sp));
	sp.cn = "Harvest Test CA";
	sp.ca = true;
	sp.not_before = T0 - 100 * DAY;
	sp.not_after = T0 + 100 * DAY;
	if ((ca = cert_build(&sp, ca_key, NULL, NULL, &why)) == NULL)
		bail("CA: %s", why);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], i);
	test_preference();
	test_updates();
	test_store_error();
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(ec_key);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
