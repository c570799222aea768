/*
 * dns - see dns.h.
 */
#include "config.h"

#include <string.h>
#include <stdlib.h>

#include "dane/dns.h"
#include "lib/xalloc.h"

void
dns_answer_clear(struct dns_answer *a)
{
	size_t	i;

	if (a == NULL)
		return;
	free(a->canon);
	free(a->why);
	for (i = 0; i < a->nmx; i++)
		free(a->mx[i].host);
	free(a->mx);
	for (i = 0; i < a->ntlsa; i++)
		free(a->tlsa[i].data);
	free(a->tlsa);
	for (i = 0; i < a->naddr; i++)
		free(a->addr[i]);
	free(a->addr);
	free(a->target);
	for (i = 0; i < a->ntxt; i++)
		free(a->txt[i]);
	free(a->txt);
	memset(a, 0, sizeof(*a));
}

static char *
dup_or_null(const char *s)
{
	return s ? x_strdup(s) : NULL;
}

void
dns_answer_copy(struct dns_answer *out, const struct dns_answer *in)
{
	size_t	i;

	memset(out, 0, sizeof(*out));
	out->sec = in->sec;
	out->kind = in->kind;
	out->ttl = in->ttl;
	out->canon = dup_or_null(in->canon);
	out->why = dup_or_null(in->why);
	out->target = dup_or_null(in->target);
	if (in->nmx) {
		out->mx = x_calloc(in->nmx, sizeof(*out->mx));
		for (i = 0; i < in->nmx; i++) {
			out->mx[i].pref = in->mx[i].pref;
			out->mx[i].host = x_strdup(in->mx[i].host);
		}
		out->nmx = in->nmx;
	}
	if (in->ntlsa) {
		out->tlsa = x_calloc(in->ntlsa, sizeof(*out->tlsa));
		for (i = 0; i < in->ntlsa; i++) {
			out->tlsa[i] = in->tlsa[i];
			out->tlsa[i].data = x_malloc(in->tlsa[i].len);
			memcpy(out->tlsa[i].data, in->tlsa[i].data,
			    in->tlsa[i].len);
		}
		out->ntlsa = in->ntlsa;
	}
	if (in->naddr) {
		out->addr = x_calloc(in->naddr, sizeof(*out->addr));
		for (i = 0; i < in->naddr; i++)
			out->addr[i] = x_strdup(in->addr[i]);
		out->naddr = in->naddr;
	}
	if (in->ntxt) {
		out->txt = x_calloc(in->ntxt, sizeof(*out->txt));
		for (i = 0; i < in->ntxt; i++)
			out->txt[i] = x_strdup(in->txt[i]);
		out->ntxt = in->ntxt;
	}
}

const char *
dns_sec_name(enum dns_sec s)
{
	switch (s) {
	case DNS_SEC_SECURE:	return "secure";
	case DNS_SEC_INSECURE:	return "insecure";
	case DNS_SEC_BOGUS:	return "bogus";
	case DNS_SEC_FAILED:	return "failed";
	}
	return "?";
}

const char *
dns_kind_name(enum dns_kind k)
{
	switch (k) {
	case DNS_KIND_DATA:	return "data";
	case DNS_KIND_NODATA:	return "nodata";
	case DNS_KIND_NXDOMAIN:	return "nxdomain";
	}
	return "?";
}

const char *
dns_tlsa_hex(const struct dns_tlsa *t, char *buf, size_t bufsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t	i, o = 0;

	if (bufsz == 0)
		return buf;
	for (i = 0; i < t->len && o + 2 < bufsz; i++) {
		buf[o++] = hex[t->data[i] >> 4];
		buf[o++] = hex[t->data[i] & 15];
	}
	buf[o] = '\0';
	return buf;
}
