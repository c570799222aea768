/*
 * keys_csr - `gatewarden-keys csr` (a PKCS#10 request for an existing key
 * and subject) and `install-signed` (the CA-signed certificate and its
 * chain in place of the self-signed one, after checking that it belongs
 * to the private key; the chain written in chain order, whatever the
 * order of the CA's answer: chain_order.h).
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "smime/x509/cert_info.h"
#include "smime/x509/chain_order.h"
#include "smime/keys/keys.h"
#include "smime/x509/orgcert.h"
#include "smime/x509/x509_build.h"

const char keys_usage_csr[] =
"csr NAME [--out FILE]\n"
"  Writes a certificate signing request (PEM) for NAME's private key,\n"
"  with the subject, alternative names and key usage of NAME.crt, to\n"
"  FILE (default: standard output; with --json as the member \"pem\").\n"
"  Send it to the CA; install the answer with install-signed.\n"
"  --out FILE     write here instead of standard output\n"
"  --force        replace an existing FILE\n";

const char keys_usage_install_signed[] =
"install-signed NAME FILE [--with-root]\n"
"  Installs the certificate that a CA signed for NAME's key, with the\n"
"  intermediate certificates in FILE (PEM, any order), as NAME.crt:\n"
"  the certificate, then its issuer, that one's issuer, and so on.\n"
"  Refuses a file with no certificate for NAME's private key. The old\n"
"  certificate is kept as NAME.crt.old.\n"
"  --with-root    keep the self-signed root at the end of the chain\n"
"                 (left out by default: peers have their own copy)\n";

int
cmd_csr(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *why;
	struct io_err e;
	X509_REQ *req = NULL;
	EVP_PKEY *key = NULL;
	X509	*x = NULL;
	BIO	*b = NULL;
	char	*data;
	long	len;
	bool	force = false;
	int	c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'f': force = true; break;
		case 'h': return keys_help(argv[0], keys_usage_csr);
		default: return keys_bad_usage(argv[0], keys_usage_csr, NULL);
		}
	}
	if (argc - optind != 1)
		return keys_bad_usage(argv[0], keys_usage_csr, "one NAME expected");
	if (!orgcert_load(k->private_dir, argv[optind], &x, NULL, &key, &e))
		return keys_io_err(&e);
	if (!orgcert_key_matches(x, key)) {
		rc = keys_err(EXIT_USER_ERR, "%s: the key does not match the "
		    "certificate", argv[optind]);
		goto done;
	}
	if ((req = csr_from_cert(x, key, &why)) == NULL) {
		rc = keys_err(EXIT_SYSTEM_ERR, "%s", why);
		goto done;
	}
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_X509_REQ(b, req)) {
		rc = keys_err(EXIT_SYSTEM_ERR, "cannot encode the request");
		goto done;
	}
	len = BIO_get_mem_data(b, &data);
	if (out == NULL || strcmp(out, "-") == 0) {
		if (k->json) {
			printf("{\"name\": ");
			json_str(stdout, argv[optind]);
			printf(", \"request\": \"-\", ");
		}
		keys_pem_stdout(k, data, (size_t)len);
		rc = 0;
	} else if (!pem_write_file(out, data, (size_t)len, 0644, force, &e))
		rc = keys_io_err(&e);
	else {
		rc = 0;
		if (!k->json)
			printf("wrote the request for %s to %s\n", argv[optind],
			    out);
	}
	if (rc == 0 && k->json && out != NULL && strcmp(out, "-") != 0) {
		printf("{\"name\": ");
		json_str(stdout, argv[optind]);
		printf(", \"request\": ");
		json_str(stdout, out);
		printf("}\n");
	}
done:
	BIO_free(b);
	X509_REQ_free(req);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

/* Copies NAME.crt to NAME.crt.old before it is replaced. */
static bool
keep_old(const char *dir, const char *name, struct io_err *e)
{
	char	*cp = orgcert_path(dir, name, "crt");
	char	*op = orgcert_path(dir, name, "crt.old");
	unsigned char *buf;
	size_t	len;
	bool	good;

	good = file_read(cp, PEM_FILE_MAX, &buf, &len, e);
	if (good) {
		good = pem_write_file(op, buf, len, 0644, true, e);
		free(buf);
	}
	free(cp);
	free(op);
	return good;
}

int
cmd_install_signed(struct keys *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "with-root", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct chain_order co;
	STACK_OF(X509) *sk = NULL;
	struct cert_info ci;
	struct io_err e;
	EVP_PKEY *key = NULL;
	X509	*old = NULL, *leaf = NULL;
	const char *name, *why;
	bool	with_root = false;
	int	c, i, rc;

	memset(&co, 0, sizeof(co));
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': with_root = true; break;
		case 'h': return keys_help(argv[0], keys_usage_install_signed);
		default: return keys_bad_usage(argv[0],
		    keys_usage_install_signed, NULL);
		}
	}
	if (argc - optind != 2)
		return keys_bad_usage(argv[0], keys_usage_install_signed,
		    "NAME and FILE expected");
	name = argv[optind];
	if (!orgcert_load(k->private_dir, name, &old, NULL, &key, &e))
		return keys_io_err(&e);
	if ((sk = certs_read(argv[optind + 1], &e)) == NULL) {
		rc = keys_io_err(&e);
		goto done;
	}
	for (i = 0; i < sk_X509_num(sk); i++)
		if (orgcert_key_matches(sk_X509_value(sk, i), key)) {
			leaf = sk_X509_delete(sk, i);
			break;
		}
	if (leaf == NULL) {
		rc = keys_err(EXIT_USER_ERR, "%s: no certificate in it matches "
		    "the private key of %s: refused", argv[optind + 1], name);
		goto done;
	}
	if (!chain_order(leaf, sk, with_root, &co)) {
		rc = keys_err(EXIT_SYSTEM_ERR, "out of memory");
		goto done;
	}
	if (!keep_old(k->private_dir, name, &e) ||
	    !orgcert_save(k->private_dir, name, NULL, leaf, co.issuers, true,
	    &e)) {
		rc = keys_io_err(&e);
		goto done;
	}
	if (!cert_info_from_x509(leaf, &ci, &why)) {
		rc = keys_err(EXIT_SYSTEM_ERR, "%s", why);
		goto done;
	}
	if (co.root_left_out)
		keys_err(0, "%s: the root certificate is left out (peers have "
		    "their own; --with-root keeps it)", argv[optind + 1]);
	if (co.unrelated > 0)
		keys_err(0, "%s: %d certificate(s) left out: not issuers of the "
		    "chain of %s", argv[optind + 1], co.unrelated, name);
	if (k->json) {
		printf("{\"name\": ");
		json_str(stdout, name);
		printf(", \"fingerprint\": \"%s\", \"issuer\": ", ci.fingerprint);
		json_str(stdout, ci.issuer);
		printf(", \"chain\": %d, \"intermediates\": %d, \"root\": %s, "
		    "\"left_out\": %d}\n", sk_X509_num(co.issuers),
		    co.intermediates, co.root_kept ? "true" : "false",
		    co.unrelated + (co.root_left_out ? 1 : 0));
	} else
		printf("installed %s: issued by %s, %d intermediate "
		    "certificate(s)%s\nfingerprint %s\n", name, ci.issuer,
		    co.intermediates, co.root_kept ? " and the root" : "",
		    ci.fingerprint);
	cert_info_clear(&ci);
	rc = 0;
done:
	chain_order_clear(&co);
	X509_free(leaf);
	X509_free(old);
	sk_X509_pop_free(sk, X509_free);
	EVP_PKEY_free(key);
	return rc;
}
