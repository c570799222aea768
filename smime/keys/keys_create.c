/*
 * keys_create - `gatewarden-keys create-cert`: a self-signed certificate
 * and its private key for TLS or S/MIME, written into the private
 * directory as NAME.crt and NAME.key (0600).
 *
 * TLS clients match the server's name against the subjectAltName only
 * (RFC 9525 6.3, no longer the common name), so a TLS certificate whose
 * common name is a host name carries that name as its first dNSName too,
 * whether or not --dns gave it; one without any DNS name gets a warning.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smime/x509/cert_info.h"
#include "smime/keys/keys.h"
#include "smime/x509/orgcert.h"
#include "smime/x509/x509_build.h"

#define MAX_NAMES 100

const char keys_usage_create_cert[] =
"create-cert NAME --cn NAME [options]\n"
"  Creates a self-signed certificate and private key in the private\n"
"  directory: NAME.crt and NAME.key (mode 0600).\n"
"  --smime              an S/MIME certificate (RFC 5750 key usage,\n"
"                       extended key usage emailProtection); default TLS\n"
"  --cn NAME            common name (default: the first --email or --dns);\n"
"                       for TLS a host name here is put into the\n"
"                       subjectAltName as well\n"
"  --org O  --ou OU  --locality L  --state ST  --country CC\n"
"  --email ADDRESS      SAN e-mail address (repeatable)\n"
"  --dns NAME           SAN DNS name, '*.example.net' allowed (repeatable)\n"
"  --key-type T         rsa2048 (default) rsa3072 rsa4096 p256 p384 ed25519\n"
"  --days N             validity in days (default 365, at most 36500)\n"
"  --force              replace an existing NAME\n";

struct names {
	const char	*v[MAX_NAMES];
	size_t		n;
};

static bool
push(struct names *l, const char *s)
{
	if (l->n >= MAX_NAMES)
		return false;
	l->v[l->n++] = s;
	return true;
}

/* A TLS certificate's host-name common name as its first DNS name, unless
 * --dns names it already (DNS names are case-insensitive). */
static bool
cn_into_san(struct names *dns, const char *cn)
{
	size_t	i;

	if (cn == NULL || !cert_valid_fqdn(cn, true))
		return true;
	for (i = 0; i < dns->n; i++)
		if (strcasecmp(dns->v[i], cn) == 0)
			return true;
	if (dns->n >= MAX_NAMES)
		return false;
	memmove(dns->v + 1, dns->v, dns->n * sizeof(dns->v[0]));
	dns->v[0] = cn;
	dns->n++;
	return true;
}

/* Parses a whole number of days in 1..36500. */
static bool
parse_days(const char *s, long *out)
{
	char	*end;
	long	v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 1 || v > 36500)
		return false;
	*out = v;
	return true;
}

int
cmd_create_cert(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "smime", no_argument, NULL, 'S' },
		{ "cn", required_argument, NULL, 'n' },
		{ "org", required_argument, NULL, 'o' },
		{ "ou", required_argument, NULL, 'u' },
		{ "locality", required_argument, NULL, 'l' },
		{ "state", required_argument, NULL, 's' },
		{ "country", required_argument, NULL, 'C' },
		{ "email", required_argument, NULL, 'e' },
		{ "dns", required_argument, NULL, 'd' },
		{ "key-type", required_argument, NULL, 't' },
		{ "days", required_argument, NULL, 'D' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct names emails = { { NULL }, 0 }, dns = { { NULL }, 0 };
	struct cert_spec sp;
	struct io_err e;
	enum key_alg alg = KEY_RSA2048;
	EVP_PKEY *key = NULL;
	const char *why = NULL, *name;
	struct cert_info ci;
	X509	*x = NULL;
	bool	force = false;
	long	days = 365;
	int	c, rc;

	memset(&sp, 0, sizeof(sp));
	sp.key_usage = CERT_SPEC_DEFAULT_KU;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': sp.smime = true; break;
		case 'n': sp.cn = optarg; break;
		case 'o': sp.org = optarg; break;
		case 'u': sp.ou = optarg; break;
		case 'l': sp.locality = optarg; break;
		case 's': sp.state = optarg; break;
		case 'C': sp.country = optarg; break;
		case 'f': force = true; break;
		case 'e':
			if (!push(&emails, optarg))
				return keys_err(EXIT_USER_ERR, "too many --email");
			break;
		case 'd':
			if (!push(&dns, optarg))
				return keys_err(EXIT_USER_ERR, "too many --dns");
			break;
		case 't':
			if (!key_alg_parse(optarg, &alg))
				return keys_bad_usage(argv[0],
				    keys_usage_create_cert, "unknown --key-type");
			break;
		case 'D':
			if (!parse_days(optarg, &days))
				return keys_bad_usage(argv[0],
				    keys_usage_create_cert,
				    "--days: a whole number from 1 to 36500");
			break;
		case 'h':
			return keys_help(argv[0], keys_usage_create_cert);
		default:
			return keys_bad_usage(argv[0], keys_usage_create_cert,
			    NULL);
		}
	}
	if (argc - optind != 1)
		return keys_bad_usage(argv[0], keys_usage_create_cert,
		    "one NAME expected");
	name = argv[optind];
	if (!orgcert_name_valid(name))
		return keys_err(EXIT_USER_ERR, "%s: a name is 1 to 64 letters, "
		    "digits, '.', '_' or '-'", name);
	if (sp.cn == NULL)
		sp.cn = emails.n > 0 ? emails.v[0] : dns.n > 0 ? dns.v[0] : NULL;
	if (sp.smime && emails.n == 0)
		return keys_err(EXIT_USER_ERR, "an S/MIME certificate needs at "
		    "least one --email");
	if (!sp.smime && !cn_into_san(&dns, sp.cn))
		return keys_err(EXIT_USER_ERR, "too many --dns");
	if (!sp.smime && dns.n == 0 && sp.cn != NULL)
		keys_err(0, "warning: %s is not a host name and no --dns was "
		    "given: TLS clients match only the DNS names of the "
		    "certificate, it has none", sp.cn);
	sp.emails = emails.v;
	sp.nemails = emails.n;
	sp.dns = dns.v;
	sp.ndns = dns.n;
	sp.not_before = k->now - 300;	/* a little slack for skewed clocks */
	sp.not_after = k->now + days * 86400;
	if (!cert_spec_check(&sp, &why))
		return keys_err(EXIT_USER_ERR, "%s", why);
	if ((rc = keys_private_dir(k)) != 0)
		return rc;
	if ((key = key_generate(alg, &why)) == NULL)
		return keys_err(EXIT_SYSTEM_ERR, "%s", why);
	if ((x = cert_build(&sp, key, NULL, NULL, &why)) == NULL) {
		EVP_PKEY_free(key);
		return keys_err(EXIT_SYSTEM_ERR, "%s", why);
	}
	if (!orgcert_save(k->private_dir, name, key, x, NULL, force, &e)) {
		rc = keys_io_err(&e);
		goto out;
	}
	if (!cert_info_from_x509(x, &ci, &why)) {
		rc = keys_err(EXIT_SYSTEM_ERR, "%s", why);
		goto out;
	}
	if (k->json) {
		char	*cp = orgcert_path(k->private_dir, name, "crt");
		char	*kp = orgcert_path(k->private_dir, name, "key");

		printf("{\"name\": ");
		json_str(stdout, name);
		printf(", \"certificate\": ");
		json_str(stdout, cp);
		printf(", \"key\": ");
		json_str(stdout, kp);
		printf(", \"fingerprint\": \"%s\", \"key_type\": \"%s\"}\n",
		    ci.fingerprint, key_alg_name(alg));
		free(cp);
		free(kp);
	} else
		printf("created %s (%s, %s): %s/%s.crt, key %s/%s.key\n"
		    "fingerprint %s\n", name, sp.smime ? "S/MIME" : "TLS",
		    key_alg_name(alg), k->private_dir, name, k->private_dir,
		    name, ci.fingerprint);
	cert_info_clear(&ci);
	rc = 0;
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}
