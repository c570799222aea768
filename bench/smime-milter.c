/*
 * smime-milter - messages per second through a milter without an MTA:
 * the MTA's side of the protocol (milter-client) sends each message on
 * its own connection, so that the figure is the milter's own cost (for
 * gatewarden with an S/MIME rule: parse, canonicalize, CMS, the new body
 * sent back) and not Postfix's.
 *
 *   smime-milter [-c CONCURRENT] [-m MESSAGES] [-z BYTES] [-w SECONDS]
 *                [-e] [-f FILE [-x BYTES] [-a HEADERS]
 *                [-O decrypt -C CERT -K KEY | -O verify -A CAFILE]] SPEC
 *   smime-milter -P [-z BYTES]
 *
 * CONCURRENT threads (default 1) share MESSAGES messages (default 20) of
 * about BYTES bytes (default 10240): a multipart/mixed with a short text
 * part and a base64 attachment, from gateway@load.bench.gatewarden.test
 * (client 127.0.0.1) to bob@sink.bench.gatewarden.test. SPEC is the
 * milter's socket (unix:/path or inet:PORT@HOST). -e: a message counts
 * as done only when the milter replaced its body (an S/MIME rule applied);
 * else when the milter accepted or continued it.
 *
 * -f: the message in FILE instead (headers, an empty line, the body; LF
 * or CRLF lines, sent as CRLF), as made by openssl cms for incoming
 * S/MIME. -x: done only when the milter replaced the body with exactly
 * BYTES bytes (the decrypted or unwrapped content); -a: and added at
 * least HEADERS header fields (the verdict headers). -O: after the
 * milter, the same operation on the same message MESSAGES times with
 * OpenSSL's CMS API in this process (SMIME_read_CMS + CMS_decrypt with
 * CERT and KEY, or SMIME_read_CMS + CMS_verify against CAFILE; output
 * to a null BIO). -P: print the generated
 * message's entity (its Content-Type and body) and exit, the content
 * that openssl cms then encrypts or signs.
 *
 * Prints one line of fixed key=value fields:
 *   smime-milter msgs=N ok=N failed=N seconds=S msgs_per_s=R mib_per_s=R
 *     p50_ms=L p99_ms=L body_out_ratio=R [openssl_msgs_per_s=R]
 * (body_out_ratio: body bytes the milter sent back over body bytes sent;
 * openssl_msgs_per_s with -O, 0 when one OpenSSL run failed)
 * and exits 0 when every message was done, 1 when one was not (the first
 * failure goes to standard error), 2 on a usage error.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfdef.h>
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "bench/milter-client.h"

static struct {
	unsigned	concurrent, messages;
	size_t		size;
	int		timeout, expect_body, print_entity;
	long		expect_bytes, expect_headers;
	const char	*spec, *file, *op, *cert, *key, *cafile;
} opt = { 1, 20, 10240, 120, 0, 0, -1, 0, NULL, NULL, NULL, NULL, NULL,
    NULL };

static const struct mc_header gen_headers[] = {
	{ "From", "Gateway <gateway@load.bench.gatewarden.test>" },
	{ "To", "bob@sink.bench.gatewarden.test" },
	{ "Subject", "bench" },
	{ "Message-ID", "<bench@load.bench.gatewarden.test>" },
	{ "MIME-Version", "1.0" },
	{ "Content-Type", "multipart/mixed; boundary=\"==b==\"" },
};
static const char *const rcpts[] = { "<bob@sink.bench.gatewarden.test>" };

static const struct mc_header *headers = gen_headers;
static size_t	nheaders = sizeof(gen_headers) / sizeof(gen_headers[0]);
static unsigned char *body;
static size_t	body_len;
/* -f: the file as read, and its header fields (pointers into hbuf). */
static char	*raw, *hbuf;
static size_t	raw_len;
static struct mc_header *file_headers;
static atomic_uint next_msg, n_ok, n_failed;
static atomic_int reported;
static atomic_size_t body_out;
static double	*latency;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A body of about size bytes, CRLF lines. */
static int
make_body(size_t size)
{
	static const char head[] = "--==b==\r\nContent-Type: text/plain\r\n\r\n"
	    "Hello partner,\r\nthe figures are attached.\r\n\r\n--==b==\r\n"
	    "Content-Type: application/pdf; name=\"r.pdf\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n";
	static const char tail[] = "--==b==--\r\n";
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789+/";
	size_t	cap = size + sizeof(head) + sizeof(tail) + 80, n, i;

	if ((body = malloc(cap)) == NULL)
		return -1;
	memcpy(body, head, sizeof(head) - 1);
	n = sizeof(head) - 1;
	while (n + 78 + sizeof(tail) - 1 <= size || n == sizeof(head) - 1) {
		for (i = 0; i < 76; i++)
			body[n + i] = (unsigned char)b64[(n + i * 7) % 64];
		body[n + 76] = '\r';
		body[n + 77] = '\n';
		n += 78;
	}
	memcpy(body + n, tail, sizeof(tail) - 1);
	body_len = n + sizeof(tail) - 1;
	return 0;
}

/*
 * The message in path: header fields (a folded line joins its field with
 * LF, as an MTA passes it) and the body in CRLF lines. The file stays in
 * raw for the OpenSSL run.
 */
static int
read_message(const char *path)
{
	FILE	*f;
	char	*p, *end, *eol, *h;
	size_t	cap = 0, n = 0, i;
	long	len;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (raw = malloc((size_t)len + 1)) == NULL ||
	    fread(raw, 1, (size_t)len, f) != (size_t)len) {
		if (f != NULL)
			fclose(f);
		return -1;
	}
	fclose(f);
	raw_len = (size_t)len;
	raw[raw_len] = '\0';
	/* Headers: copied without CR, one NUL-ended field each. */
	if ((hbuf = malloc(raw_len + 1)) == NULL ||
	    (body = malloc(2 * raw_len + 1)) == NULL)
		return -1;
	end = eol = raw + raw_len;
	for (p = raw, h = hbuf; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		len = eol - p - (eol > p && eol[-1] == '\r');
		if (len == 0)
			break;
		if (*p == ' ' || *p == '\t') {
			if (n == 0)
				return -1;
			h[-1] = '\n';
		} else {
			if ((char *)memchr(p, ':', (size_t)len) == NULL)
				return -1;
			if (n == cap) {
				struct mc_header *t;

				cap = cap ? 2 * cap : 16;
				if ((t = realloc(file_headers,
				    cap * sizeof(*t))) == NULL)
					return -1;
				file_headers = t;
			}
			file_headers[n++].name = h;
		}
		memcpy(h, p, (size_t)len);
		h += len;
		*h++ = '\0';
	}
	for (i = 0; i < n; i++) {
		if ((p = strchr(file_headers[i].name, ':')) == NULL)
			return -1;	/* a folded line before any colon */
		*p++ = '\0';
		while (*p == ' ')
			p++;
		file_headers[i].value = p;
	}
	headers = file_headers;
	nheaders = n;
	/* The body: CRLF lines. */
	for (p = eol < end ? eol + 1 : end; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		len = eol - p - (eol > p && eol[-1] == '\r');
		memcpy(body + body_len, p, (size_t)len);
		body_len += (size_t)len;
		if (eol < end) {
			body[body_len++] = '\r';
			body[body_len++] = '\n';
		}
	}
	return n > 0 ? 0 : -1;
}

/* One decryption or verification of raw; 0 when it succeeded. */
static int
ossl_once(X509 *cert, EVP_PKEY *key, X509_STORE *store)
{
	CMS_ContentInfo *cms;
	BIO	*in, *out, *dcont = NULL;
	int	okay = 0;

	in = BIO_new_mem_buf(raw, (int)raw_len);
	out = BIO_new(BIO_s_null());
	if (in != NULL && out != NULL &&
	    (cms = SMIME_read_CMS(in, &dcont)) != NULL) {
		okay = store == NULL ? CMS_decrypt(cms, key, cert, NULL, out, 0) :
		    CMS_verify(cms, NULL, store, dcont, out, 0);
		CMS_ContentInfo_free(cms);
	}
	BIO_free(dcont);
	BIO_free(out);
	BIO_free(in);
	return okay == 1 ? 0 : -1;
}

/* Messages per second of the -O operation, 0 when it failed. */
static double
ossl_rate(void)
{
	X509	*cert = NULL;
	EVP_PKEY *key = NULL;
	X509_STORE *store = NULL;
	BIO	*b;
	double	t0, rate = 0;
	unsigned i;
	int	okay;

	if (strcmp(opt.op, "verify") == 0)
		okay = (store = X509_STORE_new()) != NULL &&
		    X509_STORE_load_file(store, opt.cafile) == 1;
	else {
		if ((b = BIO_new_file(opt.cert, "r")) != NULL) {
			cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
			BIO_free(b);
		}
		if ((b = BIO_new_file(opt.key, "r")) != NULL) {
			key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
			BIO_free(b);
		}
		okay = cert != NULL && key != NULL;
	}
	t0 = now();
	for (i = 0; okay && i < opt.messages; i++)
		okay = ossl_once(cert, key, store) == 0;
	if (okay)
		rate = (double)opt.messages / (now() - t0);
	else
		fprintf(stderr, "smime-milter: OpenSSL %s failed\n", opt.op);
	X509_free(cert);
	EVP_PKEY_free(key);
	X509_STORE_free(store);
	return rate;
}

static void *
worker(void *arg)
{
	struct mc_message m = {
		.client_addr = "127.0.0.1", .client_name = "localhost",
		.helo = "load.bench.gatewarden.test",
		.sender = "<gateway@load.bench.gatewarden.test>",
		.rcpts = rcpts, .nrcpts = 1,
		.headers = headers, .nheaders = nheaders,
		.body = body, .body_len = body_len,
	};
	struct mc_result r;
	char	err[256], qid[32];
	unsigned i;
	double	t0;
	int	done;

	(void)arg;
	while ((i = atomic_fetch_add(&next_msg, 1)) < opt.messages) {
		snprintf(qid, sizeof(qid), "B%08X", i);
		m.queue_id = qid;
		t0 = now();
		done = mc_send(opt.spec, opt.timeout, &m, &r, err,
		    sizeof(err)) == 0;
		if (done && r.verdict != SMFIR_ACCEPT &&
		    r.verdict != SMFIR_CONTINUE)
			snprintf(err, sizeof(err), "verdict '%c' %.200s",
			    r.verdict, r.reply), done = 0;
		if (done && opt.expect_body && r.replbody_bytes == 0)
			snprintf(err, sizeof(err), "the body was not replaced"),
			    done = 0;
		if (done && opt.expect_bytes >= 0 &&
		    r.replbody_bytes != (size_t)opt.expect_bytes)
			snprintf(err, sizeof(err), "the new body has %zu bytes, "
			    "not %ld", r.replbody_bytes, opt.expect_bytes),
			    done = 0;
		if (done && r.header_adds < (unsigned)opt.expect_headers)
			snprintf(err, sizeof(err), "%u header fields added, not "
			    "%ld", r.header_adds, opt.expect_headers), done = 0;
		if (done) {
			latency[i] = now() - t0;
			atomic_fetch_add(&body_out, r.replbody_bytes);
			atomic_fetch_add(&n_ok, 1);
		} else {
			latency[i] = -1;
			atomic_fetch_add(&n_failed, 1);
			if (atomic_exchange(&reported, 1) == 0)
				fprintf(stderr, "smime-milter: message %u: %s\n",
				    i, err);
		}
	}
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
percentile(const double *v, size_t n, double p)
{
	size_t	k;

	if (n == 0)
		return 0;
	k = (size_t)(p * (double)(n - 1) + 0.5);
	return v[k];
}

int
main(int argc, char **argv)
{
	pthread_t *th;
	double	t0, secs, *ok;
	size_t	nok = 0, i;
	int	ch;

	double	ossl_mps = 0;

	while ((ch = getopt(argc, argv, "c:m:z:w:ef:x:a:O:C:K:A:P")) != -1) {
		switch (ch) {
		case 'f': opt.file = optarg; break;
		case 'x': opt.expect_bytes = strtol(optarg, NULL, 10); break;
		case 'a': opt.expect_headers = strtol(optarg, NULL, 10); break;
		case 'O': opt.op = optarg; break;
		case 'C': opt.cert = optarg; break;
		case 'K': opt.key = optarg; break;
		case 'A': opt.cafile = optarg; break;
		case 'P': opt.print_entity = 1; break;
		case 'c': opt.concurrent = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm': opt.messages = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'z': opt.size = strtoul(optarg, NULL, 10); break;
		case 'w': opt.timeout = atoi(optarg); break;
		case 'e': opt.expect_body = 1; break;
		default: goto usage;
		}
	}
	if (opt.print_entity) {
		if (make_body(opt.size) < 0)
			return 1;
		printf("%s: %s\r\n\r\n", headers[5].name, headers[5].value);
		fwrite(body, 1, body_len, stdout);
		free(body);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (optind != argc - 1 || opt.concurrent == 0 || opt.messages == 0 ||
	    opt.timeout <= 0 || (opt.op != NULL && (opt.file == NULL ||
	    (strcmp(opt.op, "verify") == 0 ? opt.cafile == NULL :
	    strcmp(opt.op, "decrypt") != 0 || !opt.cert || !opt.key))))
		goto usage;
	opt.spec = argv[optind];
	if (opt.file != NULL && read_message(opt.file) < 0) {
		fprintf(stderr, "smime-milter: %s: cannot read the message\n",
		    opt.file);
		return 1;
	}
	if ((opt.file == NULL && make_body(opt.size) < 0) ||
	    (latency = calloc(opt.messages, sizeof(*latency))) == NULL ||
	    (ok = calloc(opt.messages, sizeof(*ok))) == NULL ||
	    (th = calloc(opt.concurrent, sizeof(*th))) == NULL) {
		fprintf(stderr, "smime-milter: out of memory\n");
		return 1;
	}
	t0 = now();
	for (i = 0; i < opt.concurrent; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0) {
			perror("smime-milter: pthread_create");
			return 1;
		}
	for (i = 0; i < opt.concurrent; i++)
		pthread_join(th[i], NULL);
	secs = now() - t0;
	for (i = 0; i < opt.messages; i++)
		if (latency[i] >= 0)
			ok[nok++] = latency[i];
	qsort(ok, nok, sizeof(*ok), cmp_double);
	if (opt.op != NULL && (ossl_mps = ossl_rate()) == 0)
		atomic_fetch_add(&n_failed, 1);
	printf("smime-milter msgs=%u ok=%u failed=%u seconds=%.3f "
	    "msgs_per_s=%.2f mib_per_s=%.2f p50_ms=%.2f p99_ms=%.2f "
	    "body_out_ratio=%.3f", opt.messages, atomic_load(&n_ok),
	    atomic_load(&n_failed), secs, (double)nok / secs,
	    (double)nok * (double)body_len / secs / 1048576.0,
	    percentile(ok, nok, 0.5) * 1000, percentile(ok, nok, 0.99) * 1000,
	    nok ? (double)atomic_load(&body_out) / ((double)nok *
	    (double)body_len) : 0.0);
	if (opt.op != NULL)
		printf(" openssl_msgs_per_s=%.2f", ossl_mps);
	putchar('\n');
	free(th);
	free(file_headers);
	free(hbuf);
	free(raw);
	free(ok);
	free(latency);
	free(body);
	return atomic_load(&n_failed) ? 1 : 0;
usage:
	fprintf(stderr, "usage: smime-milter [-c CONCURRENT] [-m MESSAGES] "
	    "[-z BYTES] [-w SECONDS] [-e] [-f FILE [-x BYTES] [-a HEADERS]\n"
	    "    [-O decrypt -C CERT -K KEY | -O verify -A CAFILE]] "
	    "unix:PATH|inet:PORT@HOST\n       smime-milter -P [-z BYTES]\n");
	return 2;
}
