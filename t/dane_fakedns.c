/*
 * dane_fakedns - see dane_fakedns.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "t/dane_fakedns.h"

static unsigned char
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned char)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned char)(c - 'a' + 10);
	return (unsigned char)(c - 'A' + 10);
}

static void
add_record(struct dns_answer *a, enum dns_type type, const char *s)
{
	switch (type) {
	case DNS_T_MX: {
		char	host[256] = "";
		unsigned pref = 0;

		sscanf(s, "%u %255s", &pref, host);
		a->mx = x_reallocarray(a->mx, a->nmx + 1, sizeof(*a->mx));
		a->mx[a->nmx].pref = pref;
		a->mx[a->nmx].host = x_strdup(strcmp(host, ".") ? host : "");
		a->nmx++;
		break;
	}
	case DNS_T_TLSA: {
		unsigned u = 0, sel = 0, m = 0;
		int	off = 0;
		struct dns_tlsa *t;
		size_t	i, n;

		sscanf(s, "%u %u %u %n", &u, &sel, &m, &off);
		s += off;
		n = strlen(s) / 2;
		a->tlsa = x_reallocarray(a->tlsa, a->ntlsa + 1,
		    sizeof(*a->tlsa));
		t = &a->tlsa[a->ntlsa++];
		t->usage = (uint8_t)u;
		t->selector = (uint8_t)sel;
		t->mtype = (uint8_t)m;
		t->len = n;
		t->data = x_malloc(n);
		for (i = 0; i < n; i++)
			t->data[i] = (unsigned char)(hexval(s[2 * i]) << 4 |
			    hexval(s[2 * i + 1]));
		break;
	}
	case DNS_T_A:
	case DNS_T_AAAA:
		a->addr = x_reallocarray(a->addr, a->naddr + 1,
		    sizeof(*a->addr));
		a->addr[a->naddr++] = x_strdup(s);
		break;
	case DNS_T_CNAME:
		free(a->target);
		a->target = x_strdup(s);
		break;
	case DNS_T_TXT:
		a->txt = x_reallocarray(a->txt, a->ntxt + 1, sizeof(*a->txt));
		a->txt[a->ntxt++] = x_strdup(s);
		break;
	}
}

static void
fake_query(void *arg, const char *name, enum dns_type type,
    struct dns_answer *out)
{
	struct fakedns *f = arg;
	const struct fake_rr *r;
	size_t	i;

	f->queries++;
	for (r = f->rows; r->name; r++)
		if (r->type == type && strcmp(r->name, name) == 0)
			break;
	if (r->name == NULL) {
		out->sec = DNS_SEC_SECURE;
		out->kind = DNS_KIND_NXDOMAIN;
		out->ttl = 300;
		return;
	}
	out->sec = r->sec;
	out->kind = r->kind;
	out->ttl = r->ttl ? r->ttl : 300;
	if (r->canon)
		out->canon = x_strdup(r->canon);
	if (r->sec == DNS_SEC_FAILED || r->sec == DNS_SEC_BOGUS) {
		out->why = x_strdup(r->sec == DNS_SEC_FAILED ? "SERVFAIL" :
		    "signature expired");
	}
	/* Data even for bogus answers: the code under test must drop it,
	 * as libunbound hands it over too. */
	for (i = 0; i < 4 && r->rr[i]; i++)
		add_record(out, type, r->rr[i]);
}

struct dns_source
fakedns_source(struct fakedns *f)
{
	struct dns_source s = { fake_query, f };

	return s;
}
