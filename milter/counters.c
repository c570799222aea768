/*
 * counters - see counters.h.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/words.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "metrics/http.h"
#include "metrics/registry.h"
#include "milter/counters.h"
#include "milter/runtime.h"
#include "smime/keystore/keystore.h"

static struct metrics *reg;
static struct metric_family *f_sessions, *f_verdicts, *f_messages, *f_smime,
	*f_unusable, *f_dane, *f_alerts, *f_in_flight, *f_ks_certs, *f_ks_bytes,
	*f_spool, *f_stage;
static int listen_fd = -1;
static struct metrics_http *server;

/* The key store is measured through a handle of our own, opened at the
 * first scrape and again when a reload names another file. */
static pthread_mutex_t ks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct keystore *ks;
static char *ks_path;

static const char *const stage_names[] = {
	"connect", "helo", "mail", "rcpt", "data", "header", "eoh", "body",
	"eom", "abort", "close",
};

/* From 100 µs (a header) to 30 s (signing a large message). */
static const double stage_bounds[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};

static void
measure_keystore(const struct config *cfg)
{
	struct stat st;
	uint64_t n = 0, bytes = 0;

	pthread_mutex_lock(&ks_lock);
	if (ks != NULL && (cfg->smime.keystore == NULL ||
	    strcmp(ks_path, cfg->smime.keystore) != 0)) {
		keystore_close(ks);
		ks = NULL;
		free(ks_path);
		ks_path = NULL;
	}
	/* Never create the file: a store that is not there holds nothing.
	 * A database is never made by opening it. */
	if (ks == NULL && cfg->smime.keystore != NULL &&
	    (keystore_is_uri(cfg->smime.keystore) ||
	    (stat(cfg->smime.keystore, &st) == 0 && S_ISREG(st.st_mode))) &&
	    keystore_open(cfg->smime.keystore, 0, &ks) == KS_OK)
		ks_path = x_strdup(cfg->smime.keystore);
	if (ks != NULL && keystore_count(ks, &n, &bytes) != KS_OK)
		n = bytes = 0;
	pthread_mutex_unlock(&ks_lock);
	metric_set(f_ks_certs, NULL, (double)n);
	metric_set(f_ks_bytes, NULL, (double)bytes);
}

/* The bytes of the spool's files (bodies beyond memory_limit_per_message
 * and S/MIME output; those already unlinked are not seen). */
static void
measure_spool(const struct config *cfg)
{
	DIR	*d;
	struct dirent *e;
	struct stat st;
	double	bytes = 0;

	if (cfg->milter.spool_dir == NULL ||
	    (d = opendir(cfg->milter.spool_dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && fstatat(dirfd(d), e->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			bytes += (double)st.st_size;
	closedir(d);
	metric_set(f_spool, NULL, bytes);
}

static void
collect(struct metrics *m, void *arg)
{
	struct config *cfg = runtime_config();

	(void)m, (void)arg;
	if (cfg == NULL)
		return;
	measure_keystore(cfg);
	measure_spool(cfg);
	config_unref(cfg);
}

void
counters_init(void)
{
	static const char *const l_sessions[] = { "group", "tls", "verdict",
	    NULL };
	static const char *const l_verdicts[] = { "group", "verdict", "reason",
	    NULL };
	static const char *const l_action[] = { "action", NULL };
	static const char *const l_smime[] = { "operation", "result", NULL };
	static const char *const l_reason[] = { "reason", NULL };
	static const char *const l_verdict[] = { "verdict", NULL };
	static const char *const l_alerts[] = { "kind", "result", NULL };
	static const char *const l_stage[] = { "stage", NULL };
	static const char *const l_version[] = { "version", NULL };
	static const char *const actions[] = { "accept", "reject", "tempfail",
	    "discard" };
	size_t	i;

	if (reg != NULL)
		return;
	reg = metrics_new();
	metric_set(metrics_gauge(reg, "gatewarden_build_info",
	    "The version of gatewarden that runs.", l_version),
	    (const char *[]){ PACKAGE_VERSION }, 1);
	f_sessions = metrics_counter(reg, "gatewarden_sessions_total",
	    "SMTP sessions, by the sender group and TLS verdict of their "
	    "first MAIL FROM.", l_sessions);
	f_verdicts = metrics_counter(reg, "gatewarden_tls_verdicts_total",
	    "Inbound TLS verdicts, one per MAIL FROM.", l_verdicts);
	f_messages = metrics_counter(reg, "gatewarden_messages_total",
	    "Messages, by what gatewarden did with them.", l_action);
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		metric_touch(f_messages, &actions[i]);
	f_smime = metrics_counter(reg, "gatewarden_smime_operations_total",
	    "Outgoing S/MIME operations, by the profile's mode and result.",
	    l_smime);
	f_unusable = metrics_counter(reg, "gatewarden_smime_unusable_keys_total",
	    "Recipient certificates passed over for encryption, by reason.",
	    l_reason);
	f_dane = metrics_counter(reg, "gatewarden_dane_rcpt_verdicts_total",
	    "RCPT-time checks of mandatory DANE destinations, by verdict.",
	    l_verdict);
	for (i = 0; i < 3; i++)
		metric_touch(f_dane, &actions[i]);
	f_alerts = metrics_counter(reg, "gatewarden_alerts_total",
	    "Alerts to the administrators, sent or suppressed by the rate "
	    "limit.", l_alerts);
	f_in_flight = metrics_gauge(reg, "gatewarden_sessions_in_flight",
	    "SMTP sessions open now.", NULL);
	f_ks_certs = metrics_gauge(reg, "gatewarden_keystore_certificates",
	    "Certificates in the key store.", NULL);
	f_ks_bytes = metrics_gauge(reg, "gatewarden_keystore_bytes",
	    "The key store's size as its size cap counts it, in bytes.", NULL);
	f_spool = metrics_gauge(reg, "gatewarden_spool_bytes",
	    "Bytes of the spool directory's files.", NULL);
	f_stage = metrics_histogram(reg, "gatewarden_stage_duration_seconds",
	    "Time spent in each milter stage, in seconds.", l_stage,
	    stage_bounds, sizeof(stage_bounds) / sizeof(stage_bounds[0]));
	metrics_on_collect(reg, collect, NULL);
}

bool
counters_listen(const struct config *cfg)
{
	char	err[512];

	if (cfg->metrics.listen == NULL)
		return true;
	if ((listen_fd = metrics_http_listen(cfg->metrics.listen, err,
	    sizeof(err))) == -1) {
		log_error("metrics.listen %s", err);
		return false;
	}
	return true;
}

bool
counters_serve(void)
{
	char	err[512];

	if (listen_fd == -1)
		return true;
	if ((server = metrics_http_start(listen_fd, reg, err,
	    sizeof(err))) == NULL) {
		log_error("metrics: %s", err);
		listen_fd = -1;
		return false;
	}
	listen_fd = -1;
	return true;
}

void
counters_shutdown(void)
{
	metrics_http_stop(server);
	server = NULL;
	if (listen_fd != -1)
		close(listen_fd);
	listen_fd = -1;
	pthread_mutex_lock(&ks_lock);
	keystore_close(ks);
	ks = NULL;
	free(ks_path);
	ks_path = NULL;
	pthread_mutex_unlock(&ks_lock);
}

void
counters_reloaded(const struct config *old, const struct config *fresh)
{
	const char *a = old ? old->metrics.listen : NULL,
	    *b = fresh->metrics.listen;

	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		log_warn("reload: metrics.listen %s applies at the next start; "
		    "the metrics stay %s%s", b ? b : "(none)", a ? "at " : "off",
		    a ? a : "");
}

/* TLSv1.3 ... from the version the MTA's macro named, when known. */
static const char *
tls_label(const struct session_facts *f)
{
	if (!f->tls)
		return "none";
	return f->tls_version_known ?
	    word_name(words_tls_version, f->tls_version) : "unknown";
}

void
counters_tls_verdict(const struct session *s, const struct sender_group *g,
    const struct tls_verdict *v)
{
	const char *group = g && g->name ? g->name : "none";
	const char *verdict = tls_verdict_action(v);

	metric_inc(f_verdicts, (const char *[]){ group, verdict,
	    v->reason ? v->reason : "unknown" });
	if (s->nmessages == 1)
		metric_inc(f_sessions, (const char *[]){ group,
		    tls_label(&s->facts), verdict });
}

void
counters_message(const char *action)
{
	metric_inc(f_messages, &action);
}

void
counters_smime(const char *operation, const char *result)
{
	metric_inc(f_smime, (const char *[]){ operation, result });
}

void
counters_unusable_key(const char *reason)
{
	metric_inc(f_unusable, &reason);
}

void
counters_dane_rcpt(const char *verdict)
{
	metric_inc(f_dane, &verdict);
}

void
counters_alert(const char *kind, const char *result)
{
	metric_inc(f_alerts, (const char *[]){ kind, result });
}

void
counters_session_open(int delta)
{
	metric_add(f_in_flight, NULL, delta);
}

void
counters_clock(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

void
counters_stage(enum counter_stage stage, const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	metric_observe(f_stage, &stage_names[stage],
	    (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9);
}
