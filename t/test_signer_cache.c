/*
 * test_signer_cache - milter/signer_cache: a signing certificate and key
 * are decoded once and shared (the same key object for every message,
 * where smime_signer_load() decodes them again each time), each message
 * gets a signer of its own to free, a pair renewed on disk is picked up
 * at the next load, and a key that turned broken or went away fails the
 * load instead of handing out the old one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "milter/signer_cache.h"
#include "t/tap.h"

static char	dir[] = "/tmp/gw-signer-cache.XXXXXX";
static char	crt[64], key[64], tmp[64];

/* A self-signed P-256 certificate and its key, written to path_crt and
 * path_key (through a temporary name, renamed into place). */
static void
make_pair(const char *cn)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509	*x = X509_new();
	X509_NAME *n;
	FILE	*f;

	if (k == NULL || x == NULL)
		bail("cannot make a key");
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	if (!X509_sign(x, k, EVP_sha256()))
		bail("cannot sign the certificate");
	if ((f = fopen(tmp, "w")) == NULL || !PEM_write_X509(f, x) ||
	    fclose(f) != 0 || rename(tmp, crt) != 0)
		bail("cannot write %s", crt);
	if ((f = fopen(tmp, "w")) == NULL ||
	    !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) ||
	    fclose(f) != 0 || rename(tmp, key) != 0)
		bail("cannot write %s", key);
	X509_free(x);
	EVP_PKEY_free(k);
}

static int
load(struct smime_signer **s)
{
	struct smime_certificate c = { .name = "org", .certificate = crt,
	    .key = key };
	struct smime_err err;

	smime_err_clear(&err);
	return signer_cache_load(&c, s, &err);
}

int
main(void)
{
	struct smime_signer *a = NULL, *b = NULL, *d = NULL, *e = NULL;
	struct smime_certificate c = { .name = "org", .certificate = crt,
	    .key = key };
	struct smime_signer *direct1 = NULL, *direct2 = NULL;
	struct smime_err err;
	char	fp[65];
	FILE	*f;

	plan_lazy();
	if (mkdtemp(dir) == NULL)
		bail("mkdtemp");
	snprintf(crt, sizeof(crt), "%s/org.crt", dir);
	snprintf(key, sizeof(key), "%s/org.key", dir);
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	make_pair("first");

	/* What the cache replaces: a new key object per load. */
	smime_err_clear(&err);
	if (smime_signer_load(&c, &direct1, &err) != 0 ||
	    smime_signer_load(&c, &direct2, &err) != 0)
		bail("smime_signer_load: %s", err.msg);
	ok(direct1->key != direct2->key,
	    "smime_signer_load decodes the key again each time");
	smime_signer_free(direct1);
	smime_signer_free(direct2);

	is_int(load(&a), 0, "first load");
	is_int(load(&b), 0, "second load");
	ok(a != NULL && b != NULL && a != b, "each caller has a signer of its own");
	ok(a->key == b->key && a->cert == b->cert,
	    "the key and certificate are decoded once and shared");
	is_string(a->fingerprint, b->fingerprint, "same fingerprint");
	snprintf(fp, sizeof(fp), "%s", a->fingerprint);
	smime_signer_free(a);
	is_int(load(&a), 0, "a load after a caller freed its signer");
	ok(a->key == b->key, "still the shared key");
	smime_signer_free(a);
	smime_signer_free(b);

	/* Renewed on disk: the next load reads the new pair. */
	make_pair("second");
	is_int(load(&d), 0, "load after the pair was renewed");
	ok(strcmp(d->fingerprint, fp) != 0, "the new certificate is used");

	/* Broken in place: no old key is handed out. */
	if ((f = fopen(key, "w")) == NULL || fputs("garbage\n", f) < 0 ||
	    fclose(f) != 0)
		bail("cannot overwrite %s", key);
	e = (struct smime_signer *)1;
	is_int(load(&e), -1, "a broken key fails the load");
	ok(e == NULL, "and gives no signer");

	/* Gone: the same. */
	make_pair("third");
	is_int(load(&e), 0, "a good pair again");
	smime_signer_free(e);
	unlink(key);
	e = (struct smime_signer *)1;
	is_int(load(&e), -1, "a key file gone fails the load");
	ok(e == NULL, "and gives no signer");

	/* A signer outlives the cache entry it came from. */
	ok(d->key != NULL && EVP_PKEY_get_id(d->key) == EVP_PKEY_EC,
	    "an earlier signer stays usable after its entry went");
	smime_signer_free(d);
	signer_cache_clear();
	unlink(crt);
	rmdir(dir);
	return done_testing();
}
