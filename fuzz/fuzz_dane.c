/*
 * fuzz_dane - DNS answer decoding (dane/rr.h) and the RFC 7672 decisions
 * over it: the look-up of one domain (dane/tlsa.h), the milter's RCPT
 * check (dane/rcpt.h) and gatewarden-maps' plan (dane/plan.h), with every
 * answer made of hostile bytes.
 *
 * Input: byte 0 picks the destination's own TLS level (mod 6); then up to
 * FUZZ_DANE_ANSWERS answers, each a header byte (bits 0-1 DNSSEC status
 * secure/insecure/bogus/failed, bits 2-3 data/nodata/nxdomain/data, bits
 * 4-6 how many records, bit 7 a canonical name follows), then, when bit 7
 * is set, a length byte and the canonical name's bytes, then each record
 * as a length byte and its RDATA in wire form, decoded by rr.c as the
 * resolver does (an MX record that does not decode fails the answer;
 * other records that do not are skipped). Answers are handed out to the
 * distinct (name, type) questions in the order they are first asked
 * (the same question always gets the same answer; once the answers are
 * spent, a secure NXDOMAIN).
 *
 * Invariants:
 *  - decoded records are what rr.h promises (names of letters, digits,
 *    '-', '_' and dots, at most 255 characters; addresses that parse
 *    back; TLSA data within bounds; TXT printable);
 *  - the look-up: at most DANE_MAX_HOSTS hosts; a bogus or failed MX
 *    answer leaves no host; a host said to have usable, unusable or no
 *    TLSA had a secure TLSA answer for the base it names, and its records
 *    are what the state says; the summary counts the states;
 *  - RCPT (mandatory): accepted exactly when the MX RRset is secure and
 *    some host has usable TLSA; otherwise 550 5.x.x for an unsigned MX
 *    RRset, 450 4.x.x when an answer failed or was bogus, else 550
 *    5.x.x, with an alert and a one-line text; the
 *    same verdict when asked again (from the cache, without a question,
 *    unless a TTL of 0 kept it out); modes but mandatory are accepted
 *    without a question;
 *  - the plan: mandatory is dane-only through the transport, unservable
 *    exactly when RCPT refuses; opportunistic is temporary when an answer
 *    failed, dane-only when one was bogus, DANE (dane or dane-only) when
 *    a host has usable TLSA under a secure MX RRset, and never Postfix's
 *    dane (which may fall back to plaintext) for a level that requires
 *    TLS.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dane/cache.h"
#include "dane/plan.h"
#include "dane/rcpt.h"
#include "dane/rr.h"
#include "dane/tlsa.h"
#include "fuzz/fuzz.h"
#include "lib/xalloc.h"

#define FUZZ_DANE_MAX		8192
#define FUZZ_DANE_ANSWERS	32
#define FUZZ_DANE_QUESTIONS	128
#define DOMAIN			"example.com"
#define FAIL(...)		fuzz_fail("dane", __VA_ARGS__)


struct fz_world {
	struct dns_answer ans[FUZZ_DANE_ANSWERS];
	size_t		nans;
	struct {
		char	*name;
		enum dns_type type;
		size_t	answer;		/* index; nans: NXDOMAIN */
	}		q[FUZZ_DANE_QUESTIONS];
	size_t		nq;
	unsigned	asked;		/* queries, cached or not */
};

/* ---- what rr.c promises ---------------------------------------------- */

static void
check_name(const char *what, const char *n)
{
	const char *s;

	if (strlen(n) > DNS_MAX_NAME)
		FAIL("%s: name of %zu characters", what, strlen(n));
	for (s = n; *s != '\0'; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '-' && *s != '_' && *s != '.')
			FAIL("%s: name '%s' holds 0x%02x", what, n,
			    (unsigned char)*s);
}

static void
check_addr(const char *a)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, a, buf) != 1 && inet_pton(AF_INET6, a, buf) != 1)
		FAIL("address '%s' does not parse back", a);
}

/* One record of the input into the answer, as resolver.c decodes. */
static bool
decode(struct dns_answer *a, enum dns_type type, const unsigned char *d,
    size_t n)
{
	char	*s;
	size_t	i;

	switch (type) {
	case DNS_T_MX:
		a->mx = x_reallocarray(a->mx, a->nmx + 1, sizeof(*a->mx));
		if (!rr_mx(d, n, &a->mx[a->nmx]))
			return false;
		check_name("MX", a->mx[a->nmx].host);
		a->nmx++;
		break;
	case DNS_T_TLSA:
		a->tlsa = x_reallocarray(a->tlsa, a->ntlsa + 1,
		    sizeof(*a->tlsa));
		if (rr_tlsa(d, n, &a->tlsa[a->ntlsa])) {
			if (a->tlsa[a->ntlsa].len > DNS_MAX_TLSA_DATA)
				FAIL("TLSA data of %zu bytes",
				    a->tlsa[a->ntlsa].len);
			a->ntlsa++;
		}
		break;
	case DNS_T_A:
	case DNS_T_AAAA:
		if (rr_addr(d, n, &s)) {
			check_addr(s);
			a->addr = x_reallocarray(a->addr, a->naddr + 1,
			    sizeof(*a->addr));
			a->addr[a->naddr++] = s;
		}
		break;
	case DNS_T_CNAME:
		if (a->target == NULL) {
			if (!rr_cname(d, n, &s))
				return false;
			check_name("CNAME", s);
			a->target = s;
		}
		break;
	case DNS_T_TXT:
		if (rr_txt(d, n, &s)) {
			for (i = 0; s[i] != '\0'; i++)
				if (s[i] < 0x20 || s[i] > 0x7e)
					FAIL("TXT holds 0x%02x",
					    (unsigned char)s[i]);
			if (i > DNS_MAX_TXT)
				FAIL("TXT of %zu bytes", i);
			free(s);
		}
		break;
	}
	return true;
}

/* ---- the world the input describes ------------------------------------ */

struct fz_input {
	const uint8_t	*p;
	size_t		n, off;
};

static bool
take(struct fz_input *in, size_t n, const uint8_t **out)
{
	if (in->n - in->off < n)
		return false;
	*out = in->p + in->off;
	in->off += n;
	return true;
}

/* The answers' raw parts are kept; records decode per question type. */
struct fz_raw {
	uint8_t		hdr;
	char		canon[64];
	const uint8_t	*rr[8];
	size_t		rrlen[8], nrr;
};

static struct fz_raw raw[FUZZ_DANE_ANSWERS];

static void
world_read(struct fz_world *w, struct fz_input *in)
{
	const uint8_t *b, *d;
	size_t	i, n;

	memset(raw, 0, sizeof(raw));
	while (w->nans < FUZZ_DANE_ANSWERS && take(in, 1, &b)) {
		struct fz_raw *r = &raw[w->nans++];

		r->hdr = b[0];
		if (r->hdr & 0x80 && take(in, 1, &b) && take(in, b[0] % 64, &d)) {
			n = b[0] % 64;
			for (i = 0; i < n; i++)
				r->canon[i] = d[i] == 0 ? 'x' :
				    (char)tolower(d[i]);
		}
		for (r->nrr = 0; r->nrr < (size_t)(r->hdr >> 4 & 7); r->nrr++) {
			if (!take(in, 1, &b) || !take(in, b[0], &d))
				break;
			r->rr[r->nrr] = d;
			r->rrlen[r->nrr] = b[0];
		}
	}
}

static void
answer_make(struct dns_answer *out, const struct fz_raw *r,
    enum dns_type type)
{
	static const enum dns_kind kinds[] = { DNS_KIND_DATA, DNS_KIND_NODATA,
	    DNS_KIND_NXDOMAIN, DNS_KIND_DATA };
	size_t	i;

	out->sec = (enum dns_sec)(r->hdr & 3);
	if (out->sec == DNS_SEC_BOGUS || out->sec == DNS_SEC_FAILED) {
		out->why = x_strdup(out->sec == DNS_SEC_BOGUS ? "bogus" :
		    "rcode 2 (SERVFAIL)");
		return;
	}
	out->kind = kinds[r->hdr >> 2 & 3];
	out->ttl = 300;
	if (r->canon[0] != '\0')
		out->canon = x_strdup(r->canon);
	if (out->kind != DNS_KIND_DATA)
		return;
	for (i = 0; i < r->nrr; i++)
		if (!decode(out, type, r->rr[i], r->rrlen[i])) {
			dns_answer_clear(out);
			out->sec = DNS_SEC_FAILED;
			out->why = x_strdup("malformed record in the answer");
			return;
		}
}

static void
fz_query(void *arg, const char *name, enum dns_type type,
    struct dns_answer *out)
{
	struct fz_world *w = arg;
	size_t	i;

	w->asked++;
	for (i = 0; i < w->nq; i++)
		if (w->q[i].type == type && strcmp(w->q[i].name, name) == 0)
			break;
	if (i == w->nq) {
		if (w->nq == FUZZ_DANE_QUESTIONS)
			FAIL("more than %d distinct questions for one domain",
			    FUZZ_DANE_QUESTIONS);
		w->q[i].name = x_strdup(name);
		w->q[i].type = type;
		w->q[i].answer = i < w->nans ? i : w->nans;
		if (i < w->nans)
			answer_make(&w->ans[i], &raw[i], type);
		w->nq++;
	}
	if (w->q[i].answer < w->nans)
		dns_answer_copy(out, &w->ans[w->q[i].answer]);
	else {
		out->sec = DNS_SEC_SECURE;
		out->kind = DNS_KIND_NXDOMAIN;
		out->ttl = 300;
	}
}

static void
world_free(struct fz_world *w)
{
	size_t	i;

	for (i = 0; i < w->nq; i++)
		free(w->q[i].name);
	for (i = 0; i < w->nans; i++)
		dns_answer_clear(&w->ans[i]);
}

/* The status the world gave to a question; -1 when never asked. */
static int
asked_sec(const struct fz_world *w, const char *name, enum dns_type type)
{
	size_t	i;

	for (i = 0; i < w->nq; i++)
		if (w->q[i].type == type && strcmp(w->q[i].name, name) == 0)
			return w->q[i].answer < w->nans ?
			    (int)w->ans[w->q[i].answer].sec : DNS_SEC_SECURE;
	return -1;
}

/* ---- the invariants ----------------------------------------------------- */

static void
check_lookup(const struct fz_world *w, const struct dane_domain *d,
    const struct dane_summary *s)
{
	size_t	i, j, usable;
	size_t	n[HOST_FAILED + 1] = { 0 };
	char	q[DNS_MAX_NAME + 16];

	if (d->nhosts > DANE_MAX_HOSTS)
		FAIL("%zu hosts", d->nhosts);
	if ((d->mx_sec == DNS_SEC_BOGUS || d->mx_sec == DNS_SEC_FAILED) &&
	    d->nhosts > 0)
		FAIL("MX answer %s, yet %zu hosts", dns_sec_name(d->mx_sec),
		    d->nhosts);
	for (i = 0; i < d->nhosts; i++) {
		const struct dane_host *h = &d->hosts[i];

		if ((unsigned)h->state > HOST_FAILED)
			FAIL("host %zu: state %d", i, (int)h->state);
		n[h->state]++;
		for (usable = 0, j = 0; j < h->ntlsa; j++)
			usable += dane_tlsa_usable(&h->tlsa[j]);
		if (h->state != HOST_USABLE && h->state != HOST_UNUSABLE &&
		    h->state != HOST_NO_TLSA)
			continue;
		if (h->tlsa_base == NULL || h->tlsa_sec != DNS_SEC_SECURE)
			FAIL("host %s %s without a secure TLSA answer",
			    h->name, dane_host_state_name(h->state));
		snprintf(q, sizeof(q), "_25._tcp.%s", h->tlsa_base);
		if (asked_sec(w, q, DNS_T_TLSA) != DNS_SEC_SECURE)
			FAIL("host %s %s, but %s TLSA was answered %d",
			    h->name, dane_host_state_name(h->state), q,
			    asked_sec(w, q, DNS_T_TLSA));
		if ((h->state == HOST_USABLE) != (usable > 0) ||
		    (h->state == HOST_UNUSABLE && h->ntlsa == 0))
			FAIL("host %s %s with %zu records, %zu usable",
			    h->name, dane_host_state_name(h->state), h->ntlsa,
			    usable);
	}
	if (s->hosts != d->nhosts || s->usable != n[HOST_USABLE] ||
	    s->unusable != n[HOST_UNUSABLE] || s->bogus != n[HOST_BOGUS] ||
	    s->failed != n[HOST_FAILED] ||
	    s->mx_bogus != (d->mx_sec == DNS_SEC_BOGUS) ||
	    s->mx_failed != (d->mx_sec == DNS_SEC_FAILED))
		FAIL("the summary does not count the hosts");
}

static void
check_rcpt(struct fz_world *w, const struct dane_summary *s)
{
	struct dane_cache *cache = dane_cache_new(8, 3600, NULL, NULL);
	struct dns_source src = { fz_query, w };
	struct dane_rcpt r, again;
	bool	want_ok, temp;
	unsigned asked;

	want_ok = !s->mx_insecure && !s->mx_bogus && !s->mx_failed &&
	    s->usable > 0;
	temp = !s->mx_insecure &&
	    (s->mx_failed || s->failed || s->mx_bogus || s->bogus);
	memset(&r, 0, sizeof(r));
	dane_rcpt_verdict(cache, &src, "Example.COM", DANE_MANDATORY, &r);
	if ((r.result == DANE_RCPT_OK) != want_ok)
		FAIL("RCPT %s, but %zu usable hosts, MX insecure %d",
		    r.result == DANE_RCPT_OK ? "accepted" : "refused",
		    s->usable, s->mx_insecure);
	if (r.result == DANE_RCPT_OK) {
		if (r.rcode != NULL || r.text[0] != '\0' || r.alert)
			FAIL("accepted with a reply");
	} else {
		if (r.result != (temp ? DANE_RCPT_REFUSE_TEMPORARY :
		    DANE_RCPT_REFUSE_PERMANENT))
			FAIL("RCPT refused %s, failed/bogus answers: %d",
			    r.result == DANE_RCPT_REFUSE_TEMPORARY ?
			    "temporarily" : "for good", temp);
		if (r.rcode == NULL || r.xcode == NULL ||
		    r.rcode[0] != (temp ? '4' : '5') ||
		    r.xcode[0] != r.rcode[0] || r.xcode[1] != '.' ||
		    !r.alert || r.text[0] == '\0' ||
		    strpbrk(r.text, "\r\n") != NULL)
			FAIL("refusal %s %s '%s'", r.rcode ? r.rcode : "-",
			    r.xcode ? r.xcode : "-", r.text);
	}
	memset(&again, 0, sizeof(again));
	asked = w->asked;
	dane_rcpt_verdict(cache, &src, "EXAMPLE.com", DANE_MANDATORY,
	    &again);
	/* A look-up with a TTL of 0 (a failed answer) is not kept. */
	if (again.result != r.result || (again.cached && w->asked != asked))
		FAIL("asked again, RCPT gave another verdict (cached %d)",
		    again.cached);
	asked = w->asked;
	dane_cache_free(cache);
	memset(&r, 0, sizeof(r));
	dane_rcpt_verdict(NULL, &src, DOMAIN, DANE_OPPORTUNISTIC, &r);
	if (r.result != DANE_RCPT_OK || w->asked != asked)
		FAIL("opportunistic DANE asked DNS or refused at RCPT");
}

static void
check_plan(const struct dane_domain *d, const struct dane_summary *s,
    enum dest_tls tls)
{
	struct destination dest = { 0 };
	struct plan_entry e;
	bool	failed = s->mx_failed || s->failed;
	bool	bogus = s->mx_bogus || s->bogus;

	dest.domain = (char *)DOMAIN;
	dest.tls = tls;
	dest.dane = DANE_MANDATORY;
	memset(&e, 0, sizeof(e));
	plan_decide(&dest, d, NULL, &e);
	if (e.level != DANE_LEVEL_ONLY || !e.transport ||
	    e.unservable != (s->usable == 0 || s->mx_insecure))
		FAIL("mandatory: level %d transport %d unservable %d",
		    (int)e.level, e.transport, e.unservable);
	plan_entry_clear(&e);

	dest.dane = DANE_OPPORTUNISTIC;
	memset(&e, 0, sizeof(e));
	plan_decide(&dest, d, NULL, &e);
	if (failed && !e.temporary)
		FAIL("opportunistic: an answer failed, not temporary");
	if (!failed && bogus && e.level != DANE_LEVEL_ONLY)
		FAIL("opportunistic: bogus answer, level %d", (int)e.level);
	if (!failed && !bogus && !s->mx_insecure && s->usable > 0 &&
	    e.level != DANE_LEVEL_ONLY && e.level != DANE_LEVEL_PER_HOST)
		FAIL("opportunistic: usable TLSA, level %d", (int)e.level);
	if (!e.temporary && dane_class(tls) == DCLASS_MANDATORY &&
	    e.level == DANE_LEVEL_PER_HOST)
		FAIL("opportunistic: a level requiring TLS became dane");
	plan_entry_clear(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dest_tls levels[] = { DTLS_NO, DTLS_PREFERRED,
	    DTLS_REQUIRED, DTLS_PREFERRED_VERIFY, DTLS_REQUIRED_VERIFY,
	    DTLS_REQUIRED_VERIFY_HOSTED };
	struct fz_input in = { data, size, 0 };
	struct fz_world *w;
	struct dns_source src;
	struct dane_domain *d;
	struct dane_summary s;
	enum dest_tls tls;
	const uint8_t *b;

	if (size > FUZZ_DANE_MAX || !take(&in, 1, &b))
		return 0;
	tls = levels[b[0] % 6];
	w = x_calloc(1, sizeof(*w));
	world_read(w, &in);
	src.query = fz_query;
	src.arg = w;
	if ((d = dane_lookup(&src, DOMAIN)) == NULL)
		FAIL("dane_lookup gave nothing");
	dane_summarise(d, &s);
	check_lookup(w, d, &s);
	check_rcpt(w, &s);
	check_plan(d, &s, tls);
	dane_domain_free(d);
	world_free(w);
	free(w);
	return 0;
}
