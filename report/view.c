/*
 * view - see view.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/words.h"
#include "lib/xalloc.h"
#include "policy/destination.h"
#include "report/view.h"

double
view_share(uint64_t part, uint64_t total)
{
	return total ? 100.0 * (double)part / (double)total : 0;
}

uint64_t
view_plain(const struct tally_row *r)
{
	return r->c[CD_PLAIN];
}

uint64_t
view_deliveries(const struct tally_row *r)
{
	return r->c[DD_TOTAL];
}

const char *
view_time(int64_t t, char *buf, size_t size)
{
	time_t	tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, size, "?");
	else
		strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* Does a delivery of class c satisfy destination d? The verify levels
 * and mandatory DANE want a verified peer (Postfix's "Verified": name
 * and chain, or DANE); required wants TLS; the others take anything. */
static bool
meets(const struct destination *d, enum tls_class c)
{
	if (d->dane == DANE_MANDATORY)
		return c == TC_VERIFIED;
	switch (d->tls) {
	case DTLS_REQUIRED:
		return c != TC_PLAIN;
	case DTLS_REQUIRED_VERIFY:
	case DTLS_REQUIRED_VERIFY_HOSTED:
		return c == TC_VERIFIED;
	default:
		return true;
	}
}

static void
view_dests(struct view *v, const struct config *cfg)
{
	struct tally_row **rows;
	size_t	n, i, k;

	rows = tally_sorted(v->st->destinations, DD_TOTAL, false, &n);
	v->dests = x_calloc(n + 1, sizeof(*v->dests));
	for (i = 0; i < n; i++) {
		struct dest_view *d = &v->dests[i];

		d->row = rows[i];
		d->tls = d->dane = "?";
		if (cfg != NULL && strcmp(rows[i]->name, TALLY_OTHER) != 0) {
			const struct destination *dest =
			    destination_for_domain(cfg, rows[i]->name);

			d->tls = word_name(words_dest_tls, (int)dest->tls);
			d->dane = word_name(words_dane_mode, (int)dest->dane);
			for (k = 0; k < TC_NCLASSES; k++)
				if (!meets(dest, (enum tls_class)k))
					d->below += rows[i]->c[k];
		}
	}
	v->ndests = n;
	free(rows);
}

static int
by_refusal(const void *a, const void *b)
{
	const struct refusal_view *x = a, *y = b;
	int	c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((c = strcmp(x->flow, y->flow)) != 0)
		return c;
	if ((c = strcmp(x->category, y->category)) != 0)
		return c;
	return strcmp(x->reason, y->reason);
}

/* "flow|category|reason" rows into their parts. */
static void
view_refusals(struct view *v)
{
	struct tally_row **rows;
	size_t	n, i;

	rows = tally_sorted(v->st->refusals, 0, false, &n);
	v->refusals = x_calloc(n + 1, sizeof(*v->refusals));
	for (i = 0; i < n; i++) {
		struct refusal_view *r = &v->refusals[i];
		const char *name = rows[i]->name, *a = strchr(name, '|'),
		    *b = a ? strchr(a + 1, '|') : NULL;

		r->count = rows[i]->c[0];
		if (a == NULL || b == NULL) {	/* (other) */
			snprintf(r->flow, sizeof(r->flow), "-");
			snprintf(r->category, sizeof(r->category), "-");
			snprintf(r->reason, sizeof(r->reason), "%s", name);
			continue;
		}
		snprintf(r->flow, sizeof(r->flow), "%.*s", (int)(a - name), name);
		snprintf(r->category, sizeof(r->category), "%.*s",
		    (int)(b - a - 1), a + 1);
		snprintf(r->reason, sizeof(r->reason), "%s", b + 1);
	}
	v->nrefusals = n;
	qsort(v->refusals, n, sizeof(*v->refusals), by_refusal);
	free(rows);
}

struct view *
view_new(const struct stats *st, const struct config *cfg)
{
	struct view *v = x_calloc(1, sizeof(*v));

	v->st = st;
	v->have_policy = cfg != NULL;
	v->groups = tally_sorted(st->groups, GRP_TOTAL, false, &v->ngroups);
	v->domains = tally_sorted(st->client_domains, CD_SESSIONS, false,
	    &v->ndomains);
	v->clear = tally_sorted(st->client_domains, CD_PLAIN, false,
	    &v->nclear);
	while (v->nclear > 0 && v->clear[v->nclear - 1]->c[CD_PLAIN] == 0)
		v->nclear--;
	view_dests(v, cfg);
	view_refusals(v);
	v->failures = tally_sorted(st->smime_failures, 0, false,
	    &v->nfailures);
	v->results = tally_sorted(st->smime_results, 0, false, &v->nresults);
	v->alerts = tally_sorted(st->alerts, 0, true, &v->nalerts);
	v->harvest = tally_sorted(st->harvest_days, 0, true, &v->nharvest);
	return v;
}

void
view_free(struct view *v)
{
	if (v == NULL)
		return;
	free(v->groups);
	free(v->domains);
	free(v->clear);
	free(v->dests);
	free(v->refusals);
	free(v->failures);
	free(v->results);
	free(v->alerts);
	free(v->harvest);
	free(v);
}
