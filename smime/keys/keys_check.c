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
#include "lib/xalloc.h"
#include "smime/keys/keys.h"
#include "smime/revoke/revoke_io.h"
#include "smime/x509/orgcert.h"
#include "smime/x509/trust.h"

const char keys_usage_check[] =
"check\n"
"  Checks every organisation certificate of the private directory (and\n"
"  those the configuration names): readable, the key matches the\n"
"  certificate, the key not readable by others, not expired (a warning\n"
"  30 days before); the key store's integrity; the CA lists can be\n"
"  loaded; a configured PKCS#12 file must open with its passphrase\n"
"  file; each certificate's revocation status (trust.revocation): a\n"
"  revoked one is an error, one whose status cannot be fetched a\n"
"  warning, and the status and when it was fetched are shown. Exit\n"
"  status 1 when an error was found.\n";

#define MAX_SHOWN	256	/* revocation answers kept for --json */

struct shown {
	char		*file;
	char		fingerprint[65];
	struct rev_answer a;
};

struct report {
	struct keys	*k;
	unsigned	errors, warnings, shown;
	X509_STORE	*trust;		/* for revocation; may be NULL */
	struct shown	*rev;		/* --json: printed at the end */
	size_t		nrev;
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
print_time_json(const char *name, int64_t t)
{
	char	buf[40];

	if (t != 0)
		printf(", \"%s\": \"%s\"", name, keys_time(t, buf, sizeof(buf)));
	else
		printf(", \"%s\": null", name);
}

/* What revocation said of file's certificate: recorded in the key store
 * (when fetched now), shown as a line, or kept for --json. */
static void
show_revocation(struct report *r, const char *file, struct orgcert_rev *rv)
{
	char	t[40], u[40];

	if (!rv->checked || (rv->answer.status == REV_NONE &&
	    revocation_mode(r->k->rev) == REVMODE_OFF))
		return;
	if (!rv->answer.cached && rv->answer.status != REV_NONE)
		(void)revocation_status_save(r->k->ks, rv->fingerprint,
		    &rv->answer, r->k->now);
	if (r->k->json) {
		if (r->nrev < MAX_SHOWN) {
			r->rev = x_reallocarray(r->rev, r->nrev + 1,
			    sizeof(*r->rev));
			r->rev[r->nrev].file = x_strdup(file);
			memcpy(r->rev[r->nrev].fingerprint, rv->fingerprint,
			    sizeof(rv->fingerprint));
			r->rev[r->nrev++].a = rv->answer;
		}
		return;
	}
	printf("revocation: %s: %s", file, rev_status_name(rv->answer.status));
	if (rv->answer.source != REVSRC_NONE)
		printf(" (%s%s, fetched %s, holds until %s)",
		    rev_source_name(rv->answer.source), rv->answer.cached ?
		    ", cached" : "", keys_time(rv->answer.checked_at, t,
		    sizeof(t)), keys_time(rv->answer.next_update, u, sizeof(u)));
	else if (rv->answer.status == REV_NONE)
		printf(" (%s)", rv->answer.reason);
	printf("\n");
}

static void
print_revocations(struct report *r)
{
	size_t	i;

	printf(", \"revocation\": [");
	for (i = 0; i < r->nrev; i++) {
		const struct rev_answer *a = &r->rev[i].a;

		printf("%s\n    {\"file\": ", i ? "," : "");
		json_str(stdout, r->rev[i].file);
		printf(", \"fingerprint\": \"%s\", \"status\": \"%s\", "
		    "\"source\": \"%s\", \"cached\": %s", r->rev[i].fingerprint,
		    rev_status_name(a->status), rev_source_name(a->source),
		    a->cached ? "true" : "false");
		print_time_json("checked_at", a->checked_at);
		print_time_json("next_update", a->next_update);
		printf(", \"reason\": ");
		json_str(stdout, a->reason);
		printf("}");
		free(r->rev[i].file);
	}
	free(r->rev);
	printf("%s]", r->nrev ? "\n  " : "");
}

static void
check_pair(struct report *r, const char *cert, const char *key)
{
	struct orgcert_rev rv = { r->k->rev, r->trust, false, { 0 }, "" };
	unsigned before = r->errors;

	orgcert_check(cert, key, r->k->now, r->k->rev ? &rv : NULL, report, r);
	if (!r->k->json && r->errors == before)
		printf("ok: %s\n", cert);
	show_revocation(r, cert, &rv);
}

static void
check_p12(struct report *r, const char *p12, const char *pass)
{
	struct orgcert_rev rv = { r->k->rev, r->trust, false, { 0 }, "" };
	unsigned before = r->errors;

	orgcert_check_pkcs12(p12, pass, r->k->now, r->k->rev ? &rv : NULL,
	    report, r);
	if (!r->k->json && r->errors == before)
		printf("ok: %s\n", p12);
	show_revocation(r, p12, &rv);
}

int
cmd_check(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report r = { k, 0, 0, 0, NULL, NULL, 0 };
	struct io_err e, trust_e;
	enum ks_status st = KS_OK;
	char	**names, *cp, *kp, why[1024];
	size_t	i;
	int	c, sys = 0;
	bool	path_ok;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return keys_help(argv[0], keys_usage_check);
		return keys_bad_usage(argv[0], keys_usage_check, NULL);
	}
	if (argc != optind)
		return keys_bad_usage(argv[0], keys_usage_check, "no arguments");
	/* the key store first, quietly: the CA lists and the revocation
	 * cache are in it; what is wrong with it is told in its turn */
	if ((path_ok = keys_store_path_ok(k, why, sizeof(why))))
		st = keystore_open(k->keystore_path, k->max_size, &k->ks);
	if (k->ks != NULL && (st = keystore_check(k->ks)) == KS_OK &&
	    (r.trust = trust_store_build(k->ks, k->trust, &trust_e)) != NULL &&
	    keys_revocation(k) != 0)
		k->rev = NULL;
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
	if (!path_ok)
		report(&r, true, why);
	else if (k->ks != NULL && st == KS_OK) {
		if (!k->json)
			printf("ok: key store %s\n", k->keystore_path);
	} else {
		report(&r, true, keystore_strerror());
		if (st == KS_TEMPFAIL)
			sys = EXIT_SYSTEM_ERR;
	}
	if (k->ks != NULL && st == KS_OK) {
		if (r.trust == NULL)
			report(&r, true, trust_e.msg);
		else if (!k->json)
			printf("ok: trusted CA lists\n");
	}
	X509_STORE_free(r.trust);
	if (k->json) {
		printf("%s]", r.shown ? "\n  " : "");
		print_revocations(&r);
		printf(", \"errors\": %u, \"warnings\": %u}\n", r.errors,
		    r.warnings);
	} else
		printf("%u error(s), %u warning(s)\n", r.errors, r.warnings);
	if (sys != 0)
		return sys;
	return r.errors > 0 ? EXIT_USER_ERR : 0;
}
