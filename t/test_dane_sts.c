/*
 * test_dane_sts - MTA-STS: the TXT record and policy file parsers, MX
 * patterns, the discovery over canned DNS, a fake fetch and a fixed clock
 * (id change, failed fetch, cached policy outliving its record, expiry,
 * refresh, a failed TXT look-up), and what the one decision (plan.h) makes
 * of DANE and MTA-STS together.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dane/plan.h"
#include "dane/sts.h"
#include "dane/sts_lookup.h"
#include "lib/xalloc.h"
#include "t/dane_fakedns.h"
#include "t/tap.h"

#define SEC	DNS_SEC_SECURE
#define INSEC	DNS_SEC_INSECURE
#define FAIL	DNS_SEC_FAILED
#define DATA	DNS_KIND_DATA
#define H32 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_txt(void)
{
	static const struct {
		const char *rr[3];
		const char *want;	/* the id, NULL: no record */
	} t[] = {
		{ { "v=STSv1; id=20160831085700Z;" }, "20160831085700Z" },
		{ { "v=STSv1; id=abc" }, "abc" },
		{ { "v=STSv1 ; id=abc ; " }, "abc" },
		{ { "v=spf1 -all", "v=STSv1; id=2" }, "2" },
		{ { "v=STSv1; id=1; ext_x.y-z=v!" }, "1" },
		{ { "v=STSv1; id=first; id=second" }, "first" },
		{ { "v=STSv1; id=1", "v=STSv1; id=2" }, NULL },
		{ { "v=STSv1" }, NULL },
		{ { "v=STSv1;" }, NULL },
		{ { "v=STSv1; x=1" }, NULL },
		{ { "v=STSv1; id=" }, NULL },
		{ { "v=STSv1; id=a-b" }, NULL },
		{ { "v=STSv1; id=123456789012345678901234567890123" }, NULL },
		{ { "v=STSv1; id=1; bad" }, NULL },
		{ { "v=STSv1; id=1;; id=2" }, NULL },
		{ { "V=STSv1; id=1" }, NULL },
		{ { "v=STSv10; id=1" }, NULL },
		{ { NULL }, NULL },
	};
	size_t	i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char	id[STS_MAX_ID + 1];
		const char *why = NULL;
		enum sts_txt_result r;

		for (n = 0; n < 3 && t[i].rr[n]; n++)
			;
		r = sts_txt_parse((char *const *)t[i].rr, n, id, &why);
		if (t[i].want)
			is_string(r == STS_TXT_OK ? id : why, t[i].want,
			    "TXT \"%s\"%s: id", t[i].rr[0] ? t[i].rr[0] : "",
			    n > 1 ? " and another" : "");
		else
			ok(r == STS_TXT_NONE && why != NULL && id[0] == '\0',
			    "TXT \"%s\"%s: no record (%s)",
			    t[i].rr[0] ? t[i].rr[0] : "(none)",
			    n > 1 ? " and another" : "", why ? why : "");
	}
}

#define GOOD "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\n" \
	"mx: *.example.net\r\nmax_age: 604800\r\n"

static void
test_policy(void)
{
	static const struct {
		const char *name, *text;
		const char *want;	/* "mode max_age mx,..." or why */
		bool	good;
	} t[] = {
		{ "RFC example with CRLF", GOOD,
		  "enforce 604800 mx1.example.com,*.example.net", true },
		{ "LF, blank lines, no final line end",
		  "version: STSv1\n\nmode: testing\nmx: MX.Example.COM.\n"
		  "max_age:86400", "testing 86400 mx.example.com", true },
		{ "none without mx", "version: STSv1\nmode: none\nmax_age: 5\n",
		  "none 5 ", true },
		{ "unknown keys ignored, first of a key counts",
		  "version: STSv1\nmode: enforce\nmode: none\nfoo_bar: x y\n"
		  "mx: a.test\nmax_age: 1\nmax_age: 2\n",
		  "enforce 1 a.test", true },
		{ "max_age above a year is capped",
		  "version: STSv1\nmode: testing\nmx: a.test\n"
		  "max_age: 9999999999\n", "testing 31557600 a.test", true },
		{ "no version", "mode: enforce\nmx: a.test\nmax_age: 1\n",
		  "the policy has no version", false },
		{ "version STSv2", "version: STSv2\nmode: enforce\nmx: a.test\n"
		  "max_age: 1\n", "the policy version is not STSv1", false },
		{ "no mode", "version: STSv1\nmx: a.test\nmax_age: 1\n",
		  "the policy has no mode", false },
		{ "mode Enforce", "version: STSv1\nmode: Enforce\nmx: a.test\n"
		  "max_age: 1\n",
		  "the policy mode is not enforce, testing or none", false },
		{ "key names are case-sensitive",
		  "version: STSv1\nMode: enforce\nmx: a.test\nmax_age: 1\n",
		  "the policy has no mode", false },
		{ "no max_age", "version: STSv1\nmode: enforce\nmx: a.test\n",
		  "the policy has no max_age", false },
		{ "max_age -1", "version: STSv1\nmode: enforce\nmx: a.test\n"
		  "max_age: -1\n", "the policy max_age is not a number", false },
		{ "max_age of 11 digits", "version: STSv1\nmode: enforce\n"
		  "mx: a.test\nmax_age: 12345678901\n",
		  "the policy max_age has more than 10 digits", false },
		{ "enforce without mx", "version: STSv1\nmode: enforce\n"
		  "max_age: 1\n", "the policy has no mx for its mode", false },
		{ "mx *", "version: STSv1\nmode: enforce\nmx: *\nmax_age: 1\n",
		  "a policy mx is not a host name nor *.domain", false },
		{ "mx *.*.test", "version: STSv1\nmode: enforce\n"
		  "mx: *.*.test\nmax_age: 1\n",
		  "a policy mx is not a host name nor *.domain", false },
		{ "mx with a space", "version: STSv1\nmode: enforce\n"
		  "mx: a b.test\nmax_age: 1\n",
		  "a policy mx is not a host name nor *.domain", false },
		{ "a line without a colon", "version: STSv1\nmode enforce\n"
		  "mx: a.test\nmax_age: 1\n",
		  "a policy line is not \"key: value\"", false },
		{ "a control character", "version: STSv1\nmode: enforce\x01\n"
		  "mx: a.test\nmax_age: 1\n",
		  "the policy holds a control character", false },
		{ "an HTML page", "<html><body>hello</body></html>\n",
		  "a policy line is not \"key: value\"", false },
	};
	size_t	i, j;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sts_policy p;
		const char *why = NULL;
		char	got[512];
		bool	good = sts_policy_parse(t[i].text, strlen(t[i].text), &p,
		    &why);

		if (good) {
			int	o = snprintf(got, sizeof(got), "%s %u ",
			    sts_mode_name(p.mode), p.max_age);

			for (j = 0; j < p.nmx && o > 0 &&
			    (size_t)o < sizeof(got); j++)
				o += snprintf(got + o, sizeof(got) - (size_t)o,
				    "%s%s", j ? "," : "", p.mx[j]);
		} else {
			snprintf(got, sizeof(got), "%s", why);
		}
		is_string(got, t[i].want, "policy: %s (%s)", t[i].name,
		    good ? "valid" : "invalid");
		sts_policy_clear(&p);
	}
	{
		/* 65 mx lines; then a body above 64 KiB; then a NUL. */
		size_t	cap = 70 * 32 + 128, o = 0, k;
		char	*b = x_malloc(cap), *big;
		struct sts_policy p;
		const char *why;

		o += (size_t)snprintf(b, cap, "version: STSv1\nmode: enforce\n"
		    "max_age: 1\n");
		for (k = 0; k < 65; k++)
			o += (size_t)snprintf(b + o, cap - o, "mx: m%zu.test\n",
			    k);
		ok(!sts_policy_parse(b, o, &p, &why) && strcmp(why,
		    "the policy has more than 64 mx patterns") == 0,
		    "policy: 65 mx patterns are too many");
		free(b);
		big = x_malloc(STS_MAX_POLICY + 2);
		memset(big, '#', STS_MAX_POLICY + 1);
		ok(!sts_policy_parse(big, STS_MAX_POLICY + 1, &p, &why) &&
		    strcmp(why, "the policy is larger than 64 KiB") == 0,
		    "policy: 64 KiB + 1 is too large");
		free(big);
		ok(!sts_policy_parse("version: STSv1\0x", 16, &p, &why),
		    "policy: a NUL byte is refused");
	}
	{
		struct sts_policy p;
		const char *why;

		if (sts_policy_parse(GOOD, strlen(GOOD), &p, &why)) {
			char	*m = sts_postfix_match(&p);

			is_string(m, "mx1.example.com:.example.net",
			    "Postfix match= list of the policy");
			is_uint(p.nlines, 5, "the policy keeps its lines");
			is_string(p.lines[4], "max_age: 604800",
			    "lines without their CRLF");
			free(m);
		}
		sts_policy_clear(&p);
	}
}

static void
test_mx_match(void)
{
	static const struct {
		const char *pattern, *host;
		bool	want;
	} t[] = {
		{ "mx.example.com", "mx.example.com", true },
		{ "mx.example.com", "MX.Example.Com.", true },
		{ "mx.example.com", "mx2.example.com", false },
		{ "*.example.com", "mx.example.com", true },
		{ "*.example.com", "a.b.example.com", false },
		{ "*.example.com", "example.com", false },
		{ "*.example.com", ".example.com", false },
		{ "*.example.com", "mxexample.com", false },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ok(sts_mx_match(t[i].pattern, t[i].host) == t[i].want,
		    "mx %s %s %s", t[i].pattern, t[i].want ? "matches" :
		    "does not match", t[i].host);
}

/* ---- discovery over canned DNS, a fake fetch and a clock ---- */

struct hooks {
	time_t	now;
	unsigned fetches;
	const char *body;	/* NULL: the fetch fails */
	enum sts_fetch_result fail;
};

static time_t
fake_clock(void *arg)
{
	return ((struct hooks *)arg)->now;
}

static enum sts_fetch_result
fake_fetch(void *arg, const struct dns_source *src, const char *domain,
    const struct sts_fetch_opts *o, char **body, size_t *len, char **why)
{
	struct hooks *h = arg;

	(void)src, (void)domain, (void)o;
	h->fetches++;
	if (h->body == NULL) {
		*why = x_strdup("connection refused");
		return h->fail;
	}
	*body = x_strdup(h->body);
	*len = strlen(h->body);
	return STS_FETCH_OK;
}

static const struct fake_rr txt_v1[] = {
	{ "_mta-sts.sts.test", DNS_T_TXT, INSEC, DATA, NULL,
	  { "v=STSv1; id=one" }, 60 },
	{ "_mta-sts.fail.test", DNS_T_TXT, FAIL, DATA, NULL, { NULL }, 0 },
	{ NULL, 0, 0, 0, NULL, { NULL }, 0 },
};
static const struct fake_rr txt_v2[] = {
	{ "_mta-sts.sts.test", DNS_T_TXT, INSEC, DATA, NULL,
	  { "v=STSv1; id=two" }, 60 },
	{ NULL, 0, 0, 0, NULL, { NULL }, 0 },
};
static const struct fake_rr txt_gone[] = {
	{ "_mta-sts.fail.test", DNS_T_TXT, FAIL, DATA, NULL, { NULL }, 0 },
	{ NULL, 0, 0, 0, NULL, { NULL }, 0 },
};

#define POLICY(mode, age) "version: STSv1\nmode: " mode "\nmx: mx.sts.test\n" \
	"max_age: " age "\n"

static void
lookup(struct sts_ctx *x, struct fakedns *f, const char *domain,
    struct sts_result *r)
{
	struct dns_source src = fakedns_source(f);

	sts_result_clear(r);
	sts_lookup(x, &src, domain, r);
}

static void
test_lookup(void)
{
	struct mta_sts_conf c = { (char *)":memory:", 10, 1000, NULL };
	struct hooks h = { 100000, 0, POLICY("enforce", "600"), STS_FETCH_OK };
	struct fakedns f = { txt_v1, 0 };
	struct sts_result r;
	struct sts_ctx *x;
	char	*err = NULL;

	memset(&r, 0, sizeof(r));
	if ((x = sts_ctx_new(&c, (uid_t)-1, (gid_t)-1, &err)) == NULL)
		bail("sts_ctx_new: %s", err);
	sts_ctx_set_hooks(x, fake_clock, fake_fetch, &h);

	lookup(x, &f, "none.test", &r);
	ok(r.status == STS_NONE && h.fetches == 0,
	    "no _mta-sts record: no policy, nothing fetched (%s)", r.why);

	lookup(x, &f, "sts.test", &r);
	ok(r.status == STS_POLICY && r.fetched && !r.cached &&
	    r.policy.mode == STS_MODE_ENFORCE && h.fetches == 1 &&
	    strcmp(r.id, "one") == 0, "a record: the policy is fetched");
	is_uint(r.ttl, 60, "the answer lasts the TXT TTL");

	h.now += 100;
	lookup(x, &f, "sts.test", &r);
	ok(r.status == STS_POLICY && r.cached && h.fetches == 1,
	    "the same id: the cached policy, no fetch");

	f.rows = txt_v2;
	h.body = POLICY("testing", "600");
	lookup(x, &f, "sts.test", &r);
	ok(r.status == STS_POLICY && r.fetched && h.fetches == 2 &&
	    r.policy.mode == STS_MODE_TESTING && strcmp(r.id, "two") == 0,
	    "a new id: fetched again, the new policy applies");

	f.rows = txt_v1;
	h.body = NULL;
	h.fail = STS_FETCH_WEBPKI;
	lookup(x, &f, "sts.test", &r);
	ok(r.status == STS_POLICY && r.cached && r.fetched &&
	    r.fetch == STS_FETCH_WEBPKI && strcmp(r.id, "two") == 0 &&
	    r.policy.mode == STS_MODE_TESTING,
	    "a new id whose fetch fails: the cached policy applies (%s)",
	    r.why);
	is_uint(r.ttl, STS_FAIL_TTL, "and is asked again soon");

	f.rows = txt_gone;
	lookup(x, &f, "sts.test", &r);
	ok(r.status == STS_POLICY && r.cached,
	    "the record gone: the cached policy lasts (%s)", r.why);

	h.now += 600;
	lookup(x, &f, "sts.test", &r);
	ok(r.status == STS_NONE, "past max_age with no record: no policy");

	f.rows = txt_v1;
	h.body = POLICY("enforce", "5000");
	lookup(x, &f, "sts.test", &r);
	ok(r.status == STS_POLICY && r.expires == h.now + 1000,
	    "max_age is capped by max_age_cap (1000 s)");
	h.now += 499;
	lookup(x, &f, "sts.test", &r);
	is_uint(h.fetches, 4, "within half the max_age: not fetched again");
	h.now += 2;
	lookup(x, &f, "sts.test", &r);
	ok(h.fetches == 5 && r.expires == h.now + 1000,
	    "past half the max_age: fetched again, the expiry moves on");

	lookup(x, &f, "fail.test", &r);
	ok(r.status == STS_TEMP, "a failed _mta-sts look-up and nothing "
	    "cached: temporary (%s)", r.why);
	h.body = NULL;
	h.fail = STS_FETCH_INVALID;
	f.rows = txt_v2;
	lookup(x, &f, "sts.test", &r);
	ok(r.status == STS_POLICY && r.cached,
	    "fetch of a new id invalid: cached policy");
	f.rows = txt_gone;
	lookup(x, &f, "sts.test", &r);
	ok(r.status == STS_POLICY && r.cached,
	    "a failed TXT look-up with a cached policy: the cached policy");

	sts_result_clear(&r);
	sts_ctx_free(x);
}

/* ---- DANE and MTA-STS in the one decision ---- */

static const struct fake_rr zone[] = {
	{ "dane.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.dane.test" }, 0 },
	{ "mx.dane.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.1" }, 0 },
	{ "_25._tcp.mx.dane.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "3 1 1 " H32 }, 0 },
	{ "plain.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.plain.test" }, 0 },
	{ "mx.plain.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.2" }, 0 },
	{ "unusable.test", DNS_T_MX, SEC, DATA, NULL,
	  { "10 mx.unusable.test" }, 0 },
	{ "mx.unusable.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.3" }, 0 },
	{ "_25._tcp.mx.unusable.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "1 1 1 " H32 }, 0 },
	{ NULL, 0, 0, 0, NULL, { NULL }, 0 },
};

static void
sts_of(struct sts_result *r, enum sts_status st, const char *text)
{
	const char *why;

	memset(r, 0, sizeof(*r));
	r->status = st;
	if (text && !sts_policy_parse(text, strlen(text), &r->policy, &why))
		bail("bad test policy: %s", why);
}

static void
test_decide(void)
{
	static const struct {
		const char *domain;
		enum dest_tls tls;
		enum dane_mode dane;
		enum tls_version minv;
		enum sts_status st;
		const char *policy;
		const char *want, *type, *sendmail;
		bool	temporary;
	} t[] = {
		{ "dane.test", DTLS_PREFERRED, DANE_OPPORTUNISTIC, TLSV_ANY,
		  STS_POLICY, POLICY("enforce", "60"), "dane-only", "tlsa",
		  "TLS_Rcpt:ENCR:128", false },
		{ "dane.test", DTLS_PREFERRED, DANE_MANDATORY, TLSV_ANY,
		  STS_POLICY, POLICY("enforce", "60"), "dane-only", "tlsa",
		  "TLS_Rcpt:ENCR:128", false },
		{ "plain.test", DTLS_PREFERRED, DANE_OPPORTUNISTIC, TLSV_ANY,
		  STS_POLICY, POLICY("enforce", "60"),
		  "secure match=mx.sts.test servername=hostname", "sts",
		  "TLS_Rcpt:VERIFY:128", false },
		{ "plain.test", DTLS_NO, DANE_NONE, TLSV_1_2,
		  STS_POLICY, POLICY("enforce", "60"),
		  "secure match=mx.sts.test servername=hostname "
		  "protocols=>=TLSv1.2", "sts", "TLS_Rcpt:VERIFY:128", false },
		{ "unusable.test", DTLS_PREFERRED, DANE_OPPORTUNISTIC, TLSV_ANY,
		  STS_POLICY, POLICY("enforce", "60"),
		  "secure match=mx.sts.test servername=hostname", "sts",
		  "TLS_Rcpt:VERIFY:128", false },
		{ "plain.test", DTLS_REQUIRED_VERIFY, DANE_OPPORTUNISTIC,
		  TLSV_ANY, STS_POLICY, POLICY("enforce", "60"),
		  "verify match=hostname:nexthop:dot-nexthop", "sts",
		  "TLS_Rcpt:VERIFY:128", false },
		{ "plain.test", DTLS_REQUIRED, DANE_OPPORTUNISTIC, TLSV_ANY,
		  STS_POLICY, POLICY("testing", "60"), "encrypt", "sts",
		  "TLS_Rcpt:ENCR:128", false },
		{ "plain.test", DTLS_PREFERRED, DANE_OPPORTUNISTIC, TLSV_ANY,
		  STS_POLICY, "version: STSv1\nmode: none\nmax_age: 9\n", "may",
		  "no-policy-found", "-", false },
		{ "plain.test", DTLS_PREFERRED, DANE_OPPORTUNISTIC, TLSV_ANY,
		  STS_NONE, NULL, "may", "no-policy-found", "-", false },
		{ "plain.test", DTLS_PREFERRED, DANE_OPPORTUNISTIC, TLSV_ANY,
		  STS_TEMP, NULL, "may", "no-policy-found", "-", true },
		{ "dane.test", DTLS_PREFERRED, DANE_OPPORTUNISTIC, TLSV_ANY,
		  STS_TEMP, NULL, "dane-only", "tlsa", "TLS_Rcpt:ENCR:128",
		  false },
	};
	struct fakedns f = { zone, 0 };
	struct dns_source src = fakedns_source(&f);
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct destination d;
		struct plan_entry e;
		struct dane_domain *l = NULL;
		struct sts_result r;
		const char *key, *why;
		char	*sm, got[128];

		memset(&d, 0, sizeof(d));
		memset(&e, 0, sizeof(e));
		d.tls = t[i].tls;
		d.dane = t[i].dane;
		d.min_tls_version = t[i].minv;
		d.mta_sts = true;
		e.dest = &d;
		sts_of(&r, t[i].st, t[i].policy);
		if (d.dane != DANE_NONE)
			l = dane_lookup(&src, t[i].domain);
		plan_decide(&d, l, &r, &e);
		is_string(e.postfix, t[i].want, "%s tls %d dane %d, MTA-STS %s: "
		    "policy (%s)", t[i].domain, t[i].tls, t[i].dane,
		    t[i].policy ? sts_mode_name(r.policy.mode) :
		    t[i].st == STS_TEMP ? "failed" : "absent", e.reason);
		is_string(e.policy_type, t[i].type, "  policy type");
		ok(e.temporary == t[i].temporary, "  temporary %d",
		    t[i].temporary);
		sm = plan_sendmail_value(&e, t[i].domain, &key, &why);
		snprintf(got, sizeof(got), "%s:%s", key ? key : "",
		    sm ? sm : "");
		is_string(sm ? got : "-", t[i].sendmail, "  Sendmail");
		free(sm);
		free(e.postfix);
		free(e.error);
		dane_domain_free(l);
		sts_result_clear(&r);
	}
}

static void
test_destination(void)
{
	struct destination dom[3];
	struct destinations_conf dc;
	static const struct {
		const char *domain;
		int	want;	/* index in dom, -1: the default */
	} t[] = {
		{ "partner.test", 0 }, { "PARTNER.test", 0 },
		{ "mx.partner.test", 1 }, { "a.deep.partner.test", 2 },
		{ "deep.partner.test", 1 }, { "other.test", -1 },
		{ "xpartner.test", -1 },
	};
	size_t	i;

	memset(&dc, 0, sizeof(dc));
	memset(dom, 0, sizeof(dom));
	dom[0].domain = (char *)"partner.test";
	dom[1].domain = (char *)"partner.test";
	dom[1].subdomains = true;
	dom[2].domain = (char *)"deep.partner.test";
	dom[2].subdomains = true;
	dc.domains = dom;
	dc.ndomains = 3;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct destination *d = plan_destination(&dc,
		    t[i].domain);

		is_int(d == &dc.def ? -1 : (int)(d - dom), t[i].want,
		    "the entry for %s", t[i].domain);
	}
}

int
main(void)
{
	plan_lazy();
	test_txt();
	test_policy();
	test_mx_match();
	test_lookup();
	test_decide();
	test_destination();
	return done_testing();
}
