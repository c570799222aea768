/*
 * load_inbound - smime.inbound_policies: named policies for incoming
 * S/MIME (decrypt, verify, keep or remove the signature, what to do on
 * failure, key harvesting), each chosen by sender groups through
 * `smime_inbound: NAME` (load_groups.c queues that name with ld_ref()).
 */
#include <config.h>

#include <string.h>

#include "conf/load.h"

#define INBOUND_MIN_SIZE	(64u << 10)

static void
policy_defaults(struct inbound_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->decrypt = true;
	p->verify = true;
	p->signature = SIGKEEP_RETAIN;
	p->on_failure = INFAIL_TAG;
	p->max_size = 32ULL << 20;
	p->cpu_limit = 10;
	p->harvest.enabled = true;
	p->harvest.updated_keys = true;
	p->harvest.churn_window = 48 * 3600;
}

static void
policy_name(struct ld *l, const struct ynode *v, void *obj)
{
	ld_string(l, v, "name", &((struct inbound_policy *)obj)->name);
}

static void
policy_harvest(struct ld *l, const struct ynode *v, void *obj)
{
	static const struct field f[] = {
		FLD("enabled", F_BOOL, struct harvest_conf, enabled),
		FLD("on_failed_verification", F_BOOL, struct harvest_conf,
		    on_failed_verification),
		FLD("updated_keys", F_BOOL, struct harvest_conf, updated_keys),
		FLD("allow_self_signed", F_BOOL, struct harvest_conf,
		    allow_self_signed),
		FLD("allow_expired", F_BOOL, struct harvest_conf,
		    allow_expired),
		FLD_NUM("churn_window", F_DUR, struct harvest_conf,
		    churn_window, 60, 0),
	};

	ld_walk(l, v, "harvest", f, NFIELDS(f),
	    &((struct inbound_policy *)obj)->harvest, NULL);
}

static void
load_policy(struct ld *l, const struct ynode *item, void *obj)
{
	static const struct field f[] = {
		FLD_FN("name", policy_name),
		FLD("decrypt", F_BOOL, struct inbound_policy, decrypt),
		FLD("verify", F_BOOL, struct inbound_policy, verify),
		FLD_WORD("signature", struct inbound_policy, signature,
		    words_signature_keep),
		FLD_WORD("on_failure", struct inbound_policy, on_failure,
		    words_inbound_failure),
		FLD("quarantine_dir", F_PATH, struct inbound_policy,
		    quarantine_dir),
		FLD_NUM("max_size", F_SIZE, struct inbound_policy, max_size,
		    INBOUND_MIN_SIZE, 0),
		FLD_NUM("cpu_limit", F_DUR, struct inbound_policy, cpu_limit,
		    1, 0),
		FLD_FN("harvest", policy_harvest),
		FLD_WORD("header_protection", struct inbound_policy,
		    header_protection, words_hp_restore),
		FLD_WORD("header_mismatch", struct inbound_policy,
		    header_mismatch, words_hp_mismatch),
	};
	struct inbound_policy *p = obj;
	const struct ynode *vals[NFIELDS(f)];
	char	buf[YTREE_MAX_SCALAR + 4];

	policy_defaults(p);
	p->line = item->line;
	p->col = item->col;
	if (!ld_walk_item(l, item, "inbound policy", f, NFIELDS(f), p, vals))
		return;
	if (vals[0] == NULL)
		ld_error(l, item, "inbound policy has no name");
	/* A copy kept for a policy that never quarantines is a mistake. */
	if (vals[5] != NULL && p->on_failure != INFAIL_QUARANTINE)
		ld_error(l, vals[5], "quarantine_dir is for on_failure "
		    "quarantine; inbound policy%s says %s",
		    ld_named(p->name, buf, sizeof(buf)),
		    word_name(words_inbound_failure, (int)p->on_failure));
	if (!p->decrypt && !p->verify)
		ld_error(l, item, "inbound policy%s neither decrypts nor "
		    "verifies: leave smime_inbound out of the sender group "
		    "instead", ld_named(p->name, buf, sizeof(buf)));
}

static const char *
policy_name_at(const void *arr, size_t i)
{
	return ((const struct inbound_policy *)arr)[i].name;
}

void
load_inbound_policies(struct ld *l, const struct ynode *v,
    struct smime_conf *s)
{
	s->inbound_policies = ld_items(l, v, "inbound_policies",
	    sizeof(*s->inbound_policies), &s->ninbound_policies, load_policy);
	ld_unique_names(l, v, "inbound policy", policy_name_at,
	    s->inbound_policies, s->ninbound_policies);
}
