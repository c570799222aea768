/*
 * test_keystore_pg - what the key store on PostgreSQL owes a fleet of
 * gateways, with two or more handles standing for nodes on one database
 * (t/keystore-pg.sh starts the server and passes its socket and port):
 *   - nodes harvesting at once: the same certificate leaves one row; with
 *     keep_first, different keys for one address leave exactly one;
 *   - nodes claiming one alert at once: one sends it;
 *   - a key added or removed on one node is seen by the other within a
 *     second (LISTEN/NOTIFY empties its look-up cache);
 *   - the database gone: cached look-ups are still answered, writes and
 *     look-ups that need the database tempfail; back: the node reconnects
 *     by itself.
 *   - a server that does not answer: while one session waits to
 *     reconnect, cached look-ups are answered and other writes tempfail
 *     at once.
 * The server is stopped and started with the commands in $GW_PG_STOP and
 * $GW_PG_START, its postmaster frozen and thawed with $GW_PG_FREEZE and
 * $GW_PG_THAW.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "smime/keystore/keystore.h"
#include "smime/x509/cert_info.h"
#include "smime/x509/x509_build.h"
#include "t/tap.h"

#define NODES	8
#define DAY	86400LL

static char	uri[512];
static EVP_PKEY	*key;

struct der {
	unsigned char	*p;
	size_t		len;
};

static struct der
cert(const char *email, int64_t nb)
{
	struct cert_spec sp;
	struct der d = { NULL, 0 };
	const char *why = NULL;
	X509	*x;
	int	n;

	memset(&sp, 0, sizeof(sp));
	sp.cn = email;
	sp.emails = &email;
	sp.nemails = 1;
	sp.not_before = nb;
	sp.not_after = nb + 365 * DAY;
	sp.smime = true;
	sp.key_usage = CERT_SPEC_DEFAULT_KU;
	if ((x = cert_build(&sp, key, NULL, NULL, &why)) == NULL)
		bail("cert_build: %s", why);
	if ((n = i2d_X509(x, &d.p)) <= 0)
		bail("i2d_X509");
	d.len = (size_t)n;
	X509_free(x);
	return d;
}

static struct keystore *
node(void)
{
	struct keystore *ks = NULL;

	if (keystore_open(uri, 0, &ks) != KS_OK)
		bail("keystore_open: %s", keystore_strerror());
	return ks;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

struct racer {
	struct keystore	*ks;
	struct der	d;
	struct ks_harvest h;
	pthread_barrier_t *start;
	enum ks_status	st;
	struct ks_harvest_outcome out;
	char		err[512];
};

static void *
race(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	r->st = keystore_harvest_key(r->ks, r->d.p, r->d.len, &r->h,
	    (int64_t)time(NULL), &r->out);
	if (r->st != KS_OK)
		snprintf(r->err, sizeof(r->err), "%s", keystore_strerror());
	return NULL;
}

struct count {
	const char	*address;
	unsigned	n;
};

static bool
count_address(const struct ks_cert *c, void *arg)
{
	struct count *k = arg;
	size_t	i;

	for (i = 0; i < c->nemails; i++)
		if (strcmp(c->emails[i], k->address) == 0)
			k->n++;
	return true;
}

/* NODES nodes harvest at the same moment; same: one certificate for all,
 * else one each (keep_first). */
static void
test_race(bool same)
{
	const char *address = same ? "same@race.example" : "first@race.example";
	struct racer r[NODES];
	pthread_t t[NODES];
	pthread_barrier_t start;
	struct count k = { address, 0 };
	unsigned added = 0, i, failed = 0;
	struct der shared = { NULL, 0 };

	pthread_barrier_init(&start, NULL, NODES);
	if (same)
		shared = cert(address, (int64_t)time(NULL) - DAY);
	for (i = 0; i < NODES; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].ks = node();
		r[i].d = same ? shared : cert(address,
		    (int64_t)time(NULL) - DAY - i);
		r[i].h.encrypt = true;
		r[i].h.keep_first = !same;
		r[i].start = &start;
	}
	for (i = 0; i < NODES; i++)
		if (pthread_create(&t[i], NULL, race, &r[i]) != 0)
			bail("pthread_create");
	for (i = 0; i < NODES; i++) {
		pthread_join(t[i], NULL);
		if (r[i].st != KS_OK) {
			failed++;
			diag("node %u: %s: %s", i, keystore_status_name(r[i].st),
			    r[i].err);
		}
		added += r[i].out.added;
	}
	is_int(failed, 0, "%s: every one of %d nodes harvesting at once "
	    "succeeds", same ? "one certificate" : "keep_first", NODES);
	is_int(added, 1, "%s: exactly one node stored it", same ?
	    "one certificate" : "keep_first, one key each");
	if (keystore_foreach(r[0].ks, count_address, &k) != KS_OK)
		bail("foreach: %s", keystore_strerror());
	is_int(k.n, 1, "one row names %s", address);
	for (i = 0; i < NODES; i++) {
		if (!same)
			free(r[i].d.p);
		keystore_close(r[i].ks);
	}
	free(shared.p);
	pthread_barrier_destroy(&start);
}

struct claimer {
	struct keystore	*ks;
	pthread_barrier_t *start;
	bool		won;
	enum ks_status	st;
};

static void *
claim(void *arg)
{
	struct claimer *c = arg;

	pthread_barrier_wait(c->start);
	c->st = keystore_claim(c->ks, "key-churn race.example",
	    (int64_t)time(NULL), 3600, &c->won);
	return NULL;
}

/* NODES nodes claim the same alert at once: one sends it. */
static void
test_claim_race(void)
{
	struct claimer c[NODES];
	pthread_t t[NODES];
	pthread_barrier_t start;
	unsigned i, won = 0, failed = 0;

	pthread_barrier_init(&start, NULL, NODES);
	for (i = 0; i < NODES; i++) {
		c[i].ks = node();
		c[i].start = &start;
		c[i].won = false;
		if (pthread_create(&t[i], NULL, claim, &c[i]) != 0)
			bail("pthread_create");
	}
	for (i = 0; i < NODES; i++) {
		pthread_join(t[i], NULL);
		won += c[i].won;
		failed += c[i].st != KS_OK;
		keystore_close(c[i].ks);
	}
	is_int(failed, 0, "%d nodes claim one alert at once: all answered",
	    NODES);
	is_int(won, 1, "exactly one of them sends it");
	pthread_barrier_destroy(&start);
}

/* Polls a's look-up of address until it is (found) or is not there,
 * for up to ms; how long it took, or -1. */
static int64_t
seen_within(struct keystore *a, const char *address, bool found, long ms)
{
	int64_t	t0 = now_ms();
	struct ks_cert *c;
	enum ks_status st;

	for (;;) {
		c = NULL;
		st = keystore_lookup(a, address, (int64_t)time(NULL), &c);
		ks_cert_free(c);
		if ((found && st == KS_OK) || (!found && st == KS_NOTFOUND))
			return now_ms() - t0;
		if (now_ms() - t0 > ms)
			return -1;
		sleep_ms(20);
	}
}

static void
test_freshness(void)
{
	struct keystore *a = node(), *b = node();
	struct der d = cert("fresh@node.example", (int64_t)time(NULL) - DAY);
	struct ks_cert *c = NULL;
	char	fp[65];
	int64_t	ms;

	is_int(keystore_lookup(a, "fresh@node.example", (int64_t)time(NULL),
	    &c), KS_NOTFOUND, "node A: no key yet (the answer is cached)");
	is_int(keystore_add(b, d.p, d.len, KS_IMPORTED, NULL,
	    (int64_t)time(NULL), fp), KS_OK, "node B imports one");
	ms = seen_within(a, "fresh@node.example", true, 1000);
	ok(ms >= 0, "node A uses it within a second (%lld ms)", (long long)ms);
	ms = seen_within(a, "fresh@node.example", true, 0);
	ok(ms >= 0, "and again (from its cache)");
	is_int(keystore_remove(b, fp), KS_OK, "node B removes it");
	ms = seen_within(a, "fresh@node.example", false, 1000);
	ok(ms >= 0, "node A no longer uses it within a second (%lld ms)",
	    (long long)ms);
	free(d.p);
	keystore_close(a);
	keystore_close(b);
}

static void
run(const char *what, const char *env)
{
	const char *cmd = getenv(env);

	if (cmd == NULL)
		bail("%s is not set", env);
	if (system(cmd) != 0)
		bail("%s failed: %s", what, cmd);
}

static void
test_outage(void)
{
	struct keystore *a = node();
	struct der d = cert("cached@node.example", (int64_t)time(NULL) - DAY);
	struct der e = cert("later@node.example", (int64_t)time(NULL) - DAY);
	struct ks_harvest_outcome out;
	struct ks_harvest h = { false, false, true };
	struct ks_cert *c = NULL;
	enum ks_status st;
	int64_t	t0;

	is_int(keystore_add(a, d.p, d.len, KS_IMPORTED, NULL,
	    (int64_t)time(NULL), NULL), KS_OK, "a key");
	is_int(keystore_lookup(a, "cached@node.example", (int64_t)time(NULL),
	    &c), KS_OK, "looked up (cached)");
	ks_cert_free(c);
	c = NULL;
	run("stopping the database", "GW_PG_STOP");
	st = keystore_lookup(a, "cached@node.example", (int64_t)time(NULL), &c);
	is_int(st, KS_OK, "database down: the cached key is still used (%s)",
	    st == KS_OK ? "ok" : keystore_strerror());
	ok(c != NULL && c->derlen == d.len && memcmp(c->der, d.p, d.len) == 0,
	    "the same certificate");
	ks_cert_free(c);
	c = NULL;
	is_int(keystore_lookup(a, "unknown@node.example", (int64_t)time(NULL),
	    &c), KS_TEMPFAIL, "an address not in the cache: temporary failure");
	is_int(keystore_harvest_key(a, e.p, e.len, &h, (int64_t)time(NULL),
	    &out), KS_TEMPFAIL, "a harvest: temporary failure (%s)",
	    keystore_strerror());
	run("starting the database", "GW_PG_START");
	t0 = now_ms();
	do {
		sleep_ms(200);
		st = keystore_harvest_key(a, e.p, e.len, &h,
		    (int64_t)time(NULL), &out);
	} while (st == KS_TEMPFAIL && now_ms() - t0 < 30000);
	is_int(st, KS_OK, "database back: the node reconnects by itself and "
	    "harvests (%lld ms)", (long long)(now_ms() - t0));
	ok(out.added, "the harvested key is stored");
	is_int(keystore_lookup(a, "later@node.example", (int64_t)time(NULL),
	    &c), KS_OK, "and found");
	ks_cert_free(c);
	free(d.p);
	free(e.p);
	keystore_close(a);
}

struct writer {
	struct keystore	*ks;
	struct der	d;
	enum ks_status	st;
	int64_t		done;	/* now_ms() when it returned; 0 before */
};

static void *
write_one(void *arg)
{
	struct writer *w = arg;
	struct ks_harvest h = { false, false, true };
	struct ks_harvest_outcome out;

	w->st = keystore_harvest_key(w->ks, w->d.p, w->d.len, &h,
	    (int64_t)time(NULL), &out);
	__atomic_store_n(&w->done, now_ms(), __ATOMIC_SEQ_CST);
	return NULL;
}

/* A server that takes connections but does not answer (its postmaster
 * stopped with SIGSTOP after a restart broke the node's connection): one
 * session's reconnection waits for libpq's connect time-out, and
 * meanwhile a look-up the cache holds is answered at once and another
 * write tempfails at once instead of queueing behind it. */
static void
test_dead_server(void)
{
	struct keystore *a = node();
	struct der d = cert("frozen@node.example", (int64_t)time(NULL) - DAY);
	struct der f = cert("second@node.example", (int64_t)time(NULL) - DAY);
	struct writer w = { a, cert("first@node.example",
	    (int64_t)time(NULL) - DAY), KS_OK, 0 };
	struct ks_harvest h = { false, false, true };
	struct ks_harvest_outcome out;
	struct ks_cert *c = NULL;
	enum ks_status st;
	pthread_t t;
	int64_t	t0, took;

	is_int(keystore_add(a, d.p, d.len, KS_IMPORTED, NULL,
	    (int64_t)time(NULL), NULL), KS_OK, "dead server: a key");
	is_int(keystore_lookup(a, "frozen@node.example", (int64_t)time(NULL),
	    &c), KS_OK, "looked up (cached)");
	ks_cert_free(c);
	c = NULL;
	run("restarting the database", "GW_PG_STOP");
	run("restarting the database", "GW_PG_START");
	run("freezing the database", "GW_PG_FREEZE");
	/* past the pause between two connection attempts (since the open) */
	sleep_ms(1200);
	if (pthread_create(&t, NULL, write_one, &w) != 0)
		bail("pthread_create");
	sleep_ms(500);	/* the writer is in its connection attempt */
	t0 = now_ms();
	st = keystore_lookup(a, "frozen@node.example", (int64_t)time(NULL), &c);
	took = now_ms() - t0;
	is_int(st, KS_OK, "a session reconnecting: a cached look-up is "
	    "answered (%s)", st == KS_OK ? "ok" : keystore_strerror());
	ok(took < 1500, "at once, not behind the connection attempt (%lld ms)",
	    (long long)took);
	ks_cert_free(c);
	c = NULL;
	t0 = now_ms();
	st = keystore_harvest_key(a, f.p, f.len, &h, (int64_t)time(NULL), &out);
	took = now_ms() - t0;
	is_int(st, KS_TEMPFAIL, "another write: temporary failure");
	ok(strstr(keystore_strerror(), "another session is connecting") !=
	    NULL, "since another session is connecting (%s)",
	    keystore_strerror());
	ok(took < 1500, "at once too (%lld ms)", (long long)took);
	ok(__atomic_load_n(&w.done, __ATOMIC_SEQ_CST) == 0,
	    "while the first writer still waits for the server");
	run("thawing the database", "GW_PG_THAW");
	pthread_join(t, NULL);
	ok(w.st == KS_OK || w.st == KS_TEMPFAIL, "the first writer returns "
	    "once the server answers (%d)", (int)w.st);
	t0 = now_ms();
	do {
		st = keystore_harvest_key(a, f.p, f.len, &h,
		    (int64_t)time(NULL), &out);
		if (st == KS_TEMPFAIL)
			sleep_ms(200);
	} while (st == KS_TEMPFAIL && now_ms() - t0 < 30000);
	is_int(st, KS_OK, "then writes go through again (%lld ms)",
	    (long long)(now_ms() - t0));
	free(d.p);
	free(f.p);
	free(w.d.p);
	keystore_close(a);
}

/* The key-churn count is the fleet's: updates recorded on two nodes add
 * up; the same key recorded again counts once, at its latest time (an
 * address going back to a key it had is an update); the window bounds
 * it. */
static void
test_fleet_updates(void)
{
	char	fa[65], fb[65], fc[65];
	struct keystore *a = node(), *b = node();
	int64_t	t = (int64_t)time(NULL);
	char	report[512];
	uint64_t n = 9;

	memset(fa, 'a', 64);
	memset(fb, 'b', 64);
	memset(fc, 'c', 64);
	fa[64] = fb[64] = fc[64] = '\0';
	is_int(keystore_fleet_update(a, "Churn.Example", "U1@churn.example",
	    fa, t, t - 2 * DAY, &n, report, sizeof(report)), KS_OK,
	    "node A records an update");
	is_int((int)n, 1, "one update in the window");
	is_int(keystore_fleet_update(b, "churn.example", "u2@churn.example",
	    fb, t + 1, t + 1 - 2 * DAY, &n, report, sizeof(report)), KS_OK,
	    "node B records another");
	is_int((int)n, 2, "B counts A's too: the threshold is the fleet's");
	ok(strstr(report, "u1@churn.example " "aaaa") == report &&
	    strstr(report, "\nu2@churn.example bbbb") != NULL,
	    "both listed, oldest first, in lower case (%s)", report);
	keystore_fleet_update(a, "churn.example", "u2@churn.example", fb,
	    t + 2, t + 2 - 2 * DAY, &n, NULL, 0);
	is_int((int)n, 2, "the same key recorded again counts once");
	keystore_fleet_update(a, "other.example", "x@other.example", fc,
	    t + 3, t + 3 - 2 * DAY, &n, NULL, 0);
	is_int((int)n, 1, "a key counts for one domain only");
	keystore_fleet_update(b, "churn.example", "u1@churn.example", fa,
	    t + 3 * DAY, t + DAY, &n, report, sizeof(report));
	is_int((int)n, 1, "an address back on a key it had: counted again, "
	    "at its new time; the older updates are outside the window");
	ok(strstr(report, "u1@churn.example aaaa") == report &&
	    strstr(report, "bbbb") == NULL, "only the key that came back is "
	    "listed (%s)", report);
	keystore_close(a);
	keystore_close(b);
}

int
main(int argc, char **argv)
{
	const char *why = NULL;
	int	from, to;

	plan_lazy();
	if (argc != 4 || strcmp(argv[1], "--postgresql") != 0)
		bail("usage: test_keystore_pg --postgresql SOCKDIR PORT "
		    "(run by t/keystore-pg.sh)");
	snprintf(uri, sizeof(uri), "postgresql://postgres@/ks_fleet?host=%s&"
	    "port=%s", argv[2], argv[3]);
	if ((key = key_generate(KEY_P256, &why)) == NULL)
		bail("key: %s", why);
	if (keystore_migrate(uri, &from, &to) != KS_OK)
		bail("migrate: %s", keystore_strerror());
	test_race(true);
	test_race(false);
	test_claim_race();
	test_fleet_updates();
	test_freshness();
	test_outage();
	test_dead_server();
	EVP_PKEY_free(key);
	return done_testing();
}
