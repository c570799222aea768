/*
 * plan - see plan.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Returns true when DANE decided the entry (some usable TLSA, bogus):
 * MTA-STS then only reports. */
static bool
decide_opportunistic(const struct destination *d,
    const struct dane_domain *l, struct plan_entry *e)
{
	const struct dane_rule *r;
	enum dane_class c = dane_class(d->tls);
	enum dane_situation sit = DSIT_NOT_LOOKED_UP;
	struct dane_summary s;

	if (l != NULL) {
		dane_summarise(l, &s);
		if (s.mx_failed || s.failed) {
			e->temporary = true;
			e->reason = "DNS look-up failed: no weaker policy, "
			    "deferred until it answers";
			return true;
		}
		sit = situation(&s);
	}
	r = dane_rule(sit);
	e->level = r->level[c];
	e->transport = e->level == DANE_LEVEL_PER_HOST ||
	    e->level == DANE_LEVEL_ONLY;
	e->sendmail_encrypt = r->sendmail_encrypt;
	e->unservable = r->unservable;
	e->reason = r->why[c] ? r->why[c] : r->why[0];
	return sit == DSIT_ALL_USABLE || sit == DSIT_SOME_USABLE ||
	    sit == DSIT_BOGUS;
}

/* MTA-STS after DANE (plan.h): what a policy makes of the entry. */
static void
decide_sts(const struct destination *d, const struct sts_result *sts,
    struct plan_entry *e)
{
	const char *why = NULL;
	char	*match;

	if (sts->status == STS_TEMP) {
		e->temporary = true;
		e->reason = "the _mta-sts look-up failed and no policy is "
		    "cached: deferred until it answers";
		return;
	}
	if (sts->status != STS_POLICY || sts->policy.mode == STS_MODE_NONE)
		return;
	e->policy_type = "sts";
	if (sts->policy.mode == STS_MODE_TESTING) {
		e->reason = "MTA-STS testing: reported, not enforced; the "
		    "entry's level";
		return;
	}
	if (!policy_sts_applies(d)) {
		e->reason = "MTA-STS enforce; the entry's verify level stands "
		    "(a static policy beats a discovered one)";
		return;
	}
	match = sts_postfix_match(&sts->policy);
	e->postfix = policy_postfix_sts_value(d, match, &why);
	free(match);
	if (e->postfix == NULL) {
		e->error = x_strdup(why);
		return;
	}
	e->level = DANE_LEVEL_OWN;
	e->transport = false;
	e->sts_enforce = true;
	e->reason = "MTA-STS enforce: a certificate valid for the MX host, "
	    "named by the policy's mx patterns";
}

void
plan_decide(const struct destination *d, const struct dane_domain *l,
    const struct sts_result *sts, struct plan_entry *e)
{
	const char *why = NULL;
	bool	dane_decided = false;

	e->level = DANE_LEVEL_OWN;
	e->transport = e->sendmail_encrypt = false;
	e->unservable = e->temporary = e->sts_enforce = false;
	free(e->postfix);
	free(e->error);
	e->postfix = e->error = NULL;
	e->policy_type = "no-policy-found";
	e->reason = "TLS level only";
	if (d->dane == DANE_MANDATORY) {
		decide_mandatory(d, l, e);
		dane_decided = true;
	} else if (d->dane == DANE_OPPORTUNISTIC) {
		dane_decided = decide_opportunistic(d, l, e);
	}
	if (dane_decided && !e->temporary)
		e->policy_type = "tlsa";
	if (!dane_decided && sts != NULL)
		decide_sts(d, sts, e);
	if (e->postfix == NULL && e->error == NULL) {
		e->postfix = policy_postfix_value(d, e->level, &why);
		if (e->postfix == NULL)
			e->error = x_strdup(why);
	}
}

char *
plan_sendmail_value(const struct plan_entry *e, const char *domain,
    const char **key, const char **why)
{
	return policy_sendmail_value(e->dest, domain, e->sendmail_encrypt,
	    e->sts_enforce, key, why);
}

const struct destination *
plan_destination(const struct destinations_conf *dc, const char *domain)
{
	const struct destination *best = NULL;
	size_t	i, dl = strlen(domain), bestlen = 0;

	for (i = 0; i < dc->ndomains; i++) {
		const struct destination *d = &dc->domains[i];
		size_t	n = strlen(d->domain);

		if (!d->subdomains) {
			if (strcasecmp(d->domain, domain) == 0)
				return d;
			continue;
		}
		/* ".example.com": strict subdomains, the longest wins. */
		if (dl > n + 1 && domain[dl - n - 1] == '.' &&
		    strcasecmp(domain + dl - n, d->domain) == 0 &&
		    n > bestlen) {
			best = d;
			bestlen = n;
		}
	}
	return best ? best : &dc->def;
}

static uint32_t
min_ttl(uint32_t a, uint32_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

void
plan_lookup(const struct destination *d, const char *domain,
    const struct dns_source *src, struct sts_ctx *sts, struct plan_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->dest = d;
	if (src && d->dane != DANE_NONE) {
		e->lookup = dane_lookup(src, domain);
		e->ttl = e->lookup->ttl ? e->lookup->ttl : 1;
	}
	if (src && sts && d->mta_sts) {
		e->sts = x_calloc(1, sizeof(*e->sts));
		sts_lookup(sts, src, domain, e->sts);
		e->ttl = min_ttl(e->ttl, e->sts->ttl);
	}
	plan_decide(d, e->lookup, e->sts, e);
}

void
plan_entry_clear(struct plan_entry *e)
{
	if (e == NULL)
		return;
	free(e->key);
	free(e->postfix);
	free(e->error);
	dane_domain_free(e->lookup);
	sts_result_clear(e->sts);
	free(e->sts);
	memset(e, 0, sizeof(*e));
}

struct build {
	const struct destinations_conf *dc;
	const struct dns_source *src;
	struct sts_ctx	*sts;
	struct plan	*p;
	atomic_size_t	next;	/* the next entry to look up */
};

static void
build_one(struct build *b, size_t i)
{
	const struct destination *d = &b->dc->domains[i];
	struct plan_entry *e = &b->p->v[i];

	/* Subdomain entries stand for names not known here. */
	plan_lookup(d, d->domain, d->subdomains ? NULL : b->src, b->sts, e);
	e->key = x_asprintf("%s%s", d->subdomains ? "." : "", d->domain);
}

static void *
build_worker(void *arg)
{
	struct build *b = arg;
	size_t	i;

	while ((i = atomic_fetch_add(&b->next, 1)) < b->dc->ndomains)
		build_one(b, i);
	return NULL;
}

struct plan *
plan_build_jobs(const struct destinations_conf *dc,
    const struct dns_source *src, struct sts_ctx *sts, unsigned jobs)
{
	struct build b = { dc, src, sts, NULL, 0 };
	pthread_t tids[PLAN_JOBS_MAX];
	unsigned nt = 0, t;
	size_t	i;

	b.p = x_calloc(1, sizeof(*b.p));
	b.p->dests = dc;
	b.p->v = x_calloc(dc->ndomains ? dc->ndomains : 1, sizeof(*b.p->v));
	if (jobs > PLAN_JOBS_MAX)
		jobs = PLAN_JOBS_MAX;
	/* The calling thread is one of the jobs; a thread that cannot be
	 * made only means fewer at once. */
	for (t = 1; src != NULL && t < jobs && t < dc->ndomains; t++)
		if (pthread_create(&tids[nt], NULL, build_worker, &b) == 0)
			nt++;
	(void)build_worker(&b);
	for (t = 0; t < nt; t++)
		pthread_join(tids[t], NULL);
	for (i = 0; i < dc->ndomains; i++) {
		struct plan_entry *e = &b.p->v[i];

		b.p->n++;
		b.p->temporary |= e->temporary;
		b.p->unservable |= e->unservable;
		b.p->error |= e->error != NULL;
	}
	return b.p;
}

struct plan *
plan_build(const struct destinations_conf *dc, const struct dns_source *src,
    struct sts_ctx *sts)
{
	return plan_build_jobs(dc, src, sts, 1);
}

void
plan_free(struct plan *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		plan_entry_clear(&p->v[i]);
	free(p->v);
	free(p);
}
