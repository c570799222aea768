/*
 * test_keystore_storm - the key store under parallel writers: threads
 * harvesting as fast as they can (some sharing one handle, some with
 * their own connection) while a gatewarden-keys process imports a bundle
 * into the same file. Nothing may be lost and no caller may see "database
 * is locked" or any other failure.
 */
#include "config.h"

#include <pthread.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "smime/keystore/keystore.h"
#include "smime/x509/x509_build.h"
#include "t/tap.h"

#define THREADS		8
#define SHARED		4	/* threads 0..SHARED-1 share one handle */
#define PER_THREAD	60
#define CLI_CERTS	150
#define T0		1800000000LL

extern char **environ;

struct der {
	unsigned char	*p;
	int		len;
};

static char	dir[] = "/tmp/test_keystore_storm.XXXXXX";
static char	dbpath[300];
static struct der certs[THREADS][PER_THREAD];
static struct keystore *shared;
static pthread_barrier_t start;

struct result {
	unsigned	failures, locked, lookups_missed;
	char		first[512];
};
static struct result results[THREADS];

static X509 *
make(EVP_PKEY *key, const char *address)
{
	struct cert_spec sp;
	const char *why = NULL;
	X509	*x;

	memset(&sp, 0, sizeof(sp));
	sp.cn = address;
	sp.emails = &address;
	sp.nemails = 1;
	sp.not_before = T0 - 86400;
	sp.not_after = T0 + 86400 * 365;
	sp.smime = true;
	sp.key_usage = CERT_SPEC_DEFAULT_KU;
	if ((x = cert_build(&sp, key, NULL, NULL, &why)) == NULL)
		bail("cert_build: %s", why);
	return x;
}

static void
note(struct result *r, const char *what)
{
	r->failures++;
	if (strstr(keystore_strerror(), "locked") != NULL)
		r->locked++;
	if (r->first[0] == '\0')
		snprintf(r->first, sizeof(r->first), "%s: %s", what,
		    keystore_strerror());
}

static void *
harvester(void *arg)
{
	int	t = (int)(intptr_t)arg, i;
	struct result *r = &results[t];
	struct keystore *ks = shared;

	if (t >= SHARED && keystore_open(dbpath, 0, &ks) != KS_OK) {
		note(r, "open");
		pthread_barrier_wait(&start);
		return NULL;
	}
	pthread_barrier_wait(&start);
	for (i = 0; i < PER_THREAD; i++) {
		char	addr[64];
		struct ks_cert *c = NULL;
		enum ks_status st;

		st = keystore_harvest(ks, certs[t][i].p, (size_t)certs[t][i].len,
		    false, T0, NULL);
		if (st != KS_OK)
			note(r, "harvest");
		snprintf(addr, sizeof(addr), "t%d-%d@storm.example", t, i);
		st = keystore_lookup(ks, addr, T0 + i, &c);
		if (st == KS_NOTFOUND)
			r->lookups_missed++;
		else if (st != KS_OK)
			note(r, "lookup");
		ks_cert_free(c);
	}
	if (t >= SHARED)
		keystore_close(ks);
	return NULL;
}

static bool
count_all(const struct ks_cert *c, void *arg)
{
	(void)c;
	(*(unsigned *)arg)++;
	return true;
}

int
main(void)
{
	const char *top = getenv("top_builddir"), *why = NULL;
	char	bundle[300], outpath[300], prog[600], privdir[300], cmd[400];
	char	*argv[10];
	pthread_t th[THREADS];
	EVP_PKEY *key;
	FILE	*f;
	pid_t	pid;
	unsigned total = 0, failures = 0, locked = 0, missed = 0;
	int	t, i, wstatus;

	plan_lazy();
	if (top == NULL)
		bail("top_builddir is not set (run from make check)");
	if (mkdtemp(dir) == NULL)
		bail("mkdtemp");
	snprintf(dbpath, sizeof(dbpath), "%s/keystore.db", dir);
	snprintf(bundle, sizeof(bundle), "%s/bundle.pem", dir);
	snprintf(outpath, sizeof(outpath), "%s/cli.out", dir);
	snprintf(privdir, sizeof(privdir), "%s/private", dir);
	snprintf(prog, sizeof(prog), "%s/smime/gatewarden-keys", top);
	if ((key = key_generate(KEY_P256, &why)) == NULL)
		bail("key: %s", why);
	for (t = 0; t < THREADS; t++)
		for (i = 0; i < PER_THREAD; i++) {
			char	addr[64];
			X509	*x;

			snprintf(addr, sizeof(addr), "t%d-%d@storm.example", t, i);
			x = make(key, addr);
			certs[t][i].p = NULL;
			certs[t][i].len = i2d_X509(x, &certs[t][i].p);
			X509_free(x);
		}
	if ((f = fopen(bundle, "w")) == NULL)
		bail("fopen %s", bundle);
	for (i = 0; i < CLI_CERTS; i++) {
		char	addr[64];
		X509	*x;

		snprintf(addr, sizeof(addr), "cli-%d@import.example", i);
		x = make(key, addr);
		PEM_write_X509(f, x);
		X509_free(x);
	}
	fclose(f);
	EVP_PKEY_free(key);

	if (keystore_open(dbpath, 0, &shared) != KS_OK)
		bail("open: %s", keystore_strerror());
	pthread_barrier_init(&start, NULL, THREADS);
	argv[0] = prog;
	argv[1] = (char *)"--keystore";
	argv[2] = dbpath;
	argv[3] = (char *)"--private-dir";
	argv[4] = privdir;
	argv[5] = (char *)"--json";
	argv[6] = (char *)"pubkey";
	argv[7] = (char *)"import";
	argv[8] = bundle;
	argv[9] = NULL;
	{
		posix_spawn_file_actions_t fa;

		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 1, outpath,
		    O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (posix_spawn(&pid, prog, &fa, NULL, argv, environ) != 0)
			bail("cannot start %s", prog);
		posix_spawn_file_actions_destroy(&fa);
	}
	for (t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, harvester, (void *)(intptr_t)t);
	for (t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	if (waitpid(pid, &wstatus, 0) != pid)
		bail("waitpid");
	for (t = 0; t < THREADS; t++) {
		failures += results[t].failures;
		locked += results[t].locked;
		missed += results[t].lookups_missed;
		if (results[t].first[0] != '\0')
			diag("thread %d: %s", t, results[t].first);
	}
	is_uint(failures, 0, "no harvest or look-up failed under the storm");
	is_uint(locked, 0, "no caller saw \"database is locked\"");
	is_uint(missed, 0, "every harvested key was found right after");
	ok(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0,
	    "the concurrent gatewarden-keys import succeeded (status %d)",
	    WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
	snprintf(cmd, sizeof(cmd), "grep -q '\"imported\": %d, \"known\": 0, "
	    "\"failed\": 0' %s", CLI_CERTS, outpath);
	ok(system(cmd) == 0, "it imported all %d certificates", CLI_CERTS);
	if (keystore_foreach(shared, count_all, &total) != KS_OK)
		diag("foreach: %s", keystore_strerror());
	is_uint(total, THREADS * PER_THREAD + CLI_CERTS,
	    "nothing lost: every certificate is in the store");
	{
		struct ks_cert *c = NULL;

		is_int(keystore_lookup(shared, "cli-77@import.example", T0, &c),
		    KS_OK, "a CLI-imported key is found");
		ks_cert_free(c);
	}
	is_int(keystore_check(shared), KS_OK, "the store is intact");
	keystore_close(shared);
	pthread_barrier_destroy(&start);
	for (t = 0; t < THREADS; t++)
		for (i = 0; i < PER_THREAD; i++)
			OPENSSL_free(certs[t][i].p);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
