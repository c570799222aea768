/*
 * serve_answer - see serve_answer.h.
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dane/plan.h"
#include "dane/serve_answer.h"
#include "lib/log.h"
#include "lib/xalloc.h"

static bool
wants_sts(const struct destinations_conf *dc)
{
	size_t	i;

	if (dc->def.mta_sts)
		return true;
	for (i = 0; i < dc->ndomains; i++)
		if (dc->domains[i].mta_sts)
			return true;
	return false;
}

void
serve_cache_owner(const struct config *cfg, uid_t *owner, gid_t *group)
{
	const struct socketmap_conf *sm = &cfg->socketmap;
	const char *user = sm->user ? sm->user : cfg->milter.user;
	const char *gname = sm->user ? sm->group : sm->group ? sm->group :
	    cfg->milter.group;
	struct passwd *pw;
	struct group *gr;

	*owner = (uid_t)-1;
	*group = (gid_t)-1;
	if (geteuid() != 0 || user == NULL || (pw = getpwnam(user)) == NULL)
		return;
	*owner = pw->pw_uid;
	*group = pw->pw_gid;
	if (gname && (gr = getgrnam(gname)) != NULL)
		*group = gr->gr_gid;
}

struct serve_ctx *
serve_ctx_new(struct config *cfg, uid_t owner, gid_t group, char **err)
{
	struct serve_ctx *x = x_calloc(1, sizeof(*x));

	x->refs = 1;
	x->cfg = cfg;
	if ((x->resolver = resolver_new(&cfg->dns, err)) == NULL) {
		config_unref(cfg);
		free(x);
		return NULL;
	}
	if (wants_sts(&cfg->destinations) && (x->sts = sts_ctx_new(
	    &cfg->mta_sts, owner, group, err)) == NULL) {
		resolver_free(x->resolver);
		config_unref(cfg);
		free(x);
		return NULL;
	}
	return x;
}

struct serve_ctx *
serve_ctx_ref(struct serve_ctx *x)
{
	__atomic_add_fetch(&x->refs, 1, __ATOMIC_RELAXED);
	return x;
}

void
serve_ctx_unref(struct serve_ctx *x)
{
	if (x == NULL || __atomic_sub_fetch(&x->refs, 1, __ATOMIC_ACQ_REL))
		return;
	sts_ctx_free(x->sts);
	resolver_free(x->resolver);
	config_unref(x->cfg);
	free(x);
}

static uint32_t
cap_ttl(uint32_t ttl, const struct config *cfg)
{
	uint32_t max = cfg->dns.cache_max_ttl ?
	    (uint32_t)(cfg->dns.cache_max_ttl > 86400 ? 86400 :
	    cfg->dns.cache_max_ttl) : 3600;

	if (ttl == 0 || ttl > max)
		ttl = max;
	return ttl;
}

static char *
details(const struct plan_entry *e)
{
	char	reason[600], why[240];
	const struct sts_result *r = e->sts;

	log_value(reason, sizeof(reason), e->reason);
	if (r == NULL)
		return x_asprintf("policy_type=%s reason=%s", e->policy_type,
		    reason);
	log_value(why, sizeof(why), r->why ? r->why : "");
	return x_asprintf("policy_type=%s mta_sts=%s%s%s sts_why=%s "
	    "reason=%s", e->policy_type, r->status == STS_POLICY ?
	    sts_mode_name(r->policy.mode) : r->status == STS_TEMP ?
	    "failed" : "none", r->status == STS_POLICY ? " sts_id=" : "",
	    r->status == STS_POLICY ? r->id : "", why, reason);
}

struct answer *
answer_make(const struct config *cfg, const struct dns_source *src,
    struct sts_ctx *sts, const char *domain)
{
	const struct destination *d = plan_destination(&cfg->destinations,
	    domain);
	struct answer *a = x_calloc(1, sizeof(*a));
	struct plan_entry e;
	const char *why;

	plan_lookup(d, domain, src, sts, &e);
	a->log = details(&e);
	if (e.temporary) {
		a->status = ANSWER_TEMP;
		a->text = x_asprintf("%s: %s", domain, e.reason);
		a->ttl = STS_FAIL_TTL < cap_ttl(e.ttl, cfg) ? STS_FAIL_TTL :
		    cap_ttl(e.ttl, cfg);
	} else if (e.error) {
		a->status = ANSWER_PERM;
		a->text = x_asprintf("%s: %s", domain, e.error);
		a->ttl = cap_ttl(0, cfg);
	} else {
		a->status = ANSWER_OK;
		a->postfix = e.postfix;
		e.postfix = NULL;
		a->sm_value = plan_sendmail_value(&e, domain, &a->sm_key, &why);
		a->ttl = cap_ttl(e.ttl, cfg);
	}
	plan_entry_clear(&e);
	return a;
}

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

bool
answer_same(const struct answer *a, const struct answer *b)
{
	return a->status == b->status && same_str(a->postfix, b->postfix) &&
	    same_str(a->sm_key, b->sm_key) &&
	    same_str(a->sm_value, b->sm_value);
}

const char *
answer_policy(const struct answer *a)
{
	switch (a->status) {
	case ANSWER_OK:		return a->postfix;
	case ANSWER_TEMP:	return "TEMP";
	case ANSWER_PERM:	return "PERM";
	}
	return "?";
}

void
answer_free(struct answer *a)
{
	if (a == NULL)
		return;
	free(a->postfix);
	free(a->sm_value);
	free(a->text);
	free(a->log);
	free(a);
}
