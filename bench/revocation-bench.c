/*
 * revocation-bench - what a revocation check adds to the verification of
 * a recipient's certificate: cert_verify() (smime/x509/x509_verify.h)
 * without revocation, with a revocation context whose answer cache is
 * warm, and with a cold one (a new context per check, so every
 * certificate of the chain is fetched: OCSP requests or CRL downloads
 * over HTTP through smime/revoke/revoke_io.c, libcurl).
 *
 *   revocation-bench [-r ROUNDS] [-n CHECKS] [-m "MODES..."]
 *                    ROOT.pem CHAIN.pem
 *
 * ROOT.pem is the only trust anchor; CHAIN.pem the recipient's
 * certificate followed by its intermediates (the revocation lab of
 * t/lib/revlab.sh: alice.chain). MODES: ocsp, crl (default both), the
 * revocation modes of trust.revocation, with the in-memory cache only.
 * Each of ROUNDS rounds (default 5) makes CHECKS checks (default 50) of
 * each case, the three cases alternating check by check so that they see
 * the same machine load. Every check must say trusted and, with
 * revocation, good: anything else stops the bench (exit 1). The cold
 * case's context is made and freed outside the timed part.
 *
 * Prints, per mode, one line per round:
 *   revocation-round mode=M round=R none_us=X warm_us=Y cold_us=Z
 * then one line per case:
 *   revocation mode=M cache=none|warm|cold rounds=N us_per_check=MED
 *     spread_pct=P [ratio_vs_none=MED] [fetches_per_check=F]
 * us_per_check the median over the rounds of the mean time of one check
 * in microseconds, spread_pct (max - min) / median over the rounds,
 * ratio_vs_none the median of the per-round ratio over the none case,
 * fetches_per_check the fetches a cold check made (from
 * revocation_stats). Exits 0, 1 on a failure, 2 on a usage error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf/config.h"
#include "smime/revoke/revoke.h"
#include "smime/revoke/revoke_io.h"
#include "smime/x509/x509_verify.h"

#define MAX_ROUNDS	50

enum bench_case { CASE_NONE, CASE_WARM, CASE_COLD, NCASES };

static const char *const case_names[NCASES] = { "none", "warm", "cold" };

struct bench_input {
	X509_STORE	*trust;
	X509		*leaf;
	STACK_OF(X509)	*untrusted;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of v (sorted in place). */
static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ROOT.pem as the only trust anchor, CHAIN.pem's first certificate as
 * the leaf and the others as intermediates. */
static bool
load_input(const char *root_path, const char *chain_path,
    struct bench_input *in)
{
	FILE	*f;
	X509	*x;
	bool	ok = false;

	if ((in->trust = X509_STORE_new()) == NULL ||
	    (in->untrusted = sk_X509_new_null()) == NULL)
		return false;
	if ((f = fopen(root_path, "r")) == NULL) {
		perror(root_path);
		return false;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL || X509_STORE_add_cert(in->trust, x) != 1) {
		fprintf(stderr, "revocation-bench: %s: no certificate\n",
		    root_path);
		X509_free(x);
		return false;
	}
	X509_free(x);
	if ((f = fopen(chain_path, "r")) == NULL) {
		perror(chain_path);
		return false;
	}
	in->leaf = PEM_read_X509(f, NULL, NULL, NULL);
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(in->untrusted, x)) {
			X509_free(x);
			goto done;
		}
	ERR_clear_error();	/* the end of the file */
	ok = in->leaf != NULL;
	if (!ok)
		fprintf(stderr, "revocation-bench: %s: no certificate\n",
		    chain_path);
done:
	fclose(f);
	return ok;
}

static void
input_clear(struct bench_input *in)
{
	X509_STORE_free(in->trust);
	X509_free(in->leaf);
	sk_X509_pop_free(in->untrusted, X509_free);
}

/* One timed cert_verify(); false, said on stderr, unless trusted and
 * (with rev) good. */
static bool
check_once(const struct bench_input *in, struct revocation *rev,
    double *elapsed)
{
	struct cert_verify_params p = { 0 };
	struct cert_verdict v = { 0 };
	double	t0;
	bool	ok;

	p.trust = in->trust;
	p.untrusted = in->untrusted;
	p.use = CERT_USE_ENCRYPT;
	p.now = (int64_t)time(NULL);
	p.revocation = rev;
	t0 = now_s();
	cert_verify(in->leaf, &p, &v);
	*elapsed = now_s() - t0;
	ok = v.status == CERT_TRUSTED &&
	    (rev == NULL || v.revocation.status == REV_GOOD);
	if (!ok)
		fprintf(stderr, "revocation-bench: not trusted and good: %s "
		    "(revocation %s: %s)\n", v.reason,
		    rev_status_name(v.revocation.status), v.revocation.reason);
	cert_verdict_clear(&v);
	return ok;
}

/* One mode: rounds x checks of the three cases, printed. */
static int
run_mode(const struct bench_input *in, const char *mode_word, int rounds,
    int checks, const struct rev_io *io)
{
	struct revocation_conf rc;
	struct revocation *warm = NULL, *cold;
	struct rev_stats st;
	double	us[NCASES][MAX_ROUNDS], ratio[NCASES][MAX_ROUNDS];
	double	sum[NCASES], t, mn, mx, med;
	unsigned long fetches = 0, warm_fetches;
	int	r, i, c, rc_exit = 1;

	revocation_conf_default(&rc);
	rc.mode = strcmp(mode_word, "crl") == 0 ? REVMODE_CRL : REVMODE_OCSP;
	rc.cache = REVCACHE_MEMORY;
	rc.timeout = 5;
	if ((warm = revocation_new(&rc, io)) == NULL ||
	    !check_once(in, warm, &t))		/* fills the cache */
		goto done;
	revocation_stats(warm, &st);
	warm_fetches = st.fetches;
	for (r = 0; r < rounds; r++) {
		memset(sum, 0, sizeof(sum));
		for (i = 0; i < checks; i++) {
			if (!check_once(in, NULL, &t))
				goto done;
			sum[CASE_NONE] += t;
			if (!check_once(in, warm, &t))
				goto done;
			sum[CASE_WARM] += t;
			if ((cold = revocation_new(&rc, io)) == NULL)
				goto done;
			if (!check_once(in, cold, &t)) {
				revocation_free(cold);
				goto done;
			}
			sum[CASE_COLD] += t;
			revocation_stats(cold, &st);
			fetches += st.fetches;
			revocation_free(cold);
		}
		for (c = 0; c < NCASES; c++) {
			us[c][r] = 1e6 * sum[c] / checks;
			ratio[c][r] = us[c][r] / us[CASE_NONE][r];
		}
		printf("revocation-round mode=%s round=%d none_us=%.1f "
		    "warm_us=%.1f cold_us=%.1f\n", mode_word, r + 1,
		    us[CASE_NONE][r], us[CASE_WARM][r], us[CASE_COLD][r]);
		fflush(stdout);
	}
	revocation_stats(warm, &st);
	if (st.fetches != warm_fetches) {	/* warm means no fetch */
		fprintf(stderr, "revocation-bench: the warm cache fetched "
		    "%lu times\n", st.fetches - warm_fetches);
		goto done;
	}
	for (c = 0; c < NCASES; c++) {
		med = median(us[c], rounds);
		mn = us[c][0];
		mx = us[c][rounds - 1];
		printf("revocation mode=%s cache=%s rounds=%d "
		    "us_per_check=%.1f spread_pct=%.1f", mode_word,
		    case_names[c], rounds, med,
		    med > 0 ? 100 * (mx - mn) / med : 0.0);
		if (c != CASE_NONE)
			printf(" ratio_vs_none=%.2f", median(ratio[c], rounds));
		if (c == CASE_COLD)
			printf(" fetches_per_check=%.1f",
			    (double)fetches / ((double)rounds * checks));
		printf("\n");
	}
	fflush(stdout);
	rc_exit = 0;
done:
	revocation_free(warm);
	return rc_exit;
}

static void
usage(void)
{
	fprintf(stderr, "usage: revocation-bench [-r ROUNDS] [-n CHECKS] "
	    "[-m \"ocsp crl\"] ROOT.pem CHAIN.pem\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bench_input in = { 0 };
	struct rev_io io;
	const char *modes = "ocsp crl";
	char	*list, *w, *save;
	int	rounds = 5, checks = 50, ch, rc = 0;

	while ((ch = getopt(argc, argv, "m:n:r:")) != -1) {
		switch (ch) {
		case 'm':
			modes = optarg;
			break;
		case 'n':
			checks = atoi(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 || rounds < 1 || rounds > MAX_ROUNDS || checks < 1)
		usage();
	if (!load_input(argv[0], argv[1], &in)) {
		input_clear(&in);
		return 1;
	}
	revocation_io_init(&io, NULL);
	if ((list = strdup(modes)) == NULL) {
		input_clear(&in);
		return 1;
	}
	for (w = strtok_r(list, " ", &save); w != NULL && rc == 0;
	    w = strtok_r(NULL, " ", &save)) {
		if (strcmp(w, "ocsp") != 0 && strcmp(w, "crl") != 0) {
			fprintf(stderr, "revocation-bench: unknown mode %s\n",
			    w);
			rc = 2;
			break;
		}
		rc = run_mode(&in, w, rounds, checks, &io);
	}
	free(list);
	input_clear(&in);
	return rc;
}
