/*
 * signer - see signer.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "lib/xalloc.h"
#include "smime/cms/signer.h"

#define PASS_MAX 1024

void
smime_cert_fingerprint(X509 *cert, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	out[0] = '\0';
	if (!X509_digest(cert, EVP_sha256(), md, &n))
		return;
	for (i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The first line of path, without its line end. */
static int
read_pass(const char *path, char *pass, struct smime_err *err)
{
	FILE	*f;
	size_t	n;

	pass[0] = '\0';
	if (path == NULL)
		return 0;
	/* "e": close-on-exec, since the daemon loads keys while other
	 * threads may start commands. */
	if ((f = fopen(path, "re")) == NULL) {
		smime_err_set(err, SMIME_TEMP, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fgets(pass, PASS_MAX, f) == NULL)
		pass[0] = '\0';
	fclose(f);
	n = strcspn(pass, "\r\n");
	pass[n] = '\0';
	return 0;
}

static FILE *
open_file(const char *path, struct smime_err *err)
{
	FILE	*f = fopen(path, "rbe");

	if (f == NULL)
		smime_err_set(err, SMIME_TEMP, "%s: %s", path, strerror(errno));
	return f;
}

static int
load_pem(const struct smime_certificate *c, struct smime_signer *s,
    const char *pass, struct smime_err *err)
{
	FILE	*f;
	X509	*x;
	const char *keyfile = c->key ? c->key : c->certificate;

	if ((f = open_file(c->certificate, err)) == NULL)
		return -1;
	s->cert = PEM_read_X509(f, NULL, NULL, NULL);
	while (s->cert != NULL && (x = PEM_read_X509(f, NULL, NULL, NULL)))
		sk_X509_push(s->chain, x);
	fclose(f);
	ERR_clear_error();	/* the end of the chain reads as an error */
	if (s->cert == NULL) {
		smime_err_set(err, SMIME_TEMP, "%s: no PEM certificate",
		    c->certificate);
		return -1;
	}
	if ((f = open_file(keyfile, err)) == NULL)
		return -1;
	s->key = PEM_read_PrivateKey(f, NULL, NULL, (void *)pass);
	fclose(f);
	if (s->key == NULL) {
		smime_err_ssl(err, SMIME_TEMP, "%s: cannot read the private key",
		    keyfile);
		return -1;
	}
	return 0;
}

static int
load_p12(const struct smime_certificate *c, struct smime_signer *s,
    const char *pass, struct smime_err *err)
{
	FILE	*f;
	PKCS12	*p12;
	STACK_OF(X509) *ca = NULL;
	int	ok;

	if ((f = open_file(c->pkcs12, err)) == NULL)
		return -1;
	p12 = d2i_PKCS12_fp(f, NULL);
	fclose(f);
	if (p12 == NULL) {
		smime_err_ssl(err, SMIME_TEMP, "%s: not PKCS#12", c->pkcs12);
		return -1;
	}
	ok = PKCS12_parse(p12, pass, &s->key, &s->cert, &ca);
	PKCS12_free(p12);
	if (!ok || s->key == NULL || s->cert == NULL) {
		sk_X509_pop_free(ca, X509_free);
		smime_err_ssl(err, SMIME_TEMP,
		    "%s: cannot open (wrong passphrase?)", c->pkcs12);
		return -1;
	}
	if (ca != NULL) {
		sk_X509_pop_free(s->chain, X509_free);
		s->chain = ca;
	}
	return 0;
}

int
smime_signer_load(const struct smime_certificate *c, struct smime_signer **out,
    struct smime_err *err)
{
	struct smime_signer *s = x_calloc(1, sizeof(*s));
	char	pass[PASS_MAX];
	int	r;

	*out = NULL;
	s->chain = sk_X509_new_null();
	if (read_pass(c->passphrase_file, pass, err) < 0) {
		smime_signer_free(s);
		return -1;
	}
	if (c->pkcs12 != NULL)
		r = load_p12(c, s, pass, err);
	else if (c->certificate != NULL)
		r = load_pem(c, s, pass, err);
	else {
		smime_err_set(err, SMIME_TEMP,
		    "certificate %s: neither PEM files nor PKCS#12",
		    c->name ? c->name : "?");
		r = -1;
	}
	OPENSSL_cleanse(pass, sizeof(pass));
	if (r == 0 && !X509_check_private_key(s->cert, s->key)) {
		smime_err_ssl(err, SMIME_TEMP,
		    "certificate %s: the key does not match the certificate",
		    c->name ? c->name : "?");
		r = -1;
	}
	if (r < 0) {
		smime_signer_free(s);
		return -1;
	}
	smime_cert_fingerprint(s->cert, s->fingerprint);
	*out = s;
	return 0;
}

void
smime_signer_free(struct smime_signer *s)
{
	if (s == NULL)
		return;
	X509_free(s->cert);
	EVP_PKEY_free(s->key);
	sk_X509_pop_free(s->chain, X509_free);
	free(s);
}
