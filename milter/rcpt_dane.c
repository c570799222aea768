/*
 * rcpt_dane - see rcpt_dane.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dane/cache.h"
#include "dane/rcpt.h"
#include "dane/resolver.h"
#include "lib/log.h"
#include "milter/alert.h"
#include "milter/counters.h"
#include "milter/rcpt_dane.h"
#include "policy/destination.h"
#include "policy/sender_domain.h"

/* Domains whose DANE summary is kept at once. */
#define DANE_CACHE_ENTRIES	10000

static struct resolver *rd_resolver;
static struct dane_cache *rd_cache;

bool
rcpt_dane_needed(const struct config *cfg)
{
	size_t	i;

	if (cfg->destinations.def.dane == DANE_MANDATORY)
		return true;
	for (i = 0; i < cfg->destinations.ndomains; i++)
		if (cfg->destinations.domains[i].dane == DANE_MANDATORY)
			return true;
	return false;
}

bool
rcpt_dane_init(const struct config *cfg)
{
	char	*err = NULL;
	uint64_t ttl = cfg->dns.cache_max_ttl;

	if (!rcpt_dane_needed(cfg) || rd_resolver != NULL)
		return true;
	if ((rd_resolver = resolver_new(&cfg->dns, &err)) == NULL) {
		log_error("dns: cannot set up the resolver: %s",
		    err ? err : "unknown error");
		free(err);
		return false;
	}
	rd_cache = dane_cache_new(DANE_CACHE_ENTRIES,
	    ttl > UINT32_MAX ? UINT32_MAX : (uint32_t)ttl, NULL, NULL);
	return true;
}

void
rcpt_dane_shutdown(void)
{
	dane_cache_free(rd_cache);
	rd_cache = NULL;
	resolver_free(rd_resolver);
	rd_resolver = NULL;
}

static void
alert_dane(const struct config *cfg, const char *domain, const char *text)
{
	char	key[320], subject[320];

	snprintf(key, sizeof(key), "dane-mandatory domain=%s", domain);
	snprintf(subject, sizeof(subject), "DANE cannot be satisfied for "
	    "%s", domain);
	alert_raise(&cfg->alerts, "dane-rcpt", key, subject, text);
}

enum rcpt_dane_result
rcpt_dane_check(const struct config *cfg, const struct sender_group *group,
    const char *rcpt, const char *log_id, struct rcpt_reply *reply)
{
	const struct destination *dest;
	struct dane_rcpt v;
	struct dns_source src;
	char	domain[SENDER_DOMAIN_MAX];

	memset(reply, 0, sizeof(*reply));
	if (group == NULL || group->direction != DIR_OUTBOUND)
		return RCPT_DANE_ACCEPT;
	/* A domain only the MTA can read may be a mandatory one: it is not
	 * let through unchecked. */
	if (address_is_ambiguous(rcpt)) {
		snprintf(reply->rcode, sizeof(reply->rcode), "553");
		snprintf(reply->xcode, sizeof(reply->xcode), "5.1.3");
		snprintf(reply->text, sizeof(reply->text), "a recipient "
		    "address whose domain gatewarden cannot tell");
		log_info("%s: rcpt_domain=unknown dane=mandatory action=reject "
		    "code=553 dsn=5.1.3 reason=ambiguous-recipient", log_id);
		counters_dane_rcpt("reject");
		return RCPT_DANE_REJECT;
	}
	/* The recipient's address has the syntax of a sender's. */
	if (sender_domain_parse(rcpt, domain, sizeof(domain)) != SENDER_DOMAIN)
		return RCPT_DANE_ACCEPT;
	dest = destination_for_domain(cfg, domain);
	if (dest->dane != DANE_MANDATORY)
		return RCPT_DANE_ACCEPT;
	if (rd_resolver == NULL) {
		/* Never so under a configuration in force (the daemon and
		 * a reload open the resolver first); were it so, the check
		 * could not be made, and mail must not go out unchecked. */
		snprintf(reply->rcode, sizeof(reply->rcode), "451");
		snprintf(reply->xcode, sizeof(reply->xcode), "4.3.0");
		snprintf(reply->text, sizeof(reply->text), "DANE check for "
		    "%s not available until gatewarden restarts", domain);
		log_error("%s: rcpt_domain=%s dane=mandatory action=tempfail "
		    "reason=no-resolver", log_id, domain);
		counters_dane_rcpt("tempfail");
		return RCPT_DANE_TEMPFAIL;
	}
	src = resolver_source(rd_resolver);
	dane_rcpt_verdict(rd_cache, &src, domain, DANE_MANDATORY, &v);
	if (v.result == DANE_RCPT_OK) {
		log_info("%s: rcpt_domain=%s dane=mandatory action=accept "
		    "cached=%s", log_id, domain, v.cached ? "yes" : "no");
		counters_dane_rcpt("accept");
		return RCPT_DANE_ACCEPT;
	}
	snprintf(reply->rcode, sizeof(reply->rcode), "%s", v.rcode);
	snprintf(reply->xcode, sizeof(reply->xcode), "%s", v.xcode);
	snprintf(reply->text, sizeof(reply->text), "%s", v.text);
	log_info("%s: rcpt_domain=%s dane=mandatory action=%s code=%s dsn=%s "
	    "cached=%s", log_id, domain,
	    v.result == DANE_RCPT_REFUSE_TEMPORARY ? "tempfail" : "reject",
	    v.rcode, v.xcode, v.cached ? "yes" : "no");
	counters_dane_rcpt(v.result == DANE_RCPT_REFUSE_TEMPORARY ? "tempfail" :
	    "reject");
	if (v.alert && dest->alert_on_failure)
		alert_dane(cfg, domain, v.text);
	return v.result == DANE_RCPT_REFUSE_TEMPORARY ? RCPT_DANE_TEMPFAIL :
	    RCPT_DANE_REJECT;
}
