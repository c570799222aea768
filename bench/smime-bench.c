/*
 * smime-bench - signed+encrypted messages per second through gatewarden's
 * outbound engine (smime/outbound: MIME parse, canonicalization, streaming
 * CMS into a spool file) next to the same work done directly with
 * OpenSSL's CMS API in one process (CMS_sign detached + SMIME_write_CMS,
 * then CMS_encrypt + SMIME_write_CMS), for 10 KB, 100 KB and 1 MB
 * messages, and the ratio between the two.
 *
 *   smime-bench SIGNER.pem SIGNER.key RECIPIENT.pem [SECONDS-PER-CASE]
 *
 * Both paths: RSA-2048 PKCS#1 v1.5 signature over SHA-256, detached
 * (multipart/signed), then AES-256-CBC enveloped-data to one RSA
 * recipient; input a multipart/mixed message with a text part and a
 * base64 attachment, output written to a temporary file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "smime/outbound.h"

static const struct mime_header headers[] = {
	{ "From", "Sender <sender@example.org>" },
	{ "To", "alice@partner.test" },
	{ "Subject", "bench" },
	{ "MIME-Version", "1.0" },
	{ "Content-Type", "multipart/mixed; boundary=\"==b==\"" },
};
#define NHEADERS (sizeof(headers) / sizeof(headers[0]))

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A body of about size bytes: a short text part, a base64 attachment. */
static FILE *
make_body(size_t size)
{
	FILE	*f = tmpfile();
	size_t	n = 0, i;
	char	line[80];

	if (f == NULL)
		return NULL;
	n += (size_t)fprintf(f, "--==b==\r\nContent-Type: text/plain\r\n\r\n"
	    "Hello partner,\r\nthe figures are attached.\r\n\r\n--==b==\r\n"
	    "Content-Type: application/pdf; name=\"r.pdf\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	for (i = 0; n + 100 < size; i++) {
		int	k;

		for (k = 0; k < 76; k++)
			line[k] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(i * 7 + (size_t)k) % 64];
		n += fwrite(line, 1, 76, f);
		n += fwrite("\r\n", 1, 2, f);
	}
	fprintf(f, "--==b==--\r\n");
	fflush(f);
	return f;
}

static int
engine_once(const struct sending_profile *p, const struct smime_signer *s,
    X509 *rcpt, FILE *body, FILE *out)
{
	struct outbound_recipient r = { "alice@partner.test", rcpt };
	struct outbound_request rq = { p, s, NULL, &r, 1, headers, NHEADERS,
	    body, out };
	struct outbound_result *res;
	struct smime_err err;

	smime_err_clear(&err);
	rewind(out);
	if (outbound_process(&rq, &res, &err) < 0) {
		fprintf(stderr, "engine: %s\n", err.msg);
		return -1;
	}
	outbound_result_free(res);
	return 0;
}

/* The plain OpenSSL way: sign the body file detached into a memory BIO
 * as multipart/signed, then encrypt that into the output file. */
static int
openssl_once(const struct smime_signer *s, STACK_OF(X509) *rcpts, FILE *body,
    FILE *out)
{
	BIO	*in, *mid, *o;
	CMS_ContentInfo *sig = NULL, *env = NULL;
	int	ok = 0;

	rewind(body);
	rewind(out);
	in = BIO_new_fp(body, BIO_NOCLOSE);
	mid = BIO_new(BIO_s_mem());
	o = BIO_new_fp(out, BIO_NOCLOSE);
	sig = CMS_sign(s->cert, s->key, NULL, in,
	    CMS_DETACHED | CMS_BINARY | CMS_STREAM);
	if (sig == NULL || !SMIME_write_CMS(mid, sig, in,
	    CMS_DETACHED | CMS_BINARY | CMS_STREAM))
		goto done;
	env = CMS_encrypt(rcpts, mid, EVP_aes_256_cbc(),
	    CMS_BINARY | CMS_STREAM);
	if (env == NULL || !SMIME_write_CMS(o, env, mid,
	    CMS_BINARY | CMS_STREAM))
		goto done;
	ok = BIO_flush(o) > 0;
done:
	if (!ok)
		ERR_print_errors_fp(stderr);
	CMS_ContentInfo_free(sig);
	CMS_ContentInfo_free(env);
	BIO_free(in);
	BIO_free(mid);
	BIO_free(o);
	return ok ? 0 : -1;
}

static X509 *
read_cert(const char *path)
{
	FILE	*f = fopen(path, "r");
	X509	*x = NULL;

	if (f != NULL) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	return x;
}

int
main(int argc, char **argv)
{
	static const size_t sizes[] = { 10 * 1024, 100 * 1024, 1024 * 1024 };
	struct sending_profile p = { 0 };
	struct smime_certificate c = { 0 };
	struct smime_signer *s = NULL;
	struct smime_err err;
	STACK_OF(X509) *rcpts = sk_X509_new_null();
	X509	*rcpt;
	double	budget = 2.0, t0, rate_e, rate_o;
	size_t	i;
	unsigned k_e, k_o;

	if (argc < 4) {
		fprintf(stderr, "usage: smime-bench SIGNER.pem SIGNER.key "
		    "RECIPIENT.pem [SECONDS]\n");
		return 1;
	}
	if (argc > 4)
		budget = atof(argv[4]);
	c.name = "bench";
	c.certificate = argv[1];
	c.key = argv[2];
	smime_err_clear(&err);
	if (smime_signer_load(&c, &s, &err) < 0 ||
	    (rcpt = read_cert(argv[3])) == NULL) {
		fprintf(stderr, "smime-bench: %s\n", err.msg[0] ? err.msg :
		    "cannot read the recipient certificate");
		return 1;
	}
	sk_X509_push(rcpts, rcpt);
	p.name = "bench";
	p.mode = SMIME_SIGN_ENCRYPT;
	p.sign_mode = SIGN_DETACHED;
	p.cipher = CIPHER_AES256_CBC;
	p.digest = DIGEST_SHA256;
	p.include_chain = true;

	printf("%-8s %14s %14s %8s\n", "size", "engine msg/s", "openssl msg/s",
	    "ratio");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		FILE	*body = make_body(sizes[i]), *out = tmpfile();

		if (body == NULL || out == NULL)
			return 1;
		/* Alternate short rounds so that both paths see the same
		 * machine load (two shared cores). */
		double	te = 0, to = 0;

		k_e = k_o = 0;
		while (te + to < 2 * budget) {
			t0 = now();
			if (engine_once(&p, s, rcpt, body, out) < 0)
				return 1;
			te += now() - t0;
			k_e++;
			t0 = now();
			if (openssl_once(s, rcpts, body, out) < 0)
				return 1;
			to += now() - t0;
			k_o++;
		}
		rate_e = k_e / te;
		rate_o = k_o / to;
		printf("%-8s %14.1f %14.1f %8.2f\n", i == 0 ? "10KB" :
		    i == 1 ? "100KB" : "1MB", rate_e, rate_o, rate_o / rate_e);
		fclose(body);
		fclose(out);
	}
	printf("ratio = openssl msg/s / engine msg/s (time through the "
	    "engine per message relative to plain OpenSSL)\n");
	smime_signer_free(s);
	sk_X509_pop_free(rcpts, X509_free);
	return 0;
}
