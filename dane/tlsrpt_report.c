/*
 * tlsrpt_report - see tlsrpt_report.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dane/report.h"
#include "dane/tlsrpt_report.h"
#include "lib/log.h"
#include "lib/xalloc.h"

static void
push(char ***v, size_t *n, char *s)
{
	*v = x_realloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

static enum tlsrpt_result
fetch_result(enum sts_fetch_result r)
{
	switch (r) {
	case STS_FETCH_OK:	return TR_SUCCESS;
	case STS_FETCH_FAILED:	return TR_STS_FETCH_ERROR;
	case STS_FETCH_WEBPKI:	return TR_STS_WEBPKI_INVALID;
	case STS_FETCH_INVALID:	return TR_STS_POLICY_INVALID;
	}
	return TR_STS_FETCH_ERROR;
}

void
tlsrpt_policy_from_plan(const struct plan_entry *e, struct tlsrpt_policy *p)
{
	const struct sts_result *sts = e->sts;
	size_t	i, j;

	memset(p, 0, sizeof(*p));
	p->type = "no-policy-found";
	if (strcmp(e->policy_type, "tlsa") == 0) {
		p->type = "tlsa";
		for (i = 0; e->lookup && i < e->lookup->nhosts; i++) {
			const struct dane_host *h = &e->lookup->hosts[i];

			for (j = 0; j < h->ntlsa; j++) {
				char	hex[2 * DNS_MAX_TLSA_DATA + 1];

				push(&p->strings, &p->nstrings, x_asprintf(
				    "_25._tcp.%s. IN TLSA %u %u %u %s",
				    h->tlsa_base, h->tlsa[j].usage,
				    h->tlsa[j].selector, h->tlsa[j].mtype,
				    dns_tlsa_hex(&h->tlsa[j], hex,
				    sizeof(hex))));
			}
		}
	} else if (strcmp(e->policy_type, "sts") == 0 && sts) {
		p->type = "sts";
		p->verified_only = true;
		for (i = 0; i < sts->policy.nlines; i++)
			push(&p->strings, &p->nstrings,
			    x_strdup(sts->policy.lines[i]));
		for (i = 0; i < sts->policy.nmx; i++)
			push(&p->mx, &p->nmx, x_strdup(sts->policy.mx[i]));
	} else if (sts && sts->status != STS_POLICY && sts->fetched &&
	    sts->fetch != STS_FETCH_OK) {
		p->type = "sts";
		p->fetch_failure = fetch_result(sts->fetch);
	}
}

void
tlsrpt_policy_clear(struct tlsrpt_policy *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nstrings; i++)
		free(p->strings[i]);
	for (i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	free(p->strings);
	free(p->mx);
	memset(p, 0, sizeof(*p));
}

enum tlsrpt_result
tlsrpt_judge(const struct tlsrpt_policy *p, const struct tlsrpt_session *s)
{
	if (p->fetch_failure != TR_SUCCESS)
		return p->fetch_failure;
	if (s->failed != TR_SUCCESS)
		return s->failed;
	if (s->tls == TT_NONE)
		return TR_STARTTLS_NOT_SUPPORTED;
	if (!p->verified_only || s->tls == TT_VERIFIED)
		return TR_SUCCESS;
	if (s->tls == TT_TRUSTED)
		return TR_CERT_HOST_MISMATCH;
	return s->cert != TR_SUCCESS ? s->cert : TR_CERT_NOT_TRUSTED;
}

struct detail {
	enum tlsrpt_result r;
	const char	*mx, *ip;
	unsigned long	count;
};

static int
detail_cmp(const void *a, const void *b)
{
	const struct detail *x = a, *y = b;
	int	c;

	if (x->r != y->r)
		return x->r < y->r ? -1 : 1;
	if ((c = strcmp(x->mx, y->mx)) != 0)
		return c;
	return strcmp(x->ip, y->ip);
}

static void
json_strings(FILE *fp, const char *key, char *const *v, size_t n)
{
	size_t	i;

	fprintf(fp, ",\"%s\":[", key);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', fp);
		report_json_string(fp, v[i]);
	}
	fputc(']', fp);
}

static void
json_details(FILE *fp, const struct detail *d, size_t n, const char *ip)
{
	size_t	i;

	fputs(",\"failure-details\":[", fp);
	for (i = 0; i < n; i++) {
		fprintf(fp, "%s{\"result-type\":\"%s\",\"sending-mta-ip\":",
		    i ? "," : "", tlsrpt_result_name(d[i].r));
		report_json_string(fp, ip);
		fputs(",\"receiving-mx-hostname\":", fp);
		report_json_string(fp, d[i].mx);
		if (d[i].ip[0]) {
			fputs(",\"receiving-ip\":", fp);
			report_json_string(fp, d[i].ip);
		}
		fprintf(fp, ",\"failed-session-count\":%lu}", d[i].count);
	}
	fputc(']', fp);
}

char *
tlsrpt_report_json(const struct tlsrpt_meta *m, const char *domain,
    const struct tlsrpt_policy *p, const struct tlsrpt_session *v, size_t n,
    unsigned long *ok, unsigned long *failed)
{
	struct detail *d = x_calloc(n ? n : 1, sizeof(*d));
	size_t	nd = 0, i, j, len;
	char	day[16], *out = NULL;
	struct tm tm;
	FILE	*fp;

	*ok = *failed = 0;
	for (i = 0; i < n; i++) {
		enum tlsrpt_result r = tlsrpt_judge(p, &v[i]);
		const char *mx = v[i].mx[0] ? v[i].mx : domain;

		if (r == TR_SUCCESS) {
			(*ok)++;
			continue;
		}
		(*failed)++;
		for (j = 0; j < nd; j++)
			if (d[j].r == r && strcmp(d[j].mx, mx) == 0 &&
			    strcmp(d[j].ip, v[i].ip) == 0)
				break;
		if (j == nd) {
			d[nd].r = r;
			d[nd].mx = mx;
			d[nd].ip = v[i].ip;
			nd++;
		}
		d[j].count++;
	}
	qsort(d, nd, sizeof(*d), detail_cmp);
	gmtime_r(&m->day, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	if ((fp = open_memstream(&out, &len)) == NULL)
		log_panic("open_memstream: out of memory");
	fputs("{\"organization-name\":", fp);
	report_json_string(fp, m->organization);
	fprintf(fp, ",\"date-range\":{\"start-datetime\":\"%sT00:00:00Z\","
	    "\"end-datetime\":\"%sT23:59:59Z\"},\"contact-info\":", day, day);
	report_json_string(fp, m->contact);
	fputs(",\"report-id\":", fp);
	report_json_string(fp, m->report_id);
	fprintf(fp, ",\"policies\":[{\"policy\":{\"policy-type\":\"%s\"",
	    p->type);
	if (p->nstrings)
		json_strings(fp, "policy-string", p->strings, p->nstrings);
	fputs(",\"policy-domain\":", fp);
	report_json_string(fp, domain);
	if (p->nmx)
		json_strings(fp, "mx-host", p->mx, p->nmx);
	fprintf(fp, "},\"summary\":{\"total-successful-session-count\":%lu,"
	    "\"total-failure-session-count\":%lu}", *ok, *failed);
	if (nd)
		json_details(fp, d, nd, m->sending_ip);
	fputs("}]}\n", fp);
	if (fclose(fp) != 0 || out == NULL)
		log_panic("open_memstream: out of memory");
	free(d);
	return out;
}
