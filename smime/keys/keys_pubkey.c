/*
 * keys_pubkey - `gatewarden-keys pubkey add|import|export|promote`: the
 * correspondents' public keys (certificates) of the key store.
 *
 * export writes every certificate of the store as PEM blocks in the
 * store's order, nothing else; import reads such a file in its order, so
 * that export, import into an empty store and export again give the same
 * bytes. add and import agree on a certificate the store holds already:
 * it is skipped, said, and not an error (status 0); only a label that
 * names another key is refused.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "lib/xalloc.h"
#include "smime/x509/cert_info.h"
#include "smime/keys/keys.h"

const char keys_usage_pubkey[] =
"pubkey add NAME FILE | import FILE | export FILE | promote FINGERPRINT\n"
"  add NAME FILE       adds the certificate in FILE (PEM or DER) under\n"
"                      the label NAME, usable for encryption (when its key\n"
"                      usage allows) and for verification; a certificate\n"
"                      already in the store is skipped (status 0), as by\n"
"                      import\n"
"  import FILE         adds every certificate of FILE (PEM blocks) as\n"
"                      imported keys; known ones are skipped\n"
"  export FILE         writes every public key as PEM blocks ('-': stdout,\n"
"                      with --json as the member \"pem\")\n"
"  promote KEY         makes a harvested key (fingerprint, 8 or more hex\n"
"                      digits, or label) usable for verification; a\n"
"                      promoted key is never evicted\n"
"  --force             (export) replace an existing FILE\n";

static int
der_of(X509 *x, unsigned char **der, size_t *len)
{
	int	n = i2d_X509(x, der);

	if (n <= 0)
		return keys_err(EXIT_SYSTEM_ERR, "cannot encode a certificate");
	*len = (size_t)n;
	return 0;
}

/* The certificate is in the store already: skipped, as import does. */
static int
pubkey_known(struct keys *k, const char *label, const char *path,
    const struct ks_cert *c)
{
	if (k->json) {
		printf("{\"added\": null, \"known\": true, \"label\": ");
		json_str(stdout, c->label);
		printf(", \"fingerprint\": \"%s\"}\n", c->fingerprint);
	} else if (c->label != NULL && strcmp(c->label, label) != 0)
		printf("known: %s is in the key store already, as %s; nothing "
		    "changed\n", path, c->label);
	else
		printf("known: %s is in the key store already (%s); nothing "
		    "changed\n", path, c->fingerprint);
	return 0;
}

static int
pubkey_add(struct keys *k, const char *label, const char *path)
{
	STACK_OF(X509) *sk;
	struct ks_cert *other = NULL;
	struct cert_info ci;
	struct io_err e;
	enum ks_status st;
	unsigned char *der = NULL;
	const char *why;
	size_t	len = 0;
	char	fp[65];
	int	rc;

	if (strlen(label) == 0 || strlen(label) > 128)
		return keys_err(EXIT_USER_ERR, "a NAME has 1 to 128 characters");
	if ((sk = certs_read(path, &e)) == NULL)
		return keys_io_err(&e);
	if (sk_X509_num(sk) > 1)
		keys_err(0, "%s: %d certificates, adding the first only",
		    path, sk_X509_num(sk));
	if ((rc = der_of(sk_X509_value(sk, 0), &der, &len)) != 0 ||
	    (rc = keys_store(k)) != 0)
		goto out;
	if (!cert_info_from_x509(sk_X509_value(sk, 0), &ci, &why)) {
		rc = keys_err(EXIT_USER_ERR, "%s: %s", path, why);
		goto out;
	}
	st = keystore_get(k->ks, ci.fingerprint, &other);
	cert_info_clear(&ci);
	if (st == KS_OK) {
		rc = pubkey_known(k, label, path, other);
		ks_cert_free(other);
		goto out;
	}
	if (st != KS_NOTFOUND) {
		rc = keys_ks_err(st);
		goto out;
	}
	st = keystore_get(k->ks, label, &other);
	ks_cert_free(other);
	if (st == KS_OK || st == KS_EXISTS) {
		rc = keys_err(EXIT_USER_ERR, "%s: a key of that name exists",
		    label);
		goto out;
	}
	st = keystore_add(k->ks, der, len, KS_ADDED, label, k->now, fp);
	if (st == KS_EXISTS && keystore_get(k->ks, fp, &other) == KS_OK) {
		/* added by another process meanwhile */
		rc = pubkey_known(k, label, path, other);
		ks_cert_free(other);
		goto out;
	}
	if (st != KS_OK) {
		rc = keys_ks_err(st);
		goto out;
	}
	if (k->json) {
		printf("{\"added\": ");
		json_str(stdout, label);
		printf(", \"known\": false, \"fingerprint\": \"%s\"}\n", fp);
	} else
		printf("added %s: fingerprint %s\n", label, fp);
	rc = 0;
out:
	OPENSSL_free(der);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

static int
pubkey_import(struct keys *k, const char *path)
{
	STACK_OF(X509) *sk;
	struct io_err e;
	enum ks_status st;
	unsigned added = 0, known = 0, failed = 0;
	int	i, rc, worst = 0;

	if ((sk = certs_read(path, &e)) == NULL)
		return keys_io_err(&e);
	if ((rc = keys_store(k)) != 0) {
		sk_X509_pop_free(sk, X509_free);
		return rc;
	}
	for (i = 0; i < sk_X509_num(sk); i++) {
		unsigned char *der = NULL;
		size_t	len = 0;

		if ((rc = der_of(sk_X509_value(sk, i), &der, &len)) != 0) {
			worst = rc;
			failed++;
			continue;
		}
		st = keystore_add(k->ks, der, len, KS_IMPORTED, NULL, k->now,
		    NULL);
		OPENSSL_free(der);
		if (st == KS_OK)
			added++;
		else if (st == KS_EXISTS)
			known++;
		else {
			rc = keys_err(st == KS_TEMPFAIL ? EXIT_SYSTEM_ERR :
			    EXIT_USER_ERR, "%s: certificate %d: %s", path, i + 1,
			    keystore_strerror());
			if (rc > worst)
				worst = rc;
			failed++;
		}
	}
	sk_X509_pop_free(sk, X509_free);
	if (k->json)
		printf("{\"imported\": %u, \"known\": %u, \"failed\": %u}\n",
		    added, known, failed);
	else
		printf("imported %u, %u already known, %u failed\n", added,
		    known, failed);
	return worst;
}

struct export_state {
	BIO	*bio;
	unsigned n;
	bool	good;
};

static bool
export_one(const struct ks_cert *c, void *arg)
{
	struct export_state *es = arg;
	const unsigned char *p = c->der;
	X509	*x = d2i_X509(NULL, &p, (long)c->derlen);

	if (x == NULL || PEM_write_bio_X509(es->bio, x) != 1)
		es->good = false;
	X509_free(x);
	es->n++;
	return es->good;
}

static int
pubkey_export(struct keys *k, const char *path, bool force)
{
	struct export_state es = { BIO_new(BIO_s_mem()), 0, true };
	struct io_err e;
	enum ks_status st;
	char	*data;
	long	len;
	int	rc;

	if (es.bio == NULL)
		return keys_err(EXIT_SYSTEM_ERR, "out of memory");
	if ((rc = keys_store(k)) != 0)
		goto out;
	if ((st = keystore_foreach(k->ks, export_one, &es)) != KS_OK) {
		rc = keys_ks_err(st);
		goto out;
	}
	if (!es.good) {
		rc = keys_err(EXIT_SYSTEM_ERR, "cannot encode a certificate");
		goto out;
	}
	len = BIO_get_mem_data(es.bio, &data);
	if (strcmp(path, "-") == 0) {
		if (k->json)
			printf("{\"exported\": %u, \"file\": \"-\", ", es.n);
		keys_pem_stdout(k, data, (size_t)len);
	} else if (!pem_write_file(path, data, (size_t)len, 0644, force, &e)) {
		rc = keys_io_err(&e);
		goto out;
	} else if (k->json) {
		printf("{\"exported\": %u, \"file\": ", es.n);
		json_str(stdout, path);
		printf("}\n");
	} else
		printf("exported %u public keys to %s\n", es.n, path);
	rc = 0;
out:
	BIO_free(es.bio);
	return rc;
}

static int
pubkey_promote(struct keys *k, const char *key)
{
	enum ks_status st;
	int	rc;

	if ((rc = keys_store(k)) != 0)
		return rc;
	if ((st = keystore_promote(k->ks, key)) != KS_OK)
		return keys_ks_err(st);
	if (k->json) {
		printf("{\"promoted\": ");
		json_str(stdout, key);
		printf("}\n");
	} else
		printf("promoted %s: usable for verification\n", key);
	return 0;
}

int
cmd_pubkey(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub;
	bool	force = false;
	int	c, n;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'h': return keys_help(argv[0], keys_usage_pubkey);
		default: return keys_bad_usage(argv[0], keys_usage_pubkey, NULL);
		}
	}
	n = argc - optind;
	sub = n > 0 ? argv[optind] : "";
	if (strcmp(sub, "add") == 0 && n == 3)
		return pubkey_add(k, argv[optind + 1], argv[optind + 2]);
	if (strcmp(sub, "import") == 0 && n == 2)
		return pubkey_import(k, argv[optind + 1]);
	if (strcmp(sub, "export") == 0 && n == 2)
		return pubkey_export(k, argv[optind + 1], force);
	if (strcmp(sub, "promote") == 0 && n == 2)
		return pubkey_promote(k, argv[optind + 1]);
	return keys_bad_usage(argv[0], keys_usage_pubkey,
	    "add NAME FILE, import FILE, export FILE or promote KEY");
}
