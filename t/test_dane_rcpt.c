/*
 * test_dane_rcpt - the milter's RCPT-time DANE verdict (dane/rcpt.c) and
 * the TTL cache behind it (dane/cache.c), over canned DNS and a clock the
 * test moves.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "dane/cache.h"
#include "dane/rcpt.h"
#include "t/dane_fakedns.h"
#include "t/tap.h"

#define SEC	DNS_SEC_SECURE
#define BOGUS	DNS_SEC_BOGUS
#define FAIL	DNS_SEC_FAILED
#define DATA	DNS_KIND_DATA
#define H32 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct fake_rr zone[] = {
	{ "dane.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.dane.test" }, 600 },
	{ "mx.dane.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.1" }, 600 },
	{ "_25._tcp.mx.dane.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "3 1 1 " H32 }, 120 },
	{ "mixed.test", DNS_T_MX, SEC, DATA, NULL,
	  { "10 mx.dane.test", "20 mx.plain.test" }, 600 },
	{ "plain.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.plain.test" }, 600 },
	{ "mx.plain.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.2" }, 600 },
	{ "unusable.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.unusable.test" }, 600 },
	{ "mx.unusable.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.3" }, 600 },
	{ "_25._tcp.mx.unusable.test", DNS_T_TLSA, SEC, DATA, NULL,
	  { "1 1 1 " H32 }, 600 },
	{ "bogus.test", DNS_T_MX, BOGUS, DATA, NULL, { "10 mx.dane.test" }, 600 },
	{ "insmx.test", DNS_T_MX, DNS_SEC_INSECURE, DATA, NULL,
	  { "10 mx.dane.test" }, 600 },
	{ "sf.test", DNS_T_MX, SEC, DATA, NULL, { "10 mx.sf.test" }, 600 },
	{ "mx.sf.test", DNS_T_A, SEC, DATA, NULL, { "127.0.0.4" }, 600 },
	{ "_25._tcp.mx.sf.test", DNS_T_TLSA, FAIL, DATA, NULL, { NULL }, 0 },
	/* An unsigned MX RRset naming a usable host and a failing one, in
	 * both orders: the look-up stops at the first usable host. */
	{ "insmix.test", DNS_T_MX, DNS_SEC_INSECURE, DATA, NULL,
	  { "10 mx.dane.test", "20 mx.sf.test" }, 600 },
	{ "insmix2.test", DNS_T_MX, DNS_SEC_INSECURE, DATA, NULL,
	  { "10 mx.sf.test", "20 mx.dane.test" }, 600 },
	{ NULL, 0, 0, 0, NULL, { NULL }, 0 },
};

static time_t fake_now = 1000000;

static time_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static void
test_verdicts(void)
{
	static const struct {
		const char *domain;
		enum dane_mode mode;
		enum dane_rcpt_result want;
		const char *rcode, *xcode;
	} t[] = {
		{ "dane.test", DANE_MANDATORY, DANE_RCPT_OK, NULL, NULL },
		{ "DANE.Test", DANE_MANDATORY, DANE_RCPT_OK, NULL, NULL },
		{ "mixed.test", DANE_MANDATORY, DANE_RCPT_OK, NULL, NULL },
		{ "plain.test", DANE_MANDATORY, DANE_RCPT_REFUSE_PERMANENT,
		  "550", "5.7.10" },
		{ "unusable.test", DANE_MANDATORY, DANE_RCPT_REFUSE_PERMANENT,
		  "550", "5.7.10" },
		{ "nosuch.test", DANE_MANDATORY, DANE_RCPT_REFUSE_PERMANENT,
		  "550", "5.7.10" },
		{ "insmx.test", DANE_MANDATORY, DANE_RCPT_REFUSE_PERMANENT,
		  "550", "5.7.10" },
		{ "insmix.test", DANE_MANDATORY, DANE_RCPT_REFUSE_PERMANENT,
		  "550", "5.7.10" },
		{ "insmix2.test", DANE_MANDATORY, DANE_RCPT_REFUSE_PERMANENT,
		  "550", "5.7.10" },
		{ "bogus.test", DANE_MANDATORY, DANE_RCPT_REFUSE_TEMPORARY,
		  "450", "4.7.5" },
		{ "sf.test", DANE_MANDATORY, DANE_RCPT_REFUSE_TEMPORARY,
		  "450", "4.7.10" },
		{ "plain.test", DANE_OPPORTUNISTIC, DANE_RCPT_OK, NULL, NULL },
		{ "bogus.test", DANE_NONE, DANE_RCPT_OK, NULL, NULL },
	};
	struct fakedns f = { zone, 0 };
	struct dns_source src = fakedns_source(&f);
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct dane_rcpt v;

		dane_rcpt_verdict(NULL, &src, t[i].domain, t[i].mode, &v);
		is_int(v.result, t[i].want, "%s mode %d: verdict",
		    t[i].domain, (int)t[i].mode);
		is_string(v.rcode, t[i].rcode, "%s: reply code", t[i].domain);
		is_string(v.xcode, t[i].xcode, "%s: enhanced code",
		    t[i].domain);
		if (t[i].want != DANE_RCPT_OK)
			ok(strstr(v.text, t[i].domain) != NULL && v.alert,
			    "%s: text names the domain and alert is set (%s)",
			    t[i].domain, v.text);
	}
	{
		unsigned before = f.queries;
		struct dane_rcpt v;

		dane_rcpt_verdict(NULL, &src, "plain.test", DANE_NONE, &v);
		is_uint(f.queries, before, "no DANE: no look-up");
		dane_rcpt_verdict(NULL, &src, "bad\r\n%s.test", DANE_MANDATORY,
		    &v);
		ok(strpbrk(v.text, "\r\n%") == NULL, "hostile domain cleaned "
		    "in the reply text (%s)", v.text);
	}
}

static void
test_cache(void)
{
	struct fakedns f = { zone, 0 };
	struct dns_source src = fakedns_source(&f);
	struct dane_cache *c = dane_cache_new(100, 3600, fake_clock, NULL);
	struct dane_rcpt v;
	unsigned q;

	dane_rcpt_verdict(c, &src, "dane.test", DANE_MANDATORY, &v);
	ok(!v.cached && f.queries > 0, "first verdict looks up");
	q = f.queries;
	fake_now += 100;
	dane_rcpt_verdict(c, &src, "dane.test", DANE_MANDATORY, &v);
	ok(v.cached && f.queries == q, "within the smallest TTL (120 s): cached");
	fake_now += 21;
	dane_rcpt_verdict(c, &src, "Dane.Test", DANE_MANDATORY, &v);
	ok(!v.cached && f.queries > q, "after the TTL: looked up again");
	is_int(v.result, DANE_RCPT_OK, "and still ok");

	dane_rcpt_verdict(c, &src, "sf.test", DANE_MANDATORY, &v);
	q = f.queries;
	fake_now += DANE_CACHE_FAIL_TTL - 1;
	dane_rcpt_verdict(c, &src, "sf.test", DANE_MANDATORY, &v);
	ok(v.cached && f.queries == q, "a failure is cached briefly");
	fake_now += 2;
	dane_rcpt_verdict(c, &src, "sf.test", DANE_MANDATORY, &v);
	ok(!v.cached, "a failure is not cached past %d s", DANE_CACHE_FAIL_TTL);
	dane_rcpt_verdict(c, &src, "bogus.test", DANE_MANDATORY, &v);
	fake_now += DANE_CACHE_FAIL_TTL - 1;
	dane_rcpt_verdict(c, &src, "bogus.test", DANE_MANDATORY, &v);
	ok(v.cached && v.result == DANE_RCPT_REFUSE_TEMPORARY,
	    "a bogus MX (no TTL) is cached for the failure TTL");
	fake_now += 2;
	dane_rcpt_verdict(c, &src, "bogus.test", DANE_MANDATORY, &v);
	ok(!v.cached, "and not longer");
	dane_cache_free(c);

	c = dane_cache_new(2, 60, fake_clock, NULL);
	{
		struct dane_summary s = { .hosts = 1, .usable = 1 }, g;

		dane_cache_put(c, "a.test", &s, 600);
		dane_cache_put(c, "b.test", &s, 10);
		dane_cache_put(c, "c.test", &s, 30);
		is_uint(dane_cache_size(c), 2, "capacity 2 holds 2");
		ok(!dane_cache_get(c, "b.test", &g) &&
		    dane_cache_get(c, "a.test", &g) &&
		    dane_cache_get(c, "c.test", &g),
		    "the entry expiring soonest was evicted");
		fake_now += 61;
		ok(!dane_cache_get(c, "a.test", &g), "TTL capped at max_ttl");
	}
	dane_cache_free(c);
	dane_cache_free(NULL);
}

/* A source that serialises the fake, which is not thread-safe itself. */
static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fakedns shared = { zone, 0 };

static void
locked_query(void *arg, const char *name, enum dns_type type,
    struct dns_answer *out)
{
	struct dns_source src = fakedns_source(&shared);

	(void)arg;
	pthread_mutex_lock(&fake_lock);
	src.query(src.arg, name, type, out);
	pthread_mutex_unlock(&fake_lock);
}

struct worker {
	struct dane_cache *c;
	unsigned wrong;
};

static void *
work(void *arg)
{
	static const char *const domains[] = { "dane.test", "plain.test",
	    "bogus.test", "mixed.test" };
	static const enum dane_rcpt_result want[] = { DANE_RCPT_OK,
	    DANE_RCPT_REFUSE_PERMANENT, DANE_RCPT_REFUSE_TEMPORARY,
	    DANE_RCPT_OK };
	struct worker *w = arg;
	struct dns_source src = { locked_query, NULL };
	int	i;

	for (i = 0; i < 400; i++) {
		struct dane_rcpt v;

		if (dane_rcpt_verdict(w->c, &src, domains[i % 4],
		    DANE_MANDATORY, &v) != want[i % 4])
			w->wrong++;
	}
	return NULL;
}

static void
test_threads(void)
{
	struct dane_cache *c = dane_cache_new(3, 3600, NULL, NULL);
	struct worker w[8];
	pthread_t th[8];
	unsigned wrong = 0;
	int	i;

	for (i = 0; i < 8; i++) {
		w[i].c = c;
		w[i].wrong = 0;
		pthread_create(&th[i], NULL, work, &w[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		wrong += w[i].wrong;
	}
	is_uint(wrong, 0, "8 threads x 400 verdicts on a shared cache of 3: "
	    "no wrong verdict");
	ok(dane_cache_size(c) <= 3, "cache stays within its capacity");
	dane_cache_free(c);
}

int
main(void)
{
	plan_lazy();
	test_verdicts();
	test_cache();
	test_threads();
	return done_testing();
}
