/*
 * smtp-load - an SMTP load generator that measures what smtp-source does
 * (messages per second through an MTA) and also each message's latency.
 *
 *   smtp-load [-d] [-s SESSIONS] [-m MESSAGES] [-z BYTES] [-b ADDR]
 *             [-f SENDER] [-r RCPT] [-w SECONDS] HOST:PORT
 *
 * SESSIONS threads (default 10) share MESSAGES messages (default 1000)
 * of about BYTES bytes each (default 10240: a few headers, then base64-
 * like lines of 76 characters). Like smtp-source, each message has its
 * own connection (connect, EHLO, MAIL, RCPT, DATA, QUIT) unless -d keeps
 * one connection per session for all its messages. -b binds the client
 * side to ADDR (a loopback address the MTA's policy recognises). A
 * message's latency runs from its connect (with -d: from MAIL FROM) to
 * the server's reply to the final dot.
 *
 * Prints one line of fixed key=value fields:
 *   msgs=N ok=N failed=N seconds=S msgs_per_s=R p50_ms=L p90_ms=L p99_ms=L
 * and exits 0 when every message was accepted (2xx after the dot), 1
 * when one was not (the first refusal goes to standard error), 2 on a
 * usage error. -w bounds every read and write (default 60 s): a server
 * that stalls fails the message rather than hanging the bench.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_SMTP	1024

static struct {
	struct sockaddr_in server, bind;
	int		have_bind;
	int		keep;		/* -d */
	unsigned	sessions, messages;
	size_t		size;
	const char	*sender, *rcpt;
	int		timeout;
	char		*message;	/* the DATA, ending in CRLF . CRLF */
	size_t		message_len;
} opt;

static atomic_uint next_msg;
static atomic_uint n_ok, n_failed;
static atomic_int reported;
static double	*latency;	/* one per message, seconds; -1: failed */

struct conn {
	int		fd;
	char		buf[4096];
	size_t		len, off;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
report(const char *what, const char *reply)
{
	int	expected = 0;

	if (atomic_compare_exchange_strong(&reported, &expected, 1))
		fprintf(stderr, "smtp-load: %s: %s\n", what, reply);
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t	k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* One reply line into line (CRLF removed); -1 on EOF, error or time-out. */
static int
read_line(struct conn *c, char *line, size_t sz)
{
	size_t	n = 0;

	for (;;) {
		if (c->off == c->len) {
			ssize_t	k = read(c->fd, c->buf, sizeof(c->buf));

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return -1;
			c->len = (size_t)k;
			c->off = 0;
		}
		while (c->off < c->len) {
			char	ch = c->buf[c->off++];

			if (ch == '\n') {
				if (n > 0 && line[n - 1] == '\r')
					n--;
				line[n] = '\0';
				return 0;
			}
			if (n + 1 < sz)
				line[n++] = ch;
		}
	}
}

/* The whole (multi-line) reply; its code, or -1. The last line stays in
 * line for the report. */
static int
read_reply(struct conn *c, char *line, size_t sz)
{
	for (;;) {
		if (read_line(c, line, sz) < 0) {
			snprintf(line, sz, "(connection lost or timed out)");
			return -1;
		}
		if (strlen(line) < 3 || line[0] < '1' || line[0] > '5')
			return -1;
		if (line[3] != '-')
			return atoi(line);
	}
}

static int
command(struct conn *c, const char *cmd, int want, char *line, size_t sz)
{
	int	code;

	if (cmd != NULL && write_all(c->fd, cmd, strlen(cmd)) < 0) {
		snprintf(line, sz, "(write failed: %s)", strerror(errno));
		return -1;
	}
	code = read_reply(c, line, sz);
	return code / 100 == want ? 0 : -1;
}

static int
conn_open(struct conn *c, char *line, size_t sz)
{
	struct timeval tv = { opt.timeout, 0 };
	int	one = 1;

	c->len = c->off = 0;
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (opt.have_bind && bind(c->fd, (struct sockaddr *)&opt.bind,
	    sizeof(opt.bind)) < 0) {
		snprintf(line, sz, "(bind: %s)", strerror(errno));
		goto fail;
	}
	if (connect(c->fd, (struct sockaddr *)&opt.server,
	    sizeof(opt.server)) < 0) {
		snprintf(line, sz, "(connect: %s)", strerror(errno));
		goto fail;
	}
	if (command(c, NULL, 2, line, sz) < 0 ||
	    command(c, "EHLO load.bench.gatewarden.test\r\n", 2, line, sz) < 0)
		goto fail;
	return 0;
fail:
	close(c->fd);
	c->fd = -1;
	return -1;
}

static void
conn_close(struct conn *c, int quit)
{
	char	line[LINE_MAX_SMTP];

	if (c->fd < 0)
		return;
	if (quit)
		(void)command(c, "QUIT\r\n", 2, line, sizeof(line));
	close(c->fd);
	c->fd = -1;
}

/* One message over c (opened first when closed); 0 when accepted. */
static int
one_message(struct conn *c, char *line, size_t sz)
{
	char	cmd[600];

	if (c->fd < 0 && conn_open(c, line, sz) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>\r\n", opt.sender);
	if (command(c, cmd, 2, line, sz) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", opt.rcpt);
	if (command(c, cmd, 2, line, sz) < 0 ||
	    command(c, "DATA\r\n", 3, line, sz) < 0)
		return -1;
	if (write_all(c->fd, opt.message, opt.message_len) < 0) {
		snprintf(line, sz, "(write failed: %s)", strerror(errno));
		return -1;
	}
	return command(c, NULL, 2, line, sz);
}

static void *
session(void *arg)
{
	struct conn c = { .fd = -1 };
	char	line[LINE_MAX_SMTP];
	unsigned i;

	(void)arg;
	while ((i = atomic_fetch_add(&next_msg, 1)) < opt.messages) {
		double	t0 = now();

		if (one_message(&c, line, sizeof(line)) == 0) {
			latency[i] = now() - t0;
			atomic_fetch_add(&n_ok, 1);
			if (!opt.keep)
				conn_close(&c, 1);
		} else {
			latency[i] = -1;
			atomic_fetch_add(&n_failed, 1);
			report("message refused", line);
			conn_close(&c, 0);
		}
	}
	conn_close(&c, 1);
	return NULL;
}

/* The DATA: headers, then lines of 76 characters up to about size. */
static void
make_message(void)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t	cap = opt.size + 1024, n;
	char	*m = malloc(cap);
	unsigned k = 0;

	if (m == NULL) {
		perror("smtp-load: malloc");
		exit(1);
	}
	n = (size_t)snprintf(m, cap, "From: <%s>\r\nTo: <%s>\r\n"
	    "Subject: smtp-load\r\nMessage-ID: <load@bench.gatewarden.test>\r\n"
	    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n\r\n",
	    opt.sender, opt.rcpt);
	while (n + 78 + 5 <= cap && n + 78 <= opt.size) {
		int	j;

		for (j = 0; j < 76; j++)
			m[n++] = b64[(k++ * 7) % 64];
		m[n++] = '\r';
		m[n++] = '\n';
	}
	memcpy(m + n, ".\r\n", 3);
	opt.message = m;
	opt.message_len = n + 3;
}

static int
parse_addr(const char *text, struct sockaddr_in *sa, int need_port)
{
	char	host[64];
	const char *colon = strrchr(text, ':');
	size_t	len = colon ? (size_t)(colon - text) : strlen(text);

	if ((need_port && colon == NULL) || len >= sizeof(host))
		return -1;
	memcpy(host, text, len);
	host[len] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = colon ? htons((unsigned short)atoi(colon + 1)) : 0;
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of the n sorted values (nearest rank). */
static double
quantile(const double *v, size_t n, double q)
{
	size_t	i;

	if (n == 0)
		return 0;
	i = (size_t)(q * (double)n + 0.999999);
	if (i > 0)
		i--;
	return v[i < n ? i : n - 1];
}

static void
usage(void)
{
	fprintf(stderr, "usage: smtp-load [-d] [-s SESSIONS] [-m MESSAGES] "
	    "[-z BYTES] [-b ADDR] [-f SENDER] [-r RCPT] [-w SECONDS] "
	    "HOST:PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	pthread_t *th;
	double	t0, secs, *ok;
	size_t	nok = 0, i;
	int	ch;

	opt.sessions = 10;
	opt.messages = 1000;
	opt.size = 10240;
	opt.sender = "sender@load.bench.gatewarden.test";
	opt.rcpt = "rcpt@sink.bench.gatewarden.test";
	opt.timeout = 60;
	while ((ch = getopt(argc, argv, "ds:m:z:b:f:r:w:")) != -1) {
		switch (ch) {
		case 'd': opt.keep = 1; break;
		case 's': opt.sessions = (unsigned)atoi(optarg); break;
		case 'm': opt.messages = (unsigned)atoi(optarg); break;
		case 'z': opt.size = (size_t)atol(optarg); break;
		case 'b':
			if (parse_addr(optarg, &opt.bind, 0) < 0)
				usage();
			opt.have_bind = 1;
			break;
		case 'f': opt.sender = optarg; break;
		case 'r': opt.rcpt = optarg; break;
		case 'w': opt.timeout = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind + 1 != argc || parse_addr(argv[optind], &opt.server, 1) < 0 ||
	    opt.sessions == 0 || opt.sessions > 1000 || opt.messages == 0 ||
	    opt.timeout <= 0 || strlen(opt.sender) > 256 ||
	    strlen(opt.rcpt) > 256)
		usage();
	make_message();
	latency = calloc(opt.messages, sizeof(*latency));
	ok = calloc(opt.messages, sizeof(*ok));
	th = calloc(opt.sessions, sizeof(*th));
	if (latency == NULL || ok == NULL || th == NULL) {
		perror("smtp-load: calloc");
		return 1;
	}
	t0 = now();
	for (i = 0; i < opt.sessions; i++)
		if (pthread_create(&th[i], NULL, session, NULL) != 0) {
			perror("smtp-load: pthread_create");
			return 1;
		}
	for (i = 0; i < opt.sessions; i++)
		pthread_join(th[i], NULL);
	secs = now() - t0;
	for (i = 0; i < opt.messages; i++)
		if (latency[i] >= 0)
			ok[nok++] = latency[i];
	qsort(ok, nok, sizeof(*ok), cmp_double);
	printf("msgs=%u ok=%u failed=%u seconds=%.3f msgs_per_s=%.1f "
	    "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f\n", opt.messages,
	    atomic_load(&n_ok), atomic_load(&n_failed), secs,
	    (double)atomic_load(&n_ok) / secs, 1000 * quantile(ok, nok, 0.50),
	    1000 * quantile(ok, nok, 0.90), 1000 * quantile(ok, nok, 0.99));
	free(opt.message);
	free(latency);
	free(ok);
	free(th);
	return atomic_load(&n_failed) ? 1 : 0;
}
