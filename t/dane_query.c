/*
 * dane_query - the DNSSEC lab's view through gatewarden's resolver
 * (dane/resolver.c) and RFC 7672 look-up (dane/tlsa.c), for t/dane-*.sh.
 *
 *   dane_query [-f ADDR] [-s ZONE=ADDR]... [-a TAFILE] [-t SECONDS]
 *              [-u UNBOUND.CONF] NAME TYPE | -d DOMAIN
 *
 * NAME TYPE (A, AAAA, CNAME, MX, TLSA) prints one line, records sorted:
 *   "STATUS KIND [canon=NAME] RECORDS..." e.g. "secure data 3 1 1 ab12..."
 * -d DOMAIN prints "mx STATUS" then one line per host:
 *   "host NAME STATE [base=NAME]".
 * -T N with NAME TYPE asks the same question from N threads at once, 20
 *   times each, through the one resolver, and prints "threads ok" when
 *   every answer equals the first, else "threads mismatch COUNT".
 * -r DOMAIN prints the milter's RCPT verdict for a mandatory DANE
 *   destination, twice through one cache: "ok" or "CODE X.Y.Z text",
 *   then "cached" when the second answer came from the cache.
 * With -f the look-ups are forwarded (forward mode), otherwise recursive
 * with the stub zones. Exit 0, or 2 on a usage or set-up error.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dane/rcpt.h"
#include "dane/resolver.h"
#include "dane/tlsa.h"
#include "lib/xalloc.h"

static int
type_of(const char *s)
{
	static const struct { const char *n; enum dns_type t; } t[] = {
		{ "A", DNS_T_A }, { "AAAA", DNS_T_AAAA }, { "CNAME", DNS_T_CNAME },
		{ "MX", DNS_T_MX }, { "TLSA", DNS_T_TLSA },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].n) == 0)
			return (int)t[i].t;
	return -1;
}

static void
print_answer(FILE *fp, const struct dns_answer *a)
{
	char	hex[2 * DNS_MAX_TLSA_DATA + 1];
	size_t	i;

	fprintf(fp, "%s", dns_sec_name(a->sec));
	if (a->sec == DNS_SEC_SECURE || a->sec == DNS_SEC_INSECURE)
		fprintf(fp, " %s", dns_kind_name(a->kind));
	if (a->canon)
		fprintf(fp, " canon=%s", a->canon);
	for (i = 0; i < a->nmx; i++)
		fprintf(fp, " %u %s", a->mx[i].pref, a->mx[i].host);
	for (i = 0; i < a->ntlsa; i++)
		fprintf(fp, " %u %u %u %s", a->tlsa[i].usage,
		    a->tlsa[i].selector, a->tlsa[i].mtype,
		    dns_tlsa_hex(&a->tlsa[i], hex, sizeof(hex)));
	for (i = 0; i < a->naddr; i++)
		fprintf(fp, " %s", a->addr[i]);
	if (a->target)
		fprintf(fp, " %s", a->target);
	if (a->why)
		fprintf(fp, " why=\"%s\"", a->why);
	fprintf(fp, "\n");
}

static int
tlsa_cmp(const void *a, const void *b)
{
	const struct dns_tlsa *x = a, *y = b;
	size_t	n = x->len < y->len ? x->len : y->len;
	int	c;

	if (x->usage != y->usage)
		return x->usage - y->usage;
	if (x->selector != y->selector)
		return x->selector - y->selector;
	if (x->mtype != y->mtype)
		return x->mtype - y->mtype;
	if ((c = memcmp(x->data, y->data, n)) != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int
mx_cmp(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->host, y->host);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The order of records in an RRset means nothing (unbound rotates it,
 * rrset-roundrobin): sort them so answers compare. */
static void
normalise(struct dns_answer *a)
{
	if (a->ntlsa > 1)
		qsort(a->tlsa, a->ntlsa, sizeof(*a->tlsa), tlsa_cmp);
	if (a->nmx > 1)
		qsort(a->mx, a->nmx, sizeof(*a->mx), mx_cmp);
	if (a->naddr > 1)
		qsort(a->addr, a->naddr, sizeof(*a->addr), str_cmp);
}

static char *
answer_text(const struct dns_source *src, const char *name, int type)
{
	struct dns_answer a;
	char	*buf = NULL;
	size_t	len = 0;
	FILE	*fp = open_memstream(&buf, &len);

	memset(&a, 0, sizeof(a));
	src->query(src->arg, name, (enum dns_type)type, &a);
	normalise(&a);
	print_answer(fp, &a);
	fclose(fp);
	dns_answer_clear(&a);
	return buf;
}

struct job {
	const struct dns_source *src;
	const char *name, *want;
	int	type;
	unsigned mismatches;
	pthread_t th;
};

static void *
worker(void *arg)
{
	struct job *j = arg;
	int	i;

	for (i = 0; i < 20; i++) {
		char	*got = answer_text(j->src, j->name, j->type);

		if (strcmp(got, j->want) != 0) {
			j->mismatches++;
			fprintf(stderr, "dane_query: thread answer: %s", got);
		}
		free(got);
	}
	return NULL;
}

static void
threads(const struct dns_source *src, const char *name, int type,
    unsigned n)
{
	char	*want = answer_text(src, name, type);
	struct job *j = x_calloc(n, sizeof(*j));
	unsigned i, bad = 0;

	for (i = 0; i < n; i++) {
		j[i].src = src;
		j[i].name = name;
		j[i].type = type;
		j[i].want = want;
		pthread_create(&j[i].th, NULL, worker, &j[i]);
	}
	for (i = 0; i < n; i++) {
		pthread_join(j[i].th, NULL);
		bad += j[i].mismatches;
	}
	if (bad)
		printf("threads mismatch %u\n", bad);
	else
		printf("threads ok\n");
	free(j);
	free(want);
}

int
main(int argc, char **argv)
{
	struct dns_conf c;
	struct stub_zone stubs[16];
	char	*fwd[1], *err = NULL, *domain = NULL, *rcpt = NULL;
	struct resolver *r;
	struct dns_source src;
	int	ch, rc = 0;
	unsigned nthreads = 0;

	memset(&c, 0, sizeof(c));
	c.mode = DNS_RECURSIVE;
	c.timeout = 5;
	c.stub_zones = stubs;
	while ((ch = getopt(argc, argv, "a:d:f:r:s:t:T:u:")) != -1) {
		switch (ch) {
		case 'a':
			c.trust_anchor_file = optarg;
			break;
		case 'd':
			domain = optarg;
			break;
		case 'r':
			rcpt = optarg;
			break;
		case 'f':
			fwd[0] = optarg;
			c.forwarders = fwd;
			c.nforwarders = 1;
			c.mode = DNS_FORWARD;
			break;
		case 's': {
			char	*eq = strchr(optarg, '=');

			if (eq == NULL || c.nstub_zones == 16)
				return 2;
			*eq = '\0';
			stubs[c.nstub_zones].name = optarg;
			stubs[c.nstub_zones].addresses = x_malloc(sizeof(char *));
			stubs[c.nstub_zones].addresses[0] = eq + 1;
			stubs[c.nstub_zones].naddresses = 1;
			c.nstub_zones++;
			break;
		}
		case 't':
			c.timeout = strtoul(optarg, NULL, 10);
			break;
		case 'T':
			nthreads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'u':
			c.unbound_config = optarg;
			break;
		default:
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (domain == NULL && rcpt == NULL && argc != 2) {
		fprintf(stderr, "usage: dane_query [options] NAME TYPE | "
		    "-d DOMAIN | -r DOMAIN\n");
		return 2;
	}
	if ((r = resolver_new(&c, &err)) == NULL) {
		fprintf(stderr, "dane_query: %s\n", err);
		free(err);
		rc = 2;
		goto out;
	}
	src = resolver_source(r);
	if (rcpt) {
		struct dane_cache *cache = dane_cache_new(16, 3600, NULL, NULL);
		struct dane_rcpt v;
		int	i;

		for (i = 0; i < 2; i++) {
			dane_rcpt_verdict(cache, &src, rcpt, DANE_MANDATORY, &v);
			if (v.result == DANE_RCPT_OK)
				printf("ok\n");
			else
				printf("%s %s %s\n", v.rcode, v.xcode, v.text);
		}
		if (v.cached)
			printf("cached\n");
		dane_cache_free(cache);
	} else if (domain) {
		struct dane_domain *d = dane_lookup(&src, domain);
		size_t	i;

		printf("mx %s%s%s%s\n", dns_sec_name(d->mx_sec),
		    d->implicit_mx ? " implicit" : "",
		    d->null_mx ? " null" : "", d->nxdomain ? " nxdomain" : "");
		for (i = 0; i < d->nhosts; i++)
			printf("host %s %s%s%s\n", d->hosts[i].name,
			    dane_host_state_name(d->hosts[i].state),
			    d->hosts[i].tlsa_base ? " base=" : "",
			    d->hosts[i].tlsa_base ? d->hosts[i].tlsa_base : "");
		dane_domain_free(d);
	} else {
		struct dns_answer a;
		int	t = type_of(argv[1]);

		if (t < 0) {
			fprintf(stderr, "dane_query: unknown type %s\n", argv[1]);
			rc = 2;
		} else if (nthreads > 0) {
			threads(&src, argv[0], t, nthreads);
		} else {
			memset(&a, 0, sizeof(a));
			src.query(src.arg, argv[0], (enum dns_type)t, &a);
			normalise(&a);
			print_answer(stdout, &a);
			dns_answer_clear(&a);
		}
	}
	resolver_free(r);
out:
	while (c.nstub_zones > 0)
		free(stubs[--c.nstub_zones].addresses);
	return rc;
}
