/*
 * test_dane_sockmap - the socketmap protocol of gatewarden-maps serve:
 * netstrings (whole, partial, malformed, too long), requests (map names,
 * keys Postfix and Sendmail send, keys that are no destination) and
 * replies (status, cleaned and bounded text).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dane/netstring.h"
#include "dane/sockmap.h"
#include "t/tap.h"

static const char *
ns_name(enum ns_result r)
{
	switch (r) {
	case NS_OK:		return "OK";
	case NS_MORE:		return "MORE";
	case NS_BAD:		return "BAD";
	case NS_TOO_LONG:	return "TOO_LONG";
	}
	return "?";
}

static void
test_parse(void)
{
	static const struct {
		const char *in;
		size_t	max;
		enum ns_result want;
		const char *data;	/* NS_OK: the payload */
		size_t	used;
	} t[] = {
		{ "5:hello,", 100, NS_OK, "hello", 8 },
		{ "0:,", 100, NS_OK, "", 3 },
		{ "5:hello,3:abc,", 100, NS_OK, "hello", 8 },
		{ "", 100, NS_MORE, NULL, 0 },
		{ "5", 100, NS_MORE, NULL, 0 },
		{ "5:", 100, NS_MORE, NULL, 0 },
		{ "5:hell", 100, NS_MORE, NULL, 0 },
		{ "5:hello", 100, NS_MORE, NULL, 0 },
		{ "5:hello;", 100, NS_BAD, NULL, 0 },
		{ ":hello,", 100, NS_BAD, NULL, 0 },
		{ "x:hello,", 100, NS_BAD, NULL, 0 },
		{ "5x:hello,", 100, NS_BAD, NULL, 0 },
		{ "05:hello,", 100, NS_BAD, NULL, 0 },
		{ "-5:hello,", 100, NS_BAD, NULL, 0 },
		{ " 5:hello,", 100, NS_BAD, NULL, 0 },
		{ "101:", 100, NS_TOO_LONG, NULL, 0 },
		{ "2049", 2048, NS_TOO_LONG, NULL, 0 },
		{ "99999999999999999999999999:", 2048, NS_TOO_LONG, NULL, 0 },
		{ "2048:", 2048, NS_MORE, NULL, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *data = NULL;
		size_t	dlen = 0, used = 0;
		enum ns_result r = netstring_parse(t[i].in, strlen(t[i].in),
		    t[i].max, &data, &dlen, &used);

		is_string(ns_name(r), ns_name(t[i].want), "netstring \"%s\"",
		    t[i].in);
		if (t[i].want != NS_OK || r != NS_OK)
			continue;
		ok(dlen == strlen(t[i].data) &&
		    memcmp(data, t[i].data, dlen) == 0 && used == t[i].used,
		    "netstring \"%s\": payload \"%s\", %zu bytes used", t[i].in,
		    t[i].data, t[i].used);
	}
}

static void
test_encode(void)
{
	size_t	len;
	char	*s = netstring_encode("OK dane-only", 12, &len);

	is_string(s, "12:OK dane-only,", "encode");
	is_uint(len, 16, "encoded length");
	free(s);
	s = sockmap_reply("NOTFOUND", NULL, &len);
	is_string(s, "9:NOTFOUND ,", "NOTFOUND with an empty text");
	free(s);
	s = sockmap_reply("TEMP", "a\r\nb\tc", &len);
	is_string(s, "11:TEMP a??b?c,", "control characters cleaned");
	free(s);
	{
		char	big[3000];
		const char *data;
		size_t	dlen, used;

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		s = sockmap_reply("PERM", big, &len);
		ok(netstring_parse(s, len, 100000, &data, &dlen, &used) ==
		    NS_OK && dlen == 5 + SOCKMAP_MAX_TEXT && used == len,
		    "a long text is cut to %u bytes", SOCKMAP_MAX_TEXT);
		free(s);
	}
}

static const char *
req_name(enum sockmap_req r)
{
	switch (r) {
	case SM_REQ_LOOKUP:	return "LOOKUP";
	case SM_REQ_NOTFOUND:	return "NOTFOUND";
	case SM_REQ_PERM:	return "PERM";
	}
	return "?";
}

static void
test_request(void)
{
	static const struct {
		const char *in;
		enum sockmap_req want;
		enum sockmap_kind kind;
		const char *domain;
		const char *tag;
	} t[] = {
		{ "tls_policy example.com", SM_REQ_LOOKUP, SM_KIND_POSTFIX,
		    "example.com", "" },
		{ "tls_policy Example.COM.", SM_REQ_LOOKUP, SM_KIND_POSTFIX,
		    "example.com", "" },
		{ "tls_policy mx_1.ex-ample.com", SM_REQ_LOOKUP,
		    SM_KIND_POSTFIX, "mx_1.ex-ample.com", "" },
		{ "tls_policy .example.com", SM_REQ_NOTFOUND, SM_KIND_POSTFIX,
		    "", "" },
		{ "tls_policy [192.0.2.1]:25", SM_REQ_NOTFOUND,
		    SM_KIND_POSTFIX, "", "" },
		{ "tls_policy a..b", SM_REQ_NOTFOUND, SM_KIND_POSTFIX, "",
		    "" },
		{ "tls_policy a b", SM_REQ_NOTFOUND, SM_KIND_POSTFIX, "", "" },
		{ "tls_policy "
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    ".com", SM_REQ_NOTFOUND, SM_KIND_POSTFIX, "", "" },
		{ "tls_access TLS_Rcpt:example.com", SM_REQ_LOOKUP,
		    SM_KIND_SENDMAIL, "example.com", "TLS_Rcpt" },
		{ "tls_access tls_rcpt:Example.com", SM_REQ_LOOKUP,
		    SM_KIND_SENDMAIL, "example.com", "TLS_Rcpt" },
		{ "tls_access Try_TLS:mx.example.com", SM_REQ_LOOKUP,
		    SM_KIND_SENDMAIL, "mx.example.com", "Try_TLS" },
		{ "tls_access TLS_Rcpt:test", SM_REQ_NOTFOUND,
		    SM_KIND_SENDMAIL, "", "" },
		{ "tls_policy localhost", SM_REQ_LOOKUP, SM_KIND_POSTFIX,
		    "localhost", "" },
		{ "tls_access Connect:192.0.2.1", SM_REQ_NOTFOUND,
		    SM_KIND_SENDMAIL, "", "" },
		{ "tls_access example.com", SM_REQ_NOTFOUND, SM_KIND_SENDMAIL,
		    "", "" },
		{ "tls_access TLS_Rcpt:", SM_REQ_NOTFOUND, SM_KIND_SENDMAIL,
		    "", "TLS_Rcpt" },
		{ "other example.com", SM_REQ_PERM, SM_KIND_POSTFIX, "", "" },
		{ "tls_policy", SM_REQ_PERM, SM_KIND_POSTFIX, "", "" },
		{ "tls_policy ", SM_REQ_PERM, SM_KIND_POSTFIX, "", "" },
		{ " example.com", SM_REQ_PERM, SM_KIND_POSTFIX, "", "" },
		{ "", SM_REQ_PERM, SM_KIND_POSTFIX, "", "" },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sockmap_request r;

		sockmap_parse(t[i].in, strlen(t[i].in), &r);
		is_string(req_name(r.type), req_name(t[i].want),
		    "request \"%s\"", t[i].in);
		if (r.type == SM_REQ_PERM || r.type == SM_REQ_NOTFOUND) {
			ok(r.why != NULL, "request \"%s\": a reason",
			    t[i].in);
			continue;
		}
		ok(r.kind == t[i].kind && strcmp(r.domain, t[i].domain) == 0 &&
		    strcmp(r.tag, t[i].tag) == 0,
		    "request \"%s\": domain %s tag %s (got %s %s)", t[i].in,
		    t[i].domain, t[i].tag, r.domain, r.tag);
	}
	/* A NUL inside the payload is no domain name. */
	{
		struct sockmap_request r;

		sockmap_parse("tls_policy a\0b.com", 18, &r);
		is_string(req_name(r.type), "NOTFOUND", "a NUL in the key");
	}
}

int
main(void)
{
	plan_lazy();
	test_parse();
	test_encode();
	test_request();
	return done_testing();
}
