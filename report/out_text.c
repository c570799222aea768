/*
 * out_text - the report as plain text, for a cron mail (output.h): the
 * same sections as the page, each table cut to VIEW_TOP rows.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "report/escape.h"
#include "report/output.h"

static void
heading(FILE *out, const char *title)
{
	size_t	i, n = strlen(title);

	fprintf(out, "\n%s\n", title);
	for (i = 0; i < n; i++)
		fputc('-', out);
	fputc('\n', out);
}

static void
more(FILE *out, size_t shown, size_t n)
{
	if (n > shown)
		fprintf(out, "  (%zu more rows in --json)\n", n - shown);
}

static void
none(FILE *out, size_t n)
{
	if (n == 0)
		fputs("  none\n", out);
}

static void
inbound(FILE *out, const struct view *v)
{
	size_t	i;

	heading(out, "Inbound TLS by sender group (decisions at MAIL FROM)");
	none(out, v->ngroups);
	if (v->ngroups)
		fprintf(out, "  %-24s %10s %10s %7s %10s %10s %10s\n", "group",
		    "decisions", "TLS", "share", "accepted", "refused",
		    "tempfailed");
	for (i = 0; i < v->ngroups && i < VIEW_TOP; i++) {
		const struct tally_row *r = v->groups[i];

		fputs("  ", out);
		put_text(out, r->name, 24);
		fprintf(out, " %10llu %10llu %6.1f%% %10llu %10llu %10llu\n",
		    (unsigned long long)r->c[GRP_TOTAL],
		    (unsigned long long)r->c[GRP_TLS],
		    view_share(r->c[GRP_TLS], r->c[GRP_TOTAL]),
		    (unsigned long long)r->c[GRP_ACCEPT],
		    (unsigned long long)r->c[GRP_REJECT],
		    (unsigned long long)r->c[GRP_TEMPFAIL]);
	}
	more(out, i, v->ngroups);

	heading(out, "Inbound TLS by client domain (Postfix sessions)");
	none(out, v->ndomains);
	if (v->ndomains)
		fprintf(out, "  %-32s %10s %10s %7s\n", "client domain",
		    "sessions", "TLS", "share");
	for (i = 0; i < v->ndomains && i < VIEW_TOP; i++) {
		const struct tally_row *r = v->domains[i];

		fputs("  ", out);
		put_text(out, r->name, 32);
		fprintf(out, " %10llu %10llu %6.1f%%\n",
		    (unsigned long long)r->c[CD_SESSIONS],
		    (unsigned long long)r->c[CD_TLS],
		    view_share(r->c[CD_TLS], r->c[CD_SESSIONS]));
	}
	more(out, i, v->ndomains);

	heading(out, "Top client domains still sending in the clear");
	none(out, v->nclear);
	for (i = 0; i < v->nclear && i < VIEW_TOP; i++) {
		fputs("  ", out);
		put_text(out, v->clear[i]->name, 32);
		fprintf(out, " %10llu of %llu sessions in plain text\n",
		    (unsigned long long)v->clear[i]->c[CD_PLAIN],
		    (unsigned long long)v->clear[i]->c[CD_SESSIONS]);
	}
	more(out, i, v->nclear);
}

static void
outbound(FILE *out, const struct view *v)
{
	size_t	i, k;

	heading(out, "Outbound TLS by destination (Postfix deliveries)");
	none(out, v->ndests);
	if (v->ndests) {
		fprintf(out, "  %-28s %-24s", "destination", "policy");
		for (k = 0; k < TC_NCLASSES; k++)
			fprintf(out, " %9s", tls_class_name((enum tls_class)k));
		fprintf(out, " %8s %8s %8s %6s\n", "sent", "deferred",
		    "bounced", "below");
	}
	for (i = 0; i < v->ndests && i < VIEW_TOP; i++) {
		const struct dest_view *d = &v->dests[i];
		char	policy[64];

		snprintf(policy, sizeof(policy), "%s/%s", d->tls, d->dane);
		fputs("  ", out);
		put_text(out, d->row->name, 28);
		fprintf(out, " %-24s", policy);
		for (k = 0; k < TC_NCLASSES; k++)
			fprintf(out, " %9llu", (unsigned long long)d->row->c[k]);
		fprintf(out, " %8llu %8llu %8llu %6llu\n",
		    (unsigned long long)d->row->c[DD_SENT],
		    (unsigned long long)d->row->c[DD_DEFERRED],
		    (unsigned long long)d->row->c[DD_BOUNCED],
		    (unsigned long long)d->below);
	}
	more(out, i, v->ndests);
	if (!v->have_policy && v->ndests)
		fputs("  (policy ?: give -c FILE to compare with the "
		    "destinations of the configuration)\n", out);
}

static void
refusals(FILE *out, const struct view *v)
{
	size_t	i, f, c;

	heading(out, "Refusals and deferrals by reason");
	for (f = 0; f < FLOW_N; f++) {
		fprintf(out, "  %-9s", flow_name((enum flow)f));
		for (c = 0; c < RC_NCATS; c++)
			fprintf(out, "  %s %llu", refusal_cat_name(
			    (enum refusal_cat)c), (unsigned long long)
			    v->st->by_category[f][c]);
		fputc('\n', out);
	}
	for (i = 0; i < v->nrefusals && i < VIEW_TOP; i++) {
		const struct refusal_view *r = &v->refusals[i];

		fprintf(out, "  %8llu  %-9s %-22s ", (unsigned long long)
		    r->count, r->flow, r->category);
		put_text(out, r->reason, 0);
		fputc('\n', out);
	}
	more(out, i, v->nrefusals);
}

static void
smime(FILE *out, const struct view *v)
{
	const uint64_t *s = v->st->smime;
	size_t	i;

	heading(out, "S/MIME");
	fprintf(out, "  signed %llu, encrypted %llu, decrypted %llu, "
	    "verified %llu\n", (unsigned long long)s[SM_SIGNED],
	    (unsigned long long)s[SM_ENCRYPTED],
	    (unsigned long long)s[SM_DECRYPTED],
	    (unsigned long long)s[SM_VERIFIED]);
	fprintf(out, "  missing keys: bounce %llu, drop %llu, split %llu "
	    "(%llu recipients without a key); unusable keys %llu; errors "
	    "%llu\n", (unsigned long long)s[SM_BOUNCED],
	    (unsigned long long)s[SM_DROPPED],
	    (unsigned long long)s[SM_SPLIT],
	    (unsigned long long)s[SM_MISSING_RCPTS],
	    (unsigned long long)s[SM_UNUSABLE],
	    (unsigned long long)s[SM_ERRORS]);
	for (i = 0; i < v->nfailures && i < VIEW_TOP; i++) {
		fprintf(out, "  %8llu  ", (unsigned long long)
		    v->failures[i]->c[0]);
		put_text(out, v->failures[i]->name, 0);
		fputc('\n', out);
	}
	for (i = 0; i < v->nresults && i < VIEW_TOP; i++) {
		fprintf(out, "  %8llu  incoming smime=", (unsigned long long)
		    v->results[i]->c[0]);
		put_text(out, v->results[i]->name, 0);
		fputc('\n', out);
	}
}

static void
keys(FILE *out, const struct view *v, const struct out_opts *o)
{
	const struct stats *st = v->st;
	char	buf[32];
	size_t	i;

	heading(out, "Harvested keys and alerts");
	for (i = 0; i < v->nharvest; i++)
		fprintf(out, "  %s  %llu harvested\n", v->harvest[i]->name,
		    (unsigned long long)v->harvest[i]->c[0]);
	if (v->nharvest == 0)
		fputs("  no key harvested in the range\n", out);
	fprintf(out, "  key churn alerts sent: %llu\n",
	    (unsigned long long)st->churn_alerts);
	for (i = 0; i < v->nalerts && i < VIEW_TOP; i++) {
		char	name[TALLY_NAME_MAX + 1], *bar;

		snprintf(name, sizeof(name), "%s", v->alerts[i]->name);
		if ((bar = strchr(name, '|')) != NULL)
			*bar = ' ';
		fprintf(out, "  %8llu  alert ", (unsigned long long)
		    v->alerts[i]->c[0]);
		put_text(out, name, 0);
		fputc('\n', out);
	}

	heading(out, "Certificates expiring within the next days");
	fprintf(out, "  (%u days; organisation and partner certificates)\n",
	    o->expiring_days);
	if (st->keystore_note)
		fprintf(out, "  key store: %s\n", st->keystore_note);
	if (st->ncerts == 0)
		fputs("  none\n", out);
	for (i = 0; i < st->ncerts && i < VIEW_TOP; i++) {
		const struct cert_entry *c = &st->certs[i];

		fprintf(out, "  %-12s %s %5lld days  ", c->organisation ?
		    "organisation" : "partner", view_time(c->not_after, buf,
		    sizeof(buf)), (long long)((c->not_after - o->now) / 86400));
		put_text(out, c->name, 0);
		fputs("  ", out);
		put_text(out, c->email[0] ? c->email : c->subject, 0);
		fputc('\n', out);
	}
	more(out, i, st->ncerts);
}

bool
out_text(FILE *out, const struct view *v, const struct out_opts *o)
{
	const struct stats *st = v->st;
	char	a[32], b[32], made[32];

	fprintf(out, "%s\n", o->title);
	fprintf(out, "from %s to %s, made %s\n", st->first ?
	    view_time(st->first, a, sizeof(a)) : "-", st->last ?
	    view_time(st->last, b, sizeof(b)) : "-",
	    view_time(o->now, made, sizeof(made)));
	fprintf(out, "lines: %llu read, %llu gatewarden, %llu Postfix, %llu "
	    "outside the range, %llu not a log line, %llu cut, %llu read "
	    "errors\n", (unsigned long long)st->lines,
	    (unsigned long long)st->gatewarden,
	    (unsigned long long)st->postfix,
	    (unsigned long long)st->out_of_range,
	    (unsigned long long)st->unparsed,
	    (unsigned long long)st->long_lines,
	    (unsigned long long)st->input_errors);
	inbound(out, v);
	outbound(out, v);
	refusals(out, v);
	smime(out, v);
	keys(out, v, o);
	return fflush(out) == 0 && !ferror(out);
}
