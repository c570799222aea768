/*
 * keystore-bench - the key store under the load of one busy node: a store
 * filled with N public keys by T concurrent sessions harvesting (one
 * shared handle, as the milter has), then look-ups of random known
 * addresses by the same T sessions. Prints the harvest rate (harvests per
 * second of the sessions' time inside keystore_harvest_key(), certificate
 * building excluded) and the p50/p99 latency of harvests and look-ups.
 *
 *   keystore-bench STORE N THREADS LOOKUPS [PRELOAD]
 *
 * STORE is a file or a postgresql:// URI (migrated first). The
 * certificates are real (P-256, one per address, all signed by one key)
 * and built by the sessions as they go. PRELOAD keys are written first
 * by a bulk load (keystore-load.h: rows of their own over 4,096 real
 * certificates, one transaction per 10,000 rows), so that the harvests and look-ups run
 * on a store of PRELOAD + N keys; the look-ups pick among all of them.
 * The store's size on disk is printed after the load and at the end.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "bench/keystore-load.h"
#include "smime/keystore/keystore.h"
#include "smime/x509/cert_info.h"
#include "smime/x509/x509_build.h"

static struct keystore *ks;
static EVP_PKEY *key;
static unsigned long nkeys, nthreads, nlookups, npreload;
static int64_t t_now;

struct worker {
	unsigned long	id;
	double		*lat;		/* seconds per call */
	unsigned long	n, errors;
	unsigned	seed;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
address(unsigned long i, char *buf, size_t size)
{
	snprintf(buf, size, "user%lu@d%lu.bench.example", i, i % 1000);
}

static void *
harvest(void *arg)
{
	struct worker *w = arg;
	struct ks_harvest h = { true, false, true };
	struct ks_harvest_outcome out;
	unsigned long i;

	for (i = npreload + w->id; i < npreload + nkeys; i += nthreads) {
		struct cert_spec sp;
		const char *why = NULL, *email;
		unsigned char *der = NULL;
		char	addr[64];
		double	t0;
		X509	*x;
		int	len;

		address(i, addr, sizeof(addr));
		email = addr;
		memset(&sp, 0, sizeof(sp));
		sp.cn = addr;
		sp.emails = &email;
		sp.nemails = 1;
		sp.not_before = t_now - 86400;
		sp.not_after = t_now + 365 * 86400;
		sp.smime = true;
		sp.key_usage = CERT_SPEC_DEFAULT_KU;
		if ((x = cert_build(&sp, key, NULL, NULL, &why)) == NULL ||
		    (len = i2d_X509(x, &der)) <= 0) {
			fprintf(stderr, "cert_build: %s\n", why ? why : "?");
			exit(1);
		}
		X509_free(x);
		t0 = now_s();
		if (keystore_harvest_key(ks, der, (size_t)len, &h, t_now,
		    &out) != KS_OK)
			w->errors++;
		w->lat[w->n++] = now_s() - t0;
		OPENSSL_free(der);
	}
	return NULL;
}

static void *
lookup(void *arg)
{
	struct worker *w = arg;
	unsigned long i;

	for (i = w->id; i < nlookups; i += nthreads) {
		struct ks_cert *c = NULL;
		char	addr[64];
		double	t0;

		address(((unsigned long)rand_r(&w->seed) * 65536UL +
		    (unsigned long)rand_r(&w->seed)) % (npreload + nkeys), addr,
		    sizeof(addr));
		t0 = now_s();
		if (keystore_lookup(ks, addr, t_now, &c) != KS_OK)
			w->errors++;
		w->lat[w->n++] = now_s() - t0;
		ks_cert_free(c);
	}
	return NULL;
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Runs fn on every worker; prints the phase's figures. */
static void
phase(const char *name, void *(*fn)(void *), unsigned long calls)
{
	struct worker *w = calloc(nthreads, sizeof(*w));
	pthread_t *t = calloc(nthreads, sizeof(*t));
	double	*all = malloc((calls + 1) * sizeof(double)), busy = 0, wall;
	unsigned long i, j, n = 0, errors = 0;

	if (w == NULL || t == NULL || all == NULL)
		exit(1);
	wall = now_s();
	for (i = 0; i < nthreads; i++) {
		w[i].id = i;
		w[i].seed = (unsigned)i + 1;
		w[i].lat = malloc((calls / nthreads + 2) * sizeof(double));
		if (w[i].lat == NULL ||
		    pthread_create(&t[i], NULL, fn, &w[i]) != 0)
			exit(1);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		for (j = 0; j < w[i].n; j++) {
			all[n++] = w[i].lat[j];
			busy += w[i].lat[j];
		}
		errors += w[i].errors;
		free(w[i].lat);
	}
	wall = now_s() - wall;
	qsort(all, n, sizeof(double), cmp);
	printf("keystore %s: %s n=%lu sessions=%lu p50=%.3fms p99=%.3fms "
	    "rate=%.0f/s (%.0f/s wall) errors=%lu\n", keystore_backend_name(ks),
	    name, n, nthreads, n ? all[n / 2] * 1e3 : 0,
	    n ? all[(n * 99) / 100] * 1e3 : 0, busy > 0 ? n / (busy /
	    nthreads) : 0, wall > 0 ? n / wall : 0, errors);
	fflush(stdout);
	free(all);
	free(w);
	free(t);
}

static void
store_sizes(const char *store, const char *when)
{
	uint64_t n = 0, bytes = 0;
	char	buf[512];

	if (keystore_count(ks, &n, &bytes) != KS_OK ||
	    ks_load_sizes(store, buf, sizeof(buf)) != 0)
		snprintf(buf, sizeof(buf), "?");
	printf("keystore %s: size %s keys=%llu charged=%llu %s\n",
	    keystore_backend_name(ks), when, (unsigned long long)n,
	    (unsigned long long)bytes, buf);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	const char *why = NULL;
	uint64_t n = 0, bytes = 0;
	int	from, to;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: keystore-bench STORE N THREADS "
		    "LOOKUPS [PRELOAD]\n");
		return 2;
	}
	npreload = argc == 6 ? strtoul(argv[5], NULL, 10) : 0;
	nkeys = strtoul(argv[2], NULL, 10);
	nthreads = strtoul(argv[3], NULL, 10);
	nlookups = strtoul(argv[4], NULL, 10);
	if (nkeys == 0 || nthreads == 0 || nthreads > 1000)
		return 2;
	t_now = (int64_t)time(NULL);
	if ((key = key_generate(KEY_P256, &why)) == NULL) {
		fprintf(stderr, "key: %s\n", why);
		return 1;
	}
	if (keystore_migrate(argv[1], &from, &to) != KS_OK ||
	    keystore_open(argv[1], 0, &ks) != KS_OK) {
		fprintf(stderr, "%s\n", keystore_strerror());
		return 1;
	}
	if (npreload > 0) {
		double	t0 = now_s();

		if (ks_load(argv[1], key, 0, npreload, t_now, address) != 0)
			return 1;
		t0 = now_s() - t0;
		store_sizes(argv[1], "after the load");
		printf("keystore %s: load n=%lu %.0fs rate=%.0f/s (certificates "
		    "built included)\n", keystore_backend_name(ks), npreload, t0,
		    t0 > 0 ? npreload / t0 : 0);
		fflush(stdout);
	}
	phase("harvest", harvest, nkeys);
	if (keystore_count(ks, &n, &bytes) == KS_OK)
		printf("keystore %s: store keys=%llu bytes=%llu\n",
		    keystore_backend_name(ks), (unsigned long long)n,
		    (unsigned long long)bytes);
	phase("lookup", lookup, nlookups);
	store_sizes(argv[1], "at the end");
	keystore_close(ks);
	EVP_PKEY_free(key);
	return 0;
}
