/*
 * smime-in-bench - incoming S/MIME messages per second through
 * gatewarden's inbound engine (smime/inbound.h: what the milter runs at
 * end of message: MIME parse, CMS decrypt into a work file, the signed
 * content canonicalised, CMS_verify, the chain checked at signing time
 * and now, the signer against From, the unwrapped entity, the result
 * headers) next to the same work done directly with OpenSSL's CMS API in
 * one process (SMIME_read_CMS + CMS_decrypt, SMIME_read_CMS + CMS_verify
 * against the same store), for three kinds of message (encrypted;
 * signed detached; signed, then encrypted) of 10 KB, 100 KB and 1 MB, and
 * the ratio between the two.
 *
 *   smime-in-bench CA.pem SIGNER.pem SIGNER.key RECIPIENT.pem RECIPIENT.key
 *       [SECONDS-PER-CASE]
 *
 * The messages are made here with OpenSSL (RSA-2048 PKCS#1 v1.5 over
 * SHA-256, AES-256-CBC to one RSA recipient) around a multipart/mixed
 * entity with a text part and a base64 attachment. The engine's policy
 * decrypts, verifies and removes the signature.
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

#include "smime/inbound.h"

enum kind { K_ENCRYPTED, K_SIGNED, K_SIGNED_ENCRYPTED };

static const char *const kind_names[] = { "encrypted", "signed",
    "sign+enc" };

struct msg {
	FILE		*whole;		/* header and body, for OpenSSL */
	FILE		*body;		/* the body, for the engine */
	struct mime_header h[8];
	size_t		nh;
	char		*hbuf;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A multipart/mixed entity of about size bytes, CRLF. */
static BIO *
make_entity(size_t size)
{
	BIO	*b = BIO_new(BIO_s_mem());
	size_t	n, i;
	char	line[80];
	int	k;

	n = (size_t)BIO_printf(b, "Content-Type: multipart/mixed; "
	    "boundary=\"==b==\"\r\n\r\n--==b==\r\nContent-Type: text/plain\r\n"
	    "\r\nHello partner,\r\nthe figures are attached.\r\n\r\n--==b==\r\n"
	    "Content-Type: application/pdf; name=\"r.pdf\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	for (i = 0; n + 100 < size; i++) {
		for (k = 0; k < 76; k++)
			line[k] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr"
			    "stuvwxyz0123456789+/"[(i * 7 + (size_t)k) % 64];
		n += (size_t)BIO_write(b, line, 76);
		n += (size_t)BIO_write(b, "\r\n", 2);
	}
	BIO_printf(b, "--==b==--\r\n");
	return b;
}

/* in (an entity) signed detached or encrypted, as a MIME entity with
 * CRLF line ends; NULL on error. */
static BIO *
wrap(BIO *in, bool sign, X509 *cert, EVP_PKEY *key, STACK_OF(X509) *rcpts)
{
	BIO	*out = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms;
	int	fl = CMS_BINARY | CMS_STREAM | (sign ? CMS_DETACHED : 0);

	/* Streaming: the content is read once, while it is written. */
	cms = sign ? CMS_sign(cert, key, NULL, in, fl) :
	    CMS_encrypt(rcpts, in, EVP_aes_256_cbc(), fl);
	if (cms == NULL || !SMIME_write_CMS(out, cms, in, fl | SMIME_CRLFEOL)) {
		ERR_print_errors_fp(stderr);
		BIO_free(out);
		out = NULL;
	}
	CMS_ContentInfo_free(cms);
	return out;
}

/* The message: From/To/Subject, then the entity; split for the engine. */
static bool
make_msg(struct msg *m, BIO *entity)
{
	static const char top[] = "From: Sender <sender@example.org>\r\n"
	    "To: alice@partner.test\r\nSubject: bench\r\n";
	char	*data, *sep, *line, *next, *colon;
	long	len = BIO_get_mem_data(entity, &data);

	memset(m, 0, sizeof(m[0]));
	if ((sep = strstr(data, "\r\n\r\n")) == NULL || sep - data > 4000)
		return false;
	m->whole = tmpfile();
	m->body = tmpfile();
	fputs(top, m->whole);
	fwrite(data, 1, (size_t)len, m->whole);
	fwrite(sep + 4, 1, (size_t)(len - (sep + 4 - data)), m->body);
	fflush(m->whole);
	fflush(m->body);
	m->hbuf = malloc((size_t)(sep - data) + sizeof(top) + 3);
	snprintf(m->hbuf, (size_t)(sep - data) + sizeof(top) + 3, "%s%.*s\r\n",
	    top, (int)(sep - data), data);
	/* One field per line: SMIME_write_CMS does not fold. */
	for (line = m->hbuf; *line != '\0' && m->nh < 8; line = next) {
		if ((next = strstr(line, "\r\n")) == NULL)
			break;
		*next = '\0';
		next += 2;
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		m->h[m->nh].name = line;
		m->h[m->nh].value = colon + 1 + (colon[1] == ' ');
		m->nh++;
	}
	return true;
}

static void
msg_clear(struct msg *m)
{
	if (m->whole != NULL)
		fclose(m->whole);
	if (m->body != NULL)
		fclose(m->body);
	free(m->hbuf);
}

static int
engine_once(const struct inbound_policy *p, const struct smime_certificate *c,
    struct smime_signer **keys, X509_STORE *store, struct msg *m,
    const char *tmpdir)
{
	struct inbound_request rq = { 0 };
	struct inbound_result *r;
	struct smime_err err;
	int	rc = 0;

	smime_err_clear(&err);
	rewind(m->body);
	rq.policy = p;
	rq.certs = c;
	rq.ncerts = 1;
	rq.keys = keys;		/* the milter loads them once */
	rq.trust = store;
	rq.authserv_id = "mx.partner.test";
	rq.headers = m->h;
	rq.nheaders = m->nh;
	rq.body = m->body;
	rq.tmpdir = tmpdir;
	rq.now = (int64_t)time(NULL);
	if (inbound_process(&rq, &r, &err) < 0) {
		fprintf(stderr, "engine: %s\n", err.msg);
		return -1;
	}
	if (r->verdict != INV_PASS && r->verdict != INV_NONE) {
		fprintf(stderr, "engine: smime=%s (%s)\n",
		    inbound_verdict_name(r->verdict), r->reason);
		rc = -1;
	}
	inbound_result_free(r);
	return rc;
}

/* The plain OpenSSL way: decrypt what is encrypted, verify what is
 * signed (chain against the store), the content into a memory BIO. */
static int
openssl_once(enum kind k, X509 *cert, EVP_PKEY *key, X509_STORE *store,
    struct msg *m)
{
	BIO	*in, *mid = NULL, *dcont = NULL, *out = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms = NULL, *sig = NULL;
	int	ok = 0;

	rewind(m->whole);
	in = BIO_new_fp(m->whole, BIO_NOCLOSE);
	if (k != K_SIGNED) {
		mid = BIO_new(BIO_s_mem());
		if ((cms = SMIME_read_CMS(in, NULL)) == NULL ||
		    !CMS_decrypt(cms, key, cert, NULL, k == K_ENCRYPTED ? out :
		    mid, CMS_BINARY))
			goto done;
	}
	if (k != K_ENCRYPTED) {
		if ((sig = SMIME_read_CMS(k == K_SIGNED ? in : mid,
		    &dcont)) == NULL || CMS_verify(sig, NULL, store, dcont,
		    out, CMS_BINARY) <= 0)
			goto done;
	}
	ok = 1;
done:
	if (!ok)
		ERR_print_errors_fp(stderr);
	CMS_ContentInfo_free(cms);
	CMS_ContentInfo_free(sig);
	BIO_free(in);
	BIO_free(mid);
	BIO_free(dcont);
	BIO_free(out);
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

static EVP_PKEY *
read_key(const char *path)
{
	FILE	*f = fopen(path, "r");
	EVP_PKEY *k = NULL;

	if (f != NULL) {
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	return k;
}

static bool
build(enum kind k, size_t size, X509 *scert, EVP_PKEY *skey,
    STACK_OF(X509) *rcpts, struct msg *m)
{
	BIO	*e = make_entity(size), *s = NULL, *w;
	bool	okay;

	if (k == K_ENCRYPTED)
		w = wrap(e, false, NULL, NULL, rcpts);
	else if ((s = wrap(e, true, scert, skey, NULL)) == NULL)
		w = NULL;
	else
		w = k == K_SIGNED ? s : wrap(s, false, NULL, NULL, rcpts);
	okay = w != NULL && make_msg(m, w);
	if (w != s)
		BIO_free(w);
	BIO_free(s);
	BIO_free(e);
	return okay;
}

int
main(int argc, char **argv)
{
	static const size_t sizes[] = { 10 * 1024, 100 * 1024, 1024 * 1024 };
	static const char *const size_names[] = { "10KB", "100KB", "1MB" };
	struct inbound_policy p = { 0 };
	struct smime_certificate c = { 0 };
	struct smime_signer *key = NULL;
	struct smime_err err = { 0 };
	STACK_OF(X509) *rcpts = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	X509	*scert, *rcert;
	EVP_PKEY *skey, *rkey;
	double	budget = 1.0;
	char	tmpdir[] = "/tmp/smime-in-bench.XXXXXX";
	size_t	i;
	int	k, rc = 0;

	if (argc < 6) {
		fprintf(stderr, "usage: smime-in-bench CA.pem SIGNER.pem "
		    "SIGNER.key RECIPIENT.pem RECIPIENT.key [SECONDS]\n");
		return 1;
	}
	if (argc > 6)
		budget = atof(argv[6]);
	if (X509_STORE_load_file(store, argv[1]) != 1 ||
	    (scert = read_cert(argv[2])) == NULL ||
	    (skey = read_key(argv[3])) == NULL ||
	    (rcert = read_cert(argv[4])) == NULL ||
	    (rkey = read_key(argv[5])) == NULL || mkdtemp(tmpdir) == NULL) {
		fprintf(stderr, "smime-in-bench: cannot read the certificates "
		    "and keys\n");
		return 1;
	}
	sk_X509_push(rcpts, rcert);
	c.name = "bench";
	c.certificate = argv[4];
	c.key = argv[5];
	if (smime_signer_load(&c, &key, &err) < 0) {
		fprintf(stderr, "smime-in-bench: %s\n", err.msg);
		return 1;
	}
	p.name = "bench";
	p.decrypt = p.verify = true;
	p.signature = SIGKEEP_REMOVE;
	p.on_failure = INFAIL_TAG;
	p.max_size = 64ULL << 20;
	p.cpu_limit = 60;

	printf("%-10s %-8s %14s %14s %8s\n", "message", "size", "engine msg/s",
	    "openssl msg/s", "ratio");
	for (k = K_ENCRYPTED; k <= K_SIGNED_ENCRYPTED && rc == 0; k++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && rc == 0;
		    i++) {
			struct msg m;
			double	te = 0, to = 0, t0;
			unsigned ke = 0, ko = 0;

			if (!build((enum kind)k, sizes[i], scert, skey, rcpts,
			    &m)) {
				rc = 1;
				break;
			}
			/* Alternate rounds: both see the same load. */
			while (te + to < 2 * budget && rc == 0) {
				t0 = now();
				rc = engine_once(&p, &c, &key, store, &m,
				    tmpdir) < 0;
				te += now() - t0;
				ke++;
				t0 = now();
				rc |= openssl_once((enum kind)k, rcert, rkey,
				    store, &m) < 0;
				to += now() - t0;
				ko++;
			}
			if (rc == 0)
				printf("%-10s %-8s %14.1f %14.1f %8.2f\n",
				    kind_names[k], size_names[i], ke / te,
				    ko / to, (ko / to) / (ke / te));
			msg_clear(&m);
		}
	if (rc == 0)
		printf("ratio = openssl msg/s / engine msg/s (time through "
		    "the engine per message relative to plain OpenSSL)\n");
	rmdir(tmpdir);
	smime_signer_free(key);
	X509_STORE_free(store);
	X509_free(scert);
	EVP_PKEY_free(skey);
	EVP_PKEY_free(rkey);
	sk_X509_pop_free(rcpts, X509_free);
	return rc;
}
