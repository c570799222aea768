/*
 * test_report - gatewarden-report's parts (report/): log lines and their
 * times, key=value fields, the timeline's exact merges, the bounded
 * tallies, Postfix's smtpd sessions and smtp deliveries with their TLS,
 * and the escaping of hostile names in each output.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/escape.h"
#include "report/kv.h"
#include "report/logline.h"
#include "report/stats.h"
#include "report/tally.h"
#include "report/timeline.h"
#include "t/tap.h"

#define DEC2	1796169600	/* 2026-12-02T00:00:00Z */

static void
test_lines(void)
{
	static const struct {
		const char *line;
		bool	ok;
		int64_t	t;
		const char *host, *prog;
		long	pid;
		const char *msg;
	} cases[] = {
		{ "Dec 02 13:42:21 mx postfix/smtpd[15438]: connect from x[1.2.3.4]",
		  true, DEC2 + 13 * 3600 + 42 * 60 + 21, "mx", "postfix/smtpd",
		  15438, "connect from x[1.2.3.4]" },
		{ "Dec  2 13:42:21 mx gatewarden[7]: conn#1: group=a", true,
		  DEC2 + 49341, "mx", "gatewarden", 7, "conn#1: group=a" },
		{ "Dec  2 00:00:00 gatewarden[7]: start: version=1", true, DEC2,
		  NULL, "gatewarden", 7, "start: version=1" },
		{ "2026-12-02T13:42:21.123456+01:00 mx postfix/smtp[9]: x", true,
		  DEC2 + 49341 - 3600, "mx", "postfix/smtp", 9, "x" },
		{ "2026-12-02T13:42:21Z mx sendmail: y", true, DEC2 + 49341,
		  "mx", "sendmail", -1, "y" },
		{ "2026-12-02 13:42:21-02:30 h p[1]: z", true,
		  DEC2 + 49341 + 9000, "h", "p", 1, "z" },
		{ "Dec 32 13:42:21 mx p[1]: x", false, 0, NULL, NULL, 0, NULL },
		{ "Foo 02 13:42:21 mx p[1]: x", false, 0, NULL, NULL, 0, NULL },
		{ "Dec 02 25:42:21 mx p[1]: x", false, 0, NULL, NULL, 0, NULL },
		{ "Dec 02 13:42:21 mx p[abc]: x", false, 0, NULL, NULL, 0, NULL },
		{ "Dec 02 13:42:21 mx", false, 0, NULL, NULL, 0, NULL },
		{ "not a log line", false, 0, NULL, NULL, 0, NULL },
		{ "", false, 0, NULL, NULL, 0, NULL },
	};
	struct year_guess g;
	struct logline l;
	size_t	i;

	year_guess_init(&g, 2026, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = cases[i].line;
		bool	r = logline_parse(s, strlen(s), &g, &l);
		char	host[64] = "", prog[64] = "", msg[128] = "";

		if (!cases[i].ok) {
			ok(!r, "not a log line: \"%s\"", s);
			continue;
		}
		if (!ok(r, "parses: \"%s\"", s))
			continue;
		if (l.host != NULL)
			snprintf(host, sizeof(host), "%.*s", (int)l.hostlen, l.host);
		snprintf(prog, sizeof(prog), "%.*s", (int)l.proglen, l.prog);
		snprintf(msg, sizeof(msg), "%.*s", (int)l.msglen, l.msg);
		is_int(l.t, cases[i].t, "  its time");
		is_string(l.host ? host : NULL, cases[i].host, "  its host");
		is_string(prog, cases[i].prog, "  its program");
		is_int(l.pid, cases[i].pid, "  its pid");
		is_string(msg, cases[i].msg, "  its message");
	}
	(void)logline_parse("Dec 02 13:42:21 mx postfix/submission/smtpd[1]: x",
	    49, &g, &l);
	ok(logline_prog_is(&l, "smtpd") && !logline_prog_is(&l, "smtp"),
	    "postfix/submission/smtpd is smtpd, not smtp");
}

/* Read in January, December's lines are last year's; read in December,
 * this year's. */
static void
test_year(void)
{
	struct year_guess g;
	struct logline l;
	const char *dec = "Dec 31 23:00:00 mx p[1]: x";
	const char *jan = "Jan 01 01:00:00 mx p[1]: x";

	year_guess_init(&g, 0, 1798761600 + 86400 * 3);	/* 2027-01-04 */
	ok(logline_parse(dec, strlen(dec), &g, &l) && l.t == 1798758000,
	    "in January: Dec 31 is last year's (got %lld)", (long long)l.t);
	ok(logline_parse(jan, strlen(jan), &g, &l) && l.t == 1798765200,
	    "in January: Jan 01 is this year's");
	year_guess_init(&g, 0, DEC2);
	ok(logline_parse(dec, strlen(dec), &g, &l) && l.t == 1798758000 -
	    365 * 86400, "on Dec 2: Dec 31 was last year's");
}

static void
test_kv(void)
{
	const char *m = "4XbQ1: action=accept group=\"the partners\" "
	    "cert_issuer=\"Partner \\\"CA\\\" \\\\ x\" ctl=a\\x01b tls=none "
	    "empty=\"\" reason=ok";
	struct kv kv;
	char	v[64];

	kv_parse(&kv, m, strlen(m));
	ok(kv_value(&kv, "group", v, sizeof(v)) &&
	    strcmp(v, "the partners") == 0, "a quoted value: %s", v);
	ok(kv_value(&kv, "cert_issuer", v, sizeof(v)) &&
	    strcmp(v, "Partner \"CA\" \\ x") == 0, "escapes inside: %s", v);
	ok(kv_value(&kv, "ctl", v, sizeof(v)) && strcmp(v, "a\001b") == 0,
	    "\\x01 is decoded");
	ok(kv_value(&kv, "empty", v, sizeof(v)) && v[0] == '\0',
	    "an empty quoted value");
	ok(kv_is(&kv, "reason", "ok") && kv_is(&kv, "tls", "none") &&
	    !kv_is(&kv, "tls", "non"), "kv_is compares whole values");
	ok(!kv_value(&kv, "4XbQ1:", v, sizeof(v)) && kv_find(&kv, "missing")
	    == NULL, "the queue id is no field; a missing key is absent");
	ok(kv_value(&kv, "group", v, 5) && strcmp(v, "the ") == 0,
	    "a value is cut to the buffer");
	m = "a=\"never closed";
	kv_parse(&kv, m, strlen(m));
	ok(kv_value(&kv, "a", v, sizeof(v)) && strcmp(v, "never closed") == 0,
	    "an unclosed quote runs to the end, no further");
}

static uint64_t
series_sum(const struct timeline *tl, const struct series *s, size_t k)
{
	uint64_t sum = 0;
	size_t	i;

	for (i = 0; i < tl->n; i++)
		sum += s->v[i][k];
	return sum;
}

static void
test_timeline(void)
{
	struct timeline *tl = timeline_new();
	struct series *a = timeline_series(tl), *b = timeline_series(tl);
	int64_t	t0 = DEC2 + 3600;
	int	i;

	timeline_add(tl, a, t0 + 30, 0, 1);
	is_int(tl->width, 60, "one event: one-minute buckets");
	is_int(tl->start, t0, "aligned to the minute");
	for (i = 0; i < 95; i++)
		timeline_add(tl, a, t0 + i * 60, 1, 2);
	is_int(tl->width, 60, "96 minutes still fit one-minute buckets");
	is_uint(tl->n, 95, "95 buckets");
	timeline_add(tl, b, t0 + 200 * 60, 0, 7);
	is_int(tl->width, 300, "200 minutes: five-minute buckets");
	ok(tl->n <= TIMELINE_MAX, "at most %d buckets (%zu)", TIMELINE_MAX,
	    tl->n);
	is_uint(series_sum(tl, a, 0), 1, "merging keeps every count (a, 0)");
	is_uint(series_sum(tl, a, 1), 190, "merging keeps every count (a, 1)");
	is_uint(series_sum(tl, b, 0), 7, "merging keeps every count (b, 0)");
	is_uint(a->v[0][1], 10, "the first bucket holds five minutes of a");
	timeline_add(tl, b, t0 - 3 * 86400, 1, 5);
	ok(tl->start <= t0 - 3 * 86400 && tl->n <= TIMELINE_MAX,
	    "an earlier event widens the span backwards (width %lld)",
	    (long long)tl->width);
	is_uint(b->v[0][1], 5, "and lands in the first bucket");
	is_uint(series_sum(tl, a, 1), 190, "after the shift, a still sums to 190");
	timeline_cover(tl, t0 + 400 * 86400);
	ok(tl->width >= 604800 && tl->n <= TIMELINE_MAX,
	    "a year: weekly or coarser buckets (%lld s, %zu)",
	    (long long)tl->width, tl->n);
	is_uint(series_sum(tl, b, 0) + series_sum(tl, b, 1), 12,
	    "and b still sums to 12");
	timeline_free(tl);
	timeline_free(NULL);
}

static void
test_tally(void)
{
	struct tally *t = tally_new(2, 3, NULL);
	struct tally_row **rows;
	size_t	n;

	tally_row(t, "b", 1)->c[0] += 5;
	tally_row(t, "a", 1)->c[0] += 5;
	tally_row(t, "c", 1)->c[0] += 9;
	tally_row(t, "d", 1)->c[0] += 1;
	tally_row(t, "e", 1)->c[0] += 1;
	tally_row(t, "a", 1)->c[1] += 1;
	is_uint(tally_count(t), 4, "three names and (other)");
	is_uint(tally_overflowed(t), 2, "two events beyond the cap");
	ok(tally_find(t, TALLY_OTHER) && tally_find(t, TALLY_OTHER)->c[0] == 2,
	    "counted in (other)");
	ok(tally_find(t, "d") == NULL, "d has no row of its own");
	is_uint(tally_sum(t, 0), 21, "the sum keeps every event");
	rows = tally_sorted(t, 0, false, &n);
	ok(n == 4 && strcmp(rows[0]->name, "c") == 0 &&
	    strcmp(rows[1]->name, "a") == 0 && strcmp(rows[2]->name, "b") == 0,
	    "sorted by count, ties by name");
	free(rows);
	rows = tally_sorted(t, 0, true, &n);
	ok(strcmp(rows[0]->name, TALLY_OTHER) == 0 &&
	    strcmp(rows[1]->name, "a") == 0, "sorted by name");
	free(rows);
	tally_free(t);
	tally_free(NULL);
}

static void
feed(struct stats *st, const char *const *lines)
{
	struct year_guess g;
	struct logline l;

	year_guess_init(&g, 2026, 0);
	for (; *lines != NULL; lines++)
		if (logline_parse(*lines, strlen(*lines), &g, &l))
			stats_line(st, &l);
	stats_finish(st);
}

static void
test_smtp(void)
{
	static const char *const lines[] = {
		"Dec 02 10:00:00 mx postfix/smtp[1]: Verified TLS connection "
		    "established to mx.a.test[192.0.2.1]:25: TLSv1.3 with cipher X",
		"Dec 02 10:00:00 mx postfix/smtp[1]: Q1: to=<u@A.test>, "
		    "relay=mx.a.test[192.0.2.1]:25, delay=1, dsn=2.0.0, "
		    "status=sent (250 ok)",
		/* the same connection again, reused */
		"Dec 02 10:00:01 mx postfix/smtp[1]: Q2: to=<v@a.test>, "
		    "relay=mx.a.test[192.0.2.1]:25, delay=1, conn_use=2, "
		    "dsn=2.0.0, status=sent (250 ok)",
		/* a new connection to the same host, without a TLS line */
		"Dec 02 10:00:02 mx postfix/smtp[1]: Q3: to=<w@a.test>, "
		    "relay=mx.a.test[192.0.2.1]:25, delay=1, dsn=2.0.0, "
		    "status=sent (250 ok)",
		/* another process, another host: its TLS is its own */
		"Dec 02 10:00:03 mx postfix/smtp[2]: Anonymous TLS connection "
		    "established to mx.b.test[192.0.2.2]:25: TLSv1.2 with cipher Y",
		"Dec 02 10:00:03 mx postfix/smtp[1]: Q4: to=<x@b.test>, "
		    "relay=mx.b.test[192.0.2.2]:25, delay=1, dsn=2.0.0, "
		    "status=sent (250 ok)",
		"Dec 02 10:00:03 mx postfix/smtp[2]: Q5: to=<y@b.test>, "
		    "relay=mx.b.test[192.0.2.2]:25, delay=1, dsn=2.0.0, "
		    "status=sent (250 ok)",
		/* a DANE failure named by the verification line */
		"Dec 02 10:00:04 mx postfix/smtp[3]: server certificate "
		    "verification failed for mx.c.test[192.0.2.3]:25: num=65:no "
		    "matching DANE TLSA records",
		"Dec 02 10:00:04 mx postfix/smtp[3]: Untrusted TLS connection "
		    "established to mx.c.test[192.0.2.3]:25: TLSv1.3 with cipher Z",
		"Dec 02 10:00:04 mx postfix/smtp[3]: Q6: to=<z@c.test>, "
		    "relay=mx.c.test[192.0.2.3]:25, delay=1, dsn=4.7.5, "
		    "status=deferred (Server certificate not verified)",
		/* a certificate failure, on another host */
		"Dec 02 10:00:05 mx2 postfix/smtp[3]: server certificate "
		    "verification failed for mx.d.test[192.0.2.4]:25: certificate "
		    "has expired",
		"Dec 02 10:00:05 mx2 postfix/smtp[3]: Q7: to=<z@d.test>, "
		    "relay=mx.d.test[192.0.2.4]:25, delay=1, dsn=4.7.5, "
		    "status=bounced (Server certificate not verified)",
		"Dec 02 10:00:06 mx postfix/smtp[4]: Q8: to=<z@e.test>, "
		    "relay=mx.e.test[192.0.2.5]:25, delay=1, dsn=4.7.4, "
		    "status=deferred (TLS is required, but was not offered by "
		    "host mx.e.test[192.0.2.5])",
		NULL,
	};
	struct stats *st = stats_new(INT64_MIN, INT64_MAX);
	struct tally_row *a, *b, *c, *d;

	feed(st, lines);
	a = tally_find(st->destinations, "a.test");
	b = tally_find(st->destinations, "b.test");
	c = tally_find(st->destinations, "c.test");
	d = tally_find(st->destinations, "d.test");
	if (!ok(a && b && c && d, "destinations a.test (lower-cased) to d.test")) {
		stats_free(st);
		return;
	}
	is_uint(a->c[TC_VERIFIED], 2, "a: the TLS line's delivery and the "
	    "reused connection's are Verified");
	is_uint(a->c[TC_PLAIN], 1, "a: a new connection without TLS is plain");
	is_uint(b->c[TC_PLAIN], 1, "b: smtp[1] never had TLS to it: plain");
	is_uint(b->c[TC_ANONYMOUS], 1, "b: smtp[2] had: Anonymous");
	is_uint(c->c[DD_DEFERRED], 1, "c: deferred");
	is_uint(st->by_category[FLOW_OUT][RC_DANE], 1,
	    "c: a DANE failure, from the verification line");
	is_uint(d->c[DD_BOUNCED], 1, "d: bounced");
	is_uint(st->by_category[FLOW_OUT][RC_CERTIFICATE], 1,
	    "d: a certificate failure");
	ok(tally_find(st->refusals, "outbound|certificate checks|"
	    "certificate has expired") != NULL, "d: with its reason");
	ok(tally_find(st->refusals, "outbound|required TLS missing|"
	    "TLS required, not offered") != NULL,
	    "e: TLS required, not offered, without the host's name");
	stats_free(st);
}

static void
test_smtpd(void)
{
	static const char *const lines[] = {
		"Dec 02 10:00:00 mx postfix/smtpd[1]: connect from mx1.Partner.test[192.0.2.1]",
		"Dec 02 10:00:00 mx postfix/smtpd[1]: Anonymous TLS connection "
		    "established from mx1.partner.test[192.0.2.1]: TLSv1.3 with x",
		"Dec 02 10:00:01 mx postfix/smtpd[1]: disconnect from mx1.partner.test[192.0.2.1]",
		"Dec 02 10:00:02 mx postfix/smtpd[2]: connect from unknown[192.0.2.9]",
		"Dec 02 10:00:02 mx postfix/smtpd[3]: connect from mx2.partner.test[192.0.2.2]",
		/* a TLS line of another process changes nothing of pid 2 */
		"Dec 02 10:00:03 mx postfix/smtpd[4]: Trusted TLS connection "
		    "established from unknown[192.0.2.9]: TLSv1.3 with x",
		"Dec 02 10:00:03 mx postfix/smtpd[2]: disconnect from unknown[192.0.2.9]",
		/* pid 3 never disconnects: counted at the end */
		"Dec 02 10:00:04 mx postfix/smtpd[5]: connect from localhost[127.0.0.1]",
		"Dec 02 10:00:04 mx postfix/smtpd[5]: NOQUEUE: reject: RCPT from "
		    "localhost[127.0.0.1]: 530 5.7.0 Must issue a STARTTLS command first",
		"Dec 02 10:00:04 mx postfix/smtpd[5]: NOQUEUE: milter-reject: MAIL "
		    "from localhost[127.0.0.1]: 530 5.7.0 Must issue a STARTTLS "
		    "command first",
		NULL,
	};
	struct stats *st = stats_new(INT64_MIN, INT64_MAX);
	struct tally_row *p, *u, *l;

	feed(st, lines);
	p = tally_find(st->client_domains, "partner.test");
	u = tally_find(st->client_domains, "[192.0.2.9]");
	l = tally_find(st->client_domains, "localhost");
	if (!ok(p && u && l, "client domains: partner.test, [192.0.2.9], "
	    "localhost")) {
		stats_free(st);
		return;
	}
	is_uint(p->c[CD_SESSIONS], 2, "partner.test: two sessions (one "
	    "counted at the end of the log)");
	is_uint(p->c[CD_TLS], 1, "partner.test: one over TLS");
	is_uint(u->c[CD_TLS], 0, "[192.0.2.9]: another process's TLS line "
	    "is not its");
	is_uint(u->c[CD_PLAIN], 1, "[192.0.2.9]: plain");
	is_uint(st->by_category[FLOW_IN][RC_TLS_MISSING], 1, "Postfix's own "
	    "STARTTLS refusal counted, the milter's (gatewarden's line) not");
	stats_free(st);
}

static void
test_range(void)
{
	static const char *const lines[] = {
		"Dec 02 09:59:59 mx gatewarden[1]: conn#1: group=g policy=no "
		    "client=a tls=none client_cert=none action=accept "
		    "requirement=none reason=ok",
		"Dec 02 10:00:00 mx gatewarden[1]: conn#2: group=g policy=no "
		    "client=a tls=TLSv1.3 cipher=x bits=256 client_cert=none "
		    "action=accept requirement=none reason=ok",
		"Dec 02 10:59:59 mx gatewarden[1]: debug: conn#3: group=g "
		    "policy=no client=a tls=none client_cert=none action=accept "
		    "requirement=none reason=ok",
		"Dec 02 11:00:00 mx gatewarden[1]: conn#4: group=g policy=no "
		    "client=a tls=none client_cert=none action=accept "
		    "requirement=none reason=ok",
		NULL,
	};
	struct stats *st = stats_new(DEC2 + 36000, DEC2 + 39600);
	struct tally_row *g;

	feed(st, lines);
	g = tally_find(st->groups, "g");
	ok(g && g->c[GRP_TOTAL] == 1 && g->c[GRP_TLS] == 1,
	    "[10:00, 11:00): the one decision at 10:00 (debug lines are none)");
	is_uint(st->out_of_range, 2, "the two others are out of range");
	stats_free(st);
}

static char *
captured(void (*put)(FILE *, const char *), const char *s)
{
	char	*buf = NULL;
	size_t	len = 0;
	FILE	*f = open_memstream(&buf, &len);

	put(f, s);
	fclose(f);
	return buf;
}

static void
put_text0(FILE *f, const char *s)
{
	put_text(f, s, 0);
}

static void
test_escape(void)
{
	static const char hostile[] = "<a href='x'>&\"\x01\xff\xc3\xa9\xed\xa0\x80";
	char	*s;

	s = captured(put_json, hostile);
	is_string(s, "\"<a href='x'>&\\\"\\u0001\\ufffd\xc3\xa9\\ufffd\\ufffd"
	    "\\ufffd\"", "JSON: quotes, control and invalid bytes escaped");
	free(s);
	s = captured(put_html, hostile);
	is_string(s, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\xef\xbf\xbd"
	    "\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "HTML: markup escaped, control and invalid bytes U+FFFD");
	free(s);
	s = captured(put_text0, "a\033[31mb\xff");
	is_string(s, "a?[31mb?", "text: no escape character, no invalid byte");
	free(s);
}

int
main(void)
{
	/* Traditional stamps are local time: make it UTC here. */
	setenv("TZ", "UTC", 1);
	tzset();
	plan_lazy();
	test_lines();
	test_year();
	test_kv();
	test_timeline();
	test_tally();
	test_smtp();
	test_smtpd();
	test_range();
	test_escape();
	return done_testing();
}
