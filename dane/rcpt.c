/*
 * rcpt - see rcpt.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dane/rcpt.h"

static void
clean_domain(const char *in, char *out, size_t outsz)
{
	size_t	o = 0;

	for (; *in && o + 1 < outsz; in++) {
		unsigned char c = (unsigned char)*in;

		out[o++] = isalnum(c) || c == '.' || c == '-' || c == '_' ?
		    (char)tolower(c) : '?';
	}
	out[o] = '\0';
}

static void
lookup(struct dane_cache *cache, const struct dns_source *src,
    const char *domain, struct dane_summary *s, bool *cached)
{
	struct dane_lookup_opts o = { true, DANE_RCPT_BUDGET, NULL, NULL };
	struct dane_domain *d;

	*cached = cache && dane_cache_get(cache, domain, s);
	if (*cached)
		return;
	d = dane_lookup_with(src, domain, &o);
	dane_summarise(d, s);
	if (cache)
		dane_cache_put(cache, domain, s, d->ttl);
	dane_domain_free(d);
}

enum dane_rcpt_result
dane_rcpt_verdict(struct dane_cache *cache, const struct dns_source *src,
    const char *domain, enum dane_mode mode, struct dane_rcpt *out)
{
	struct dane_summary s;
	char	name[256];
	size_t	n;

	memset(out, 0, sizeof(*out));
	out->result = DANE_RCPT_OK;
	if (mode != DANE_MANDATORY)
		return out->result;
	/* DNS names are case-insensitive; one spelling for cache and DNS. */
	clean_domain(domain, name, sizeof(name));
	n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		name[n - 1] = '\0';
	lookup(cache, src, name, &s, &out->cached);
	if (s.usable > 0 && !s.mx_insecure)
		return out->result;
	out->alert = true;
	/* An MX RRset proven unsigned rules DANE out whatever its hosts
	 * answered (and the look-up may have stopped before some of them:
	 * the verdict must not depend on the order of the MX records). */
	if (s.mx_insecure) {
		out->result = DANE_RCPT_REFUSE_PERMANENT;
		out->rcode = "550";
		out->xcode = "5.7.10";
		snprintf(out->text, sizeof(out->text), "DANE required for %s "
		    "but its MX records are not DNSSEC-signed", name);
	} else if (s.mx_failed || s.failed) {
		out->result = DANE_RCPT_REFUSE_TEMPORARY;
		out->rcode = "450";
		out->xcode = "4.7.10";
		snprintf(out->text, sizeof(out->text), "DANE required for %s: "
		    "its DNS look-up failed, try again later", name);
	} else if (s.mx_bogus || s.bogus) {
		out->result = DANE_RCPT_REFUSE_TEMPORARY;
		out->rcode = "450";
		out->xcode = "4.7.5";
		snprintf(out->text, sizeof(out->text), "DANE required for %s: "
		    "its DNSSEC validation failed (bogus), try again later",
		    name);
	} else {
		out->result = DANE_RCPT_REFUSE_PERMANENT;
		out->rcode = "550";
		out->xcode = "5.7.10";
		snprintf(out->text, sizeof(out->text), "DANE required for %s "
		    "but no MX host of it has a DNSSEC-signed usable TLSA "
		    "record", name);
	}
	return out->result;
}
