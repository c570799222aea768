/*
 * keys_verify - `gatewarden-keys verify`: is this certificate trusted, and
 * if not, why not? The answer comes from cert_verify() (x509_verify.h)
 * with the CA lists in force (trust_store_build), the checks the daemon
 * makes; this file only finds the certificate and prints the verdict.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "smime/keys/keys.h"
#include "smime/x509/cert_info.h"
#include "smime/x509/orgcert.h"
#include "smime/x509/trust.h"
#include "smime/x509/x509_verify.h"

const char keys_usage_verify[] =
"verify FILE|NAME [--for sign|encrypt] [--chain FILE]\n"
"  Tells whether a certificate is trusted for signing (default) or for\n"
"  encryption, and if not, why not: the daemon's checks (the chain to a\n"
"  CA of the lists in force, validity, key usage, purpose). FILE is a\n"
"  certificate file (PEM or DER; further certificates in it are taken\n"
"  as intermediates); else NAME is an organisation certificate (with the\n"
"  chain of NAME.crt) or a public key of the key store (label or\n"
"  fingerprint).\n"
"  --for sign|encrypt   the use to check\n"
"  --chain FILE         more intermediate certificates (PEM)\n"
"  Exit status 0 trusted, 1 not trusted (or a user error), 2 system\n"
"  error.\n";

/* The certificate and the intermediates that come with it: from a file,
 * an organisation certificate, or the key store. 0 or an exit status. */
static int
find_cert(struct keys *k, const char *what, X509 **x, STACK_OF(X509) **chain)
{
	struct ks_cert *kc = NULL;
	struct io_err e;
	struct stat sb;
	enum ks_status st;
	char	*cp;
	int	rc;

	if (stat(what, &sb) == 0 && S_ISREG(sb.st_mode)) {
		if ((*chain = certs_read(what, &e)) == NULL)
			return keys_io_err(&e);
		*x = sk_X509_shift(*chain);
		return 0;
	}
	if (orgcert_name_valid(what)) {
		cp = orgcert_path(k->private_dir, what, "crt");
		rc = stat(cp, &sb);
		free(cp);
		if (rc == 0)
			return orgcert_load(k->private_dir, what, x, chain, NULL,
			    &e) ? 0 : keys_io_err(&e);
	}
	if ((rc = keys_store(k)) != 0)
		return rc;
	if ((st = keystore_get(k->ks, what, &kc)) != KS_OK) {
		if (st == KS_NOTFOUND)
			return keys_err(EXIT_USER_ERR, "%s: neither a file, nor "
			    "a certificate of %s, nor a key in the key store",
			    what, k->private_dir);
		return keys_ks_err(st);
	}
	*x = d2i_X509(NULL, &(const unsigned char *){ kc->der },
	    (long)kc->derlen);
	ks_cert_free(kc);
	if (*x == NULL)
		return keys_err(EXIT_USER_ERR, "%s: the stored certificate does "
		    "not parse", what);
	if ((*chain = sk_X509_new_null()) == NULL)
		return keys_err(EXIT_SYSTEM_ERR, "out of memory");
	return 0;
}

static void
print_revocation_json(const struct rev_answer *a, bool accepted)
{
	char	t[40];

	printf(", \"revocation\": {\"status\": \"%s\", \"source\": \"%s\", "
	    "\"depth\": ", rev_status_name(a->status),
	    rev_source_name(a->source));
	if (a->depth >= 0)
		printf("%d", a->depth);
	else
		printf("null");
	printf(", \"cached\": %s, \"checked_at\": ", a->cached ? "true" :
	    "false");
	if (a->checked_at != 0)
		printf("\"%s\"", keys_time(a->checked_at, t, sizeof(t)));
	else
		printf("null");
	printf(", \"next_update\": ");
	if (a->next_update != 0)
		printf("\"%s\"", keys_time(a->next_update, t, sizeof(t)));
	else
		printf("null");
	printf(", \"unknown_accepted\": %s, \"reason\": ", accepted ? "true" :
	    "false");
	json_str(stdout, a->reason);
	printf("}");
}

static void
print_revocation_text(const struct rev_answer *a)
{
	char	t[40], u[40];

	if (a->status == REV_NONE && a->reason[0] == '\0')
		return;
	printf("revocation: %s", rev_status_name(a->status));
	if (a->source != REVSRC_NONE)
		printf(" (%s%s, fetched %s, holds until %s)",
		    rev_source_name(a->source), a->cached ? ", cached" : "",
		    keys_time(a->checked_at, t, sizeof(t)),
		    keys_time(a->next_update, u, sizeof(u)));
	printf("\n");
}

static void
print_verdict(const struct keys *k, X509 *x, enum cert_use use,
    const struct cert_verdict *v)
{
	struct cert_info ci;
	const char *why;
	bool	have = cert_info_from_x509(x, &ci, &why);
	bool	trusted = v->status == CERT_TRUSTED;
	int	i;

	if (k->json) {
		printf("{\"certificate\": ");
		json_str(stdout, have ? ci.subject : NULL);
		printf(", \"fingerprint\": ");
		json_str(stdout, have ? ci.fingerprint : NULL);
		printf(", \"use\": \"%s\", \"trusted\": %s, \"problem\": ",
		    cert_use_name(use), trusted ? "true" : "false");
		json_str(stdout, trusted ? NULL : cert_problem_name(v->problem));
		if (!trusted && v->depth >= 0) {
			printf(", \"depth\": %d, \"at\": ", v->depth);
			json_str(stdout, v->subject);
		} else
			printf(", \"depth\": null, \"at\": null");
		printf(", \"reason\": ");
		json_str(stdout, v->reason);
		print_revocation_json(&v->revocation,
		    v->revocation_unknown_accepted);
		printf(", \"chain\": [");
		for (i = 0; v->chain != NULL && i < sk_X509_num(v->chain); i++) {
			char	s[256];

			cert_name_line(X509_get_subject_name(
			    sk_X509_value(v->chain, i)), s, sizeof(s));
			printf("%s", i ? ", " : "");
			json_str(stdout, s);
		}
		printf("]}\n");
	} else {
		printf("certificate: %s\n", have ? ci.subject : "?");
		printf("fingerprint: %s\n", have ? ci.fingerprint : "?");
		printf("%s for %s", trusted ? "trusted" : "NOT trusted",
		    use == CERT_USE_SIGN ? "signing" : "encryption");
		if (!trusted)
			printf(": %s (%s)", cert_problem_name(v->problem),
			    v->depth > 0 ? "an issuer" : "the certificate");
		printf("\n%s\n", v->reason);
		print_revocation_text(&v->revocation);
		for (i = 0; v->chain != NULL && i < sk_X509_num(v->chain); i++) {
			char	s[256];

			cert_name_line(X509_get_subject_name(
			    sk_X509_value(v->chain, i)), s, sizeof(s));
			printf("%s %s\n", i ? "      <-" : "chain:", s);
		}
	}
	if (have)
		cert_info_clear(&ci);
}

int
cmd_verify(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "for", required_argument, NULL, 'u' },
		{ "chain", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cert_verify_params p;
	struct cert_verdict v;
	STACK_OF(X509) *chain = NULL, *more = NULL;
	struct io_err e;
	enum cert_use use = CERT_USE_SIGN;
	const char *extra = NULL;
	X509_STORE *store = NULL;
	X509	*x = NULL, *y;
	int	c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			if (!cert_use_parse(optarg, &use))
				return keys_bad_usage(argv[0], keys_usage_verify,
				    "--for sign or encrypt");
			break;
		case 'C': extra = optarg; break;
		case 'h': return keys_help(argv[0], keys_usage_verify);
		default: return keys_bad_usage(argv[0], keys_usage_verify, NULL);
		}
	}
	if (argc - optind != 1)
		return keys_bad_usage(argv[0], keys_usage_verify,
		    "one FILE or NAME expected");
	memset(&v, 0, sizeof(v));
	if ((rc = find_cert(k, argv[optind], &x, &chain)) != 0)
		goto out;
	if (extra != NULL) {
		if ((more = certs_read(extra, &e)) == NULL) {
			rc = keys_io_err(&e);
			goto out;
		}
		while ((y = sk_X509_shift(more)) != NULL)
			if (!sk_X509_push(chain, y)) {
				X509_free(y);
				rc = keys_err(EXIT_SYSTEM_ERR, "out of memory");
				goto out;
			}
	}
	if ((rc = keys_revocation(k)) != 0)
		goto out;
	if ((store = trust_store_build(k->ks, k->trust, &e)) == NULL) {
		rc = keys_io_err(&e);
		goto out;
	}
	memset(&p, 0, sizeof(p));
	p.trust = store;
	p.untrusted = chain;
	p.use = use;
	p.now = k->now;
	p.revocation = k->rev;
	switch (cert_verify(x, &p, &v)) {
	case CERT_TRUSTED:
		rc = 0;
		break;
	case CERT_REFUSED:
		rc = EXIT_USER_ERR;
		break;
	case CERT_VERIFY_ERROR:
		if (v.problem != CERT_REVOCATION_UNKNOWN) {
			rc = keys_err(EXIT_SYSTEM_ERR, "%s", v.reason);
			goto out;
		}
		/* on_unknown: tempfail; the daemon would make the mail wait */
		rc = EXIT_SYSTEM_ERR;
		break;
	}
	print_verdict(k, x, use, &v);
out:
	cert_verdict_clear(&v);
	X509_STORE_free(store);
	X509_free(x);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(more, X509_free);
	return rc;
}
