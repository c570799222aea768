/*
 * tlsa - see tlsa.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dane/tlsa.h"
#include "lib/xalloc.h"

bool
dane_tlsa_usable(const struct dns_tlsa *t)
{
	if (t->usage != 2 && t->usage != 3)
		return false;
	if (t->selector > 1)
		return false;
	switch (t->mtype) {
	case 0:
		return t->len > 0;
	case 1:
		return t->len == 32;
	case 2:
		return t->len == 64;
	}
	return false;
}

const char *
dane_host_state_name(enum dane_host_state s)
{
	switch (s) {
	case HOST_USABLE:	return "usable";
	case HOST_UNUSABLE:	return "unusable";
	case HOST_NO_TLSA:	return "no-tlsa";
	case HOST_INSECURE:	return "insecure";
	case HOST_NO_ADDRESS:	return "no-address";
	case HOST_BOGUS:	return "bogus";
	case HOST_FAILED:	return "failed";
	}
	return "?";
}

static void
ask(const struct dns_source *src, const char *name, enum dns_type type,
    struct dns_answer *a, uint32_t *ttl)
{
	memset(a, 0, sizeof(*a));
	src->query(src->arg, name, type, a);
	/* A source must not hand over data it could not vouch for. */
	if (a->sec == DNS_SEC_BOGUS || a->sec == DNS_SEC_FAILED) {
		char	*why = a->why;
		enum dns_sec sec = a->sec;

		a->why = NULL;
		dns_answer_clear(a);
		a->sec = sec;
		a->why = why;
	}
	if (a->sec != DNS_SEC_FAILED && a->ttl < *ttl)
		*ttl = a->ttl;
}

static void
host_fail(struct dane_host *h, enum dns_sec sec, const char *what,
    const char *name, const char *why)
{
	h->state = sec == DNS_SEC_BOGUS ? HOST_BOGUS : HOST_FAILED;
	free(h->why);
	h->why = x_asprintf("%s %s %s%s%s", what, name, dns_sec_name(sec),
	    why ? ": " : "", why ? why : "");
}

/* The host's address records; returns false when the host is done. */
static bool
host_address(const struct dns_source *src, struct dane_host *h,
    struct dns_answer *addr, uint32_t *ttl)
{
	ask(src, h->name, DNS_T_A, addr, ttl);
	if ((addr->sec == DNS_SEC_SECURE || addr->sec == DNS_SEC_INSECURE) &&
	    addr->kind != DNS_KIND_DATA) {
		dns_answer_clear(addr);
		ask(src, h->name, DNS_T_AAAA, addr, ttl);
	}
	h->addr_sec = addr->sec;
	if (addr->sec == DNS_SEC_BOGUS || addr->sec == DNS_SEC_FAILED) {
		host_fail(h, addr->sec, "address of", h->name, addr->why);
		return false;
	}
	if (addr->kind != DNS_KIND_DATA) {
		h->state = HOST_NO_ADDRESS;
		return false;
	}
	h->addr = addr->addr;
	h->naddr = addr->naddr;
	addr->addr = NULL;
	addr->naddr = 0;
	return true;
}

/*
 * Where to look for TLSA: with a secure address answer, the end of the
 * CNAME chain then the name itself; with an insecure one, the name itself
 * only when its first CNAME link is secure; otherwise nowhere.
 */
static size_t
tlsa_bases(const struct dns_source *src, struct dane_host *h,
    const struct dns_answer *addr, const char *bases[2], uint32_t *ttl)
{
	size_t	n = 0;

	if (addr->sec == DNS_SEC_SECURE) {
		if (addr->canon && strcmp(addr->canon, h->name) != 0)
			bases[n++] = addr->canon;
		bases[n++] = h->name;
	} else if (addr->canon && strcmp(addr->canon, h->name) != 0) {
		struct dns_answer cn;

		ask(src, h->name, DNS_T_CNAME, &cn, ttl);
		if (cn.sec == DNS_SEC_SECURE && cn.kind == DNS_KIND_DATA)
			bases[n++] = h->name;
		dns_answer_clear(&cn);
	}
	return n;
}

static void
host_tlsa(const struct dns_source *src, struct dane_host *h,
    const char *const *bases, size_t nbases, uint32_t *ttl)
{
	size_t	i;

	h->state = HOST_INSECURE;
	for (i = 0; i < nbases; i++) {
		struct dns_answer t;
		char	*qname = x_asprintf("_25._tcp.%s", bases[i]);
		size_t	j;

		ask(src, qname, DNS_T_TLSA, &t, ttl);
		free(h->tlsa_base);
		h->tlsa_base = x_strdup(bases[i]);
		h->tlsa_sec = t.sec;
		if (t.sec == DNS_SEC_BOGUS || t.sec == DNS_SEC_FAILED) {
			host_fail(h, t.sec, "TLSA", qname, t.why);
			free(qname);
			dns_answer_clear(&t);
			return;
		}
		free(qname);
		if (t.sec == DNS_SEC_INSECURE) {
			h->state = HOST_INSECURE;
			dns_answer_clear(&t);
			continue;
		}
		if (t.kind != DNS_KIND_DATA || t.ntlsa == 0) {
			h->state = HOST_NO_TLSA;
			dns_answer_clear(&t);
			continue;
		}
		h->tlsa = t.tlsa;
		h->ntlsa = t.ntlsa;
		t.tlsa = NULL;
		t.ntlsa = 0;
		dns_answer_clear(&t);
		h->state = HOST_UNUSABLE;
		for (j = 0; j < h->ntlsa; j++)
			if (dane_tlsa_usable(&h->tlsa[j]))
				h->state = HOST_USABLE;
		return;
	}
}

static void
host_lookup(const struct dns_source *src, struct dane_host *h, uint32_t *ttl)
{
	struct dns_answer addr;
	const char *bases[2];
	size_t	n;

	if (!host_address(src, h, &addr, ttl)) {
		dns_answer_clear(&addr);
		return;
	}
	n = tlsa_bases(src, h, &addr, bases, ttl);
	if (n == 0)
		h->state = HOST_INSECURE;
	else
		host_tlsa(src, h, bases, n, ttl);
	dns_answer_clear(&addr);
}

static int
mx_cmp(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->host, y->host);
}

static void
add_host(struct dane_domain *d, const char *name, unsigned pref)
{
	size_t	i;

	for (i = 0; i < d->nhosts; i++)
		if (strcmp(d->hosts[i].name, name) == 0)
			return;
	if (d->nhosts == DANE_MAX_HOSTS)
		return;
	d->hosts[d->nhosts].name = x_strdup(name);
	d->hosts[d->nhosts].pref = pref;
	d->hosts[d->nhosts].tlsa_sec = DNS_SEC_INSECURE;
	d->nhosts++;
}

static time_t
monotonic(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Examines the hosts within the bounds of opts. */
static void
hosts_lookup(const struct dns_source *src, struct dane_domain *d,
    const struct dane_lookup_opts *o)
{
	time_t	(*clock)(void *) = o && o->clock ? o->clock : monotonic;
	void	*arg = o ? o->clock_arg : NULL;
	time_t	start = clock(arg);
	size_t	i, j;

	for (i = 0; i < d->nhosts; i++) {
		struct dane_host *h = &d->hosts[i];

		if (o && o->budget && clock(arg) - start >= (time_t)o->budget) {
			h->state = HOST_FAILED;
			h->why = x_asprintf("not examined: the look-up time "
			    "budget of %u s was spent", o->budget);
			continue;
		}
		host_lookup(src, h, &d->ttl);
		if (o && o->first_usable && h->state == HOST_USABLE) {
			for (j = i + 1; j < d->nhosts; j++)
				free(d->hosts[j].name);
			d->nhosts = i + 1;
			break;
		}
	}
}

struct dane_domain *
dane_lookup(const struct dns_source *src, const char *domain)
{
	return dane_lookup_with(src, domain, NULL);
}

struct dane_domain *
dane_lookup_with(const struct dns_source *src, const char *domain,
    const struct dane_lookup_opts *opts)
{
	struct dane_domain *d = x_calloc(1, sizeof(*d));
	struct dns_answer mx;
	size_t	i;

	d->domain = x_strdup(domain);
	d->ttl = UINT32_MAX;
	d->hosts = x_calloc(DANE_MAX_HOSTS, sizeof(*d->hosts));
	ask(src, domain, DNS_T_MX, &mx, &d->ttl);
	d->mx_sec = mx.sec;
	if (mx.sec == DNS_SEC_BOGUS || mx.sec == DNS_SEC_FAILED) {
		d->why = x_asprintf("MX %s %s%s%s", domain,
		    dns_sec_name(mx.sec), mx.why ? ": " : "",
		    mx.why ? mx.why : "");
	} else if (mx.kind == DNS_KIND_NXDOMAIN) {
		d->nxdomain = true;
	} else if (mx.kind == DNS_KIND_NODATA || mx.nmx == 0) {
		d->implicit_mx = true;
		add_host(d, domain, 0);
	} else if (mx.nmx == 1 && mx.mx[0].host[0] == '\0') {
		d->null_mx = true;
	} else {
		qsort(mx.mx, mx.nmx, sizeof(*mx.mx), mx_cmp);
		for (i = 0; i < mx.nmx; i++)
			if (mx.mx[i].host[0] != '\0')
				add_host(d, mx.mx[i].host, mx.mx[i].pref);
	}
	dns_answer_clear(&mx);
	hosts_lookup(src, d, opts);
	if (d->ttl == UINT32_MAX)
		d->ttl = 0;
	return d;
}

void
dane_summarise(const struct dane_domain *d, struct dane_summary *s)
{
	size_t	i;

	memset(s, 0, sizeof(*s));
	s->mx_bogus = d->mx_sec == DNS_SEC_BOGUS;
	s->mx_failed = d->mx_sec == DNS_SEC_FAILED;
	s->mx_insecure = d->mx_sec == DNS_SEC_INSECURE;
	s->hosts = d->nhosts;
	for (i = 0; i < d->nhosts; i++) {
		switch (d->hosts[i].state) {
		case HOST_USABLE:
			s->usable++;
			break;
		case HOST_UNUSABLE:
			s->unusable++;
			break;
		case HOST_BOGUS:
			s->bogus++;
			break;
		case HOST_FAILED:
			s->failed++;
			break;
		default:
			break;
		}
	}
}

void
dane_domain_free(struct dane_domain *d)
{
	size_t	i, j;

	if (d == NULL)
		return;
	for (i = 0; i < d->nhosts; i++) {
		struct dane_host *h = &d->hosts[i];

		free(h->name);
		for (j = 0; j < h->naddr; j++)
			free(h->addr[j]);
		free(h->addr);
		free(h->tlsa_base);
		for (j = 0; j < h->ntlsa; j++)
			free(h->tlsa[j].data);
		free(h->tlsa);
		free(h->why);
	}
	free(d->hosts);
	free(d->domain);
	free(d->why);
	free(d);
}
