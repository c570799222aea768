/*
 * alert - see alert.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dane/spawn.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "milter/alert.h"
#include "milter/counters.h"
#include "policy/ratelimit.h"

/* Distinct alert keys remembered; beyond it the oldest slot is reused. */
#define ALERT_KEYS_MAX	4096
/* Alerts of one kind in one rate_limit window, whatever their keys: a
 * client that can vary its key (a new address each time) must not turn
 * gatewarden into a mail flood to the administrators. */
#define ALERT_KIND_BURST 20
#define ALERT_KINDS_MAX	8

static struct ratelimit *alert_limiter;
static uint64_t alert_window;
static pthread_mutex_t alert_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char	kind[32];
	time_t	start;
	unsigned sent;
} alert_kinds[ALERT_KINDS_MAX];

/* true when another alert of kind may go in the current window. */
static bool
kind_allows(const char *kind)
{
	time_t	now = time(NULL);
	size_t	i, slot = 0;
	bool	allowed;

	pthread_mutex_lock(&alert_lock);
	for (i = 0; i < ALERT_KINDS_MAX; i++) {
		if (strcmp(alert_kinds[i].kind, kind) == 0)
			break;
		if (alert_kinds[i].kind[0] == '\0' && slot == 0)
			slot = i + 1;
	}
	if (i == ALERT_KINDS_MAX) {
		i = slot ? slot - 1 : 0;
		snprintf(alert_kinds[i].kind, sizeof(alert_kinds[i].kind),
		    "%s", kind);
		alert_kinds[i].start = now;
		alert_kinds[i].sent = 0;
	}
	if ((uint64_t)(now - alert_kinds[i].start) >= alert_window) {
		alert_kinds[i].start = now;
		alert_kinds[i].sent = 0;
	}
	allowed = alert_kinds[i].sent < ALERT_KIND_BURST;
	if (allowed)
		alert_kinds[i].sent++;
	pthread_mutex_unlock(&alert_lock);
	return allowed;
}

struct alert_job {
	unsigned timeout;	/* seconds the command may take */
	char	**argv;
	size_t	argc;
	char	*message;
	char	*kind;
	char	*key;
};

void
alert_init(uint64_t rate_limit)
{
	alert_limiter = ratelimit_new(ALERT_KEYS_MAX, rate_limit, NULL, NULL);
	alert_window = rate_limit;
}

void
alert_shutdown(void)
{
	ratelimit_free(alert_limiter);
	alert_limiter = NULL;
}

static void
job_free(struct alert_job *j)
{
	size_t	i;

	for (i = 0; i < j->argc; i++)
		free(j->argv[i]);
	free(j->argv);
	free(j->message);
	free(j->kind);
	free(j->key);
	free(j);
}

static void *
alert_thread(void *arg)
{
	struct alert_job *j = arg;
	char	*err = NULL;
	int	rc;

	if ((rc = spawn_run_limited(j->argv, j->message, j->timeout,
	    &err)) == 0)
		log_info("alert=%s action=sent key=\"%s\"", j->kind, j->key);
	else
		log_error("alert=%s action=failed key=\"%s\" reason=\"%s\"",
		    j->kind, j->key, err ? err : "unknown");
	counters_alert(j->kind, rc == 0 ? "sent" : "failed");
	free(err);
	job_free(j);
	return NULL;
}

void
alert_raise(const struct alerts_conf *a, const char *kind, const char *key,
    const char *subject, const char *text)
{
	struct alert_job *j;
	pthread_t tid;
	unsigned suppressed = 0;
	size_t	i;

	if (a->nrecipients == 0 || a->sendmail_command == NULL)
		return;
	if (alert_limiter != NULL &&
	    !ratelimit_allow(alert_limiter, key, &suppressed)) {
		log_info("alert=%s action=rate-limited key=\"%s\"", kind, key);
		counters_alert(kind, "rate-limited");
		return;
	}
	if (!kind_allows(kind)) {
		log_info("alert=%s action=rate-limited key=\"%s\" reason=\"more "
		    "than %d alerts of this kind in the window\"", kind, key,
		    ALERT_KIND_BURST);
		counters_alert(kind, "rate-limited");
		return;
	}
	j = x_calloc(1, sizeof(*j));
	j->timeout = a->sendmail_timeout > 86400 ? 86400 :
	    (unsigned)a->sendmail_timeout;
	j->argv = x_calloc(a->nrecipients + 6, sizeof(*j->argv));
	j->argv[j->argc++] = x_strdup(a->sendmail_command);
	j->argv[j->argc++] = x_strdup("-oi");
	if (a->from != NULL) {
		j->argv[j->argc++] = x_strdup("-f");
		j->argv[j->argc++] = x_strdup(a->from);
	}
	j->argv[j->argc++] = x_strdup("--");
	for (i = 0; i < a->nrecipients; i++)
		j->argv[j->argc++] = x_strdup(a->recipients[i]);
	j->message = x_asprintf("From: %s\nSubject: gatewarden alert: %s\n"
	    "Auto-Submitted: auto-generated\n\n%s\n", a->from ? a->from :
	    "gatewarden", subject, text);
	if (suppressed > 0) {
		char	*more = x_asprintf("%s\n(%u similar alerts were "
		    "suppressed by the rate limit since the last one.)\n",
		    j->message, suppressed);
		free(j->message);
		j->message = more;
	}
	j->kind = x_strdup(kind);
	j->key = x_strdup(key);
	if (pthread_create(&tid, NULL, alert_thread, j) != 0) {
		log_error("alert=%s action=failed key=\"%s\" reason=\"cannot "
		    "start a thread\"", kind, key);
		counters_alert(kind, "failed");
		job_free(j);
		return;
	}
	pthread_detach(tid);
}
