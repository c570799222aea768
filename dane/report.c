/*
 * report - see report.h.
 */
#include "config.h"

#include <stdio.h>

#include "conf/words.h"
#include "dane/report.h"

static void
text_host(FILE *fp, const struct dane_host *h)
{
	char	hex[2 * 64 + 1];
	size_t	i;

	fprintf(fp, "  mx %u %s: address %s", h->pref, h->name,
	    dns_sec_name(h->addr_sec));
	for (i = 0; i < h->naddr; i++)
		fprintf(fp, "%s%s", i ? "," : " ", h->addr[i]);
	if (h->tlsa_base)
		fprintf(fp, "; TLSA _25._tcp.%s %s", h->tlsa_base,
		    dns_sec_name(h->tlsa_sec));
	fprintf(fp, "; %s%s%s\n", dane_host_state_name(h->state),
	    h->why ? ": " : "", h->why ? h->why : "");
	for (i = 0; i < h->ntlsa; i++) {
		const struct dns_tlsa *t = &h->tlsa[i];

		fprintf(fp, "    TLSA %u %u %u %s%s %s\n", t->usage, t->selector,
		    t->mtype, dns_tlsa_hex(t, hex, sizeof(hex)),
		    t->len > 64 ? "..." : "",
		    dane_tlsa_usable(t) ? "usable" : "unusable");
	}
}

static const char *
sts_status_name(enum sts_status s)
{
	switch (s) {
	case STS_POLICY:	return "policy";
	case STS_NONE:		return "none";
	case STS_TEMP:		return "temporary-failure";
	}
	return "?";
}

static void
text_sts(FILE *fp, const struct sts_result *r)
{
	size_t	i;

	fprintf(fp, "  mta-sts: %s", sts_status_name(r->status));
	if (r->status == STS_POLICY) {
		fprintf(fp, " id %s mode %s max_age %u%s mx", r->id,
		    sts_mode_name(r->policy.mode), r->policy.max_age,
		    r->cached ? " (cached)" : "");
		for (i = 0; i < r->policy.nmx; i++)
			fprintf(fp, "%s%s", i ? "," : " ", r->policy.mx[i]);
	}
	if (r->fetched && r->fetch != STS_FETCH_OK)
		fprintf(fp, " [%s]", sts_fetch_result_type(r->fetch));
	if (r->why)
		fprintf(fp, ": %s", r->why);
	fputc('\n', fp);
}

void
report_text_entry(FILE *fp, const struct plan_entry *e, const char *name,
    bool written)
{
	const struct dane_domain *l = e->lookup;
	size_t	j;

	fprintf(fp, "%s: tls=%s dane=%s", name,
	    word_name(words_dest_tls, e->dest->tls),
	    word_name(words_dane_mode, e->dest->dane));
	if (e->dest->mta_sts)
		fputs(" mta_sts=true", fp);
	if (l) {
		fprintf(fp, " mx=%s", dns_sec_name(l->mx_sec));
		if (l->implicit_mx)
			fputs(" (implicit MX)", fp);
		if (l->null_mx)
			fputs(" (null MX)", fp);
		if (l->nxdomain)
			fputs(" (no such domain)", fp);
		if (l->why)
			fprintf(fp, ": %s", l->why);
	}
	fputc('\n', fp);
	for (j = 0; l && j < l->nhosts; j++) {
		text_host(fp, &l->hosts[j]);
		if (e->sts_enforce && e->sts &&
		    !sts_policy_allows(&e->sts->policy, l->hosts[j].name))
			fprintf(fp, "    not named by the MTA-STS policy: "
			    "delivery to it fails\n");
	}
	if (e->sts)
		text_sts(fp, e->sts);
	if (e->error)
		fprintf(fp, "  error: %s\n", e->error);
	else
		fprintf(fp, "  policy%s: %s%s%s%s\n", written ? "" :
		    " (not written)", e->postfix,
		    e->transport ? " via transport gatewarden-dane" : "",
		    e->unservable ? " (cannot be served now)" : "",
		    e->temporary ? " (temporary failure)" : "");
	fprintf(fp, "  because: %s (policy type %s)\n", e->reason,
	    e->policy_type);
}

int
report_text(FILE *fp, const struct plan *p, bool written, const char *note)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		report_text_entry(fp, &p->v[i], p->v[i].key, written);
	fprintf(fp, "maps %s%s%s\n", written ? "written" : "NOT written",
	    note ? ": " : "", note ? note : "");
	return ferror(fp) ? -1 : 0;
}

void
report_json_string(FILE *fp, const char *s)
{
	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

static void
json_bool(FILE *fp, const char *key, bool v, bool comma)
{
	fprintf(fp, "\"%s\":%s%s", key, v ? "true" : "false", comma ? "," : "");
}

static void
json_key_string(FILE *fp, const char *key, const char *v)
{
	fprintf(fp, "\"%s\":", key);
	report_json_string(fp, v);
	fputc(',', fp);
}

static void
json_host(FILE *fp, const struct dane_host *h)
{
	char	hex[2 * DNS_MAX_TLSA_DATA + 1];
	size_t	i;

	fputc('{', fp);
	json_key_string(fp, "name", h->name);
	fprintf(fp, "\"preference\":%u,", h->pref);
	json_key_string(fp, "address_status", dns_sec_name(h->addr_sec));
	fputs("\"addresses\":[", fp);
	for (i = 0; i < h->naddr; i++) {
		if (i)
			fputc(',', fp);
		report_json_string(fp, h->addr[i]);
	}
	fputs("],", fp);
	json_key_string(fp, "tlsa_base", h->tlsa_base);
	json_key_string(fp, "tlsa_status", h->tlsa_base ?
	    dns_sec_name(h->tlsa_sec) : NULL);
	json_key_string(fp, "state", dane_host_state_name(h->state));
	json_key_string(fp, "why", h->why);
	fputs("\"tlsa\":[", fp);
	for (i = 0; i < h->ntlsa; i++) {
		const struct dns_tlsa *t = &h->tlsa[i];

		fprintf(fp, "%s{\"usage\":%u,\"selector\":%u,\"mtype\":%u,",
		    i ? "," : "", t->usage, t->selector, t->mtype);
		json_key_string(fp, "data", dns_tlsa_hex(t, hex, sizeof(hex)));
		json_bool(fp, "usable", dane_tlsa_usable(t), false);
		fputc('}', fp);
	}
	fputs("]}", fp);
}

static void
json_sts(FILE *fp, const struct sts_result *r)
{
	size_t	i;

	if (r == NULL) {
		fputs("\"mta_sts\":null,", fp);
		return;
	}
	fputs("\"mta_sts\":{", fp);
	json_key_string(fp, "status", sts_status_name(r->status));
	json_key_string(fp, "id", r->status == STS_POLICY ? r->id : NULL);
	json_key_string(fp, "mode", r->status == STS_POLICY ?
	    sts_mode_name(r->policy.mode) : NULL);
	fprintf(fp, "\"max_age\":%u,\"mx\":[", r->status == STS_POLICY ?
	    r->policy.max_age : 0);
	for (i = 0; i < r->policy.nmx; i++) {
		if (i)
			fputc(',', fp);
		report_json_string(fp, r->policy.mx[i]);
	}
	fputs("],", fp);
	json_bool(fp, "cached", r->cached, true);
	json_bool(fp, "fetched", r->fetched, true);
	json_key_string(fp, "fetch_failure", r->fetched ?
	    sts_fetch_result_type(r->fetch) : NULL);
	fputs("\"why\":", fp);
	report_json_string(fp, r->why);
	fputs("},", fp);
}

void
report_json_entry(FILE *fp, const struct plan_entry *e, const char *name,
    bool written)
{
	const struct dane_domain *l = e->lookup;
	size_t	j;

	fputc('{', fp);
	json_key_string(fp, "key", name);
	json_key_string(fp, "tls", word_name(words_dest_tls, e->dest->tls));
	json_key_string(fp, "dane", word_name(words_dane_mode, e->dest->dane));
	json_bool(fp, "looked_up", l != NULL, true);
	if (l) {
		json_key_string(fp, "mx_status", dns_sec_name(l->mx_sec));
		json_key_string(fp, "mx_why", l->why);
		json_bool(fp, "implicit_mx", l->implicit_mx, true);
		json_bool(fp, "null_mx", l->null_mx, true);
		json_bool(fp, "nxdomain", l->nxdomain, true);
		fputs("\"hosts\":[", fp);
		for (j = 0; j < l->nhosts; j++) {
			if (j)
				fputc(',', fp);
			json_host(fp, &l->hosts[j]);
		}
		fputs("],", fp);
	}
	json_sts(fp, e->sts);
	/* "policy" is what the files now say; "planned" what this run
	 * made of the entry, written or not. */
	json_key_string(fp, "policy", written ? e->postfix : NULL);
	json_key_string(fp, "planned", e->postfix);
	json_key_string(fp, "policy_type", e->policy_type);
	json_bool(fp, "transport", e->transport, true);
	json_bool(fp, "sts_enforce", e->sts_enforce, true);
	json_bool(fp, "unservable", e->unservable, true);
	json_bool(fp, "temporary", e->temporary, true);
	json_key_string(fp, "error", e->error);
	fputs("\"reason\":", fp);
	report_json_string(fp, e->reason);
	fputc('}', fp);
}

int
report_json(FILE *fp, const struct plan *p, bool written, const char *note,
    int exit_code)
{
	size_t	i;

	fputs("{\"domains\":[", fp);
	for (i = 0; i < p->n; i++) {
		if (i)
			fputc(',', fp);
		report_json_entry(fp, &p->v[i], p->v[i].key, written);
	}
	fputs("],", fp);
	json_bool(fp, "written", written, true);
	json_key_string(fp, "note", note);
	fprintf(fp, "\"exit\":%d}\n", exit_code);
	return ferror(fp) ? -1 : 0;
}
