/*
 * runtime - see runtime.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "lib/log.h"
#include "milter/certs_check.h"
#include "milter/counters.h"
#include "milter/rcpt_dane.h"
#include "milter/runtime.h"
#include "milter/smime_out.h"
#include "milter/trust_ctx.h"

static pthread_mutex_t runtime_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t runtime_idle = PTHREAD_COND_INITIALIZER;
static struct config *runtime_cfg;
static const char *runtime_path;
static unsigned runtime_sessions;
static bool runtime_stopping;

void
runtime_init(struct config *cfg, const char *path)
{
	pthread_mutex_lock(&runtime_lock);
	runtime_cfg = cfg;
	runtime_path = path;
	pthread_mutex_unlock(&runtime_lock);
}

struct config *
runtime_config(void)
{
	struct config *cfg;

	pthread_mutex_lock(&runtime_lock);
	cfg = runtime_cfg ? config_ref(runtime_cfg) : NULL;
	pthread_mutex_unlock(&runtime_lock);
	return cfg;
}

void
runtime_log_diags(const struct diags *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];

		if (g->severity == DIAG_ERROR)
			log_error("%s:%u:%u: %s", g->file, g->line, g->col,
			    g->msg);
		else
			log_warn("%s:%u:%u: %s", g->file, g->line, g->col,
			    g->msg);
	}
}

bool
runtime_reload(void)
{
	struct diags d = { 0 };
	struct config *fresh, *old;
	X509_STORE *trust = NULL;
	const char *path;

	pthread_mutex_lock(&runtime_lock);
	path = runtime_path;
	pthread_mutex_unlock(&runtime_lock);
	fresh = config_load(path, &d);
	runtime_log_diags(&d);
	/* What the new file is the first to need (a key store for sending
	 * rules, a resolver for mandatory DANE, its CA lists) is opened
	 * before it goes into force, so that no configuration in force
	 * lacks it. */
	if (fresh != NULL && (!rcpt_dane_init(fresh) ||
	    !smime_out_init(fresh) || (trust = trust_ctx_build(fresh)) == NULL ||
	    !certs_check(fresh, trust, smime_out_keystore()))) {
		config_unref(fresh);
		fresh = NULL;
		d.errors++;
	}
	if (fresh == NULL) {
		log_error("reload: action=refused path=%s errors=%u; "
		    "the configuration in force stays", path, d.errors);
		diags_free(&d);
		X509_STORE_free(trust);
		return false;
	}
	diags_free(&d);
	trust_ctx_install(trust);
	trust_ctx_reloaded(fresh);
	pthread_mutex_lock(&runtime_lock);
	old = runtime_cfg;
	runtime_cfg = fresh;
	pthread_mutex_unlock(&runtime_lock);
	counters_reloaded(old, fresh);
	config_unref(old);
	log_set_level(fresh->log.level);
	log_set_facility(fresh->log.facility);
	log_info("reload: action=loaded path=%s", path);
	return true;
}

void
runtime_shutdown(void)
{
	struct config *old;

	pthread_mutex_lock(&runtime_lock);
	old = runtime_cfg;
	runtime_cfg = NULL;
	pthread_mutex_unlock(&runtime_lock);
	config_unref(old);
}

void
runtime_session_opened(void)
{
	pthread_mutex_lock(&runtime_lock);
	runtime_sessions++;
	pthread_mutex_unlock(&runtime_lock);
	counters_session_open(1);
}

void
runtime_session_closed(void)
{
	pthread_mutex_lock(&runtime_lock);
	if (runtime_sessions > 0)
		runtime_sessions--;
	if (runtime_sessions == 0)
		pthread_cond_broadcast(&runtime_idle);
	pthread_mutex_unlock(&runtime_lock);
	counters_session_open(-1);
}

unsigned
runtime_wait_idle(unsigned timeout_s)
{
	struct timespec deadline;
	unsigned left;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_s;
	pthread_mutex_lock(&runtime_lock);
	while (runtime_sessions > 0)
		if (pthread_cond_timedwait(&runtime_idle, &runtime_lock,
		    &deadline) != 0)
			break;
	left = runtime_sessions;
	pthread_mutex_unlock(&runtime_lock);
	return left;
}

void
runtime_set_draining(void)
{
	pthread_mutex_lock(&runtime_lock);
	runtime_stopping = true;
	pthread_mutex_unlock(&runtime_lock);
}

bool
runtime_draining(void)
{
	bool	d;

	pthread_mutex_lock(&runtime_lock);
	d = runtime_stopping;
	pthread_mutex_unlock(&runtime_lock);
	return d;
}
