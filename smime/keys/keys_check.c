/*
 * keys_check - `gatewarden-keys check`: expiry and consistency of every
 * key, certificate, key store and CA list that the configuration and
 * the private directory hold (orgcert_check, keystore_check,
 * trust_store_build), each problem with its file named.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "conf/config.h"
#include "smime/keys/keys.h"
#include "smime/x509/orgcert.h"
#include "smime/x509/trust.h"

const char keys_usage_check[] =
"check\n"
"  Checks every organisation certificate of the private directory (and\n"
"  those the configuration names): readable, the key matches the\n"
"  certificate, the key not readable by others, not expired (a warning\n"
"  30 days before); the key store's integrity; the CA lists can be\n"
"  loaded; a configured PKCS#12 file must open with its passphrase\n"
"  file. Exit status 1 when an error was found.\n";

struct report {
	struct keys	*k;
	unsigned	errors, warnings, shown;
};

static void
report(void *arg, bool error, const char *msg)
{
	struct report *r = arg;

	if (error)
		r->errors++;
	else
		r->warnings++;
	if (r->k->json) {
		printf("%s\n    {\"severity\": \"%s\", \"message\": ",
		    r->shown ? "," : "", error ? "error" : "warning");
		json_str(stdout, msg);
		printf("}");
	} else
		printf("%s: %s\n", error ? "error" : "warning", msg);
	r->shown++;
}

static void
check_pair(struct report *r, const char *cert, const char *key)
{
	unsigned before = r->errors;

	orgcert_check(cert, key, r->k->now, report, r);
	if (!r->k->json && r->errors == before)
		printf("ok: %s\n", cert);
}

static void
check_p12(struct report *r, const char *p12, const char *pass)
{
	unsigned before = r->errors;

	orgcert_check_pkcs12(p12, pass, r->k->now, report, r);
	if (!r->k->json && r->errors == before)
		printf("ok: %s\n", p12);
}

int
cmd_check(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report r = { k, 0, 0, 0 };
	struct io_err e;
	enum ks_status st;
	X509_STORE *store;
	char	**names, *cp, *kp, why[1024];
	size_t	i;
	int	c, sys = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return keys_help(argv[0], keys_usage_check);
		return keys_bad_usage(argv[0], keys_usage_check, NULL);
	}
	if (argc != optind)
		return keys_bad_usage(argv[0], keys_usage_check, "no arguments");
	if (k->json)
		printf("{\"problems\": [");
	if (!orgcert_names(k->private_dir, &names, &e))
		report(&r, true, e.msg);
	else {
		for (i = 0; names[i] != NULL; i++) {
			cp = orgcert_path(k->private_dir, names[i], "crt");
			kp = orgcert_path(k->private_dir, names[i], "key");
			check_pair(&r, cp, kp);
			free(cp);
			free(kp);
		}
		orgcert_names_free(names);
	}
	if (k->conf != NULL)
		for (i = 0; i < k->conf->smime.ncertificates; i++) {
			const struct smime_certificate *sc =
			    &k->conf->smime.certificates[i];

			if (sc->certificate != NULL)
				check_pair(&r, sc->certificate, sc->key);
			else if (sc->pkcs12 != NULL)
				check_p12(&r, sc->pkcs12, sc->passphrase_file);
		}
	if (!keys_store_path_ok(k, why, sizeof(why)))
		report(&r, true, why);
	else if ((st = keystore_open(k->keystore_path, k->max_size,
	    &k->ks)) == KS_OK && (st = keystore_check(k->ks)) == KS_OK) {
		if (!k->json)
			printf("ok: key store %s\n", k->keystore_path);
	} else {
		report(&r, true, keystore_strerror());
		if (st == KS_TEMPFAIL)
			sys = EXIT_SYSTEM_ERR;
	}
	if (k->ks != NULL) {
		if ((store = trust_store_build(k->ks, k->trust, &e)) == NULL)
			report(&r, true, e.msg);
		else if (!k->json)
			printf("ok: trusted CA lists\n");
		X509_STORE_free(store);
	}
	if (k->json)
		printf("%s], \"errors\": %u, \"warnings\": %u}\n",
		    r.shown ? "\n  " : "", r.errors, r.warnings);
	else
		printf("%u error(s), %u warning(s)\n", r.errors, r.warnings);
	if (sys != 0)
		return sys;
	return r.errors > 0 ? EXIT_USER_ERR : 0;
}
