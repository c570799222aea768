/*
 * group_match - see group_match.h.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "policy/cert_pattern.h"
#include "policy/group_match.h"

static size_t
len_no_dot(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

bool
name_pattern_match(const struct name_pattern *p, const char *name)
{
	const char *pat;
	size_t	plen, nlen;

	if (p == NULL || p->name == NULL || name == NULL)
		return false;
	pat = p->name;
	if (*pat == '.')	/* tolerate a dot the loader left in */
		pat++;
	plen = len_no_dot(pat);
	nlen = len_no_dot(name);
	if (plen == 0 || nlen == 0)
		return false;
	if (!p->suffix)
		return nlen == plen && strncasecmp(name, pat, plen) == 0;
	/* Strict subdomain: at least one label and a dot before the suffix. */
	return nlen > plen + 1 && name[nlen - plen - 1] == '.' &&
	    strncasecmp(name + nlen - plen, pat, plen) == 0;
}

static bool
any_name(const struct name_pattern *v, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (name_pattern_match(&v[i], name))
			return true;
	return false;
}

static bool
listener_match(const struct listener_pattern *p, const struct session_facts *f)
{
	if (p->name != NULL)
		return f->daemon_name[0] != '\0' &&
		    strcasecmp(p->name, f->daemon_name) == 0;
	if (p->have_addr && (!f->have_daemon_addr ||
	    !cidr_contains(&p->addr, f->daemon_addr)))
		return false;
	return p->port == 0 || p->port == f->daemon_port;
}

/* The condition that matches on connect-time facts; NULL when none. */
static const char *
match_connect(const struct group_match *m, const struct session_facts *f)
{
	size_t	i;

	if (m->any)
		return "any";
	if (f->have_addr)
		for (i = 0; i < m->nclient_ip; i++)
			if (cidr_contains(&m->client_ip[i], f->addr))
				return "client_ip";
	if (f->name_verified &&
	    any_name(m->client_hostname, m->nclient_hostname, f->client_name))
		return "client_hostname";
	for (i = 0; i < m->nlistener; i++)
		if (listener_match(&m->listener[i], f))
			return "listener";
	return NULL;
}

/* The condition that matches on MAIL-time facts; NULL when none. */
static const char *
match_mail(const struct group_match *m, const struct session_facts *f)
{
	size_t	i;

	if (m->authenticated && f->authenticated)
		return "authenticated";
	if (f->tls && session_facts_client_cert(f) == CCS_VERIFIED)
		for (i = 0; i < m->nclient_cert_subject; i++)
			if (cert_rule_match(m->client_cert_subject[i], f, false))
				return "client_cert_subject";
	if (f->sender == SENDER_DOMAIN &&
	    any_name(m->sender_domain, m->nsender_domain, f->sender_domain))
		return "sender_domain";
	return NULL;
}

static bool
needs_mail(const struct group_match *m)
{
	return m->authenticated || m->nsender_domain > 0 ||
	    m->nclient_cert_subject > 0;
}

enum group_result
group_match_list(const struct sender_group *groups, size_t n,
    const struct session_facts *f, bool at_mail, struct group_choice *out)
{
	const char *why;
	size_t	i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		const struct group_match *m = &groups[i].match;

		why = match_connect(m, f);
		if (why == NULL && at_mail)
			why = match_mail(m, f);
		if (why != NULL) {
			out->result = GROUP_DECIDED;
			out->group = &groups[i];
			out->index = i;
			out->matched_by = why;
			return out->result;
		}
		if (!at_mail && needs_mail(m)) {
			out->result = GROUP_WAIT;
			out->index = i;
			return out->result;
		}
	}
	out->result = GROUP_NONE;
	return out->result;
}

enum group_result
policy_match_group(const struct config *c, const struct session_facts *f,
    bool at_mail, struct group_choice *out)
{
	if (c == NULL) {
		memset(out, 0, sizeof(*out));
		out->result = GROUP_NONE;
		return out->result;
	}
	return group_match_list(c->groups, c->ngroups, f, at_mail, out);
}
