/*
 * group_shadow - see group_shadow.h.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "policy/group_match.h"
#include "policy/group_shadow.h"

bool
group_is_catch_all(const struct sender_group *g)
{
	return g->match.any;
}

bool
group_is_empty(const struct sender_group *g)
{
	const struct group_match *m = &g->match;

	return !m->any && !m->authenticated && m->nclient_ip == 0 &&
	    m->nclient_hostname == 0 && m->nsender_domain == 0;
}

bool
name_pattern_covers(const struct name_pattern *outer,
    const struct name_pattern *inner)
{
	struct name_pattern as_exact;

	if (!inner->suffix)
		return name_pattern_match(outer, inner->name);
	if (!outer->suffix)
		return false;	/* an exact name never covers a whole subtree */
	/* ".a.b" inside ".b": every x.a.b is a strict subdomain of b. */
	as_exact.name = inner->name;
	as_exact.suffix = false;
	if (name_pattern_match(&as_exact, outer->name))
		return true;	/* the same suffix */
	return name_pattern_match(outer, inner->name);
}

/*
 * The first group of [from, to) that covers one condition of group i, or
 * i when none does.
 */
struct range {
	const struct sender_group *g;
	size_t	from, to, i;
};

static size_t
cover_ip(const struct range *r, const struct cidr *c)
{
	size_t	j, k;

	for (j = r->from; j < r->to; j++) {
		if (r->g[j].match.any)
			return j;
		for (k = 0; k < r->g[j].match.nclient_ip; k++)
			if (cidr_covers(&r->g[j].match.client_ip[k], c))
				return j;
	}
	return r->i;
}

static size_t
cover_name(const struct range *r, const struct name_pattern *p,
    bool hostname)
{
	const struct group_match *m;
	const struct name_pattern *v;
	size_t	j, k, n;

	for (j = r->from; j < r->to; j++) {
		m = &r->g[j].match;
		if (m->any)
			return j;
		v = hostname ? m->client_hostname : m->sender_domain;
		n = hostname ? m->nclient_hostname : m->nsender_domain;
		for (k = 0; k < n; k++)
			if (name_pattern_covers(&v[k], p))
				return j;
	}
	return r->i;
}

static size_t
cover_flag(const struct range *r, bool auth)
{
	size_t	j;

	for (j = r->from; j < r->to; j++)
		if (r->g[j].match.any || (auth && r->g[j].match.authenticated))
			return j;
	return r->i;
}

/* Records cover j for one condition; false when there is none. */
static bool
note(const struct range *r, size_t j, size_t *latest)
{
	if (j == r->i)
		return false;
	if (j > *latest)
		*latest = j;
	return true;
}

/* Is every condition of group r->i covered by the groups [from, to)? */
static bool
covered(const struct range *r, size_t *latest)
{
	const struct group_match *m = &r->g[r->i].match;
	size_t	k;

	*latest = r->from;
	if (m->any && !note(r, cover_flag(r, false), latest))
		return false;
	if (m->authenticated && !note(r, cover_flag(r, true), latest))
		return false;
	for (k = 0; k < m->nclient_ip; k++)
		if (!note(r, cover_ip(r, &m->client_ip[k]), latest))
			return false;
	for (k = 0; k < m->nclient_hostname; k++)
		if (!note(r, cover_name(r, &m->client_hostname[k], true),
		    latest))
			return false;
	for (k = 0; k < m->nsender_domain; k++)
		if (!note(r, cover_name(r, &m->sender_domain[k], false),
		    latest))
			return false;
	return true;
}

bool
group_shadowed(const struct sender_group *g, size_t n, size_t i, size_t *by)
{
	struct range r = { g, 0, i, i };
	size_t	j, latest, ignored;

	if (i >= n || i == 0 || group_is_empty(&g[i]))
		return false;
	if (!covered(&r, &latest))
		return false;
	/* Prefer one group that covers everything by itself. */
	for (j = 0; j < i; j++) {
		struct range one = { g, j, j + 1, i };

		if (covered(&one, &ignored))
			break;
	}
	if (by)
		*by = j < i ? j : latest;
	return true;
}
