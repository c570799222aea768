/*
 * destination - see destination.h.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "policy/destination.h"

/* true when name (length len, no trailing dot) is a strict subdomain of
 * suffix. */
static bool
is_subdomain(const char *name, size_t len, const char *suffix)
{
	size_t	slen = strlen(suffix);

	return len > slen + 1 && name[len - slen - 1] == '.' &&
	    strncasecmp(name + len - slen, suffix, slen) == 0;
}

const struct destination *
destination_for_domain(const struct config *cfg, const char *domain)
{
	const struct destinations_conf *d = &cfg->destinations;
	const struct destination *best = NULL;
	size_t	len = strlen(domain), best_len = 0, i;

	if (len > 0 && domain[len - 1] == '.')
		len--;
	for (i = 0; i < d->ndomains; i++) {
		const struct destination *e = &d->domains[i];
		size_t	elen = strlen(e->domain);

		if (!e->subdomains) {
			if (elen == len && strncasecmp(e->domain, domain,
			    len) == 0)
				return e;
			continue;
		}
		if (elen > best_len && is_subdomain(domain, len, e->domain)) {
			best = e;
			best_len = elen;
		}
	}
	return best != NULL ? best : &d->def;
}
