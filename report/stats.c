/*
 * stats - see stats.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "report/stats.h"

struct stats *
stats_new(int64_t since, int64_t until)
{
	struct stats *st = x_calloc(1, sizeof(*st));

	st->since = since;
	st->until = until;
	st->tl = timeline_new();
	st->groups = tally_new(GRP_NCOLS, CAP_GROUPS, st->tl);
	st->client_domains = tally_new(CD_NCOLS, CAP_DOMAINS, st->tl);
	st->destinations = tally_new(DD_NCOLS, CAP_DOMAINS, NULL);
	st->refusals = tally_new(1, CAP_REASONS, NULL);
	st->smime_failures = tally_new(1, CAP_SMALL, NULL);
	st->smime_results = tally_new(1, CAP_SMALL, NULL);
	st->alerts = tally_new(1, CAP_SMALL, NULL);
	st->harvest_days = tally_new(1, 400, NULL);
	st->smtpd = x_calloc(PENDING_SLOTS, sizeof(*st->smtpd));
	st->smtp = x_calloc(PENDING_SLOTS, sizeof(*st->smtp));
	return st;
}

void
stats_free(struct stats *st)
{
	if (st == NULL)
		return;
	tally_free(st->groups);
	tally_free(st->client_domains);
	tally_free(st->destinations);
	tally_free(st->refusals);
	tally_free(st->smime_failures);
	tally_free(st->smime_results);
	tally_free(st->alerts);
	tally_free(st->harvest_days);
	timeline_free(st->tl);
	free(st->certs);
	free(st->smtpd);
	free(st->smtp);
	free(st);
}

void
stats_line(struct stats *st, const struct logline *l)
{
	if (l->t < st->since || l->t >= st->until) {
		st->out_of_range++;
		return;
	}
	if (st->first == 0 || l->t < st->first)
		st->first = l->t;
	if (l->t > st->last)
		st->last = l->t;
	timeline_cover(st->tl, l->t);
	if (logline_prog_is(l, "gatewarden")) {
		st->gatewarden++;
		gw_line(st, l);
	} else if (logline_prog_is(l, "smtpd")) {
		st->postfix++;
		pf_smtpd_line(st, l);
	} else if (logline_prog_is(l, "smtp")) {
		st->postfix++;
		pf_smtp_line(st, l);
	}
}

void
stats_finish(struct stats *st)
{
	size_t	i;

	for (i = 0; i < PENDING_SLOTS; i++)
		if (st->smtpd[i].active)
			stats_close_session(st, &st->smtpd[i]);
}

void
stats_refusal(struct stats *st, enum flow flow, enum refusal_cat cat,
    const char *detail)
{
	char	key[TALLY_NAME_MAX + 1];
	int	n;

	st->by_category[flow][cat]++;
	n = snprintf(key, sizeof(key), "%s|%s|%s", flow_name(flow),
	    refusal_cat_name(cat), detail);
	if (n > 0)
		tally_row(st->refusals, key, strlen(key))->c[0]++;
}

const char *
refusal_cat_name(enum refusal_cat c)
{
	static const char *const names[] = {
		"required TLS missing", "certificate checks", "DANE",
		"weak TLS", "TLS handshake", "other",
	};

	return c < RC_NCATS ? names[c] : "other";
}

const char *
tls_class_name(enum tls_class c)
{
	static const char *const names[] = {
		"Verified", "Trusted", "Untrusted", "Anonymous", "plain",
	};

	return c < TC_NCLASSES ? names[c] : "plain";
}

const char *
flow_name(enum flow f)
{
	return f == FLOW_IN ? "inbound" : "outbound";
}
