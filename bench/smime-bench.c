/*
 * smime-bench - S/MIME in one process: messages per second through
 * gatewarden's outbound engine (smime/outbound: MIME parse,
 * canonicalization, streaming CMS into a spool file) next to the same
 * work done directly with OpenSSL's CMS API (CMS_sign detached +
 * SMIME_write_CMS; CMS_encrypt + SMIME_write_CMS; both in turn for
 * sign-encrypt), and the ratio between the two.
 *
 *   smime-bench [-k LABEL] [-o "OPS..."] [-z "BYTES..."] [-r ROUNDS]
 *               SIGNER.pem SIGNER.key RECIPIENT.pem [SECONDS-PER-ROUND]
 *
 * OPS: sign, encrypt, sign-encrypt (default all three); BYTES: message
 * sizes (default 10240 102400 1048576); ROUNDS (default 3) of SECONDS
 * each (default 1; at least one message per path and round) per
 * operation and size, the two paths alternating message by message so
 * that both see the same machine load. LABEL names the signing key in
 * the output (default rsa2048). Signatures are SHA-256 (PKCS#1 v1.5 for
 * RSA, ECDSA for EC keys), detached (multipart/signed); encryption is
 * AES-256-CBC enveloped-data to RECIPIENT; input a multipart/mixed
 * message with a text part and a base64 attachment, output written to a
 * temporary file.
 *
 * Prints one line per operation and size:
 *   smime-inproc size=B op=O key=K rounds=N engine_msgs_per_s=MED
 *     openssl_msgs_per_s=MED ratio=MED min=X max=Y spread_pct=P
 * where ratio is engine over OpenSSL msgs/s, from the same round (the
 * goal is >= 0.8), min/max/spread_pct those of ratio over the rounds.
 * Exits 0, 1 on a failure, 2 on a usage error.
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

/* The plain OpenSSL way: sign the body file detached as
 * multipart/signed, encrypt it, or sign into a memory BIO and encrypt
 * that into the output file. */
static int
openssl_once(enum smime_mode mode, const struct smime_signer *s,
    STACK_OF(X509) *rcpts, FILE *body, FILE *out)
{
	BIO	*in, *mid = NULL, *o;
	CMS_ContentInfo *sig = NULL, *env = NULL;
	int	ok = 0;

	rewind(body);
	rewind(out);
	in = BIO_new_fp(body, BIO_NOCLOSE);
	o = BIO_new_fp(out, BIO_NOCLOSE);
	if (mode == SMIME_ENCRYPT) {
		mid = in;
		in = NULL;
	} else {
		mid = mode == SMIME_SIGN ? o : BIO_new(BIO_s_mem());
		sig = CMS_sign(s->cert, s->key, NULL, in,
		    CMS_DETACHED | CMS_BINARY | CMS_STREAM);
		if (sig == NULL || !SMIME_write_CMS(mid, sig, in,
		    CMS_DETACHED | CMS_BINARY | CMS_STREAM))
			goto done;
	}
	if (mode != SMIME_SIGN) {
		env = CMS_encrypt(rcpts, mid, EVP_aes_256_cbc(),
		    CMS_BINARY | CMS_STREAM);
		if (env == NULL || !SMIME_write_CMS(o, env, mid,
		    CMS_BINARY | CMS_STREAM))
			goto done;
	}
	ok = BIO_flush(o) > 0;
done:
	if (!ok)
		ERR_print_errors_fp(stderr);
	CMS_ContentInfo_free(sig);
	CMS_ContentInfo_free(env);
	BIO_free(in);
	if (mid != o)
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

static const struct {
	const char	*name;
	enum smime_mode	mode;
} ops[] = {
	{ "sign", SMIME_SIGN },
	{ "encrypt", SMIME_ENCRYPT },
	{ "sign-encrypt", SMIME_SIGN_ENCRYPT },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))
#define MAX_ROUNDS 100

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One operation at one size: rounds of budget seconds, printed. */
static int
run_case(struct sending_profile *p, const struct smime_signer *s, X509 *rcpt,
    STACK_OF(X509) *rcpts, const char *op, const char *label, size_t size,
    int rounds, double budget)
{
	FILE	*body = make_body(size), *out = tmpfile();
	double	re[MAX_ROUNDS], ro[MAX_ROUNDS], ra[MAX_ROUNDS], sorted[MAX_ROUNDS];
	double	te, to, t0, mn, mx, med;
	unsigned ke, ko;
	int	r, rc = -1;

	if (body == NULL || out == NULL)
		goto done;
	for (r = 0; r < rounds; r++) {
		te = to = 0;
		ke = ko = 0;
		while (ke == 0 || te + to < budget) {
			t0 = now();
			if (engine_once(p, s, rcpt, body, out) < 0)
				goto done;
			te += now() - t0;
			ke++;
			t0 = now();
			if (openssl_once(p->mode, s, rcpts, body, out) < 0)
				goto done;
			to += now() - t0;
			ko++;
		}
		re[r] = ke / te;
		ro[r] = ko / to;
		ra[r] = re[r] / ro[r];
	}
	memcpy(sorted, ra, sizeof(double) * (size_t)rounds);
	med = median(sorted, rounds);
	mn = sorted[0];
	mx = sorted[rounds - 1];
	printf("smime-inproc size=%zu op=%s key=%s rounds=%d "
	    "engine_msgs_per_s=%.2f openssl_msgs_per_s=%.2f ratio=%.3f "
	    "min=%.3f max=%.3f spread_pct=%.1f\n", size, op, label, rounds,
	    median(re, rounds), median(ro, rounds), med, mn, mx,
	    med > 0 ? 100 * (mx - mn) / med : 0.0);
	fflush(stdout);
	rc = 0;
done:
	if (body != NULL)
		fclose(body);
	if (out != NULL)
		fclose(out);
	return rc;
}

int
main(int argc, char **argv)
{
	struct sending_profile p = { 0 };
	struct smime_certificate c = { 0 };
	struct smime_signer *s = NULL;
	struct smime_err err;
	STACK_OF(X509) *rcpts = sk_X509_new_null();
	X509	*rcpt;
	const char *label = "rsa2048", *opl = "sign encrypt sign-encrypt";
	const char *sizes = "10240 102400 1048576";
	char	*list, *w, *save;
	double	budget = 1.0;
	int	rounds = 3, ch, rc = 0;
	size_t	i;

	while ((ch = getopt(argc, argv, "k:o:z:r:")) != -1) {
		switch (ch) {
		case 'k': label = optarg; break;
		case 'o': opl = optarg; break;
		case 'z': sizes = optarg; break;
		case 'r': rounds = atoi(optarg); break;
		default: goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3 || rounds < 1 || rounds > MAX_ROUNDS)
		goto usage;
	if (argc > 3)
		budget = atof(argv[3]);
	c.name = "bench";
	c.certificate = argv[0];
	c.key = argv[1];
	smime_err_clear(&err);
	if (smime_signer_load(&c, &s, &err) < 0 ||
	    (rcpt = read_cert(argv[2])) == NULL) {
		fprintf(stderr, "smime-bench: %s\n", err.msg[0] ? err.msg :
		    "cannot read the recipient certificate");
		return 1;
	}
	sk_X509_push(rcpts, rcpt);
	p.name = "bench";
	p.sign_mode = SIGN_DETACHED;
	p.cipher = CIPHER_AES256_CBC;
	p.digest = DIGEST_SHA256;
	p.include_chain = true;

	if ((list = strdup(opl)) == NULL)
		return 1;
	for (w = strtok_r(list, " ", &save); w != NULL && rc == 0;
	    w = strtok_r(NULL, " ", &save)) {
		char	*zl, *z, *zsave;

		for (i = 0; i < NOPS && strcmp(ops[i].name, w) != 0; i++)
			;
		if (i == NOPS) {
			fprintf(stderr, "smime-bench: unknown operation %s\n", w);
			rc = 2;
			break;
		}
		p.mode = ops[i].mode;
		if ((zl = strdup(sizes)) == NULL) {
			rc = 1;
			break;
		}
		for (z = strtok_r(zl, " ", &zsave);
		    z != NULL && rc == 0; z = strtok_r(NULL, " ", &zsave))
			if (run_case(&p, s, rcpt, rcpts, w, label,
			    strtoul(z, NULL, 10), rounds, budget) < 0)
				rc = 1;
		free(zl);
	}
	free(list);
	smime_signer_free(s);
	sk_X509_pop_free(rcpts, X509_free);
	return rc;
usage:
	fprintf(stderr, "usage: smime-bench [-k LABEL] [-o OPS] [-z SIZES] "
	    "[-r ROUNDS] SIGNER.pem SIGNER.key RECIPIENT.pem [SECONDS]\n");
	return 2;
}
