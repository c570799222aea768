/*
 * smime_in - see smime_in.h.
 *
 * The trust store and the organisation's keys are built once and shared
 * by the milter's threads (OpenSSL stores and keys are safe to verify and
 * decrypt with concurrently); see shared_get().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "lib/log.h"
#include "lib/workq.h"
#include "lib/xalloc.h"
#include "milter/alert.h"
#include "milter/smime_apply.h"
#include "milter/smime_in.h"
#include "milter/trust_ctx.h"
#include "policy/key_churn.h"
#include "smime/harvest.h"
#include "smime/cms/signer.h"
#include "smime/inbound.h"
#include "smime/keystore/keystore.h"
#include "smime/x509/trust.h"

#define TRUST_TTL	60
#define CHURN_DOMAINS	4096
#define SMIME_HEADER	"X-Gatewarden-SMIME"
#define HARVEST_QUEUE	1000	/* messages whose certificates wait */
#define HARVEST_DRAIN_MS 10000	/* at shutdown */

static pthread_mutex_t si_lock = PTHREAD_MUTEX_INITIALIZER;
static struct keystore *si_keystore;
static struct key_churn *si_churn;
static struct workq *si_work;
static struct in_shared *si_shared;
static struct config *si_shared_cfg;
static time_t si_shared_built;

static const struct inbound_policy *
policy_of(const struct config *cfg, const struct sender_group *g)
{
	return g != NULL && g->smime_inbound != NULL ?
	    config_inbound_policy(cfg, g->smime_inbound) : NULL;
}

bool
smime_in_needed(const struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->ngroups; i++)
		if (policy_of(cfg, &cfg->groups[i]) != NULL)
			return true;
	return false;
}

bool
smime_in_quarantines(const struct config *cfg)
{
	const struct inbound_policy *p;
	size_t	i;

	for (i = 0; i < cfg->ngroups; i++)
		if ((p = policy_of(cfg, &cfg->groups[i])) != NULL &&
		    p->on_failure == INFAIL_QUARANTINE)
			return true;
	return false;
}

bool
smime_in_group_reads_body(const struct config *cfg,
    const struct sender_group *g)
{
	return policy_of(cfg, g) != NULL;
}

/* The key store, opened on first use (a reload may add the first
 * inbound policy). Called with si_lock held. */
static struct keystore *
keystore_locked(const struct config *cfg)
{
	if (si_keystore == NULL && keystore_open(cfg->smime.keystore,
	    cfg->smime.keystore_max_size, &si_keystore) != KS_OK) {
		log_error("smime.keystore: %s", keystore_strerror());
		si_keystore = NULL;
	}
	if (si_churn == NULL)
		si_churn = key_churn_new(CHURN_DOMAINS);
	return si_keystore;
}

bool
smime_in_init(const struct config *cfg)
{
	bool	okay;

	if (!smime_in_needed(cfg))
		return true;
	pthread_mutex_lock(&si_lock);
	okay = keystore_locked(cfg) != NULL;
	pthread_mutex_unlock(&si_lock);
	return okay;
}

/* ---- the trust store ---------------------------------------------------- */

/* Added and promoted keys verify on their own (partial chains). */
static bool
add_anchor(const struct ks_cert *c, void *arg)
{
	const unsigned char *p = c->der;
	X509	*x;

	if (!c->usable_verify)
		return true;
	if ((x = d2i_X509(NULL, &p, (long)c->derlen)) != NULL) {
		X509_STORE_add_cert(arg, x);
		X509_free(x);
	}
	return true;
}

/* What every message of one configuration shares, used read-only by all
 * threads: the trust store and the organisation's keys (reading a key is
 * milliseconds of OpenSSL's decoders: once, not per message). */
struct in_shared {
	unsigned	refs;		/* under si_lock */
	X509_STORE	*trust;		/* NULL when it could not be built */
	char		trust_why[600];
	struct smime_signer **keys;	/* as smime.certificates; NULL: a key
					 * could not be read, each message
					 * tries and says why */
	size_t		nkeys;
};

static void
shared_free(struct in_shared *sh)
{
	size_t	i;

	X509_STORE_free(sh->trust);
	for (i = 0; sh->keys != NULL && i < sh->nkeys; i++)
		smime_signer_free(sh->keys[i]);
	free(sh->keys);
	free(sh);
}

static void
shared_build_trust(struct in_shared *sh, struct config *cfg)
{
	struct io_err e = { 0 };
	struct keystore *ks;
	X509_STORE *store;

	if ((ks = keystore_locked(cfg)) == NULL) {
		snprintf(sh->trust_why, sizeof(sh->trust_why), "key store: %s",
		    keystore_strerror());
		return;
	}
	if ((store = trust_store_build(ks, &cfg->trust, &e)) == NULL) {
		snprintf(sh->trust_why, sizeof(sh->trust_why),
		    "trusted CAs: %s", e.msg);
		return;
	}
	if (keystore_foreach(ks, add_anchor, store) != KS_OK) {
		snprintf(sh->trust_why, sizeof(sh->trust_why), "key store: %s",
		    keystore_strerror());
		X509_STORE_free(store);
		return;
	}
	trust_store_seal(store);
	sh->trust = store;
}

static void
shared_load_keys(struct in_shared *sh, const struct config *cfg)
{
	struct smime_err err = { 0 };
	size_t	i, n = cfg->smime.ncertificates;

	sh->keys = x_calloc(n + 1, sizeof(*sh->keys));
	for (i = 0; i < n; i++)
		if (smime_signer_load(&cfg->smime.certificates[i],
		    &sh->keys[i], &err) < 0) {
			while (i-- > 0)
				smime_signer_free(sh->keys[i]);
			free(sh->keys);
			sh->keys = NULL;
			return;
		}
	sh->nkeys = n;
}

/* A reference to what messages of cfg share (shared_put() it). Built
 * again for a new configuration and TRUST_TTL seconds after the last
 * build, so that `gatewarden-keys ca import`, `pubkey promote` and new
 * key files take effect without a restart; one whose trust store failed
 * is not kept. */
static struct in_shared *
shared_get(struct config *cfg)
{
	struct in_shared *sh;
	time_t	now = time(NULL);

	pthread_mutex_lock(&si_lock);
	if (si_shared != NULL && si_shared_cfg == cfg &&
	    now - si_shared_built < TRUST_TTL) {
		sh = si_shared;
		sh->refs++;
		pthread_mutex_unlock(&si_lock);
		return sh;
	}
	sh = x_calloc(1, sizeof(*sh));
	sh->refs = 1;
	shared_build_trust(sh, cfg);
	shared_load_keys(sh, cfg);
	if (sh->trust != NULL) {
		if (si_shared != NULL && --si_shared->refs == 0)
			shared_free(si_shared);
		config_unref(si_shared_cfg);
		si_shared = sh;
		si_shared_cfg = config_ref(cfg);
		si_shared_built = now;
		sh->refs++;
	}
	pthread_mutex_unlock(&si_lock);
	return sh;
}

static void
shared_put(struct in_shared *sh)
{
	bool	last;

	if (sh == NULL)
		return;
	pthread_mutex_lock(&si_lock);
	last = --sh->refs == 0;
	pthread_mutex_unlock(&si_lock);
	if (last)
		shared_free(sh);
}

void
smime_in_shutdown(void)
{
	struct workq *q;
	size_t	dropped;

	/* The worker takes si_lock: it is joined without holding it. */
	pthread_mutex_lock(&si_lock);
	q = si_work;
	si_work = NULL;
	pthread_mutex_unlock(&si_lock);
	if ((dropped = workq_free(q, HARVEST_DRAIN_MS)) > 0)
		log_warn("smime_in: %zu harvests dropped at shutdown", dropped);
	pthread_mutex_lock(&si_lock);
	if (si_shared != NULL && --si_shared->refs == 0)
		shared_free(si_shared);
	config_unref(si_shared_cfg);
	keystore_close(si_keystore);
	key_churn_free(si_churn);
	si_shared = NULL;
	si_shared_cfg = NULL;
	si_keystore = NULL;
	si_churn = NULL;
	pthread_mutex_unlock(&si_lock);
}

/* ---- applying the result ------------------------------------------------ */

static sfsistat
tempfail(SMFICTX *ctx, const char *id, const char *why)
{
	char	reason[600];

	log_error("%s: smime_in=error action=tempfail reason=%s", id,
	    log_value(reason, sizeof(reason), why));
	smfi_setreply(ctx, "451", "4.3.0", "gatewarden cannot process this "
	    "S/MIME message now, try again later");
	return SMFIS_TEMPFAIL;
}

static bool
put_value(FILE *f, const char *v)
{
	for (; *v != '\0'; v++)
		if ((*v == '\n' && fputc('\r', f) == EOF) || fputc(*v, f) == EOF)
			return false;
	return true;
}

/* A copy of the message as it came, for the administrator. */
static void
quarantine_copy(const struct session *s, const char *dir, const char *id)
{
	const struct message *m = s->msg;
	char	path[4096], buf[65536];
	FILE	*out, *body;
	size_t	i, n;
	int	fd;
	bool	okay = true;

	if (snprintf(path, sizeof(path), "%s/%s-XXXXXX", dir,
	    m->queue_id[0] ? m->queue_id : "message") >= (int)sizeof(path) ||
	    (fd = mkstemp(path)) == -1) {
		log_error_errno("%s: smime_in quarantine copy in %s", id, dir);
		return;
	}
	if ((out = fdopen(fd, "w")) == NULL) {
		close(fd);
		log_error_errno("%s: smime_in quarantine copy %s", id, path);
		return;
	}
	for (i = 0; i < m->nheaders && okay; i++)
		okay = fprintf(out, "%s:%s", m->headers[i].name,
		    m->headers[i].value[0] == ' ' ? "" : " ") > 0 &&
		    put_value(out, m->headers[i].value) &&
		    fputs("\r\n", out) != EOF;
	okay = okay && fputs("\r\n", out) != EOF;
	if (okay && (body = spool_open_reader((struct spool *)&m->body))) {
		while (okay && (n = fread(buf, 1, sizeof(buf), body)) > 0)
			okay = fwrite(buf, 1, n, out) == n;
		fclose(body);
	}
	if (fclose(out) != 0 || !okay)
		log_error_errno("%s: smime_in quarantine copy %s", id, path);
	else
		log_info("%s: smime_in quarantine_copy=%s", id, path);
}

static bool
apply(SMFICTX *ctx, const struct session *s, const struct inbound_policy *p,
    const struct inbound_result *r, const char *id)
{
	if (!smime_apply_edits(ctx, &r->edits, r->replace ? r->body : NULL))
		return false;
	if (smfi_insheader(ctx, 0, SMIME_HEADER, r->smime_header) !=
	    MI_SUCCESS || smfi_insheader(ctx, 0, "Authentication-Results",
	    r->auth_results) != MI_SUCCESS)
		return false;
	if (r->action != INBOUND_QUARANTINE)
		return true;
	if (smfi_quarantine(ctx, r->quarantine_reason) != MI_SUCCESS)
		return false;
	if (p->quarantine_dir != NULL)
		quarantine_copy(s, p->quarantine_dir, id);
	return true;
}

/* ---- harvesting ------------------------------------------------------- */

/* One message's certificates, harvested by the worker thread. */
struct harvest_job {
	struct config	*cfg;		/* a reference: p lives in it */
	const struct inbound_policy *p;
	struct inbound_cert *certs;
	size_t		ncerts;
	int64_t		now;
	char		id[QUEUE_ID_MAX + 16];
};

static void
churn_alert(const struct harvest_job *j, struct keystore *ks,
    const struct harvest_update *u)
{
	char	report[2048], shared[2048], subject[400], text[3000], key[300];
	uint64_t window = j->p->harvest.churn_window, n = 0;
	enum ks_status st;
	bool	won = false, churn;

	churn = si_churn != NULL && key_churn_note(si_churn, u->domain,
	    u->address, u->fingerprint, j->now, window, report,
	    sizeof(report));
	/* A store that every node shares counts the updates of the whole
	 * fleet; this node's memory counts when the store is its own, and
	 * when the shared one cannot be asked. */
	st = keystore_fleet_update(ks, u->domain, u->address, u->fingerprint,
	    j->now, j->now - (int64_t)window, &n, shared, sizeof(shared));
	if (st == KS_OK) {
		churn = n > 1;
		memcpy(report, shared, sizeof(report));
	} else if (st != KS_NOTFOUND)
		log_warn("%s: smime_in key_churn=%s fleet=unknown reason=\"%s\"",
		    j->id, u->domain, keystore_strerror());
	if (!churn)
		return;
	log_warn("%s: smime_in key_churn=%s window=%llus", j->id, u->domain,
	    (unsigned long long)window);
	snprintf(key, sizeof(key), "key-churn %s", u->domain);
	/* One alert per rate_limit for every node that shares the store
	 * (this one included): the first to claim it sends it. A store
	 * that cannot be asked does not hold the alert back. */
	if (keystore_claim(ks, key, j->now,
	    (int64_t)j->cfg->alerts.rate_limit, &won) == KS_OK && !won) {
		log_info("%s: smime_in key_churn=%s alert=already-sent",
		    j->id, u->domain);
		return;
	}
	snprintf(subject, sizeof(subject), "S/MIME keys of %s changed more "
	    "than once in %llu hours", u->domain,
	    (unsigned long long)(window / 3600));
	snprintf(text, sizeof(text), "Signed mail brought more than one new "
	    "key for addresses of %s within %llu hours. A partner may have "
	    "reissued certificates, or someone is trying keys on you.\n"
	    "Check them before trusting them (gatewarden-keys list).\n\n"
	    "address and SHA-256 fingerprint of each new key:\n%s", u->domain,
	    (unsigned long long)(window / 3600), report);
	alert_raise(&j->cfg->alerts, "key-churn", key, subject, text);
}

static void
harvest_run(void *arg)
{
	struct harvest_job *j = arg;
	struct harvest_report rep;
	struct keystore *ks;
	size_t	i;

	pthread_mutex_lock(&si_lock);
	ks = keystore_locked(j->cfg);
	pthread_mutex_unlock(&si_lock);
	if (ks == NULL) {
		log_error("%s: smime_in harvest=error reason=\"key store not "
		    "open\"", j->id);
		return;
	}
	(void)harvest_certs(ks, &j->p->harvest, j->certs, j->ncerts, j->now,
	    &rep);
	for (i = 0; i < rep.nlines; i++)
		log_info("%s: smime_in %s", j->id, rep.lines[i]);
	if (rep.evicted > 0)
		log_warn("%s: smime_in keystore_evicted=%u reason=size-cap "
		    "cap=%llu", j->id, rep.evicted,
		    (unsigned long long)j->cfg->smime.keystore_max_size);
	for (i = 0; i < rep.nupdates; i++)
		churn_alert(j, ks, &rep.updates[i]);
	harvest_report_clear(&rep);
}

static void
harvest_done(void *arg)
{
	struct harvest_job *j = arg;
	size_t	i;

	for (i = 0; i < j->ncerts; i++)
		free(j->certs[i].der);
	free(j->certs);
	config_unref(j->cfg);
	free(j);
}

/* Hands r's certificates to the worker: the message does not wait for
 * the key store. A full queue loses a harvest, never mail. */
static void
harvest(const struct session *s, const struct inbound_policy *p,
    struct inbound_result *r, const char *id)
{
	struct harvest_job *j;
	struct workq *q;

	if (!p->harvest.enabled || r->ncerts == 0)
		return;
	pthread_mutex_lock(&si_lock);
	if (si_work == NULL && (si_work = workq_new(HARVEST_QUEUE)) == NULL)
		log_error_errno("smime_in: harvest thread");
	q = si_work;
	pthread_mutex_unlock(&si_lock);
	if (q == NULL)
		return;
	j = x_calloc(1, sizeof(*j));
	j->cfg = config_ref(s->cfg);
	j->p = p;
	j->certs = r->certs;
	j->ncerts = r->ncerts;
	r->certs = NULL;
	r->ncerts = 0;
	j->now = (int64_t)time(NULL);
	snprintf(j->id, sizeof(j->id), "%s", id);
	if (!workq_push(q, harvest_run, harvest_done, j))
		log_warn("%s: smime_in harvest=skipped reason=\"%u harvests "
		    "wait already\"", id, HARVEST_QUEUE);
}

bool
smime_in_eom(SMFICTX *ctx, struct session *s, sfsistat *rc)
{
	const struct message *m = s->msg;
	const struct inbound_policy *p = policy_of(s->cfg, m->group);
	struct inbound_request rq = { 0 };
	struct inbound_result *r = NULL;
	struct smime_err err = { 0 };
	struct mime_header *h;
	struct in_shared *sh;
	FILE	*body = NULL;
	char	id[QUEUE_ID_MAX + 16], why[600];
	size_t	i;

	if (p == NULL)
		return false;
	session_log_id(s, id, sizeof(id));
	sh = shared_get(s->cfg);
	if (p->verify && sh->trust == NULL) {
		*rc = tempfail(ctx, id, sh->trust_why);
		shared_put(sh);
		return true;
	}
	h = x_calloc(m->nheaders ? m->nheaders : 1, sizeof(*h));
	for (i = 0; i < m->nheaders; i++) {
		h[i].name = m->headers[i].name;
		h[i].value = m->headers[i].value;
	}
	if ((body = spool_open_reader((struct spool *)&m->body)) == NULL) {
		*rc = tempfail(ctx, id, strerror(errno));
		goto done;
	}
	rq.policy = p;
	rq.certs = s->cfg->smime.certificates;
	rq.ncerts = s->cfg->smime.ncertificates;
	rq.keys = sh->keys;
	rq.trust = sh->trust;
	rq.revocation = trust_ctx_revocation();
	rq.authserv_id = s->cfg->milter.authserv_id;
	rq.headers = h;
	rq.nheaders = m->nheaders;
	rq.body = body;
	rq.tmpdir = s->cfg->milter.spool_dir;
	rq.now = (int64_t)time(NULL);
	if (inbound_process(&rq, &r, &err) < 0) {
		*rc = tempfail(ctx, id, err.msg);
		goto done;
	}
	if (r->action == INBOUND_UNTOUCHED) {
		log_debug("%s: %s", id, r->log);
		inbound_result_free(r);
		r = NULL;
		fclose(body);
		free(h);
		shared_put(sh);
		return false;
	}
	if (r->action == INBOUND_REJECT) {
		smfi_setreply(ctx, (char *)r->reply_code, (char *)r->reply_xcode,
		    r->reply_text);
		*rc = SMFIS_REJECT;
	} else if (!apply(ctx, s, p, r, id)) {
		*rc = tempfail(ctx, id, "MTA refused a change");
		goto done;
	} else
		*rc = SMFIS_CONTINUE;
	log_info("%s: %s", id, r->log);
	if (r->revocation_unknown)
		log_warn("%s: smime_in=revocation_unknown action=accept "
		    "reason=%s", id, log_value(why, sizeof(why),
		    r->revocation_reason));
	harvest(s, p, r, id);
done:
	inbound_result_free(r);
	if (body != NULL)
		fclose(body);
	free(h);
	shared_put(sh);
	return true;
}
