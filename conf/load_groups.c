/*
 * load_groups - sender_groups: the ordered list of sender groups, first
 * match wins, the last one a catch-all; warnings for groups that can never
 * match and for certificate rules that cannot work under Postfix.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/check.h"
#include "conf/load.h"
#include "lib/xalloc.h"

/* Past this many conditions in all groups the (quadratic) search for
 * shadowed groups is skipped: it only gives warnings. */
#define SHADOW_MAX_CONDITIONS	5000

void
ld_warn_dn(struct ld *l, const struct ynode *v, const char *key,
    const char *pattern)
{
	if (check_is_dn(pattern))
		ld_warn(l, v, "%s \"%s\" is a full DN: a DN rule cannot match "
		    "under Postfix, which sends only the common name", key,
		    pattern);
}

static void
group_cert_pattern(struct ld *l, const struct ynode *v, char **out,
    const char *key)
{
	if (ld_string(l, v, key, out))
		ld_warn_dn(l, v, key, *out);
}

static void
group_cert_subject(struct ld *l, const struct ynode *v, void *obj)
{
	group_cert_pattern(l, v, &((struct sender_group *)obj)->cert_subject,
	    "cert_subject");
}

static void
group_cert_issuer(struct ld *l, const struct ynode *v, void *obj)
{
	group_cert_pattern(l, v, &((struct sender_group *)obj)->cert_issuer,
	    "cert_issuer");
}

static void
group_defaults(struct sender_group *g)
{
	memset(g, 0, sizeof(*g));
	g->direction = DIR_INBOUND;
	g->tls = TLS_NO;
	g->client_cert = CCERT_NONE;
	g->min_tls_version = TLSV_ANY;
	g->on_failure = ONFAIL_REJECT;
}

/* true when pattern a matches every name that b matches. */
static bool
name_covers(const struct name_pattern *a, const struct name_pattern *b)
{
	size_t	la = strlen(a->name), lb = strlen(b->name);

	if (!a->suffix)
		return !b->suffix && strcmp(a->name, b->name) == 0;
	if (b->suffix && strcmp(a->name, b->name) == 0)
		return true;
	return lb > la + 1 && b->name[lb - la - 1] == '.' &&
	    strcmp(b->name + lb - la, a->name) == 0;
}

static bool
names_covered(const struct name_pattern *outer, size_t nouter,
    const struct name_pattern *inner, size_t ninner)
{
	size_t	i, j;

	for (j = 0; j < ninner; j++) {
		for (i = 0; i < nouter; i++)
			if (name_covers(&outer[i], &inner[j]))
				break;
		if (i == nouter)
			return false;
	}
	return true;
}

/* true when listener pattern a matches every listener that b does. */
static bool
listener_covers(const struct listener_pattern *a,
    const struct listener_pattern *b)
{
	if (a->name != NULL || b->name != NULL)
		return a->name != NULL && b->name != NULL &&
		    strcasecmp(a->name, b->name) == 0;
	if (a->have_addr && (!b->have_addr ||
	    !cidr_covers(&a->addr, &b->addr)))
		return false;
	return a->port == 0 || a->port == b->port;
}

/* true when earlier group a matches every client that b would: then b,
 * later in the list, can never be chosen. */
static bool
group_shadows(const struct group_match *a, const struct group_match *b)
{
	size_t	i, j;

	if (a->any)
		return true;
	if (b->any || group_match_conditions(b) == 0)
		return false;
	if (b->authenticated && !a->authenticated)
		return false;
	for (j = 0; j < b->nclient_ip; j++) {
		for (i = 0; i < a->nclient_ip; i++)
			if (cidr_covers(&a->client_ip[i], &b->client_ip[j]))
				break;
		if (i == a->nclient_ip)
			return false;
	}
	for (j = 0; j < b->nlistener; j++) {
		for (i = 0; i < a->nlistener; i++)
			if (listener_covers(&a->listener[i], &b->listener[j]))
				break;
		if (i == a->nlistener)
			return false;
	}
	for (j = 0; j < b->nclient_cert_subject; j++) {
		for (i = 0; i < a->nclient_cert_subject; i++)
			if (strcasecmp(a->client_cert_subject[i],
			    b->client_cert_subject[j]) == 0)
				break;
		if (i == a->nclient_cert_subject)
			return false;
	}
	return names_covered(a->client_hostname, a->nclient_hostname,
	    b->client_hostname, b->nclient_hostname) &&
	    names_covered(a->sender_domain, a->nsender_domain,
	    b->sender_domain, b->nsender_domain);
}

static void
warn_shadowed(struct ld *l, const struct ynode *const *items)
{
	const struct config *c = l->c;
	size_t	i, j, total = 0;
	char	na[YTREE_MAX_SCALAR + 4], nb[YTREE_MAX_SCALAR + 4];

	for (i = 0; i < c->ngroups; i++)
		total += group_match_conditions(&c->groups[i].match);
	if (total > SHADOW_MAX_CONDITIONS)
		return;
	for (j = 1; j < c->ngroups; j++)
		for (i = 0; i < j; i++) {
			const struct sender_group *a = &c->groups[i];
			const struct sender_group *b = &c->groups[j];

			if (!group_shadows(&a->match, &b->match))
				continue;
			ld_warn(l, items[j], "sender group%s can never match: "
			    "the earlier group%s at %u:%u matches every client "
			    "it would", ld_named(b->name, nb, sizeof(nb)),
			    ld_named(a->name, na, sizeof(na)), a->line,
			    a->col);
			break;
		}
}

static void
check_names(struct ld *l, const struct ynode *const *names)
{
	const struct config *c = l->c;
	size_t	i, j;

	for (j = 1; j < c->ngroups; j++) {
		if (c->groups[j].name == NULL)
			continue;
		for (i = 0; i < j; i++)
			if (c->groups[i].name &&
			    strcmp(c->groups[i].name, c->groups[j].name) == 0) {
				ld_error(l, names[j], "duplicate sender group "
				    "name \"%s\" (first at %u:%u)",
				    c->groups[j].name, names[i]->line,
				    names[i]->col);
				break;
			}
	}
}

static void
group_name(struct ld *l, const struct ynode *v, void *obj)
{
	ld_string(l, v, "name", &((struct sender_group *)obj)->name);
}

void
load_groups(struct ld *l, const struct ynode *key, const struct ynode *v)
{
	static const struct field f[] = {
		FLD_FN("name", group_name),
		FLD_FN("match", load_group_match),
		FLD_WORD("direction", struct sender_group, direction,
		    words_direction),
		FLD_WORD("tls", struct sender_group, tls, words_tls_level),
		FLD_WORD("client_cert", struct sender_group, client_cert,
		    words_client_cert),
		FLD_NUM("min_cipher_bits", F_UINT, struct sender_group,
		    min_cipher_bits, 0, 4096),
		FLD_WORD("min_tls_version", struct sender_group,
		    min_tls_version, words_tls_version),
		FLD_FN("cert_subject", group_cert_subject),
		FLD_FN("cert_issuer", group_cert_issuer),
		FLD_WORD("on_failure", struct sender_group, on_failure,
		    words_on_failure),
		FLD("allow_forgeable_match", F_BOOL, struct sender_group,
		    allow_forgeable_match),
	};
	struct config *c = l->c;
	const struct ynode *vals[NFIELDS(f)];
	const struct ynode **names;
	unsigned errors = 0;
	size_t	i;
	char	buf[YTREE_MAX_SCALAR + 4];

	if (v->type == YN_SCALAR && v->null)
		return;
	if (v->type != YN_SEQ) {
		if (v->type != YN_BAD)
			ld_error(l, v, "sender_groups must be a sequence, not "
			    "a %s", ytree_type_name(v));
		return;
	}
	if (v->nkids == 0)
		return;
	c->groups = x_calloc(v->nkids, sizeof(*c->groups));
	names = x_calloc(v->nkids, sizeof(*names));
	for (i = 0; i < v->nkids; i++) {
		struct sender_group *g = &c->groups[c->ngroups++];
		const struct ynode *item = v->kids[i];

		group_defaults(g);
		g->line = item->line;
		g->col = item->col;
		names[i] = item;
		errors = l->d->errors;
		if (!ld_walk_item(l, item, "sender group", f, NFIELDS(f), g,
		    vals))
			continue;
		if (vals[0])
			names[i] = vals[0];
		if (vals[0] == NULL)
			ld_error(l, item, "sender group has no name");
		if (vals[1] == NULL)
			ld_error(l, item, "sender group%s has no match (use "
			    "match: any for a catch-all)",
			    ld_named(g->name, buf, sizeof(buf)));
		load_check_outbound(l, g, vals[1], vals[NFIELDS(f) - 1]);
	}
	check_names(l, names);
	/* An error in the last group already said what is wrong there. */
	if (!c->groups[c->ngroups - 1].match.any && l->d->errors == errors)
		ld_error(l, key, "the last sender group%s must be a catch-all "
		    "(match: any)", ld_named(c->groups[c->ngroups - 1].name,
		    buf, sizeof(buf)));
	warn_shadowed(l, (const struct ynode *const *)v->kids);
	free(names);
}

/* Without sender_groups every client is in one group, "default": the rest
 * of the program can count on at least one group, the last a catch-all. */
void
load_groups_finish(struct ld *l)
{
	struct config *c = l->c;

	if (c->ngroups > 0)
		return;
	free(c->groups);
	c->groups = x_calloc(1, sizeof(*c->groups));
	group_defaults(&c->groups[0]);
	c->groups[0].name = x_strdup("default");
	c->groups[0].match.any = true;
	c->ngroups = 1;
}
