/*
 * out_json - the report as one JSON object (output.h); its members are
 * listed in gatewarden-report(8). Times are RFC 3339 in UTC; every list
 * holds every row the report kept (the tables' caps bound them).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "report/escape.h"
#include "report/output.h"

static void
key(FILE *out, const char *k)
{
	put_json(out, k);
	fputc(':', out);
}

static void
num(FILE *out, const char *k, uint64_t v, bool comma)
{
	key(out, k);
	fprintf(out, "%llu%s", (unsigned long long)v, comma ? "," : "");
}

static void
str(FILE *out, const char *k, const char *v, bool comma)
{
	key(out, k);
	put_json(out, v);
	if (comma)
		fputc(',', out);
}

static void
when(FILE *out, const char *k, int64_t t, bool comma)
{
	char	buf[32];

	key(out, k);
	if (t == INT64_MIN || t == INT64_MAX || t == 0)
		fputs("null", out);
	else
		put_json(out, view_time(t, buf, sizeof(buf)));
	if (comma)
		fputc(',', out);
}

/* [[time, total, part], ...] for every bucket of the timeline. */
static void
series(FILE *out, const struct timeline *tl, const struct series *s)
{
	char	buf[32];
	size_t	i;

	fputc('[', out);
	for (i = 0; s != NULL && i < tl->n; i++) {
		fprintf(out, "%s[", i ? "," : "");
		put_json(out, view_time(tl->start + (int64_t)i * tl->width, buf,
		    sizeof(buf)));
		fprintf(out, ",%llu,%llu]", (unsigned long long)s->v[i][0],
		    (unsigned long long)s->v[i][1]);
	}
	fputc(']', out);
}

static void
inbound(FILE *out, const struct view *v)
{
	const struct timeline *tl = v->st->tl;
	size_t	i;

	key(out, "inbound");
	fputs("{", out);
	key(out, "groups");
	fputc('[', out);
	for (i = 0; i < v->ngroups; i++) {
		const struct tally_row *r = v->groups[i];

		fprintf(out, "%s{", i ? "," : "");
		str(out, "name", r->name, true);
		num(out, "decisions", r->c[GRP_TOTAL], true);
		num(out, "tls", r->c[GRP_TLS], true);
		num(out, "accept", r->c[GRP_ACCEPT], true);
		num(out, "reject", r->c[GRP_REJECT], true);
		num(out, "tempfail", r->c[GRP_TEMPFAIL], true);
		key(out, "series");
		series(out, tl, r->series);
		fputc('}', out);
	}
	fputs("],", out);
	key(out, "client_domains");
	fputc('[', out);
	for (i = 0; i < v->ndomains; i++) {
		const struct tally_row *r = v->domains[i];

		fprintf(out, "%s{", i ? "," : "");
		str(out, "domain", r->name, true);
		num(out, "sessions", r->c[CD_SESSIONS], true);
		num(out, "tls", r->c[CD_TLS], true);
		num(out, "plain", r->c[CD_PLAIN], true);
		key(out, "series");
		series(out, tl, r->series);
		fputc('}', out);
	}
	fputs("],", out);
	key(out, "clear_senders");
	fputc('[', out);
	for (i = 0; i < v->nclear && i < VIEW_TOP; i++) {
		fprintf(out, "%s{", i ? "," : "");
		str(out, "domain", v->clear[i]->name, true);
		num(out, "plain", v->clear[i]->c[CD_PLAIN], false);
		fputc('}', out);
	}
	fputs("]},", out);
}

static void
outbound(FILE *out, const struct view *v)
{
	size_t	i, k;

	key(out, "outbound");
	fputs("{", out);
	key(out, "destinations");
	fputc('[', out);
	for (i = 0; i < v->ndests; i++) {
		const struct dest_view *d = &v->dests[i];

		fprintf(out, "%s{", i ? "," : "");
		str(out, "domain", d->row->name, true);
		num(out, "deliveries", d->row->c[DD_TOTAL], true);
		num(out, "sent", d->row->c[DD_SENT], true);
		num(out, "deferred", d->row->c[DD_DEFERRED], true);
		num(out, "bounced", d->row->c[DD_BOUNCED], true);
		key(out, "tls");
		fputc('{', out);
		for (k = 0; k < TC_NCLASSES; k++)
			num(out, tls_class_name((enum tls_class)k),
			    d->row->c[k], k + 1 < TC_NCLASSES);
		fputs("},", out);
		key(out, "policy");
		fputc('{', out);
		str(out, "tls", d->tls, true);
		str(out, "dane", d->dane, false);
		fputs("},", out);
		num(out, "below_policy", d->below, false);
		fputc('}', out);
	}
	fputs("]},", out);
}

static void
refusals(FILE *out, const struct view *v)
{
	size_t	i, f, c;

	key(out, "refusals");
	fputs("{", out);
	key(out, "by_category");
	fputc('{', out);
	for (f = 0; f < FLOW_N; f++) {
		key(out, flow_name((enum flow)f));
		fputc('{', out);
		for (c = 0; c < RC_NCATS; c++)
			num(out, refusal_cat_name((enum refusal_cat)c),
			    v->st->by_category[f][c], c + 1 < RC_NCATS);
		fprintf(out, "}%s", f + 1 < FLOW_N ? "," : "");
	}
	fputs("},", out);
	key(out, "reasons");
	fputc('[', out);
	for (i = 0; i < v->nrefusals; i++) {
		fprintf(out, "%s{", i ? "," : "");
		str(out, "flow", v->refusals[i].flow, true);
		str(out, "category", v->refusals[i].category, true);
		str(out, "reason", v->refusals[i].reason, true);
		num(out, "count", v->refusals[i].count, false);
		fputc('}', out);
	}
	fputs("]},", out);
}

static void
rows(FILE *out, const char *name, const char *label,
    struct tally_row *const *r, size_t n, bool comma)
{
	size_t	i;

	key(out, name);
	fputc('[', out);
	for (i = 0; i < n; i++) {
		fprintf(out, "%s{", i ? "," : "");
		str(out, label, r[i]->name, true);
		num(out, "count", r[i]->c[0], false);
		fputc('}', out);
	}
	fprintf(out, "]%s", comma ? "," : "");
}

static void
smime(FILE *out, const struct view *v)
{
	const uint64_t *s = v->st->smime;

	key(out, "smime");
	fputc('{', out);
	num(out, "signed", s[SM_SIGNED], true);
	num(out, "encrypted", s[SM_ENCRYPTED], true);
	num(out, "decrypted", s[SM_DECRYPTED], true);
	num(out, "verified", s[SM_VERIFIED], true);
	key(out, "missing_key");
	fputc('{', out);
	num(out, "bounce", s[SM_BOUNCED], true);
	num(out, "drop", s[SM_DROPPED], true);
	num(out, "split", s[SM_SPLIT], true);
	num(out, "clear_only", s[SM_CLEAR], true);
	num(out, "recipients", s[SM_MISSING_RCPTS], false);
	fputs("},", out);
	num(out, "unusable_keys", s[SM_UNUSABLE], true);
	num(out, "errors", s[SM_ERRORS], true);
	rows(out, "failures", "reason", v->failures, v->nfailures, true);
	rows(out, "results", "result", v->results, v->nresults, false);
	fputs("},", out);
}

static void
keys(FILE *out, const struct view *v, const struct out_opts *o)
{
	const struct stats *st = v->st;
	size_t	i;

	key(out, "keys");
	fputc('{', out);
	rows(out, "harvested_per_day", "day", v->harvest, v->nharvest, true);
	num(out, "churn_alerts", st->churn_alerts, true);
	key(out, "alerts");
	fputc('[', out);
	for (i = 0; i < v->nalerts; i++) {
		char	kind[TALLY_NAME_MAX + 1];
		const char *bar = strchr(v->alerts[i]->name, '|');

		snprintf(kind, sizeof(kind), "%.*s", bar ? (int)(bar -
		    v->alerts[i]->name) : (int)strlen(v->alerts[i]->name),
		    v->alerts[i]->name);
		fprintf(out, "%s{", i ? "," : "");
		str(out, "kind", kind, true);
		str(out, "action", bar ? bar + 1 : "", true);
		num(out, "count", v->alerts[i]->c[0], false);
		fputc('}', out);
	}
	fputs("],", out);
	num(out, "expiring_within_days", o->expiring_days, true);
	key(out, "expiring");
	fputc('[', out);
	for (i = 0; i < st->ncerts; i++) {
		const struct cert_entry *c = &st->certs[i];

		fprintf(out, "%s{", i ? "," : "");
		str(out, "kind", c->organisation ? "organisation" : "partner",
		    true);
		str(out, "name", c->name, true);
		str(out, "subject", c->subject, true);
		str(out, "email", c->email, true);
		when(out, "not_after", c->not_after, true);
		key(out, "days_left");
		fprintf(out, "%lld}", (long long)((c->not_after - o->now) /
		    86400));
	}
	fputs("],", out);
	key(out, "keystore_note");
	if (st->keystore_note)
		put_json(out, st->keystore_note);
	else
		fputs("null", out);
	fputs("}", out);
}

bool
out_json(FILE *out, const struct view *v, const struct out_opts *o)
{
	const struct stats *st = v->st;

	fputc('{', out);
	str(out, "report", "gatewarden-report", true);
	when(out, "made", o->now, true);
	key(out, "range");
	fputc('{', out);
	when(out, "since", st->since, true);
	when(out, "until", st->until, true);
	when(out, "first", st->first, true);
	when(out, "last", st->last, false);
	fputs("},", out);
	key(out, "input");
	fputc('{', out);
	num(out, "lines", st->lines, true);
	num(out, "unparsed", st->unparsed, true);
	num(out, "out_of_range", st->out_of_range, true);
	num(out, "gatewarden", st->gatewarden, true);
	num(out, "postfix", st->postfix, true);
	num(out, "long_lines", st->long_lines, true);
	num(out, "errors", st->input_errors, false);
	fputs("},", out);
	key(out, "timeline");
	fputc('{', out);
	when(out, "start", st->tl->n ? st->tl->start : 0, true);
	num(out, "bucket_seconds", (uint64_t)st->tl->width, true);
	num(out, "buckets", st->tl->n, false);
	fputs("},", out);
	inbound(out, v);
	outbound(out, v);
	refusals(out, v);
	smime(out, v);
	keys(out, v, o);
	fputs("}\n", out);
	return fflush(out) == 0 && !ferror(out);
}
