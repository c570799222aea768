/*
 * test_dane_tlsrpt - TLS-RPT's parts as tables: Postfix log lines into
 * sessions (both time stamp forms, one session per message and
 * connection, hostile and irrelevant lines passed over), what a session
 * counts as under each kind of policy, the _smtp._tls record, the gzip
 * member and the report message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dane/tlsrpt_log.h"
#include "dane/tlsrpt_report.h"
#include "dane/tlsrpt_rua.h"
#include "dane/tlsrpt_send.h"
#include "t/tap.h"

#define P "Dec 02 14:02:36 gw postfix/smtp[10]: "

static struct tlsrpt_log *
feed(const char *const *lines)
{
	struct tlsrpt_log *l = tlsrpt_log_new(2026);

	for (; *lines; lines++)
		tlsrpt_log_line(l, *lines, strlen(*lines));
	return l;
}

static void
test_log(void)
{
	static const char *const ok_lines[] = {
		P "Verified TLS connection established to mx.a.test[192.0.2.1]:25: TLSv1.3",
		P "AAA1: to=<u@a.test>, relay=mx.a.test[192.0.2.1]:25, delay=1, dsn=2.0.0, status=sent (250 ok)",
		P "AAA1: to=<v@a.test>, relay=mx.a.test[192.0.2.1]:25, delay=1, dsn=2.0.0, status=sent (250 ok)",
		P "server certificate verification failed for mx.b.test[192.0.2.2]:25: num=10:certificate has expired",
		P "Untrusted TLS connection established to mx.b.test[192.0.2.2]:25: TLSv1.3",
		P "BBB1: to=<u@B.Test>, relay=mx.b.test[192.0.2.2]:25, delay=1, dsn=4.7.5, status=deferred (Server certificate not verified)",
		"2026-12-02T15:00:00.123456+01:00 gw postfix/relay[11]: CCC1: to=<u@c.test>, relay=mx.c.test[192.0.2.3]:25, delay=1, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mx.c.test[192.0.2.3])",
		P "warning: TLS policy lookup for d.test/mx.d.test: no TLSA records found",
		P "DDD1: to=<u@d.test>, relay=none, delay=1, dsn=4.7.5, status=deferred (no TLSA records found)",
		"Dec  2 14:02:37 gw postfix-out/smtp[12]: Anonymous TLS connection established to mx.e.test[2001:db8::1]:25: TLSv1.2",
		"Dec  2 14:02:37 gw postfix-out/smtp[12]: EEE1: to=<u@e.test>, relay=mx.e.test[2001:db8::1]:25, delay=1, dsn=4.0.0, status=deferred (host mx.e.test said: 451 try later)",
		NULL,
	};
	static const char *const skipped[] = {
		P "FFF1: to=<u@f.test>, relay=mx.f.test[192.0.2.6]:25, delay=1, status=deferred (connect to mx.f.test[192.0.2.6]:25: Connection refused)",
		P "FFF2: to=<u@f.test>, relay=none, delay=1, status=deferred (delivery temporarily suspended: TLS is required, but was not offered by host x)",
		"Dec 02 14:02:36 gw postfix/local[13]: FFF3: to=<u@f.test>, relay=local, delay=1, status=sent (delivered to mailbox)",
		"Dec 02 14:02:36 gw postfix/lmtp[14]: FFF4: to=<u@f.test>, relay=lmtp.f.test[private/dovecot-lmtp], delay=1, status=sent (250 ok)",
		P "FFF5: to=<u@f;rm -rf.test>, relay=mx.f.test[192.0.2.6]:25, status=sent (250)",
		P "FFF6: to=<u@f.test>, relay=mx.f.test[192.0.2.6<script>]:25, status=sent (250)",
		P "FFF7: to=<u@f.test>, relay=mx.f.test[192.0.2.6]:25, status=expired",
		"garbage line without a time stamp",
		"Dec 99 14:02:36 gw postfix/smtp[10]: FFF8: to=<u@f.test>, relay=none, status=deferred (no TLSA records found)",
		"Dec 02 14:02:36 gw sendmail[10]: FFF9: to=<u@f.test>, relay=none, status=deferred (no TLSA records found)",
		P "FFF10: to=<u@f.test",
		P "",
		NULL,
	};
	struct tlsrpt_log *l = feed(ok_lines);
	const struct tlsrpt_session *s = l->v;

	is_uint(l->n, 5, "five sessions (two recipients of one message are one)");
	if (l->n == 5) {
		ok(strcmp(s[0].domain, "a.test") == 0 && s[0].tls == TT_VERIFIED &&
		    s[0].failed == TR_SUCCESS && strcmp(s[0].ip, "192.0.2.1") == 0,
		    "a.test: verified, delivered");
		ok(strcmp(s[1].domain, "b.test") == 0 && s[1].tls == TT_UNTRUSTED &&
		    s[1].failed == TR_CERT_EXPIRED && s[1].cert == TR_CERT_EXPIRED,
		    "b.test: lower-cased, certificate-expired from the certificate's reason");
		ok(strcmp(s[2].domain, "c.test") == 0 &&
		    s[2].failed == TR_STARTTLS_NOT_SUPPORTED &&
		    s[2].when == 1796220000,
		    "c.test: starttls-not-supported, RFC 3339 time with its offset (got %lld)",
		    (long long)s[2].when);
		ok(strcmp(s[3].domain, "d.test") == 0 &&
		    strcmp(s[3].mx, "mx.d.test") == 0 && s[3].ip[0] == '\0' &&
		    s[3].failed == TR_DANE_REQUIRED,
		    "d.test: dane-required, the MX host from the policy warning");
		ok(strcmp(s[4].domain, "e.test") == 0 && s[4].tls == TT_ANONYMOUS &&
		    s[4].failed == TR_SUCCESS && strcmp(s[4].ip, "2001:db8::1") == 0,
		    "e.test: a 4xx after TLS is a TLS success (IPv6, another instance)");
	}
	tlsrpt_log_free(l);
	l = feed(skipped);
	is_uint(l->n, 0, "no session from irrelevant or hostile lines");
	ok(l->skipped >= 2, "undated lines counted as skipped (%zu)", l->skipped);
	tlsrpt_log_free(l);
	{
		char	*big = malloc(TLSRPT_MAX_LINE + 200);

		l = tlsrpt_log_new(2026);
		snprintf(big, TLSRPT_MAX_LINE + 200, P "AAA1: to=<u@a.test>, relay=mx.a.test[192.0.2.1]:25, status=sent (%*s)",
		    TLSRPT_MAX_LINE, "x");
		tlsrpt_log_line(l, big, strlen(big));
		is_uint(l->n, 0, "an overlong line is passed over");
		tlsrpt_log_line(l, P "A\0: to=<u@a.test>, relay=none, status=sent", 60);
		is_uint(l->n, 0, "a line with a NUL is passed over");
		tlsrpt_log_free(l);
		free(big);
	}
}

static void
test_judge(void)
{
	static const struct {
		const char *name;
		bool	verified_only;
		enum tlsrpt_result fetch;
		enum tlsrpt_tls tls;
		enum tlsrpt_result cert, failed, want;
	} t[] = {
		{ "tlsa verified", false, TR_SUCCESS, TT_VERIFIED, TR_SUCCESS, TR_SUCCESS, TR_SUCCESS },
		{ "tlsa failure", false, TR_SUCCESS, TT_UNTRUSTED, TR_TLSA_INVALID, TR_TLSA_INVALID, TR_TLSA_INVALID },
		{ "no policy, untrusted", false, TR_SUCCESS, TT_UNTRUSTED, TR_SUCCESS, TR_SUCCESS, TR_SUCCESS },
		{ "no policy, plain", false, TR_SUCCESS, TT_NONE, TR_SUCCESS, TR_SUCCESS, TR_STARTTLS_NOT_SUPPORTED },
		{ "sts verified", true, TR_SUCCESS, TT_VERIFIED, TR_SUCCESS, TR_SUCCESS, TR_SUCCESS },
		{ "sts testing, trusted", true, TR_SUCCESS, TT_TRUSTED, TR_SUCCESS, TR_SUCCESS, TR_CERT_HOST_MISMATCH },
		{ "sts testing, untrusted", true, TR_SUCCESS, TT_UNTRUSTED, TR_SUCCESS, TR_SUCCESS, TR_CERT_NOT_TRUSTED },
		{ "sts testing, expired", true, TR_SUCCESS, TT_UNTRUSTED, TR_CERT_EXPIRED, TR_SUCCESS, TR_CERT_EXPIRED },
		{ "sts testing, plain", true, TR_SUCCESS, TT_NONE, TR_SUCCESS, TR_SUCCESS, TR_STARTTLS_NOT_SUPPORTED },
		{ "sts fetch failed", true, TR_STS_WEBPKI_INVALID, TT_VERIFIED, TR_SUCCESS, TR_SUCCESS, TR_STS_WEBPKI_INVALID },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct tlsrpt_policy p = { "x", NULL, 0, NULL, 0,
		    t[i].verified_only, t[i].fetch };
		struct tlsrpt_session s;
		enum tlsrpt_result r;

		memset(&s, 0, sizeof(s));
		s.tls = t[i].tls;
		s.cert = t[i].cert;
		s.failed = t[i].failed;
		r = tlsrpt_judge(&p, &s);
		ok(r == t[i].want, "%s: got %s, want %s", t[i].name,
		    tlsrpt_result_name(r) ? tlsrpt_result_name(r) : "success",
		    tlsrpt_result_name(t[i].want) ? tlsrpt_result_name(t[i].want) : "success");
	}
}

/* s printable on one TAP line. */
static const char *
shown(const char *s)
{
	static char buf[256];
	size_t	i;

	for (i = 0; s[i] && i < sizeof(buf) - 1; i++)
		buf[i] = (unsigned char)s[i] < ' ' ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

static void
test_rua(void)
{
	static const struct {
		const char *rr[3];
		const char *want;	/* targets joined by ' ', NULL: none */
	} t[] = {
		{ { "v=TLSRPTv1; rua=mailto:reports@example.com" }, "reports@example.com" },
		{ { "v=TLSRPTv1;rua=mailto:a@x.test,https://r.x.test/tlsrpt" },
		    "a@x.test https://r.x.test/tlsrpt" },
		{ { "v=spf1 -all", "v=TLSRPTv1 ; rua=mailto:A%40b@X.TEST?subject=x" },
		    NULL },
		{ { "v=TLSRPTv1; rua=mailto:tls%2Drpt@x.test?subject=x" }, "tls-rpt@x.test" },
		{ { "v=TLSRPTv1; rua=mailto:a@x.test", "v=TLSRPTv1; rua=mailto:b@x.test" }, NULL },
		{ { "v=TLSRPTv2; rua=mailto:a@x.test" }, NULL },
		{ { "v=TLSRPTv1; rua=ftp://x.test/,http://x.test/" }, NULL },
		{ { "v=TLSRPTv1; rua=mailto:a%00b@x.test" }, NULL },
		{ { "v=TLSRPTv1; rua=mailto:a@x.test\nBcc: evil@y.test" }, NULL },
		{ { "v=TLSRPTv1; x=y; rua= mailto:a@x.test , https://h.test/ ; z=1" },
		    "a@x.test https://h.test/" },
		{ { "v=TLSRPTv1" }, NULL },
	};
	size_t	i, j;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct tlsrpt_rua r;
		const char *why = NULL;
		char	got[1024] = "";
		size_t	n = 0;
		bool	ok_;

		while (n < 3 && t[i].rr[n])
			n++;
		ok_ = tlsrpt_rua_parse((char *const *)t[i].rr, n, &r, &why);
		for (j = 0; ok_ && j < r.n; j++) {
			if (j)
				strcat(got, " ");
			strcat(got, r.v[j].target);
		}
		if (t[i].want)
			is_string(ok_ ? got : why, t[i].want, "rua \"%s\"",
			    shown(t[i].rr[n - 1]));
		else
			ok(!ok_ && why != NULL, "rua \"%s\": refused (%s)",
			    shown(t[i].rr[n - 1]), ok_ ? got : why);
		tlsrpt_rua_clear(&r);
	}
}

static void
test_gzip_and_message(void)
{
	const char *json = "{\"organization-name\":\"x\"}";
	unsigned char back[256];
	size_t	gzlen;
	unsigned char *gz = tlsrpt_gzip(json, strlen(json), &gzlen);
	z_stream z;
	struct tlsrpt_envelope e = { "from@x.test", "gw.x.test", "d.test",
	    "id1@gw.x.test", "gw.x.test!d.test!1!2!ab.json.gz", 0 };
	char	*m;

	memset(&z, 0, sizeof(z));
	ok(gzlen > 18 && gz[0] == 0x1f && gz[1] == 0x8b, "a gzip member");
	inflateInit2(&z, 15 + 16);
	z.next_in = gz;
	z.avail_in = (uInt)gzlen;
	z.next_out = back;
	z.avail_out = sizeof(back);
	ok(inflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out ==
	    strlen(json) && memcmp(back, json, strlen(json)) == 0,
	    "it inflates back to the JSON");
	inflateEnd(&z);
	m = tlsrpt_message(&e, "r@d.test", gz, gzlen);
	ok(strstr(m, "\nSubject: Report Domain: d.test Submitter: gw.x.test "
	    "Report-ID: <id1@gw.x.test>\n") != NULL, "Subject per RFC 8460 5.3");
	ok(strstr(m, "\nTLS-Report-Domain: d.test\n") &&
	    strstr(m, "\nTLS-Report-Submitter: gw.x.test\n") &&
	    strstr(m, "Content-Type: multipart/report; report-type=\"tlsrpt\";") &&
	    strstr(m, "Content-Type: application/tlsrpt+gzip\n") &&
	    strstr(m, "filename=\"gw.x.test!d.test!1!2!ab.json.gz\""),
	    "TLS-Report-* headers, multipart/report, the gzip part");
	ok(strstr(m, "Date: Thu, 01 Jan 1970 00:00:00 +0000\n") != NULL,
	    "an RFC 5322 date");
	free(m);
	free(gz);
	m = tlsrpt_filename("gw.x.test", "d.test", 1796169600, 1796255999,
	    "0123");
	is_string(m, "gw.x.test!d.test!1796169600!1796255999!0123.json.gz",
	    "RFC 8460 5.1 file name");
	free(m);
}

int
main(void)
{
	plan_lazy();
	test_log();
	test_judge();
	test_rua();
	test_gzip_and_message();
	return done_testing();
}
