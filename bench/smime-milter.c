/*
 * smime-milter - messages per second through a milter without an MTA:
 * the MTA's side of the protocol (milter-client) sends each message on
 * its own connection, so that the figure is the milter's own cost (for
 * gatewarden with an S/MIME rule: parse, canonicalize, CMS, the new body
 * sent back) and not Postfix's.
 *
 *   smime-milter [-c CONCURRENT] [-m MESSAGES] [-z BYTES] [-w SECONDS]
 *                [-e] SPEC
 *
 * CONCURRENT threads (default 1) share MESSAGES messages (default 20) of
 * about BYTES bytes (default 10240): a multipart/mixed with a short text
 * part and a base64 attachment, from gateway@load.bench.gatewarden.test
 * (client 127.0.0.1) to bob@sink.bench.gatewarden.test. SPEC is the
 * milter's socket (unix:/path or inet:PORT@HOST). -e: a message counts
 * as done only when the milter replaced its body (an S/MIME rule applied);
 * else when the milter accepted or continued it.
 *
 * Prints one line of fixed key=value fields:
 *   smime-milter msgs=N ok=N failed=N seconds=S msgs_per_s=R mib_per_s=R
 *     p50_ms=L p99_ms=L body_out_ratio=R
 * (body_out_ratio: body bytes the milter sent back over body bytes sent)
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

#include "bench/milter-client.h"

static struct {
	unsigned	concurrent, messages;
	size_t		size;
	int		timeout, expect_body;
	const char	*spec;
} opt = { 1, 20, 10240, 120, 0, NULL };

static const struct mc_header headers[] = {
	{ "From", "Gateway <gateway@load.bench.gatewarden.test>" },
	{ "To", "bob@sink.bench.gatewarden.test" },
	{ "Subject", "bench" },
	{ "Message-ID", "<bench@load.bench.gatewarden.test>" },
	{ "MIME-Version", "1.0" },
	{ "Content-Type", "multipart/mixed; boundary=\"==b==\"" },
};
static const char *const rcpts[] = { "<bob@sink.bench.gatewarden.test>" };

static unsigned char *body;
static size_t	body_len;
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

static void *
worker(void *arg)
{
	struct mc_message m = {
		.client_addr = "127.0.0.1", .client_name = "localhost",
		.helo = "load.bench.gatewarden.test",
		.sender = "<gateway@load.bench.gatewarden.test>",
		.rcpts = rcpts, .nrcpts = 1,
		.headers = headers,
		.nheaders = sizeof(headers) / sizeof(headers[0]),
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

	while ((ch = getopt(argc, argv, "c:m:z:w:e")) != -1) {
		switch (ch) {
		case 'c': opt.concurrent = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm': opt.messages = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'z': opt.size = strtoul(optarg, NULL, 10); break;
		case 'w': opt.timeout = atoi(optarg); break;
		case 'e': opt.expect_body = 1; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || opt.concurrent == 0 || opt.messages == 0 ||
	    opt.timeout <= 0)
		goto usage;
	opt.spec = argv[optind];
	if (make_body(opt.size) < 0 ||
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
	printf("smime-milter msgs=%u ok=%u failed=%u seconds=%.3f "
	    "msgs_per_s=%.2f mib_per_s=%.2f p50_ms=%.2f p99_ms=%.2f "
	    "body_out_ratio=%.3f\n", opt.messages, atomic_load(&n_ok),
	    atomic_load(&n_failed), secs, (double)nok / secs,
	    (double)nok * (double)body_len / secs / 1048576.0,
	    percentile(ok, nok, 0.5) * 1000, percentile(ok, nok, 0.99) * 1000,
	    nok ? (double)atomic_load(&body_out) / ((double)nok *
	    (double)body_len) : 0.0);
	free(th);
	free(ok);
	free(latency);
	free(body);
	return atomic_load(&n_failed) ? 1 : 0;
usage:
	fprintf(stderr, "usage: smime-milter [-c CONCURRENT] [-m MESSAGES] "
	    "[-z BYTES] [-w SECONDS] [-e] unix:PATH|inet:PORT@HOST\n");
	return 2;
}
