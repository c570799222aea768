/*
 * out_html - the report as one self-contained HTML page (output.h): CSS
 * in the head, charts as inline SVG (svg.h), no script, no font or image
 * fetched, so that it reads the same offline and in a mail client. Each
 * section puts its chart (id chart-NAME) beside the table of its numbers
 * (id table-NAME); the tables hold the top VIEW_TOP rows.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "report/escape.h"
#include "report/output.h"
#include "report/svg.h"

static const char style[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;"
	"margin:24px;color:#222;background:#fff}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;"
	"border-bottom:1px solid #ccc;padding-bottom:4px}"
	".meta{color:#555;font-size:13px;margin:2px 0}"
	".pair{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}"
	"table.data{border-collapse:collapse;font-size:13px}"
	"table.data th{background:#f0f0f0;text-align:right;padding:3px 8px}"
	"table.data td{border-bottom:1px solid #e4e4e4;text-align:right;"
	"padding:2px 8px}"
	"table.data .name{text-align:left;max-width:260px;overflow-wrap:anywhere}"
	".note{color:#666;font-size:12px}";

static const char *const class_colors[] = {
	"#2ca02c", "#98df8a", "#ffbb78", "#ff7f0e", "#d62728",
};

static void
th(FILE *out, const char *const *names, size_t n)
{
	size_t	i;

	fputs("<tr>", out);
	for (i = 0; i < n; i++)
		fprintf(out, "<th%s>%s</th>", i == 0 ? " class=\"name\"" : "",
		    names[i]);
	fputs("</tr>", out);
}

static void
td_name(FILE *out, const char *s)
{
	fputs("<td class=\"name\">", out);
	put_html(out, s);
	fputs("</td>", out);
}

static void
td_num(FILE *out, uint64_t v)
{
	fprintf(out, "<td>%llu</td>", (unsigned long long)v);
}

static void
td_share(FILE *out, uint64_t part, uint64_t total)
{
	fprintf(out, "<td>%.1f%%</td>", view_share(part, total));
}

static void
section(FILE *out, const char *id, const char *title, const char *note)
{
	fprintf(out, "<section id=\"%s\"><h2>%s</h2>", id, title);
	if (note != NULL)
		fprintf(out, "<p class=\"note\">%s</p>", note);
	fputs("<div class=\"pair\">", out);
}

static void
end_section(FILE *out)
{
	fputs("</div></section>\n", out);
}

static void
more(FILE *out, size_t shown, size_t n)
{
	if (n > shown)
		fprintf(out, "<p class=\"note\">%zu more rows in --json</p>",
		    n - shown);
}

/* Lines of TLS share per row over time: (part / total) per bucket. */
static void
share_lines(FILE *out, const char *id, const char *title,
    const struct timeline *tl, struct tally_row *const *rows, size_t n)
{
	struct svg_line *lines = x_calloc(n ? n : 1, sizeof(*lines));
	size_t	i, k;

	for (i = 0; i < n; i++) {
		lines[i].name = rows[i]->name;
		for (k = 0; k < tl->n; k++) {
			const uint64_t *b = rows[i]->series->v[k];

			lines[i].present[k] = b[0] > 0;
			lines[i].v[k] = view_share(b[1], b[0]);
		}
	}
	svg_lines(out, id, title, tl, lines, n, 100, "%");
	free(lines);
}

static void
inbound(FILE *out, const struct view *v)
{
	static const char *const gh[] = { "sender group", "decisions", "TLS",
	    "share", "accepted", "refused", "tempfailed" };
	static const char *const dh[] = { "client domain", "sessions", "TLS",
	    "share", "plain" };
	const struct timeline *tl = v->st->tl;
	size_t	i;

	section(out, "inbound-groups", "Inbound TLS share per sender group",
	    "gatewarden's TLS decision at each MAIL FROM, by sender group; "
	    "the share of those that came over TLS");
	share_lines(out, "chart-inbound-groups", "Inbound TLS share per "
	    "sender group over time", tl, v->groups, v->ngroups < VIEW_LINES ?
	    v->ngroups : VIEW_LINES);
	fputs("<table id=\"table-inbound-groups\" class=\"data\">", out);
	th(out, gh, 7);
	for (i = 0; i < v->ngroups && i < VIEW_TOP; i++) {
		const struct tally_row *r = v->groups[i];

		fputs("<tr>", out);
		td_name(out, r->name);
		td_num(out, r->c[GRP_TOTAL]);
		td_num(out, r->c[GRP_TLS]);
		td_share(out, r->c[GRP_TLS], r->c[GRP_TOTAL]);
		td_num(out, r->c[GRP_ACCEPT]);
		td_num(out, r->c[GRP_REJECT]);
		td_num(out, r->c[GRP_TEMPFAIL]);
		fputs("</tr>", out);
	}
	fputs("</table>", out);
	more(out, i, v->ngroups);
	end_section(out);

	section(out, "inbound-domains", "Inbound TLS share per client domain",
	    "Postfix smtpd sessions by the client's domain (its verified name "
	    "less the first label; [address] when the name is unknown); the "
	    "chart shows the busiest five");
	share_lines(out, "chart-inbound-domains", "Inbound TLS share per "
	    "client domain over time", tl, v->domains, v->ndomains < VIEW_LINES ?
	    v->ndomains : VIEW_LINES);
	fputs("<table id=\"table-inbound-domains\" class=\"data\">", out);
	th(out, dh, 5);
	for (i = 0; i < v->ndomains && i < VIEW_TOP; i++) {
		const struct tally_row *r = v->domains[i];

		fputs("<tr>", out);
		td_name(out, r->name);
		td_num(out, r->c[CD_SESSIONS]);
		td_num(out, r->c[CD_TLS]);
		td_share(out, r->c[CD_TLS], r->c[CD_SESSIONS]);
		td_num(out, r->c[CD_PLAIN]);
		fputs("</tr>", out);
	}
	fputs("</table>", out);
	more(out, i, v->ndomains);
	end_section(out);
}

static void
outbound(FILE *out, const struct view *v)
{
	static const char *const head[] = { "destination", "policy", "DANE",
	    "Verified", "Trusted", "Untrusted", "Anonymous", "plain", "sent",
	    "deferred", "bounced", "below policy" };
	const char *seg[TC_NCLASSES];
	struct svg_bar *bars = x_calloc(VIEW_TOP, sizeof(*bars));
	size_t	i, k, n = v->ndests < VIEW_TOP ? v->ndests : VIEW_TOP;

	for (k = 0; k < TC_NCLASSES; k++)
		seg[k] = tls_class_name((enum tls_class)k);
	for (i = 0; i < n; i++) {
		bars[i].label = v->dests[i].row->name;
		for (k = 0; k < TC_NCLASSES; k++)
			bars[i].v[k] = (double)v->dests[i].row->c[k];
	}
	section(out, "outbound", "Outbound TLS per destination domain",
	    v->have_policy ? "Postfix deliveries sent, by the TLS Postfix "
	    "achieved, against the level the configuration's destinations "
	    "demand; below policy: sent with less than that" : "Postfix "
	    "deliveries sent, by the TLS Postfix achieved (give -c FILE to "
	    "compare with the policy demanded)");
	svg_bars(out, "chart-outbound", "Outbound TLS achieved per "
	    "destination domain", bars, n, seg, class_colors, TC_NCLASSES, "");
	fputs("<table id=\"table-outbound\" class=\"data\">", out);
	th(out, head, 12);
	for (i = 0; i < n; i++) {
		const struct dest_view *d = &v->dests[i];

		fputs("<tr>", out);
		td_name(out, d->row->name);
		fprintf(out, "<td>%s</td><td>%s</td>", d->tls, d->dane);
		for (k = 0; k < TC_NCLASSES; k++)
			td_num(out, d->row->c[k]);
		td_num(out, d->row->c[DD_SENT]);
		td_num(out, d->row->c[DD_DEFERRED]);
		td_num(out, d->row->c[DD_BOUNCED]);
		td_num(out, d->below);
		fputs("</tr>", out);
	}
	fputs("</table>", out);
	more(out, n, v->ndests);
	end_section(out);
	free(bars);
}

static void
refusals(FILE *out, const struct view *v)
{
	static const char *const head[] = { "reason", "flow", "category",
	    "count" };
	static const char *const flows[] = { "inbound", "outbound" };
	struct svg_bar bars[RC_NCATS];
	size_t	i;

	memset(bars, 0, sizeof(bars));
	for (i = 0; i < RC_NCATS; i++) {
		bars[i].label = refusal_cat_name((enum refusal_cat)i);
		bars[i].v[0] = (double)v->st->by_category[FLOW_IN][i];
		bars[i].v[1] = (double)v->st->by_category[FLOW_OUT][i];
	}
	section(out, "refusals", "Refusals and deferrals by reason",
	    "inbound: refused by gatewarden's TLS policy or its RCPT-time DANE "
	    "check; outbound: deliveries Postfix deferred or bounced");
	svg_bars(out, "chart-refusals", "Refusals and deferrals by reason",
	    bars, RC_NCATS, flows, NULL, 2, "");
	fputs("<table id=\"table-refusals\" class=\"data\">", out);
	th(out, head, 4);
	for (i = 0; i < v->nrefusals && i < VIEW_TOP; i++) {
		const struct refusal_view *r = &v->refusals[i];

		fputs("<tr>", out);
		td_name(out, r->reason);
		fprintf(out, "<td>%s</td><td>%s</td>", r->flow, r->category);
		td_num(out, r->count);
		fputs("</tr>", out);
	}
	fputs("</table>", out);
	more(out, i, v->nrefusals);
	end_section(out);
}

static void
smime(FILE *out, const struct view *v)
{
	static const char *const names[] = { "signed", "encrypted",
	    "decrypted", "verified", "missing key: bounce", "missing key: drop",
	    "missing key: split", "unusable keys", "errors" };
	static const int cols[] = { SM_SIGNED, SM_ENCRYPTED, SM_DECRYPTED,
	    SM_VERIFIED, SM_BOUNCED, SM_DROPPED, SM_SPLIT, SM_UNUSABLE,
	    SM_ERRORS };
	static const char *const head[] = { "operation", "messages" };
	static const char *const fhead[] = { "failure or result", "count" };
	struct svg_bar bars[9];
	size_t	i;

	memset(bars, 0, sizeof(bars));
	for (i = 0; i < 9; i++) {
		bars[i].label = names[i];
		bars[i].v[0] = (double)v->st->smime[cols[i]];
	}
	section(out, "smime", "S/MIME", "messages signed and encrypted on the "
	    "way out, decrypted and verified on the way in; what the profiles' "
	    "missing_key did; failures by reason");
	svg_bars(out, "chart-smime", "S/MIME operations", bars, 9, NULL, NULL,
	    1, "");
	fputs("<table id=\"table-smime\" class=\"data\">", out);
	th(out, head, 2);
	for (i = 0; i < 9; i++) {
		fputs("<tr>", out);
		td_name(out, names[i]);
		td_num(out, v->st->smime[cols[i]]);
		fputs("</tr>", out);
	}
	fputs("</table>", out);
	fputs("<table id=\"table-smime-failures\" class=\"data\">", out);
	th(out, fhead, 2);
	for (i = 0; i < v->nfailures && i < VIEW_TOP; i++) {
		fputs("<tr>", out);
		td_name(out, v->failures[i]->name);
		td_num(out, v->failures[i]->c[0]);
		fputs("</tr>", out);
	}
	for (i = 0; i < v->nresults && i < VIEW_TOP; i++) {
		char	name[TALLY_NAME_MAX + 16];

		snprintf(name, sizeof(name), "incoming smime=%s",
		    v->results[i]->name);
		fputs("<tr>", out);
		td_name(out, name);
		td_num(out, v->results[i]->c[0]);
		fputs("</tr>", out);
	}
	fputs("</table>", out);
	end_section(out);
}

static void
harvest(FILE *out, const struct view *v)
{
	static const char *const head[] = { "day", "harvested" };
	static const char *const ahead[] = { "alert", "action", "count" };
	struct timeline *tl = timeline_new();
	struct series *s = timeline_series(tl);
	struct svg_line line;
	size_t	i, k;

	/* a timeline of days of its own, from the key store's dates */
	tl->width = 86400;
	for (i = 0; i < v->nharvest; i++) {
		struct tm tm = { 0 };

		if (sscanf(v->harvest[i]->name, "%d-%d-%d", &tm.tm_year,
		    &tm.tm_mon, &tm.tm_mday) != 3)
			continue;
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		timeline_add(tl, s, (int64_t)timegm(&tm), 0,
		    v->harvest[i]->c[0]);
	}
	memset(&line, 0, sizeof(line));
	line.name = "keys harvested";
	for (k = 0; k < tl->n; k++) {
		line.present[k] = true;
		line.v[k] = (double)s->v[k][0];
	}
	section(out, "keys", "Harvested keys and alerts", "signer "
	    "certificates of incoming signed mail added to the key store, per "
	    "day (from the key store); the alerts gatewarden sent or held back");
	svg_lines(out, "chart-harvest", "Keys harvested per day", tl, &line,
	    tl->n ? 1 : 0, 0, "");
	fputs("<table id=\"table-harvest\" class=\"data\">", out);
	th(out, head, 2);
	for (i = 0; i < v->nharvest; i++) {
		fputs("<tr>", out);
		td_name(out, v->harvest[i]->name);
		td_num(out, v->harvest[i]->c[0]);
		fputs("</tr>", out);
	}
	fprintf(out, "<tr><td class=\"name\">key churn alerts sent</td>"
	    "<td>%llu</td></tr></table>", (unsigned long long)
	    v->st->churn_alerts);
	fputs("<table id=\"table-alerts\" class=\"data\">", out);
	th(out, ahead, 3);
	for (i = 0; i < v->nalerts && i < VIEW_TOP; i++) {
		char	kind[TALLY_NAME_MAX + 1];
		const char *name = v->alerts[i]->name, *bar = strchr(name, '|');

		snprintf(kind, sizeof(kind), "%.*s", bar ? (int)(bar - name) :
		    (int)strlen(name), name);
		fputs("<tr>", out);
		td_name(out, kind);
		fputs("<td>", out);
		put_html(out, bar ? bar + 1 : "");
		fputs("</td>", out);
		td_num(out, v->alerts[i]->c[0]);
		fputs("</tr>", out);
	}
	fputs("</table>", out);
	end_section(out);
	timeline_free(tl);
}

static void
expiring(FILE *out, const struct view *v, const struct out_opts *o)
{
	static const char *const head[] = { "certificate", "kind", "expires",
	    "days left", "address", "subject" };
	const struct stats *st = v->st;
	char	note[160], when[32];
	size_t	i;

	snprintf(note, sizeof(note), "the organisation's certificates and "
	    "partners' keys in the key store that expire within %u days%s%s",
	    o->expiring_days, st->keystore_note ? "; key store: " : "",
	    st->keystore_note ? st->keystore_note : "");
	section(out, "expiring", "Certificates expiring soon", note);
	fputs("<table id=\"table-expiring\" class=\"data\">", out);
	th(out, head, 6);
	for (i = 0; i < st->ncerts && i < VIEW_TOP; i++) {
		const struct cert_entry *c = &st->certs[i];

		fputs("<tr>", out);
		td_name(out, c->name);
		fprintf(out, "<td>%s</td><td>%s</td><td>%lld</td>",
		    c->organisation ? "organisation" : "partner",
		    view_time(c->not_after, when, sizeof(when)),
		    (long long)((c->not_after - o->now) / 86400));
		td_name(out, c->email);
		td_name(out, c->subject);
		fputs("</tr>", out);
	}
	fputs("</table>", out);
	more(out, i, st->ncerts);
	end_section(out);
}

static void
clear_senders(FILE *out, const struct view *v)
{
	static const char *const head[] = { "client domain", "plain",
	    "sessions", "plain share" };
	struct svg_bar bars[VIEW_TOP];
	size_t	i, n = v->nclear < VIEW_TOP ? v->nclear : VIEW_TOP;

	memset(bars, 0, sizeof(bars));
	for (i = 0; i < n; i++) {
		bars[i].label = v->clear[i]->name;
		bars[i].v[0] = (double)v->clear[i]->c[CD_PLAIN];
	}
	section(out, "clear", "Top domains still sending in the clear",
	    "client domains by their sessions without STARTTLS");
	svg_bars(out, "chart-clear", "Top domains still sending in the clear",
	    bars, n, NULL, class_colors + TC_PLAIN, 1, "");
	fputs("<table id=\"table-clear\" class=\"data\">", out);
	th(out, head, 4);
	for (i = 0; i < n; i++) {
		const struct tally_row *r = v->clear[i];

		fputs("<tr>", out);
		td_name(out, r->name);
		td_num(out, r->c[CD_PLAIN]);
		td_num(out, r->c[CD_SESSIONS]);
		td_share(out, r->c[CD_PLAIN], r->c[CD_SESSIONS]);
		fputs("</tr>", out);
	}
	fputs("</table>", out);
	more(out, n, v->nclear);
	end_section(out);
}

bool
out_html(FILE *out, const struct view *v, const struct out_opts *o)
{
	const struct stats *st = v->st;
	char	a[32], b[32], made[32];

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\"><title>", out);
	put_html(out, o->title);
	fprintf(out, "</title><style>%s</style></head>\n<body>\n<h1>", style);
	put_html(out, o->title);
	fprintf(out, "</h1><p class=\"meta\">from %s to %s; made %s</p>",
	    st->first ? view_time(st->first, a, sizeof(a)) : "-",
	    st->last ? view_time(st->last, b, sizeof(b)) : "-",
	    view_time(o->now, made, sizeof(made)));
	fprintf(out, "<p class=\"meta\" id=\"input\">%llu lines read: %llu of "
	    "gatewarden, %llu of Postfix; %llu outside the range, %llu not a "
	    "log line, %llu cut, %llu read errors</p>\n",
	    (unsigned long long)st->lines, (unsigned long long)st->gatewarden,
	    (unsigned long long)st->postfix,
	    (unsigned long long)st->out_of_range,
	    (unsigned long long)st->unparsed,
	    (unsigned long long)st->long_lines,
	    (unsigned long long)st->input_errors);
	inbound(out, v);
	outbound(out, v);
	refusals(out, v);
	smime(out, v);
	harvest(out, v);
	expiring(out, v, o);
	clear_senders(out, v);
	fputs("</body></html>\n", out);
	return fflush(out) == 0 && !ferror(out);
}
