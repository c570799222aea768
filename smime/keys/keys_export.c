/*
 * keys_export - `gatewarden-keys export`: an organisation certificate as
 * PKCS#12 (with its key and chain, protected by a passphrase: see
 * p12_build.h for why it is built the way it is) or as
 * PEM (the certificate and chain, the key only when asked).
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/pkcs12.h>

#include "smime/keys/keys.h"
#include "smime/x509/orgcert.h"
#include "smime/x509/p12_build.h"

const char keys_usage_export[] =
"export NAME --out FILE [--format pkcs12|pem] [--with-key]\n"
"       [--passphrase-file PFILE] [--cipher aes-256-cbc|aes-128-cbc] [--force]\n"
"  Exports the organisation certificate NAME. pkcs12 (default): the\n"
"  certificate, its chain and its private key, protected by the\n"
"  passphrase of PFILE's first line (else asked twice on the terminal).\n"
"  pem: the certificate and chain; with --with-key the private key too\n"
"  (unencrypted; the file is made mode 0600). FILE '-' is standard\n"
"  output (pem only; with --json as the member \"pem\"). --cipher protects the key in the PKCS#12 file;\n"
"  aes-128-cbc for GnuPG 2.2's gpgsm, which cannot read AES-256 there.\n";

static int
export_p12(struct keys *k, const char *name, X509 *cert,
    STACK_OF(X509) *chain, EVP_PKEY *key, const char *out, const char *pfile,
    bool aes128, bool force)
{
	char	pass[KEYS_PASSPHRASE_MAX];
	struct io_err e;
	unsigned char *der = NULL;
	PKCS12	*p12 = NULL;
	int	len, rc;

	if (!keys_passphrase(pfile, "Passphrase for the PKCS#12 file", true,
	    pass, sizeof(pass), &e))
		return keys_io_err(&e);
	if (pass[0] == '\0') {
		rc = keys_err(EXIT_USER_ERR, "an empty passphrase does not "
		    "protect a private key");
		goto out;
	}
	p12 = p12_build(pass, name, key, cert, chain, aes128);
	if (p12 == NULL || (len = i2d_PKCS12(p12, &der)) <= 0) {
		rc = keys_err(EXIT_SYSTEM_ERR, "cannot make the PKCS#12 file");
		goto out;
	}
	if (!pem_write_file(out, der, (size_t)len, 0600, force, &e)) {
		rc = keys_io_err(&e);
		goto out;
	}
	if (k->json) {
		printf("{\"name\": ");
		json_str(stdout, name);
		printf(", \"format\": \"pkcs12\", \"file\": ");
		json_str(stdout, out);
		printf("}\n");
	} else
		printf("exported %s with its key to %s (PKCS#12)\n", name, out);
	rc = 0;
out:
	OPENSSL_cleanse(pass, sizeof(pass));
	OPENSSL_free(der);
	PKCS12_free(p12);
	return rc;
}

static int
export_pem(struct keys *k, const char *name, X509 *cert,
    STACK_OF(X509) *chain, EVP_PKEY *key, const char *out, bool force)
{
	STACK_OF(X509) *all = sk_X509_dup(chain);
	struct io_err e;
	char	*certs = NULL, *kp = NULL, *data = NULL;
	size_t	clen = 0, klen = 0;
	int	rc = EXIT_SYSTEM_ERR;

	if (all == NULL || !sk_X509_unshift(all, cert) ||
	    (certs = certs_pem(all, &clen)) == NULL ||
	    (key != NULL && (kp = key_pem(key, &klen)) == NULL)) {
		rc = keys_err(EXIT_SYSTEM_ERR, "cannot encode %s", name);
		goto out;
	}
	data = malloc(clen + klen + 1);
	if (data == NULL)
		goto out;
	memcpy(data, certs, clen);
	if (kp != NULL)
		memcpy(data + clen, kp, klen);
	if (strcmp(out, "-") == 0) {
		if (k->json) {
			printf("{\"name\": ");
			json_str(stdout, name);
			printf(", \"format\": \"pem\", \"with_key\": %s, "
			    "\"file\": \"-\", ", key != NULL ? "true" : "false");
		}
		keys_pem_stdout(k, data, clen + klen);
		rc = 0;
		goto out;
	}
	if (!pem_write_file(out, data, clen + klen, key != NULL ? 0600 : 0644,
	    force, &e)) {
		rc = keys_io_err(&e);
		goto out;
	}
	if (k->json) {
		printf("{\"name\": ");
		json_str(stdout, name);
		printf(", \"format\": \"pem\", \"with_key\": %s, \"file\": ",
		    key != NULL ? "true" : "false");
		json_str(stdout, out);
		printf("}\n");
	} else
		printf("exported %s%s to %s (PEM)\n", name,
		    key != NULL ? " with its key" : "", out);
	rc = 0;
out:
	if (kp != NULL)
		OPENSSL_cleanse(kp, klen);
	if (data != NULL)
		OPENSSL_cleanse(data, clen + klen);
	free(kp);
	free(data);
	free(certs);
	sk_X509_free(all);
	return rc;
}

int
cmd_export(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "with-key", no_argument, NULL, 'K' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "cipher", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *pfile = NULL, *format = "pkcs12";
	const char *cipher = "aes-256-cbc";
	STACK_OF(X509) *chain = NULL;
	struct io_err e;
	EVP_PKEY *key = NULL;
	X509	*cert = NULL;
	bool	with_key = false, force = false, p12;
	int	c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'F': format = optarg; break;
		case 'K': with_key = true; break;
		case 'p': pfile = optarg; break;
		case 'c': cipher = optarg; break;
		case 'f': force = true; break;
		case 'h': return keys_help(argv[0], keys_usage_export);
		default: return keys_bad_usage(argv[0], keys_usage_export, NULL);
		}
	}
	if (argc - optind != 1 || out == NULL)
		return keys_bad_usage(argv[0], keys_usage_export,
		    "NAME and --out FILE expected");
	if (strcmp(format, "pkcs12") != 0 && strcmp(format, "pem") != 0)
		return keys_bad_usage(argv[0], keys_usage_export,
		    "--format is pkcs12 or pem");
	if (strcmp(cipher, "aes-256-cbc") != 0 &&
	    strcmp(cipher, "aes-128-cbc") != 0)
		return keys_bad_usage(argv[0], keys_usage_export,
		    "--cipher is aes-256-cbc or aes-128-cbc");
	p12 = strcmp(format, "pkcs12") == 0;
	if (p12 && strcmp(out, "-") == 0)
		return keys_err(EXIT_USER_ERR, "PKCS#12 is binary: give --out "
		    "FILE");
	if (!orgcert_load(k->private_dir, argv[optind], &cert, &chain,
	    p12 || with_key ? &key : NULL, &e))
		return keys_io_err(&e);
	if (p12)
		rc = export_p12(k, argv[optind], cert, chain, key, out, pfile,
		    strcmp(cipher, "aes-128-cbc") == 0, force);
	else
		rc = export_pem(k, argv[optind], cert, chain, key, out, force);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	EVP_PKEY_free(key);
	return rc;
}
