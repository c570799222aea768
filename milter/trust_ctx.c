/*
 * trust_ctx - see trust_ctx.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "milter/trust_ctx.h"
#include "smime/revoke/revoke_io.h"
#include "smime/x509/trust.h"

static pthread_mutex_t tc_lock = PTHREAD_MUTEX_INITIALIZER;
static X509_STORE *tc_store;
static struct keystore *tc_keystore;
static struct revocation *tc_rev;
static struct revocation_conf tc_conf;
static struct rev_io tc_io;

bool
trust_ctx_init(const struct config *cfg, struct keystore *ks)
{
	const struct revocation_conf *rc = &cfg->trust.revocation;
	X509_STORE *st;

	tc_keystore = ks;
	if ((st = trust_ctx_build(cfg)) == NULL)
		return false;
	trust_ctx_install(st);
	tc_conf = *rc;
	tc_conf.ocsp_responder = rc->ocsp_responder != NULL ?
	    x_strdup(rc->ocsp_responder) : NULL;
	if (rc->mode != REVMODE_OFF) {
		revocation_io_init(&tc_io, rc->cache == REVCACHE_KEYSTORE ? ks :
		    NULL);
		tc_rev = revocation_new(rc, &tc_io);
	}
	return true;
}

X509_STORE *
trust_ctx_build(const struct config *cfg)
{
	struct io_err e;
	X509_STORE *st;

	if ((st = trust_store_build(tc_keystore, &cfg->trust, &e)) == NULL)
		log_error("trust: %s", e.msg);
	return st;
}

void
trust_ctx_install(X509_STORE *st)
{
	X509_STORE *old;

	pthread_mutex_lock(&tc_lock);
	old = tc_store;
	tc_store = st;
	pthread_mutex_unlock(&tc_lock);
	X509_STORE_free(old);
}

X509_STORE *
trust_ctx_store(void)
{
	X509_STORE *st;

	pthread_mutex_lock(&tc_lock);
	st = tc_store;
	if (st != NULL)
		X509_STORE_up_ref(st);
	pthread_mutex_unlock(&tc_lock);
	return st;
}

struct revocation *
trust_ctx_revocation(void)
{
	return tc_rev;
}

static bool
same_string(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL &&
	    strcmp(a, b) == 0);
}

void
trust_ctx_reloaded(const struct config *cfg)
{
	const struct revocation_conf *a = &cfg->trust.revocation,
	    *b = &tc_conf;

	if (a->mode != b->mode || a->on_unknown != b->on_unknown ||
	    a->timeout != b->timeout || a->cache != b->cache ||
	    a->max_age != b->max_age || a->max_fetches != b->max_fetches ||
	    !same_string(a->ocsp_responder, b->ocsp_responder))
		log_warn("reload: trust.revocation changed; the change takes "
		    "effect at the next start");
}

void
trust_ctx_shutdown(void)
{
	revocation_free(tc_rev);
	tc_rev = NULL;
	free(tc_conf.ocsp_responder);
	tc_conf.ocsp_responder = NULL;
	trust_ctx_install(NULL);
	tc_keystore = NULL;
}
