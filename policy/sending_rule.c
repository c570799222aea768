/*
 * sending_rule - see sending_rule.h.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/group_match.h"
#include "policy/header_text.h"
#include "policy/sending_rule.h"
#include "policy/sender_domain.h"

static bool
list_has_name(char *const *names, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static bool
patterns_match(const struct name_pattern *p, size_t n, const char *domain)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (name_pattern_match(&p[i], domain))
			return true;
	return false;
}

static bool
sender_listed(const struct sending_rule *r, const char *sender)
{
	const char *addr;
	size_t	len = envelope_address(sender, &addr), i;

	for (i = 0; i < r->nsenders; i++)
		if (strlen(r->senders[i].name) == len &&
		    strncasecmp(r->senders[i].name, addr, len) == 0)
			return true;
	return false;
}

static bool
some_recipient_in(const struct sending_rule *r, const struct rule_message *m)
{
	char	domain[SENDER_DOMAIN_MAX];
	size_t	i;

	for (i = 0; i < m->nrcpts; i++)
		if (sender_domain_parse(m->rcpts[i], domain, sizeof(domain)) ==
		    SENDER_DOMAIN && patterns_match(r->recipient_domains,
		    r->nrecipient_domains, domain))
			return true;
	return false;
}

/* The value is compared as a reader sees it: unfolded, RFC 2047
 * words decoded (header_text.h). */
static bool
header_holds(const struct header_condition *c, const struct rule_message *m)
{
	size_t	i;
	char	*text;
	bool	found;

	for (i = 0; i < m->nheaders; i++) {
		if (strcasecmp(m->headers[i].name, c->name) != 0)
			continue;
		if (c->contains == NULL)
			return true;
		text = header_text_decode(m->headers[i].value);
		found = header_text_contains(text, c->contains);
		free(text);
		if (found)
			return true;
	}
	return false;
}

static bool
rule_holds(const struct sending_rule *r, const struct rule_message *m)
{
	char	domain[SENDER_DOMAIN_MAX];
	size_t	i;

	if (r->nsender_groups > 0 && (m->group == NULL ||
	    !list_has_name(r->sender_groups, r->nsender_groups, m->group)))
		return false;
	if (r->nsenders > 0 && !sender_listed(r, m->sender))
		return false;
	if (r->nsender_domains > 0 &&
	    (sender_domain_parse(m->sender, domain, sizeof(domain)) !=
	    SENDER_DOMAIN || !patterns_match(r->sender_domains,
	    r->nsender_domains, domain)))
		return false;
	if (r->nrecipient_domains > 0 && !some_recipient_in(r, m))
		return false;
	for (i = 0; i < r->nheaders; i++)
		if (!header_holds(&r->headers[i], m))
			return false;
	if (m->size < r->min_size || (r->max_size != 0 &&
	    m->size > r->max_size))
		return false;
	return true;
}

enum rule_verdict
sending_rule_choose(const struct config *cfg, const struct rule_message *m,
    struct rule_choice *out)
{
	const struct sending_rule *r;
	enum sender_login_result login;
	size_t	i;

	memset(out, 0, sizeof(*out));
	out->login = LOGIN_OWNED;
	for (i = 0; i < cfg->smime.nrules; i++) {
		r = &cfg->smime.rules[i];
		if (!rule_holds(r, m))
			continue;
		login = r->require_sender_login ? sender_login_check(
		    &cfg->smime, m->sender, m->authenticated, m->login) :
		    LOGIN_OWNED;
		if (login == LOGIN_OWNED) {
			out->verdict = RULE_APPLY;
			out->rule = r;
			if (r->require_sender_login || out->skipped == NULL)
				out->login = LOGIN_OWNED;
			return out->verdict;
		}
		if (cfg->smime.sender_login_mismatch == LOGIN_MISMATCH_REJECT) {
			out->verdict = RULE_REFUSE;
			out->rule = r;
			out->login = login;
			return out->verdict;
		}
		if (out->skipped == NULL) {
			out->skipped = r;
			out->login = login;
		}
	}
	out->verdict = RULE_NONE;
	return out->verdict;
}
