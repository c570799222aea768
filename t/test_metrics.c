/*
 * test_metrics - the Prometheus registry and its HTTP server (metrics/):
 * the exposition text, label escaping, cumulative histogram buckets, the
 * series cap, collect hooks, exact counts under parallel updates, and
 * the server's answers over a real socket.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics/http.h"
#include "metrics/registry.h"
#include "t/tap.h"

static bool
has_line(const char *text, const char *line)
{
	size_t	n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void
expect_line(const char *text, const char *line)
{
	if (!ok(has_line(text, line), "exposition has: %s", line))
		diag("exposition:\n%s", text);
}

static void
test_counters(void)
{
	static const char *const labels[] = { "group", "verdict", NULL };
	struct metrics *m = metrics_new();
	struct metric_family *c, *plain;
	char	*text;
	size_t	len;

	plain = metrics_counter(m, "t_plain_total", "Plain events.", NULL);
	c = metrics_counter(m, "t_sessions_total", "Sessions by group.",
	    labels);
	metric_inc(c, (const char *[]){ "partners", "accept" });
	metric_inc(c, (const char *[]){ "partners", "accept" });
	metric_add(c, (const char *[]){ "partners", "accept" }, -5);
	metric_inc(c, (const char *[]){ "q\"uo\\te\nx", "reject" });
	metric_touch(c, (const char *[]){ "internal", "tempfail" });
	metric_add(plain, NULL, 3);
	metric_inc(NULL, NULL);		/* metrics off: no-op */
	text = metrics_expose(m, &len);
	is_uint(len, strlen(text), "length is the text's");
	expect_line(text, "# HELP t_plain_total Plain events.");
	expect_line(text, "# TYPE t_plain_total counter");
	expect_line(text, "t_plain_total 3");
	expect_line(text, "# TYPE t_sessions_total counter");
	expect_line(text, "t_sessions_total{group=\"partners\",verdict=\"accept\"} 2");
	expect_line(text, "t_sessions_total{group=\"q\\\"uo\\\\te\\nx\",verdict=\"reject\"} 1");
	expect_line(text, "t_sessions_total{group=\"internal\",verdict=\"tempfail\"} 0");
	ok(strstr(text, "t_plain_total") < strstr(text, "t_sessions_total"),
	    "families in registration order");
	free(text);
	metrics_free(m);
	metrics_free(NULL);
}

static void
test_gauges(void)
{
	struct metrics *m = metrics_new();
	struct metric_family *g = metrics_gauge(m, "t_bytes", "Bytes.", NULL);
	char	*text;
	size_t	len;

	text = metrics_expose(m, &len);
	expect_line(text, "t_bytes 0");
	free(text);
	metric_set(g, NULL, 12.5);
	metric_add(g, NULL, -2.5);
	text = metrics_expose(m, &len);
	expect_line(text, "# TYPE t_bytes gauge");
	expect_line(text, "t_bytes 10");
	free(text);
	metrics_free(m);
}

static struct metric_family *hook_gauge;

static void
hook(struct metrics *m, void *arg)
{
	int	*calls = arg;

	(void)m;
	(*calls)++;
	metric_set(hook_gauge, NULL, *calls * 10);
}

static void
test_hook(void)
{
	struct metrics *m = metrics_new();
	char	*text;
	size_t	len;
	int	calls = 0;

	hook_gauge = metrics_gauge(m, "t_measured", "Measured at scrape.", NULL);
	metrics_on_collect(m, hook, &calls);
	text = metrics_expose(m, &len);
	expect_line(text, "t_measured 10");
	free(text);
	text = metrics_expose(m, &len);
	expect_line(text, "t_measured 20");
	is_int(calls, 2, "the hook ran at each exposition");
	free(text);
	metrics_free(m);
}

static void
test_histogram(void)
{
	static const double bounds[] = { 0.01, 0.1, 1 };
	static const char *const labels[] = { "stage", NULL };
	struct metrics *m = metrics_new();
	struct metric_family *h = metrics_histogram(m, "t_stage_seconds",
	    "Stage time.", labels, bounds, 3);
	const char *eom[] = { "eom" };
	char	*text;
	size_t	len;

	metric_observe(h, eom, 0.005);
	metric_observe(h, eom, 0.01);	/* le is inclusive */
	metric_observe(h, eom, 0.5);
	metric_observe(h, eom, 3);
	text = metrics_expose(m, &len);
	expect_line(text, "# TYPE t_stage_seconds histogram");
	expect_line(text, "t_stage_seconds_bucket{stage=\"eom\",le=\"0.01\"} 2");
	expect_line(text, "t_stage_seconds_bucket{stage=\"eom\",le=\"0.1\"} 2");
	expect_line(text, "t_stage_seconds_bucket{stage=\"eom\",le=\"1\"} 3");
	expect_line(text, "t_stage_seconds_bucket{stage=\"eom\",le=\"+Inf\"} 4");
	expect_line(text, "t_stage_seconds_sum{stage=\"eom\"} 3.5150000000000001");
	expect_line(text, "t_stage_seconds_count{stage=\"eom\"} 4");
	free(text);
	metrics_free(m);
}

static void
test_cap(void)
{
	static const char *const labels[] = { "k", NULL };
	struct metrics *m = metrics_new();
	struct metric_family *c = metrics_counter(m, "t_many_total", "Many.",
	    labels);
	char	v[32], *text;
	size_t	len, i, lines = 0;
	const char *p;

	for (i = 0; i < METRIC_MAX_SERIES + 10; i++) {
		snprintf(v, sizeof(v), "v%zu", i);
		metric_inc(c, (const char *[]){ v });
	}
	metric_inc(c, (const char *[]){ "v0" });
	is_uint(metrics_dropped(m), 10, "updates beyond the series cap dropped");
	text = metrics_expose(m, &len);
	for (p = text; (p = strstr(p, "\nt_many_total{")) != NULL; p++)
		lines++;
	is_uint(lines, METRIC_MAX_SERIES, "at most %d series", METRIC_MAX_SERIES);
	expect_line(text, "t_many_total{k=\"v0\"} 2");
	free(text);
	metrics_free(m);
}

#define THREADS	4
#define BUMPS	20000

static void *
bumper(void *arg)
{
	struct metric_family *c = arg;
	int	i;

	for (i = 0; i < BUMPS; i++)
		metric_inc(c, (const char *[]){ i % 2 ? "odd" : "even" });
	return NULL;
}

static void
test_threads(void)
{
	static const char *const labels[] = { "parity", NULL };
	struct metrics *m = metrics_new();
	struct metric_family *c = metrics_counter(m, "t_bumps_total",
	    "Bumps.", labels);
	pthread_t t[THREADS];
	char	*text, want[128];
	size_t	len;
	int	i;

	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, bumper, c);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	text = metrics_expose(m, &len);
	snprintf(want, sizeof(want), "t_bumps_total{parity=\"even\"} %d",
	    THREADS * BUMPS / 2);
	expect_line(text, want);
	free(text);
	metrics_free(m);
}

/* One HTTP/1.0 exchange with the server on 127.0.0.1:port. */
static char *
fetch(unsigned port, const char *request)
{
	struct sockaddr_in sa = { 0 };
	char	*buf = calloc(1, 65536);
	size_t	got = 0;
	ssize_t	n;
	int	fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
		if (fd != -1)
			close(fd);
		return buf;
	}
	while (got < 65535 && (n = read(fd, buf + got, 65535 - got)) > 0)
		got += (size_t)n;
	close(fd);
	return buf;
}

static void
test_http(void)
{
	struct metrics *m = metrics_new();
	struct metric_family *c = metrics_counter(m, "t_served_total",
	    "Served.", NULL);
	struct metrics_http *srv;
	char	err[256], *r;
	unsigned port;
	int	fd;

	ok(metrics_http_listen("localhost:9", err, sizeof(err)) == -1,
	    "a host name is refused (%s)", err);
	ok(metrics_http_listen("127.0.0.1", err, sizeof(err)) == -1,
	    "an address without a port is refused (%s)", err);
	fd = metrics_http_listen("127.0.0.1:0", err, sizeof(err));
	if (!ok(fd >= 0, "listens on 127.0.0.1:0")) {
		diag("%s", err);
		metrics_free(m);
		return;
	}
	port = metrics_http_port(fd);
	ok(port > 0, "on port %u", port);
	srv = metrics_http_start(fd, m, err, sizeof(err));
	if (!ok(srv != NULL, "the server starts")) {
		diag("%s", err);
		metrics_free(m);
		return;
	}
	metric_add(c, NULL, 7);
	r = fetch(port, "GET /metrics HTTP/1.0\r\n\r\n");
	ok(strncmp(r, "HTTP/1.0 200", 12) == 0 || strncmp(r, "HTTP/1.1 200",
	    12) == 0, "GET /metrics: 200");
	ok(strstr(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8"
	    "\r\n") != NULL, "the exposition's content type");
	ok(strstr(r, "\r\n\r\n# HELP t_served_total Served.\n") != NULL &&
	    strstr(r, "\nt_served_total 7\n") != NULL, "the registry's text");
	free(r);
	r = fetch(port, "GET / HTTP/1.0\r\n\r\n");
	ok(strstr(r, " 404 ") != NULL, "GET /: 404");
	free(r);
	r = fetch(port, "POST /metrics HTTP/1.0\r\nContent-Length: 4\r\n\r\n"
	    "abcd");
	if (!ok(strstr(r, " 405 ") != NULL && strstr(r, "Allow: GET, HEAD") !=
	    NULL, "POST: 405 with Allow"))
		diag("got: %s", r);
	free(r);
	r = fetch(port, "HEAD /metrics HTTP/1.0\r\n\r\n");
	ok(strstr(r, " 200 ") != NULL && strstr(r, "t_served_total") == NULL,
	    "HEAD: 200 without a body");
	free(r);
	metrics_http_stop(srv);
	metrics_http_stop(NULL);
	r = fetch(port, "GET /metrics HTTP/1.0\r\n\r\n");
	is_string(r, "", "stopped: nothing listens any more");
	free(r);
	metrics_free(m);
}

int
main(void)
{
	plan_lazy();
	test_counters();
	test_gauges();
	test_hook();
	test_histogram();
	test_cap();
	test_threads();
	test_http();
	return done_testing();
}
