/*
 * load_rules - smime.sending_rules: which outgoing messages get which
 * sending profile. A rule matches when every condition written holds; the
 * profile and sender groups it names are checked at the end (load_refs.c).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "conf/check.h"
#include "conf/load.h"
#include "lib/xalloc.h"

static void
rule_name(struct ld *l, const struct ynode *v, void *obj)
{
	ld_string(l, v, "name", &((struct sending_rule *)obj)->name);
}

static void
rule_profile(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_rule *r = obj;

	if (ld_string(l, v, "profile", &r->profile))
		ld_ref(l, REF_PROFILE, r->profile, "profile", v);
}

static void
rule_sender_group(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_rule *r = obj;
	struct ynode *const *items;
	struct ynode *one;
	size_t	n, i;

	strings_free(r->sender_groups, r->nsender_groups);
	r->sender_groups = NULL;
	r->nsender_groups = 0;
	n = ld_list(l, v, "sender_group", &items, &one);
	if (n == 0)
		return;
	r->sender_groups = x_calloc(n, sizeof(*r->sender_groups));
	for (i = 0; i < n; i++) {
		char	*name;

		if (items[i]->type == YN_BAD)
			continue;
		name = x_strdup(items[i]->str);
		r->sender_groups[r->nsender_groups++] = name;
		/* Checked at the end: the groups may come later. */
		ld_ref(l, REF_GROUP, name, "sender_group", items[i]);
	}
}

static void
rule_sender(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_rule *r = obj;

	ld_names(l, v, "sender", true, &r->senders, &r->nsenders);
}

static void
rule_sender_domain(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_rule *r = obj;

	ld_names(l, v, "sender_domain", false, &r->sender_domains,
	    &r->nsender_domains);
}

static void
rule_recipient_domain(struct ld *l, const struct ynode *v, void *obj)
{
	struct sending_rule *r = obj;

	ld_names(l, v, "recipient_domain", false, &r->recipient_domains,
	    &r->nrecipient_domains);
}

static void
header_name(struct ld *l, const struct ynode *v, void *obj)
{
	struct header_condition *h = obj;
	const char *s = ld_scalar(l, v, "name"), *why;

	if (s == NULL)
		return;
	if (!check_header_name(s, &why)) {
		ld_error(l, v, "bad header name \"%s\": %s", s, why);
		return;
	}
	free(h->name);
	h->name = x_strdup(s);
}

static void
rule_header(struct ld *l, const struct ynode *v, void *obj)
{
	static const struct field f[] = {
		FLD_FN("name", header_name),
		FLD("contains", F_STR, struct header_condition, contains),
	};
	struct sending_rule *r = obj;
	const struct ynode *vals[NFIELDS(f)];
	struct ynode *const *items;
	struct ynode *one;
	size_t	n, i;

	if (v->type == YN_MAP) {
		one = (struct ynode *)(uintptr_t)v;
		items = &one;
		n = 1;
	} else if (v->type == YN_SEQ) {
		items = v->kids;
		n = v->nkids;
	} else {
		if (v->type != YN_BAD)
			ld_error(l, v, "header must be a mapping (name, "
			    "contains) or a list of them");
		return;
	}
	r->headers = x_calloc(n ? n : 1, sizeof(*r->headers));
	for (i = 0; i < n; i++) {
		struct header_condition *h = &r->headers[r->nheaders++];

		if (ld_walk_item(l, items[i], "header", f, NFIELDS(f), h,
		    vals) && vals[0] == NULL)
			ld_error(l, items[i], "header condition has no name");
	}
}

static void
rule_match(struct ld *l, const struct ynode *v, void *obj)
{
	static const struct field f[] = {
		FLD_FN("sender_group", rule_sender_group),
		FLD_FN("sender", rule_sender),
		FLD_FN("sender_domain", rule_sender_domain),
		FLD_FN("recipient_domain", rule_recipient_domain),
		FLD_FN("header", rule_header),
		FLD("min_size", F_SIZE, struct sending_rule, min_size),
		FLD("max_size", F_SIZE, struct sending_rule, max_size),
	};
	struct sending_rule *r = obj;
	const struct ynode *vals[NFIELDS(f)];
	unsigned errors = l->d->errors;
	size_t	i, present = 0, conditions;

	if (v->type == YN_SCALAR && !v->null && strcmp(v->str, "any") == 0)
		return;
	if (v->type == YN_SCALAR || v->type == YN_SEQ) {
		ld_error(l, v, "match must be a mapping or \"any\"");
		return;
	}
	if (!ld_walk(l, v, "rule match", f, NFIELDS(f), r, vals))
		return;
	for (i = 0; i < NFIELDS(f); i++)
		if (vals[i])
			present++;
	conditions = r->nsender_groups + r->nsenders + r->nsender_domains +
	    r->nrecipient_domains + r->nheaders + (vals[5] ? 1 : 0) +
	    (vals[6] ? 1 : 0);
	/* Empty lists are no condition either; a bad item was reported. */
	if (present == 0 || (conditions == 0 && l->d->errors == errors))
		ld_error(l, v, "match of sending rule has no condition (use "
		    "match: any for every message)");
	if (vals[5] && vals[6] && r->max_size && r->min_size > r->max_size)
		ld_error(l, vals[6], "max_size is smaller than min_size");
}

void
load_rule(struct ld *l, const struct ynode *item, struct sending_rule *r)
{
	static const struct field f[] = {
		FLD_FN("name", rule_name),
		FLD_FN("match", rule_match),
		FLD_FN("profile", rule_profile),
		FLD("require_sender_login", F_BOOL, struct sending_rule,
		    require_sender_login),
	};
	const struct ynode *vals[NFIELDS(f)];

	r->line = item->line;
	r->col = item->col;
	if (!ld_walk_item(l, item, "sending rule", f, NFIELDS(f), r, vals))
		return;
	r->require_sender_login_set = vals[3] != NULL;
	if (vals[1] == NULL)
		ld_error(l, item, "sending rule has no match (use match: any "
		    "for every message)");
	if (vals[2] == NULL)
		ld_error(l, item, "sending rule has no profile");
}
