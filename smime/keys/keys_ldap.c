/*
 * keys_ldap - `gatewarden-keys ldap-lookup ADDRESS`: what the LDAP
 * directories of smime.ldap (-c) hold for an address, each certificate
 * with why it may or may not be used, and the one the daemon would
 * encrypt to; the decision is ldap_lookup()'s (ldap_lookup.h), with the
 * CA lists and revocation settings in force. Nothing is written to the
 * key store but revocation answers.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "conf/config.h"
#include "smime/keys/keys.h"
#include "smime/ldap/ldap_lookup.h"
#include "smime/x509/cert_info.h"
#include "smime/x509/trust.h"

const char keys_usage_ldap_lookup[] =
"ldap-lookup ADDRESS\n"
"  Asks the LDAP directories of smime.ldap (in -c's configuration), in\n"
"  their order, for ADDRESS's certificates, as the daemon does when the\n"
"  key store has none: shows each directory's answer (or failure) and\n"
"  each certificate found, usable or not and why (the chain to a CA of\n"
"  the lists in force, key usage, validity, revocation, the address in\n"
"  the certificate), and the one that would be used.\n"
"  Exit status 0 a certificate would be used, 1 none (or a user error),\n"
"  2 the answer is a temporary failure (a directory down or slow, a\n"
"  revocation status unknown): the daemon would make the mail wait.\n";

static const char *const status_names[] = { "found", "none", "tempfail" };

static void
print_json(const char *address, const struct ldapq_result *r)
{
	char	t[40];
	size_t	i;

	printf("{\"address\": ");
	json_str(stdout, address);
	printf(", \"status\": \"%s\", \"reason\": ", status_names[r->status]);
	json_str(stdout, r->reason);
	printf(", \"directories\": [");
	for (i = 0; i < r->ndirs; i++) {
		const struct ldapq_dir *d = &r->dirs[i];

		printf("%s\n    {\"name\": ", i ? "," : "");
		json_str(stdout, d->name);
		printf(", \"asked\": %s, \"failed\": %s, \"entries\": %zu, "
		    "\"filter\": ", d->asked ? "true" : "false", d->failed ?
		    "true" : "false", d->entries);
		json_str(stdout, d->filter);
		printf(", \"why\": ");
		if (d->failed)
			json_str(stdout, d->why);
		else
			printf("null");
		printf("}");
	}
	printf("%s], \"certificates\": [", r->ndirs ? "\n  " : "");
	for (i = 0; i < r->ncerts; i++) {
		const struct ldapq_cert *c = &r->certs[i];

		printf("%s\n    {\"directory\": ", i ? "," : "");
		json_str(stdout, c->directory);
		printf(", \"dn\": ");
		json_str(stdout, c->dn);
		printf(", \"fingerprint\": \"%s\", \"not_before\": \"%s\"",
		    c->fingerprint, keys_time(c->not_before, t, sizeof(t)));
		printf(", \"not_after\": \"%s\", \"usable\": %s, \"chosen\": %s, "
		    "\"unknown_accepted\": %s, \"problem\": \"%s\", \"reason\": ",
		    keys_time(c->not_after, t, sizeof(t)), c->usable ? "true" :
		    "false", c == r->chosen ? "true" : "false",
		    c->unknown_accepted ? "true" : "false", c->problem);
		json_str(stdout, c->reason);
		printf("}");
	}
	printf("%s]}\n", r->ncerts ? "\n  " : "");
}

static void
print_text(const char *address, const struct ldapq_result *r)
{
	char	t[40];
	size_t	i, j;

	for (i = 0; i < r->ndirs; i++) {
		const struct ldapq_dir *d = &r->dirs[i];

		if (!d->asked)
			printf("directory %s: not asked (found before it)\n",
			    d->name);
		else if (d->failed)
			printf("directory %s: FAILED: %s\n", d->name, d->why);
		else
			printf("directory %s: %zu entr%s for %s\n", d->name,
			    d->entries, d->entries == 1 ? "y" : "ies", d->filter);
		for (j = 0; j < r->ncerts; j++) {
			const struct ldapq_cert *c = &r->certs[j];

			if (c->directory != d->name)
				continue;
			printf("  %s %s\n    %s, valid until %s\n    %s: %s\n",
			    c == r->chosen ? "*" : "-", c->dn, c->fingerprint,
			    keys_time(c->not_after, t, sizeof(t)), c->usable ?
			    "usable" : c->problem, c->reason);
		}
	}
	switch (r->status) {
	case LDAPQ_FOUND:
		printf("%s: would encrypt to %s (directory %s)\n", address,
		    r->chosen->fingerprint, r->chosen->directory);
		break;
	case LDAPQ_NONE:
		printf("%s: %s\n", address, r->reason);
		break;
	case LDAPQ_TEMPFAIL:
	default:
		printf("%s: temporary failure, the mail would wait: %s\n",
		    address, r->reason);
		break;
	}
}

int
cmd_ldap_lookup(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cert_verify_params p;
	struct ldapq_result r;
	struct io_err e;
	X509_STORE *store;
	int	c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return keys_help(argv[0], keys_usage_ldap_lookup);
		return keys_bad_usage(argv[0], keys_usage_ldap_lookup, NULL);
	}
	if (argc - optind != 1)
		return keys_bad_usage(argv[0], keys_usage_ldap_lookup,
		    "one ADDRESS expected");
	if (k->conf == NULL || k->conf->smime.nldap == 0)
		return keys_err(EXIT_USER_ERR, "no LDAP directory: name them "
		    "in smime.ldap of the configuration (-c FILE)");
	if (strchr(argv[optind], '@') == NULL)
		return keys_err(EXIT_USER_ERR, "%s: not an e-mail address",
		    argv[optind]);
	if ((rc = keys_revocation(k)) != 0)
		return rc;
	if ((store = trust_store_build(k->ks, k->trust, &e)) == NULL)
		return keys_io_err(&e);
	memset(&p, 0, sizeof(p));
	p.trust = store;
	p.use = CERT_USE_ENCRYPT;
	p.now = k->now;
	p.revocation = k->rev;
	switch (ldap_lookup(k->conf->smime.ldap, k->conf->smime.nldap,
	    argv[optind], &p, &r)) {
	case LDAPQ_FOUND:
		rc = 0;
		break;
	case LDAPQ_NONE:
		rc = EXIT_USER_ERR;
		break;
	case LDAPQ_TEMPFAIL:
	default:
		rc = EXIT_SYSTEM_ERR;
		break;
	}
	if (k->json)
		print_json(argv[optind], &r);
	else
		print_text(argv[optind], &r);
	ldap_result_clear(&r);
	X509_STORE_free(store);
	return rc;
}
