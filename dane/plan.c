/*
 * plan - see plan.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dane/plan.h"
#include "dane/policy_table.h"
#include "lib/xalloc.h"

static void
decide_mandatory(const struct destination *d, const struct dane_domain *l,
    struct plan_entry *e)
{
	struct dane_summary s;

	e->level = DANE_LEVEL_ONLY;
	e->transport = true;
	e->sendmail_encrypt = true;
	if (l == NULL) {
		e->reason = d->subdomains ? "mandatory DANE (subdomains "
		    "are not looked up)" : "mandatory DANE";
		return;
	}
	dane_summarise(l, &s);
	e->unservable = s.usable == 0 || s.mx_insecure;
	if (s.mx_insecure)
		e->reason = "mandatory DANE; the MX RRset is not "
		    "DNSSEC-signed: deferred (non DNSSEC destination)";
	else if (s.mx_failed || s.failed)
		e->reason = "mandatory DANE; DNS look-up failed: "
		    "deferred until it answers";
	else if (s.mx_bogus || s.bogus)
		e->reason = "mandatory DANE; DNSSEC bogus: deferred";
	else if (s.usable == 0)
		e->reason = "mandatory DANE; no MX host has a secure "
		    "usable TLSA RRset: deferred";
	else if (s.usable < s.hosts)
		e->reason = "mandatory DANE; some MX hosts have no "
		    "usable TLSA and will be deferred";
	else
		e->reason = "mandatory DANE; every MX host has a "
		    "usable TLSA RRset";
}

/* Which row of the table (policy_table.h) the look-up falls in. */
static enum dane_situation
situation(const struct dane_summary *s)
{
	if (s->mx_bogus || s->bogus)
		return DSIT_BOGUS;
	if (s->mx_insecure)
		return DSIT_MX_INSECURE;
	if (s->usable + s->unusable == 0)
		return DSIT_NO_TLSA;
	if (s->usable == s->hosts)
		return DSIT_ALL_USABLE;
	if (s->usable > 0)
		return DSIT_SOME_USABLE;
	if (s->unusable == s->hosts)
		return DSIT_ALL_UNUSABLE;
	return DSIT_SOME_UNUSABLE;
}

static void
decide_opportunistic(const struct destination *d,
    const struct dane_domain *l, struct plan_entry *e)
{
	const struct dane_rule *r;
	enum dane_class c = dane_class(d->tls);
	struct dane_summary s;

	if (l == NULL) {
		r = dane_rule(DSIT_NOT_LOOKED_UP);
	} else {
		dane_summarise(l, &s);
		if (s.mx_failed || s.failed) {
			e->temporary = true;
			e->reason = "DNS look-up failed: the previous files "
			    "are kept";
			return;
		}
		r = dane_rule(situation(&s));
	}
	e->level = r->level[c];
	e->transport = e->level == DANE_LEVEL_PER_HOST ||
	    e->level == DANE_LEVEL_ONLY;
	e->sendmail_encrypt = r->sendmail_encrypt;
	e->unservable = r->unservable;
	e->reason = r->why[c] ? r->why[c] : r->why[0];
}

void
plan_decide(const struct destination *d, const struct dane_domain *l,
    struct plan_entry *e)
{
	const char *why = NULL;

	e->level = DANE_LEVEL_OWN;
	e->transport = e->sendmail_encrypt = false;
	e->unservable = e->temporary = false;
	free(e->postfix);
	free(e->error);
	e->postfix = e->error = NULL;
	e->reason = "TLS level only";
	if (d->dane == DANE_MANDATORY)
		decide_mandatory(d, l, e);
	else if (d->dane == DANE_OPPORTUNISTIC)
		decide_opportunistic(d, l, e);
	e->postfix = policy_postfix_value(d, e->level, &why);
	if (e->postfix == NULL)
		e->error = x_strdup(why);
}

struct plan *
plan_build(const struct destinations_conf *dc, const struct dns_source *src)
{
	struct plan *p = x_calloc(1, sizeof(*p));
	size_t	i;

	p->dests = dc;
	p->v = x_calloc(dc->ndomains ? dc->ndomains : 1, sizeof(*p->v));
	for (i = 0; i < dc->ndomains; i++) {
		const struct destination *d = &dc->domains[i];
		struct plan_entry *e = &p->v[p->n++];

		e->dest = d;
		e->key = x_asprintf("%s%s", d->subdomains ? "." : "",
		    d->domain);
		if (src && d->dane != DANE_NONE && !d->subdomains)
			e->lookup = dane_lookup(src, d->domain);
		plan_decide(d, e->lookup, e);
		p->temporary |= e->temporary;
		p->unservable |= e->unservable;
		p->error |= e->error != NULL;
	}
	return p;
}

void
plan_free(struct plan *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].key);
		free(p->v[i].postfix);
		free(p->v[i].error);
		dane_domain_free(p->v[i].lookup);
	}
	free(p->v);
	free(p);
}
