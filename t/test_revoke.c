/*
 * test_revoke - the revocation context (smime/revoke/revoke.h) with CRLs
 * built here and an injected fetcher, so that every case is exact: a
 * certificate not listed, listed (with its reason), a revoked
 * intermediate; a stale CRL, one signed by another key, one issued by
 * another CA, a delta CRL, a failed fetch (and its retry hold); mode off
 * and a certificate that names no CRL; cert_verify()'s on_unknown
 * (tempfail, refuse, accept); the cache (memory, the persistent store
 * after a "restart", one fetch for many waiting threads), the bound on
 * fetches in flight, the deadline handed to each fetch and the
 * background refresh ahead of expiry. OCSP against a real responder is
 * t/revocation.sh's.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "smime/revoke/revoke.h"
#include "smime/x509/x509_build.h"
#include "smime/x509/x509_verify.h"
#include "t/tap.h"

#define DAY	86400LL
#define NURLS	8

static int64_t	T0;		/* the tests' "now": the real clock at start */
static EVP_PKEY	*root_key, *inter_key, *other_key, *leaf_key;
static X509	*root, *inter;

/* ---- the injected fetcher and store ---- */

struct fake {
	pthread_mutex_t	m;
	const unsigned char *crl[NURLS];	/* by the URL's digit */
	size_t		crllen[NURLS];
	unsigned	sleep_ms;
	bool		fail;
	unsigned	calls, inflight, max_inflight, max_timeout_ms;
	/* the store: one answer */
	char		skey[2300];
	unsigned char	*sder;
	size_t		slen;
	int64_t		sfetched, sexpires;
	unsigned	loads, saves;
};

static struct fake F = { .m = PTHREAD_MUTEX_INITIALIZER };

static void
fake_reset(void)
{
	pthread_mutex_lock(&F.m);
	memset(F.crl, 0, sizeof(F.crl));
	F.sleep_ms = 0;
	F.fail = false;
	F.calls = F.inflight = F.max_inflight = F.max_timeout_ms = 0;
	free(F.sder);
	F.sder = NULL;
	F.skey[0] = '\0';
	F.loads = F.saves = 0;
	pthread_mutex_unlock(&F.m);
}

/* URLs are http://crl.test/N.crl; N picks the answer. */
static bool
fake_fetch(void *arg, const char *url, const unsigned char *post,
    size_t postlen, unsigned timeout_ms, size_t max, unsigned char **out,
    size_t *outlen, char *why, size_t whysz)
{
	const char *d = strrchr(url, '/');
	unsigned n = d != NULL ? (unsigned)(d[1] - '0') : NURLS, ms;
	bool	good;

	(void)arg;
	(void)post;
	(void)postlen;
	pthread_mutex_lock(&F.m);
	F.calls++;
	if (++F.inflight > F.max_inflight)
		F.max_inflight = F.inflight;
	if (timeout_ms > F.max_timeout_ms)
		F.max_timeout_ms = timeout_ms;
	ms = F.sleep_ms;
	pthread_mutex_unlock(&F.m);
	/* a fetch that would take longer than its deadline fails at it,
	 * as libcurl's does */
	usleep((ms < timeout_ms ? ms : timeout_ms) * 1000);
	pthread_mutex_lock(&F.m);
	F.inflight--;
	good = !F.fail && ms < timeout_ms && n < NURLS && F.crl[n] != NULL &&
	    F.crllen[n] <= max;
	if (good) {
		*out = malloc(F.crllen[n]);
		memcpy(*out, F.crl[n], F.crllen[n]);
		*outlen = F.crllen[n];
	} else
		snprintf(why, whysz, ms >= timeout_ms ? "timed out" :
		    "connection refused");
	pthread_mutex_unlock(&F.m);
	return good;
}

static bool
fake_load(void *arg, const char *key, int64_t now, unsigned char **der,
    size_t *len, int64_t *fetched_at)
{
	bool	good;

	(void)arg;
	pthread_mutex_lock(&F.m);
	F.loads++;
	good = F.sder != NULL && strcmp(F.skey, key) == 0 &&
	    F.sexpires >= now;
	if (good) {
		*der = malloc(F.slen);
		memcpy(*der, F.sder, F.slen);
		*len = F.slen;
		*fetched_at = F.sfetched;
	}
	pthread_mutex_unlock(&F.m);
	return good;
}

static void
fake_save(void *arg, const char *key, const unsigned char *der, size_t len,
    int64_t fetched_at, int64_t expires_at, int64_t now)
{
	(void)arg;
	(void)now;
	pthread_mutex_lock(&F.m);
	F.saves++;
	snprintf(F.skey, sizeof(F.skey), "%s", key);
	free(F.sder);
	F.sder = malloc(len);
	memcpy(F.sder, der, len);
	F.slen = len;
	F.sfetched = fetched_at;
	F.sexpires = expires_at;
	pthread_mutex_unlock(&F.m);
}

static const struct rev_io fake_io = { fake_fetch, fake_load, fake_save, NULL };

/* ---- certificates and CRLs ---- */

static X509 *
reparse(X509 *x)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	int	n = i2d_X509(x, &der);
	X509	*y;

	X509_free(x);
	if (n <= 0)
		bail("i2d_X509");
	p = der;
	y = d2i_X509(NULL, &p, n);
	OPENSSL_free(der);
	if (y == NULL)
		bail("d2i_X509");
	return y;
}

/* A certificate by issuer (NULL: self-signed); crl: the digit of its
 * CRL distribution point, -1 for none. */
static X509 *
make(const char *cn, EVP_PKEY *key, bool ca, int crl, X509 *issuer,
    EVP_PKEY *issuer_key)
{
	struct cert_spec sp;
	const char *why = NULL, *email = cn;
	X509_EXTENSION *ext;
	char	uri[64];
	X509	*x;

	memset(&sp, 0, sizeof(sp));
	sp.cn = cn;
	if (!ca) {
		sp.emails = &email;
		sp.nemails = 1;
	}
	sp.ca = ca;
	sp.smime = !ca;
	sp.key_usage = CERT_SPEC_DEFAULT_KU;
	sp.not_before = T0 - 10 * DAY;
	sp.not_after = T0 + 100 * DAY;
	if ((x = cert_build(&sp, key, issuer, issuer_key, &why)) == NULL)
		bail("cert_build %s: %s", cn, why);
	if (crl < 0)
		return x;
	snprintf(uri, sizeof(uri), "URI:http://crl.test/%d.crl", crl);
	if ((ext = X509V3_EXT_conf_nid(NULL, NULL,
	    NID_crl_distribution_points, uri)) == NULL ||
	    X509_add_ext(x, ext, -1) != 1 ||
	    X509_sign(x, issuer ? issuer_key : key, EVP_sha256()) <= 0)
		bail("CRL distribution point of %s", cn);
	X509_EXTENSION_free(ext);
	return reparse(x);
}

/* x with an OCSP responder in its AIA, signed again by issuer_key. */
static X509 *
with_ocsp(X509 *x, EVP_PKEY *issuer_key)
{
	X509_EXTENSION *ext;

	if ((ext = X509V3_EXT_conf_nid(NULL, NULL, NID_info_access,
	    "OCSP;URI:http://ocsp.test/")) == NULL ||
	    X509_add_ext(x, ext, -1) != 1 ||
	    X509_sign(x, issuer_key, EVP_sha256()) <= 0)
		bail("OCSP responder");
	X509_EXTENSION_free(ext);
	return reparse(x);
}

struct crl_spec {
	X509		*issuer;	/* its name */
	EVP_PKEY	*key;		/* signs */
	int64_t		this_update, next_update;
	X509		*revoked[2];
	int		reason;		/* of the revoked */
	bool		delta;
};

/* The DER of a CRL; caller frees. */
static unsigned char *
crl_der(const struct crl_spec *s, size_t *len)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	unsigned char *der = NULL;
	size_t	i;
	int	n;

	if (crl == NULL || t == NULL || !X509_CRL_set_version(crl, 1) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(s->issuer)) ||
	    ASN1_TIME_set(t, (time_t)s->this_update) == NULL ||
	    !X509_CRL_set1_lastUpdate(crl, t) ||
	    ASN1_TIME_set(t, (time_t)s->next_update) == NULL ||
	    !X509_CRL_set1_nextUpdate(crl, t))
		bail("CRL");
	for (i = 0; i < 2 && s->revoked[i] != NULL; i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();

		if (r == NULL || e == NULL || !X509_REVOKED_set_serialNumber(r,
		    X509_get_serialNumber(s->revoked[i])) ||
		    ASN1_TIME_set(t, (time_t)(T0 - DAY)) == NULL ||
		    !X509_REVOKED_set_revocationDate(r, t) ||
		    !ASN1_ENUMERATED_set(e, s->reason) ||
		    X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, e, 0, 0) != 1 ||
		    !X509_CRL_add0_revoked(crl, r))
			bail("revoked entry");
		ASN1_ENUMERATED_free(e);
	}
	if (s->delta) {
		ASN1_INTEGER *base = ASN1_INTEGER_new();

		if (base == NULL || !ASN1_INTEGER_set(base, 1) ||
		    X509_CRL_add1_ext_i2d(crl, NID_delta_crl, base, 1, 0) != 1)
			bail("delta CRL");
		ASN1_INTEGER_free(base);
	}
	if (!X509_CRL_sort(crl) || X509_CRL_sign(crl, s->key, EVP_sha256()) <= 0 ||
	    (n = i2d_X509_CRL(crl, &der)) <= 0)
		bail("CRL signature");
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	*len = (size_t)n;
	return der;
}

static STACK_OF(X509) *
chain_of(X509 *leaf)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	if (sk == NULL || !sk_X509_push(sk, leaf) || !sk_X509_push(sk, inter) ||
	    !sk_X509_push(sk, root))
		bail("chain");
	return sk;
}

static struct revocation *
context(enum revocation_mode mode, unsigned max_fetches, uint64_t timeout)
{
	struct revocation_conf rc;

	memset(&rc, 0, sizeof(rc));
	rc.mode = mode;
	rc.on_unknown = UNKNOWN_TEMPFAIL;
	rc.timeout = timeout;
	rc.cache = REVCACHE_KEYSTORE;
	rc.max_age = 3600;
	rc.max_fetches = max_fetches;
	return revocation_new(&rc, &fake_io);
}

static unsigned
calls(void)
{
	unsigned n;

	pthread_mutex_lock(&F.m);
	n = F.calls;
	pthread_mutex_unlock(&F.m);
	return n;
}

/* ---- the cases ---- */

static X509	*good, *bad, *other_leaf, *nocrl, *ocsp_only, *leaves[NURLS];
static unsigned char *int_crl, *root_crl, *root_crl_inter_revoked;
static size_t	int_crl_len, root_crl_len, root_crl_inter_revoked_len;

/* One certificate's status from a fresh context, its CRL at slot 1
 * (leaves) and the root's at slot 2 (the intermediate). */
struct scase {
	const char	*name;
	X509		*cert;
	const unsigned char *crl;	/* NULL: the good one */
	size_t		crllen;
	bool		root_revokes_inter;
	enum revocation_mode mode;
	enum rev_status	want;
	int		depth;
	const char	*reason_has;
	unsigned	fetches;
};

static void
run_status(const struct scase *c)
{
	struct revocation *r;
	struct rev_answer a;
	STACK_OF(X509) *sk = chain_of(c->cert);
	enum rev_status st;

	fake_reset();
	F.crl[1] = c->crl != NULL ? c->crl : int_crl;
	F.crllen[1] = c->crl != NULL ? c->crllen : int_crl_len;
	F.crl[2] = c->root_revokes_inter ? root_crl_inter_revoked : root_crl;
	F.crllen[2] = c->root_revokes_inter ? root_crl_inter_revoked_len :
	    root_crl_len;
	r = context(c->mode, 4, 5);
	st = revocation_check_chain(r, sk, T0, &a);
	is_string(rev_status_name(st), rev_status_name(c->want), "%s: status",
	    c->name);
	is_int(a.depth, c->depth, "%s: depth", c->name);
	ok(strstr(a.reason, c->reason_has) != NULL, "%s: reason has \"%s\" "
	    "(%s)", c->name, c->reason_has, a.reason);
	is_uint(calls(), c->fetches, "%s: fetches", c->name);
	if (st == REV_REVOKED && c->depth == 0)
		is_int(a.crl_reason, 1, "%s: keyCompromise", c->name);
	revocation_free(r);
	sk_X509_free(sk);
}

static void
test_status(void)
{
	struct crl_spec s;
	unsigned char *stale, *forged, *foreign, *delta, *future;
	size_t	stale_len, forged_len, foreign_len, delta_len, future_len;

	memset(&s, 0, sizeof(s));
	s.issuer = inter;
	s.key = inter_key;
	s.this_update = T0 - DAY;
	s.next_update = T0 - 3600;
	stale = crl_der(&s, &stale_len);
	s.next_update = T0 + DAY;
	s.key = other_key;
	forged = crl_der(&s, &forged_len);
	s.key = inter_key;
	s.issuer = root;
	foreign = crl_der(&s, &foreign_len);
	s.issuer = inter;
	s.delta = true;
	delta = crl_der(&s, &delta_len);
	s.delta = false;
	s.this_update = T0 + DAY;
	s.next_update = T0 + 2 * DAY;
	future = crl_der(&s, &future_len);
	{
		const struct scase cases[] = {
			{ "not listed", good, NULL, 0, false,
			    REVMODE_OCSP_THEN_CRL, REV_GOOD, 0,
			    "not in the CRL http://crl.test/1.crl", 2 },
			{ "listed", bad, NULL, 0, false, REVMODE_CRL,
			    REV_REVOKED, 0, "(keyCompromise), says the CRL", 1 },
			{ "intermediate revoked", good, NULL, 0, true,
			    REVMODE_CRL, REV_REVOKED, 1, "the issuing "
			    "certificate CN=Rev Intermediate", 2 },
			{ "stale CRL", good, stale, stale_len, false,
			    REVMODE_CRL, REV_UNKNOWN, 0, "is stale", 2 },
			{ "CRL signed by another key", good, forged,
			    forged_len, false, REVMODE_CRL, REV_UNKNOWN, 0,
			    "signature does not verify", 2 },
			{ "CRL of another CA", good, foreign, foreign_len,
			    false, REVMODE_CRL, REV_UNKNOWN, 0, "issued by "
			    "another CA", 2 },
			{ "delta CRL", good, delta, delta_len, false,
			    REVMODE_CRL, REV_UNKNOWN, 0, "delta CRL", 2 },
			{ "CRL from the future", good, future, future_len,
			    false, REVMODE_CRL, REV_UNKNOWN, 0, "from the "
			    "future", 2 },
			{ "mode off", bad, NULL, 0, false, REVMODE_OFF,
			    REV_NONE, -1, "mode off", 0 },
			{ "no CRL named", nocrl, NULL, 0, false, REVMODE_CRL,
			    REV_GOOD, 1, "not in the CRL", 1 },
			{ "mode ocsp, only a CRL named", good, NULL, 0,
			    false, REVMODE_OCSP, REV_UNKNOWN, 0, "names only a "
			    "CRL (http://crl.test/1.crl), which "
			    "trust.revocation.mode ocsp does not use", 0 },
			{ "mode crl, only an OCSP responder named", ocsp_only,
			    NULL, 0, false, REVMODE_CRL, REV_UNKNOWN, 0,
			    "names only an OCSP responder "
			    "(http://ocsp.test/), which trust.revocation.mode "
			    "crl does not use", 1 },
		};
		size_t	i;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			run_status(&cases[i]);
	}
	free(stale);
	free(forged);
	free(foreign);
	free(delta);
	free(future);
}

/* A failed fetch is not tried again for REV_RETRY_S seconds. */
static void
test_retry(void)
{
	struct revocation *r;
	struct rev_answer a;
	STACK_OF(X509) *sk = chain_of(good);

	fake_reset();
	F.fail = true;
	r = context(REVMODE_CRL, 4, 5);
	is_int(revocation_check_chain(r, sk, T0, &a), REV_UNKNOWN,
	    "fetch fails: unknown");
	ok(strstr(a.reason, "connection refused") != NULL, "fetch fails: "
	    "the reason says why (%s)", a.reason);
	is_uint(calls(), 2, "fetch fails: one fetch each for the leaf and "
	    "the intermediate");
	F.fail = false;
	F.crl[1] = int_crl;
	F.crllen[1] = int_crl_len;
	F.crl[2] = root_crl;
	F.crllen[2] = root_crl_len;
	is_int(revocation_check_chain(r, sk, T0 + 1, &a), REV_UNKNOWN,
	    "right after: still unknown");
	ok(strstr(a.reason, "failed at most") != NULL, "right after: held "
	    "(%s)", a.reason);
	is_int(revocation_check_chain(r, sk, T0 + REV_RETRY_S + 1, &a),
	    REV_GOOD, "after %ds: fetched again, good", REV_RETRY_S);
	revocation_free(r);
	sk_X509_free(sk);
}

static void
test_on_unknown(void)
{
	static const struct {
		const char	*name;
		enum on_unknown	on;
		bool		revoked;
		enum cert_status want;
		const char	*problem;
		bool		accepted;
	} cases[] = {
		{ "tempfail", UNKNOWN_TEMPFAIL, false, CERT_VERIFY_ERROR,
		    "revocation-unknown", false },
		{ "refuse", UNKNOWN_REFUSE, false, CERT_REFUSED,
		    "revocation-unknown", false },
		{ "accept", UNKNOWN_ACCEPT, false, CERT_TRUSTED, "ok", true },
		{ "revoked", UNKNOWN_ACCEPT, true, CERT_REFUSED, "revoked",
		    false },
	};
	struct revocation_conf rc;
	struct cert_verify_params p;
	struct cert_verdict v;
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	size_t	i;

	if (store == NULL || untrusted == NULL ||
	    X509_STORE_add_cert(store, root) != 1 ||
	    !sk_X509_push(untrusted, inter))
		bail("store");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct revocation *r;

		fake_reset();
		F.fail = !cases[i].revoked;
		F.crl[1] = int_crl;
		F.crllen[1] = int_crl_len;
		F.crl[2] = root_crl;
		F.crllen[2] = root_crl_len;
		memset(&rc, 0, sizeof(rc));
		rc.mode = REVMODE_CRL;
		rc.on_unknown = cases[i].on;
		rc.timeout = 5;
		rc.max_age = 3600;
		rc.max_fetches = 4;
		r = revocation_new(&rc, &fake_io);
		memset(&p, 0, sizeof(p));
		p.trust = store;
		p.untrusted = untrusted;
		p.use = CERT_USE_ENCRYPT;
		p.now = T0;
		p.revocation = r;
		is_int(cert_verify(cases[i].revoked ? bad : good, &p, &v),
		    cases[i].want, "cert_verify, %s: status", cases[i].name);
		is_string(cert_problem_name(v.problem), cases[i].problem,
		    "cert_verify, %s: problem", cases[i].name);
		is_int(v.revocation_unknown_accepted, cases[i].accepted,
		    "cert_verify, %s: unknown accepted", cases[i].name);
		ok(v.reason[0] != '\0' && strchr(v.reason, '\n') == NULL,
		    "cert_verify, %s: one line (%s)", cases[i].name, v.reason);
		cert_verdict_clear(&v);
		revocation_free(r);
	}
	X509_STORE_free(store);
	sk_X509_free(untrusted);
}

/* Memory, then the store after a "restart". */
static void
test_cache(void)
{
	struct revocation *r;
	struct rev_answer a;
	struct rev_stats s;
	STACK_OF(X509) *sk = sk_X509_new_null();

	fake_reset();
	F.crl[1] = int_crl;
	F.crllen[1] = int_crl_len;
	if (sk == NULL || !sk_X509_push(sk, good) || !sk_X509_push(sk, inter))
		bail("chain");
	/* leaf and intermediate only: the intermediate has no issuer in
	 * the chain, so it is unknown; what matters is the leaf's answer */
	r = context(REVMODE_CRL, 4, 5);
	(void)revocation_check_chain(r, sk, T0, &a);
	sk_X509_free(sk);
	sk = chain_of(good);
	F.crl[2] = root_crl;
	F.crllen[2] = root_crl_len;
	is_int(revocation_check_chain(r, sk, T0 + 5, &a), REV_GOOD,
	    "cache: good");
	revocation_stats(r, &s);
	is_uint(s.fetches, 2, "cache: the leaf's CRL fetched once, the "
	    "root's once");
	is_uint(s.cache_hits, 1, "cache: the leaf's answer from memory");
	is_int(a.cached, true, "cache: the answer says cached");
	revocation_free(r);

	/* a new context: the store has the last answer saved (the root's
	 * CRL); the leaf's is fetched */
	pthread_mutex_lock(&F.m);
	F.calls = 0;
	pthread_mutex_unlock(&F.m);
	r = context(REVMODE_CRL, 4, 5);
	F.fail = true;	/* the store's answer, or nothing */
	(void)revocation_check_chain(r, sk, T0 + 10, &a);
	revocation_stats(r, &s);
	is_uint(s.store_hits, 1, "store: one answer loaded after a restart");
	ok(F.saves >= 2, "store: answers saved (%u)", F.saves);
	revocation_free(r);
	sk_X509_free(sk);
}

/* ---- threads ---- */

static X509_STORE *inter_store;	/* the intermediate as a trust anchor */

struct worker {
	struct revocation *r;
	X509		*cert;
	enum rev_status	st;
	char		reason[512];
};

static void *
check_thread(void *arg)
{
	struct worker *w = arg;
	struct rev_answer a;

	/* inter is the trust anchor here: only the leaf is checked */
	w->st = revocation_check_cert(w->r, w->cert, inter_store, NULL, T0, &a);
	snprintf(w->reason, sizeof(w->reason), "%s", a.reason);
	return NULL;
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
run_threads(struct worker *w, size_t n)
{
	pthread_t t[NURLS];
	size_t	i;

	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, check_thread, &w[i]) != 0)
			bail("pthread_create");
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

static void
test_threads(void)
{
	struct worker w[6];
	struct revocation *r;
	struct timespec t0;
	size_t	i, good_n;

	/* six CRLs, two fetches at a time */
	fake_reset();
	for (i = 0; i < NURLS; i++) {
		F.crl[i] = int_crl;
		F.crllen[i] = int_crl_len;
	}
	F.sleep_ms = 200;
	r = context(REVMODE_CRL, 2, 5);
	for (i = 0; i < 6; i++) {
		w[i].r = r;
		w[i].cert = leaves[i + 2];
	}
	run_threads(w, 6);
	for (i = 0, good_n = 0; i < 6; i++)
		good_n += w[i].st == REV_GOOD;
	is_uint(good_n, 6, "in flight: six answers");
	is_uint(F.max_inflight, 2, "in flight: at most max_fetches (2) at once");
	revocation_free(r);

	/* six threads, one answer: fetched once, the others wait for it */
	fake_reset();
	F.crl[2] = int_crl;
	F.crllen[2] = int_crl_len;
	F.sleep_ms = 300;
	r = context(REVMODE_CRL, 8, 5);
	for (i = 0; i < 6; i++) {
		w[i].r = r;
		w[i].cert = leaves[2];
	}
	run_threads(w, 6);
	for (i = 0, good_n = 0; i < 6; i++)
		good_n += w[i].st == REV_GOOD;
	is_uint(good_n, 6, "one answer for six: all good");
	is_uint(calls(), 1, "one answer for six: one fetch");
	revocation_free(r);

	/* timeout 1s: no fetch is given more, and a check does not wait
	 * longer than its deadline (twice the timeout) */
	fake_reset();
	for (i = 0; i < NURLS; i++) {
		F.crl[i] = int_crl;
		F.crllen[i] = int_crl_len;
	}
	F.sleep_ms = 5000;
	r = context(REVMODE_CRL, 1, 1);
	for (i = 0; i < 3; i++) {
		w[i].r = r;
		w[i].cert = leaves[i + 2];
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_threads(w, 3);
	ok(elapsed(&t0) < 4.5, "deadline: three checks of a hung server end "
	    "within their deadline of 2s (took %.1fs)", elapsed(&t0));
	ok(F.max_timeout_ms > 0 && F.max_timeout_ms <= 1000, "deadline: each "
	    "fetch gets at most the timeout (%ums)", F.max_timeout_ms);
	for (i = 0, good_n = 0; i < 3; i++)
		good_n += w[i].st == REV_UNKNOWN;
	is_uint(good_n, 3, "deadline: unknown, all three");
	/* which words depends on where the deadline struck: during the
	 * fetch, while waiting for another thread's, or before one began */
	ok(strstr(w[0].reason, "timed out") != NULL ||
	    strstr(w[0].reason, "in time") != NULL ||
	    strstr(w[0].reason, "no time left") != NULL, "deadline: said (%s)",
	    w[0].reason);
	revocation_free(r);
}

/* An answer used in the last quarter of its life is fetched again in the
 * background; the caller gets the cached one at once. */
static void
test_refresh(void)
{
	struct revocation *r;
	struct rev_answer a;
	struct rev_stats s;
	int64_t	late;
	int	i;

	fake_reset();
	F.crl[2] = int_crl;
	F.crllen[2] = int_crl_len;
	r = context(REVMODE_CRL, 4, 5);
	is_int(revocation_check_cert(r, leaves[2], inter_store, NULL, T0, &a),
	    REV_GOOD, "refresh: first answer fetched");
	late = T0 + (a.next_update - T0) * 7 / 8;
	is_int(revocation_check_cert(r, leaves[2], inter_store, NULL, late, &a),
	    REV_GOOD, "refresh: late in its life, still good");
	is_int(a.cached, true, "refresh: the caller did not wait");
	for (i = 0; i < 100 && calls() < 2; i++)
		usleep(50000);
	revocation_stats(r, &s);
	is_uint(calls(), 2, "refresh: fetched again in the background");
	is_uint(s.refreshes, 1, "refresh: counted");
	revocation_free(r);
}

int
main(void)
{
	const char *why = NULL;
	struct crl_spec s;
	char	cn[32];
	int	i;

	plan_lazy();
	T0 = (int64_t)time(NULL);
	if ((root_key = key_generate(KEY_P256, &why)) == NULL ||
	    (inter_key = key_generate(KEY_P256, &why)) == NULL ||
	    (other_key = key_generate(KEY_P256, &why)) == NULL ||
	    (leaf_key = key_generate(KEY_P256, &why)) == NULL)
		bail("keys: %s", why);
	root = make("Rev Root", root_key, true, -1, NULL, NULL);
	inter = make("Rev Intermediate", inter_key, true, 2, root, root_key);
	good = make("good@rev.test", leaf_key, false, 1, inter, inter_key);
	bad = make("bad@rev.test", leaf_key, false, 1, inter, inter_key);
	other_leaf = make("other@rev.test", leaf_key, false, 1, inter,
	    inter_key);
	nocrl = make("nocrl@rev.test", leaf_key, false, -1, inter, inter_key);
	ocsp_only = with_ocsp(make("ocsp@rev.test", leaf_key, false, -1,
	    inter, inter_key), inter_key);
	for (i = 0; i < NURLS; i++) {
		snprintf(cn, sizeof(cn), "leaf%d@rev.test", i);
		leaves[i] = make(cn, leaf_key, false, i, inter, inter_key);
	}
	if ((inter_store = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(inter_store, inter) != 1)
		bail("store");

	memset(&s, 0, sizeof(s));
	s.issuer = inter;
	s.key = inter_key;
	s.this_update = T0 - DAY;
	s.next_update = T0 + 7 * DAY;
	s.revoked[0] = bad;
	s.revoked[1] = other_leaf;
	s.reason = 1;	/* keyCompromise */
	int_crl = crl_der(&s, &int_crl_len);
	memset(s.revoked, 0, sizeof(s.revoked));
	s.issuer = root;
	s.key = root_key;
	root_crl = crl_der(&s, &root_crl_len);
	s.revoked[0] = inter;
	s.reason = 2;	/* cACompromise */
	root_crl_inter_revoked = crl_der(&s, &root_crl_inter_revoked_len);

	test_status();
	test_retry();
	test_on_unknown();
	test_cache();
	test_threads();
	test_refresh();

	fake_reset();
	free(int_crl);
	free(root_crl);
	free(root_crl_inter_revoked);
	X509_STORE_free(inter_store);
	for (i = 0; i < NURLS; i++)
		X509_free(leaves[i]);
	X509_free(good);
	X509_free(bad);
	X509_free(other_leaf);
	X509_free(nocrl);
	X509_free(ocsp_only);
	X509_free(inter);
	X509_free(root);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(inter_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(leaf_key);
	return done_testing();
}
