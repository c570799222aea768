/*
 * keys_import - `gatewarden-keys import`: an organisation certificate with
 * its private key (and chain) from PEM or PKCS#12 into the private
 * directory. The passphrase comes from a file or the terminal, never
 * from the command line (where ps(1) would show it).
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pkcs12.h>

#include "lib/xalloc.h"
#include "smime/x509/cert_info.h"
#include "smime/keys/keys.h"
#include "smime/x509/orgcert.h"
#include "smime/x509/p12_open.h"

const char keys_usage_import[] =
"import FILE [--name NAME] [--passphrase-file PFILE] [--force]\n"
"  Imports a certificate with its private key and chain from FILE, PEM\n"
"  (certificates and a key, the key possibly encrypted) or PKCS#12, as\n"
"  NAME.crt and NAME.key in the private directory. NAME defaults to\n"
"  FILE's base name. The passphrase is read from the first line of\n"
"  PFILE, else asked on the terminal. For a correspondent's certificate\n"
"  without a key, use 'pubkey add'.\n";

struct bundle {
	EVP_PKEY	*key;
	X509		*cert;
	STACK_OF(X509)	*chain;
};

static void
bundle_free(struct bundle *b)
{
	EVP_PKEY_free(b->key);
	X509_free(b->cert);
	sk_X509_pop_free(b->chain, X509_free);
}

/* NAME from a file name: base name without its extension, other
 * characters than [A-Za-z0-9._-] made '_'. */
static char *
name_from_path(const char *path)
{
	const char *base = strrchr(path, '/');
	char	*s, *dot;
	size_t	i;

	s = x_strdup(base != NULL ? base + 1 : path);
	if ((dot = strrchr(s, '.')) != NULL && dot != s)
		*dot = '\0';
	for (i = 0; s[i] != '\0' && i < 64; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			s[i] = '_';
	s[i] = '\0';
	if (s[0] == '.' || s[0] == '-')
		s[0] = '_';
	return s;
}

static bool
get_pass(const char *pfile, const char *what, char *pass, size_t size,
    struct io_err *e)
{
	char	prompt[300];

	snprintf(prompt, sizeof(prompt), "Passphrase for %s", what);
	return keys_passphrase(pfile, prompt, false, pass, size, e);
}

static bool
from_pkcs12(const unsigned char *buf, size_t len, const char *path,
    const char *pfile, struct bundle *b, struct io_err *e)
{
	const unsigned char *p = buf;
	char	pass[KEYS_PASSPHRASE_MAX] = "";
	PKCS12	*p12 = d2i_PKCS12(NULL, &p, (long)len);
	enum p12_pass pp;
	bool	good = false;

	if (p12 == NULL) {
		io_fail(e, EXIT_USER_ERR, "%s: neither PEM nor PKCS#12", path);
		ERR_clear_error();
		return false;
	}
	/* a bundle without a passphrase is tried as such first */
	if (pfile != NULL || !PKCS12_mac_present(p12) ||
	    PKCS12_verify_mac(p12, "", 0) != 1) {
		if (!get_pass(pfile, path, pass, sizeof(pass), e))
			goto out;
		if ((pp = p12_check_pass(p12, pass)) != P12_OPENS) {
			io_fail(e, EXIT_USER_ERR, "%s: %s", path,
			    p12_pass_problem(pp));
			goto out;
		}
	}
	if (PKCS12_parse(p12, pass, &b->key, &b->cert, &b->chain) != 1) {
		io_fail_ssl(e, EXIT_USER_ERR, "%s: cannot read the PKCS#12 "
		    "bundle", path);
		goto out;
	}
	good = true;
out:
	OPENSSL_cleanse(pass, sizeof(pass));
	PKCS12_free(p12);
	ERR_clear_error();
	return good;
}

static bool
from_pem(const unsigned char *buf, size_t len, const char *path,
    const char *pfile, struct bundle *b, struct io_err *e)
{
	char	pass[KEYS_PASSPHRASE_MAX];
	bool	enc = pem_has_encrypted_key(buf, len);

	if (!pem_has_private_key(buf, len)) {
		io_fail(e, EXIT_USER_ERR, "%s: no private key in it; for a "
		    "correspondent's certificate use 'pubkey add'", path);
		return false;
	}
	if ((b->chain = certs_parse(buf, len, path, e)) == NULL)
		return false;
	if (enc && !get_pass(pfile, path, pass, sizeof(pass), e))
		return false;
	b->key = key_parse(buf, len, enc ? pass : NULL, path, e);
	if (enc)
		OPENSSL_cleanse(pass, sizeof(pass));
	return b->key != NULL;
}

/* Puts the certificate that matches the key first. */
static bool
pick_leaf(struct bundle *b, const char *path, struct io_err *e)
{
	int	i;

	if (b->cert != NULL && orgcert_key_matches(b->cert, b->key))
		return true;
	if (b->chain == NULL)
		b->chain = sk_X509_new_null();
	if (b->cert != NULL) {
		if (!sk_X509_push(b->chain, b->cert)) {
			io_fail(e, EXIT_SYSTEM_ERR, "out of memory");
			return false;
		}
		b->cert = NULL;
	}
	for (i = 0; i < sk_X509_num(b->chain); i++)
		if (orgcert_key_matches(sk_X509_value(b->chain, i), b->key)) {
			b->cert = sk_X509_delete(b->chain, i);
			return true;
		}
	io_fail(e, EXIT_USER_ERR, "%s: no certificate in it matches its "
	    "private key", path);
	return false;
}

int
cmd_import(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bundle b = { NULL, NULL, NULL };
	struct cert_info ci;
	struct io_err e;
	const char *pfile = NULL, *path, *why;
	unsigned char *buf = NULL;
	char	*name = NULL;
	size_t	len = 0;
	bool	force = false, good;
	int	c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': free(name); name = x_strdup(optarg); break;
		case 'p': pfile = optarg; break;
		case 'f': force = true; break;
		case 'h': free(name); return keys_help(argv[0], keys_usage_import);
		default:
			free(name);
			return keys_bad_usage(argv[0], keys_usage_import, NULL);
		}
	}
	if (argc - optind != 1) {
		free(name);
		return keys_bad_usage(argv[0], keys_usage_import,
		    "one FILE expected");
	}
	path = argv[optind];
	if (name == NULL)
		name = name_from_path(path);
	if (!orgcert_name_valid(name)) {
		rc = keys_err(EXIT_USER_ERR, "%s: not a valid name; give --name",
		    name);
		goto out;
	}
	if (!file_read(path, PEM_FILE_MAX, &buf, &len, &e)) {
		rc = keys_io_err(&e);
		goto out;
	}
	if (strstr((char *)buf, "-----BEGIN") != NULL)
		good = from_pem(buf, len, path, pfile, &b, &e);
	else
		good = from_pkcs12(buf, len, path, pfile, &b, &e);
	if (!good || b.key == NULL || !pick_leaf(&b, path, &e)) {
		if (good && b.key == NULL)
			io_fail(&e, EXIT_USER_ERR, "%s: no private key in it",
			    path);
		rc = keys_io_err(&e);
		goto out;
	}
	if ((rc = keys_private_dir(k)) != 0)
		goto out;
	if (!orgcert_save(k->private_dir, name, b.key, b.cert, b.chain, force,
	    &e)) {
		rc = keys_io_err(&e);
		goto out;
	}
	if (!cert_info_from_x509(b.cert, &ci, &why)) {
		rc = keys_err(EXIT_SYSTEM_ERR, "%s", why);
		goto out;
	}
	if (k->json) {
		printf("{\"name\": ");
		json_str(stdout, name);
		printf(", \"fingerprint\": \"%s\", \"subject\": ", ci.fingerprint);
		json_str(stdout, ci.subject);
		printf(", \"chain\": %d}\n", b.chain != NULL ?
		    sk_X509_num(b.chain) : 0);
	} else
		printf("imported %s: %s, %d chain certificate(s)\n"
		    "fingerprint %s\n", name, ci.subject, b.chain != NULL ?
		    sk_X509_num(b.chain) : 0, ci.fingerprint);
	cert_info_clear(&ci);
	rc = 0;
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	bundle_free(&b);
	free(name);
	return rc;
}
