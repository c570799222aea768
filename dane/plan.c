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
decide_dane(const struct destination *d, const struct dane_domain *l,
    struct plan_entry *e)
{
	struct dane_summary s;

	if (d->dane == DANE_MANDATORY) {
		e->dane_only = true;
		e->transport = true;
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
		return;
	}
	/* opportunistic */
	if (l == NULL) {
		e->reason = d->subdomains ? "opportunistic DANE: subdomains "
		    "are not looked up, entry's own level" :
		    "opportunistic DANE: not looked up, entry's own level";
		return;
	}
	dane_summarise(l, &s);
	if (s.mx_failed || s.failed) {
		e->temporary = true;
		e->reason = "DNS look-up failed: the previous files are kept";
	} else if (s.mx_bogus || s.bogus) {
		e->dane_only = true;
		e->transport = true;
		e->unservable = true;
		e->reason = "DNSSEC bogus: dane-only, deferred, never "
		    "downgraded";
	} else if (s.mx_insecure) {
		e->reason = "the MX RRset is not DNSSEC-signed (Postfix's "
		    "dane-only would defer): entry's own level";
	} else if (s.hosts > 0 && s.usable == s.hosts) {
		e->dane_only = true;
		e->transport = true;
		e->reason = "every MX host has a secure usable TLSA RRset";
	} else if (s.usable > 0) {
		e->reason = "not every MX host has a secure usable TLSA "
		    "RRset: entry's own level";
	} else {
		e->reason = "no secure usable TLSA RRset: entry's own level";
	}
}

void
plan_decide(const struct destination *d, const struct dane_domain *l,
    struct plan_entry *e)
{
	const char *why = NULL;

	e->dane_only = e->transport = e->unservable = e->temporary = false;
	free(e->postfix);
	free(e->error);
	e->postfix = e->error = NULL;
	e->reason = "TLS level only";
	if (d->dane != DANE_NONE)
		decide_dane(d, l, e);
	e->postfix = policy_postfix_value(d, e->dane_only, &why);
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
