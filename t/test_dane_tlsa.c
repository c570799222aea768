/*
 * test_dane_tlsa - the RFC 7672 look-up (dane/tlsa.c) over canned DNS
 * answers: which hosts are examined, where TLSA is looked for, and the
 * state of every host.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "dane/tlsa.h"
#include "t/dane_fakedns.h"
#include "t/tap.h"

#define SEC	DNS_SEC_SECURE
#define INSEC	DNS_SEC_INSECURE
#define BOGUS	DNS_SEC_BOGUS
#define FAIL	DNS_SEC_FAILED
#define DATA	DNS_KIND_DATA
#define NODATA	DNS_KIND_NODATA
#define NX	DNS_KIND_NXDOMAIN

#define H32 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H64 H32 H32

static const struct fake_rr zone[] = {
	/* 3 1 1, one MX */
	{ "d311.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.d311.test" }, 0 },
	{ "mx.d311.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.1" }, 0 },
	{ "_25._tcp.mx.d311.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "3 1 1 " H32 }, 0 },
	/* 3 0 2 and 2 1 1 */
	{ "d302.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.d302.test" }, 0 },
	{ "mx.d302.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.1" }, 0 },
	{ "_25._tcp.mx.d302.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "3 0 2 " H64, "2 1 1 " H32 }, 0 },
	/* usages 0 and 1 only; a 3 1 1 of the wrong length */
	{ "unusable.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.unusable.test" }, 0 },
	{ "mx.unusable.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.1" }, 0 },
	{ "_25._tcp.mx.unusable.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "0 0 1 " H32, "1 1 1 " H32, "3 1 1 abcd", "3 2 0 00" }, 0 },
	/* TLSA in an unsigned zone */
	{ "unsigned.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.unsigned.test" }, 0 },
	{ "mx.unsigned.test", DNS_T_A, INSEC, DATA, NULL, { "127.0.0.1" }, 0 },
	{ "_25._tcp.mx.unsigned.test", DNS_T_TLSA, INSEC, DATA, NULL,
	  { "3 1 1 " H32 }, 0 },
	/* secure address, insecure TLSA (e.g. a delegated _tcp zone) */
	{ "instlsa.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.instlsa.test" }, 0 },
	{ "mx.instlsa.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.1" }, 0 },
	{ "_25._tcp.mx.instlsa.test", DNS_T_TLSA, INSEC, DATA, NULL,
	  { "3 1 1 " H32 }, 0 },
	/* bogus MX; bogus address; bogus TLSA */
	{ "bogusmx.test", DNS_T_MX, BOGUS, DATA, NULL, { "10 mx.d311.test" }, 0 },
	{ "bogusa.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.bogusa.test" }, 0 },
	{ "mx.bogusa.test", DNS_T_A, BOGUS, DATA, NULL, { "127.0.0.1" }, 0 },
	{ "bogustlsa.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.bogustlsa.test" }, 0 },
	{ "mx.bogustlsa.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.1" }, 0 },
	{ "_25._tcp.mx.bogustlsa.test", DNS_T_TLSA, BOGUS, DATA, NULL,
	  { "3 1 1 " H32 }, 0 },
	/* secure NODATA and NXDOMAIN for TLSA */
	{ "nodata.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.nodata.test" }, 0 },
	{ "mx.nodata.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.1" }, 0 },
	{ "_25._tcp.mx.nodata.test", DNS_T_TLSA, SEC, NODATA, NULL, { NULL }, 0 },
	{ "nxtlsa.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.nxtlsa.test" }, 0 },
	{ "mx.nxtlsa.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.1" }, 0 },
	/* TLSA SERVFAIL on a secure host; MX SERVFAIL */
	{ "sf.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.sf.test" }, 0 },
	{ "mx.sf.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.1" }, 0 },
	{ "_25._tcp.mx.sf.test", DNS_T_TLSA, FAIL, DATA, NULL, { NULL }, 0 },
	{ "sfmx.test", DNS_T_MX, FAIL, DATA, NULL, { NULL }, 0 },
	/* CNAME'd MX host: TLSA at the end of the chain */
	{ "cname.test", DNS_T_MX, SEC, DATA, NULL, { "10 alias.cname.test" }, 0 },
	{ "alias.cname.test", DNS_T_A, SEC, DATA, "real.cname.test",
	  { "127.0.0.1" }, 0 },
	{ "_25._tcp.real.cname.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "3 1 1 " H32 }, 0 },
	/* CNAME'd host with TLSA only at the original name */
	{ "cname2.test", DNS_T_MX, SEC, DATA, NULL, { "10 alias.cname2.test" }, 0 },
	{ "alias.cname2.test", DNS_T_A, SEC, DATA, "real.cname2.test",
	  { "127.0.0.1" }, 0 },
	{ "_25._tcp.alias.cname2.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "3 1 1 " H32 }, 0 },
	/* secure first link into an unsigned zone: TLSA at the name only */
	{ "cname3.test", DNS_T_MX, SEC, DATA, NULL, { "10 alias.cname3.test" }, 0 },
	{ "alias.cname3.test", DNS_T_A, INSEC, DATA, "real.unsigned.test",
	  { "127.0.0.1" }, 0 },
	{ "alias.cname3.test", DNS_T_CNAME, SEC, DATA, NULL,
	  { "real.unsigned.test" }, 0 },
	{ "_25._tcp.alias.cname3.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "3 1 1 " H32 }, 0 },
	{ "_25._tcp.real.unsigned.test", DNS_T_TLSA, INSEC, DATA, NULL,
	  { "3 1 1 " H32 }, 0 },
	/* implicit MX */
	{ "implicit.test", DNS_T_MX, SEC, NODATA, NULL, { NULL }, 0 },
	{ "implicit.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.1" }, 0 },
	{ "_25._tcp.implicit.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "3 1 1 " H32 }, 0 },
	/* mixed MX set, out of order */
	{ "mixed.test", DNS_T_MX, SEC, DATA, NULL,
	  { "20 mx.nodata.test", "10 mx.d311.test" }, 0 },
	/* insecure MX pointing at a signed host with TLSA */
	{ "insmx.test", DNS_T_MX, INSEC, DATA, NULL, { "10 mx.d311.test" }, 0 },
	/* null MX; host without address; IPv6 only */
	{ "nullmx.test", DNS_T_MX, SEC, DATA, NULL, { "0 ." }, 0 },
	{ "noaddr.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.noaddr.test" }, 0 },
	{ "mx.noaddr.test", DNS_T_A, SEC, NODATA, NULL, { NULL }, 0 },
	{ "mx.noaddr.test", DNS_T_AAAA, SEC, NODATA, NULL, { NULL }, 0 },
	{ "v6.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.v6.test" }, 0 },
	{ "mx.v6.test", DNS_T_A, SEC, NODATA, NULL, { NULL }, 0 },
	{ "mx.v6.test", DNS_T_AAAA, SEC, DATA, NULL, { "::1" }, 0 },
	{ "_25._tcp.mx.v6.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "3 1 1 " H32 }, 0 },
	/* a usable host beside an unusable one */
	{ "usex.test", DNS_T_MX, SEC, DATA, NULL,
	  { "10 mx.d311.test", "20 mx.unusable.test" }, 0 },
	/* the same host twice */
	{ "dup.test", DNS_T_MX, SEC, DATA, NULL,
	  { "10 mx.d311.test", "20 mx.d311.test" }, 0 },
	/* three hosts without TLSA, for the time budget */
	{ "slow.test", DNS_T_MX, SEC, DATA, NULL,
	  { "10 a.slow.test", "20 b.slow.test", "30 c.slow.test" }, 0 },
	{ "a.slow.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.1" }, 0 },
	{ "b.slow.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.2" }, 0 },
	{ "c.slow.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.3" }, 0 },
	{ NULL, 0, 0, 0, NULL, { NULL }, 0 },
};

struct want_host {
	const char	*name;
	enum dane_host_state state;
	const char	*base;		/* NULL = none looked up */
};

static const struct {
	const char	*domain;
	enum dns_sec	mx_sec;
	bool		implicit, null_mx, nxdomain;
	size_t		nhosts;
	struct want_host h[2];
} cases[] = {
	{ "d311.test", SEC, false, false, false, 1,
	  { { "mx.d311.test", HOST_USABLE, "mx.d311.test" } } },
	{ "d302.test", SEC, false, false, false, 1,
	  { { "mx.d302.test", HOST_USABLE, "mx.d302.test" } } },
	{ "unusable.test", SEC, false, false, false, 1,
	  { { "mx.unusable.test", HOST_UNUSABLE, "mx.unusable.test" } } },
	{ "unsigned.test", SEC, false, false, false, 1,
	  { { "mx.unsigned.test", HOST_INSECURE, NULL } } },
	{ "instlsa.test", SEC, false, false, false, 1,
	  { { "mx.instlsa.test", HOST_INSECURE, "mx.instlsa.test" } } },
	{ "bogusmx.test", BOGUS, false, false, false, 0, { { NULL, 0, NULL } } },
	{ "bogusa.test", SEC, false, false, false, 1,
	  { { "mx.bogusa.test", HOST_BOGUS, NULL } } },
	{ "bogustlsa.test", SEC, false, false, false, 1,
	  { { "mx.bogustlsa.test", HOST_BOGUS, "mx.bogustlsa.test" } } },
	{ "nodata.test", SEC, false, false, false, 1,
	  { { "mx.nodata.test", HOST_NO_TLSA, "mx.nodata.test" } } },
	{ "nxtlsa.test", SEC, false, false, false, 1,
	  { { "mx.nxtlsa.test", HOST_NO_TLSA, "mx.nxtlsa.test" } } },
	{ "sf.test", SEC, false, false, false, 1,
	  { { "mx.sf.test", HOST_FAILED, "mx.sf.test" } } },
	{ "sfmx.test", FAIL, false, false, false, 0, { { NULL, 0, NULL } } },
	{ "cname.test", SEC, false, false, false, 1,
	  { { "alias.cname.test", HOST_USABLE, "real.cname.test" } } },
	{ "cname2.test", SEC, false, false, false, 1,
	  { { "alias.cname2.test", HOST_USABLE, "alias.cname2.test" } } },
	{ "cname3.test", SEC, false, false, false, 1,
	  { { "alias.cname3.test", HOST_USABLE, "alias.cname3.test" } } },
	{ "implicit.test", SEC, true, false, false, 1,
	  { { "implicit.test", HOST_USABLE, "implicit.test" } } },
	{ "mixed.test", SEC, false, false, false, 2,
	  { { "mx.d311.test", HOST_USABLE, "mx.d311.test" },
	    { "mx.nodata.test", HOST_NO_TLSA, "mx.nodata.test" } } },
	{ "insmx.test", INSEC, false, false, false, 1,
	  { { "mx.d311.test", HOST_USABLE, "mx.d311.test" } } },
	{ "nullmx.test", SEC, false, true, false, 0, { { NULL, 0, NULL } } },
	{ "nosuch.test", SEC, false, false, true, 0, { { NULL, 0, NULL } } },
	{ "noaddr.test", SEC, false, false, false, 1,
	  { { "mx.noaddr.test", HOST_NO_ADDRESS, NULL } } },
	{ "v6.test", SEC, false, false, false, 1,
	  { { "mx.v6.test", HOST_USABLE, "mx.v6.test" } } },
	{ "dup.test", SEC, false, false, false, 1,
	  { { "mx.d311.test", HOST_USABLE, "mx.d311.test" } } },
};

static void
test_lookups(void)
{
	struct fakedns f = { zone, 0 };
	struct dns_source src = fakedns_source(&f);
	size_t	i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dane_domain *d = dane_lookup(&src, cases[i].domain);

		is_string(dns_sec_name(d->mx_sec),
		    dns_sec_name(cases[i].mx_sec), "%s: MX status",
		    cases[i].domain);
		ok(d->implicit_mx == cases[i].implicit &&
		    d->null_mx == cases[i].null_mx &&
		    d->nxdomain == cases[i].nxdomain,
		    "%s: implicit %d null %d nxdomain %d", cases[i].domain,
		    d->implicit_mx, d->null_mx, d->nxdomain);
		is_uint(d->nhosts, cases[i].nhosts, "%s: host count",
		    cases[i].domain);
		for (j = 0; j < cases[i].nhosts && j < d->nhosts; j++) {
			const struct want_host *w = &cases[i].h[j];
			const struct dane_host *h = &d->hosts[j];

			is_string(h->name, w->name, "%s: host %zu",
			    cases[i].domain, j);
			is_string(dane_host_state_name(h->state),
			    dane_host_state_name(w->state), "%s: %s state",
			    cases[i].domain, w->name);
			if (w->base)
				is_string(h->tlsa_base, w->base,
				    "%s: %s TLSA base", cases[i].domain,
				    w->name);
			if (h->state == HOST_BOGUS || h->state == HOST_FAILED)
				ok(h->why != NULL && h->ntlsa == 0,
				    "%s: a reason and no records (%s)",
				    cases[i].domain, h->why ? h->why : "none");
		}
		dane_domain_free(d);
	}
}

static void
test_usable(void)
{
	static const struct {
		uint8_t	u, s, m;
		size_t	len;
		bool	usable;
	} t[] = {
		{ 3, 1, 1, 32, true }, { 3, 0, 2, 64, true },
		{ 3, 1, 0, 294, true }, { 2, 0, 1, 32, true },
		{ 0, 0, 1, 32, false }, { 1, 1, 1, 32, false },
		{ 4, 1, 1, 32, false }, { 3, 2, 1, 32, false },
		{ 3, 1, 3, 32, false }, { 3, 1, 1, 31, false },
		{ 3, 1, 2, 32, false }, { 3, 1, 0, 0, false },
	};
	unsigned char buf[512] = { 0 };
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct dns_tlsa r = { t[i].u, t[i].s, t[i].m, buf, t[i].len };

		is_int(dane_tlsa_usable(&r), t[i].usable, "%u %u %u len %zu",
		    t[i].u, t[i].s, t[i].m, t[i].len);
	}
}

/* A hostile zone: 40 MX records, one of them the root. */
static void
many_query(void *arg, const char *name, enum dns_type type,
    struct dns_answer *out)
{
	size_t	i;

	(void)arg;
	out->sec = DNS_SEC_SECURE;
	out->ttl = 60;
	if (type != DNS_T_MX || strcmp(name, "many.test") != 0) {
		out->kind = DNS_KIND_NXDOMAIN;
		return;
	}
	out->kind = DNS_KIND_DATA;
	out->mx = calloc(40, sizeof(*out->mx));
	for (i = 0; i < 40; i++) {
		out->mx[i].pref = (unsigned)(40 - i);
		out->mx[i].host = i == 7 ? strdup("") :
		    x_asprintf("mx%02zu.many.test", i);
	}
	out->nmx = 40;
}

static void
test_cap(void)
{
	struct dns_source src = { many_query, NULL };
	struct dane_domain *d = dane_lookup(&src, "many.test");

	is_uint(d->nhosts, DANE_MAX_HOSTS, "40 MX records: %d hosts examined",
	    DANE_MAX_HOSTS);
	is_string(d->hosts[0].name, "mx39.many.test",
	    "hosts in preference order");
	ok(!d->null_mx, "a root target among others is not a null MX");
	is_string(dane_host_state_name(d->hosts[0].state), "no-address",
	    "a host whose name does not exist has no address");
	dane_domain_free(d);
}

/* A source whose every query takes 4 seconds of a fake clock. */
static time_t slow_now;
static struct fakedns slow_fake = { zone, 0 };

static void
slow_query(void *arg, const char *name, enum dns_type type,
    struct dns_answer *out)
{
	struct dns_source src = fakedns_source(&slow_fake);

	(void)arg;
	slow_now += 4;
	src.query(src.arg, name, type, out);
}

static time_t
slow_clock(void *arg)
{
	(void)arg;
	return slow_now;
}

static void
test_bounds(void)
{
	struct fakedns f = { zone, 0 };
	struct dns_source src = fakedns_source(&f);
	struct dns_source slow = { slow_query, NULL };
	struct dane_lookup_opts first = { true, 0, NULL, NULL };
	struct dane_lookup_opts budget = { false, 10, slow_clock, NULL };
	struct dane_domain *d;
	unsigned full, bounded;

	d = dane_lookup(&src, "mixed.test");
	full = f.queries;
	is_uint(d->nhosts, 2, "mixed.test: both hosts examined");
	dane_domain_free(d);
	f.queries = 0;
	d = dane_lookup_with(&src, "mixed.test", &first);
	bounded = f.queries;
	ok(d->nhosts == 1 && d->hosts[0].state == HOST_USABLE,
	    "first_usable: stops at the usable host (%zu host)", d->nhosts);
	ok(bounded < full, "first_usable: fewer queries (%u < %u)", bounded,
	    full);
	dane_domain_free(d);

	d = dane_lookup_with(&slow, "slow.test", &budget);
	is_uint(d->nhosts, 3, "budget: every host listed");
	is_string(dane_host_state_name(d->hosts[0].state), "no-tlsa",
	    "budget: host 1 examined at 0 s");
	is_string(dane_host_state_name(d->hosts[1].state), "no-tlsa",
	    "budget: host 2 examined at 8 s");
	is_string(dane_host_state_name(d->hosts[2].state), "failed",
	    "budget: host 3 not examined at 16 s (budget 10 s)");
	ok(d->hosts[2].why && strstr(d->hosts[2].why, "budget"),
	    "budget: the reason says so (%s)",
	    d->hosts[2].why ? d->hosts[2].why : "none");
	dane_domain_free(d);
}

/* The counts the callers decide on: a host whose secure TLSA RRset has
 * unusable records only is counted apart, never as "no TLSA". */
static void
test_summaries(void)
{
	static const struct {
		const char *domain;
		size_t	hosts, usable, unusable, bogus, failed;
		bool	mx_insecure;
	} t[] = {
		{ "d311.test", 1, 1, 0, 0, 0, false },
		{ "unusable.test", 1, 0, 1, 0, 0, false },
		{ "usex.test", 2, 1, 1, 0, 0, false },
		{ "mixed.test", 2, 1, 0, 0, 0, false },
		{ "nodata.test", 1, 0, 0, 0, 0, false },
		{ "bogustlsa.test", 1, 0, 0, 1, 0, false },
		{ "sf.test", 1, 0, 0, 0, 1, false },
		{ "insmx.test", 1, 1, 0, 0, 0, true },
	};
	struct fakedns f = { zone, 0 };
	struct dns_source src = fakedns_source(&f);
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct dane_domain *d = dane_lookup(&src, t[i].domain);
		struct dane_summary s;

		dane_summarise(d, &s);
		ok(s.hosts == t[i].hosts && s.usable == t[i].usable &&
		    s.unusable == t[i].unusable && s.bogus == t[i].bogus &&
		    s.failed == t[i].failed && s.mx_insecure == t[i].mx_insecure,
		    "%s: summary hosts %zu usable %zu unusable %zu bogus %zu "
		    "failed %zu mx_insecure %d", t[i].domain, s.hosts, s.usable,
		    s.unusable, s.bogus, s.failed, s.mx_insecure);
		dane_domain_free(d);
	}
}

int
main(void)
{
	plan_lazy();
	test_lookups();
	test_usable();
	test_cap();
	test_bounds();
	test_summaries();
	return done_testing();
}
