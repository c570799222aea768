/*
 * plan - what gatewarden-maps will write for each destination entry: the
 * DANE decision over the entry's look-up, the Postfix policy value and
 * whether the entry goes through the gatewarden-dane transport.
 *
 * The decision (plan_decide), for an entry with a DANE mode:
 *  - mandatory: dane-only through the transport, whatever DNS says now
 *    (Postfix looks up again at delivery). It "cannot be served" when no
 *    MX host has a secure usable TLSA RRset, or when the MX RRset is
 *    insecure (Postfix's dane-only defers a "non DNSSEC destination").
 *  - opportunistic: dane-only when the MX RRset is secure and every MX
 *    host has a secure usable TLSA RRset; dane-only as well when an answer was bogus (deferred, never
 *    downgraded); a failed look-up (SERVFAIL, time-out) marks the entry
 *    temporary: the previous files must stay in place; otherwise the
 *    entry's own level.
 * Entries for subdomains (".example.com") cannot be looked up: mandatory is
 * dane-only, opportunistic is the entry's level.
 *
 * plan_build() looks up every exact domain entry with a DANE mode through
 * src (NULL: no look-ups, every opportunistic entry at its own level).
 * Everything hangs off struct plan: plan_free() (NULL is fine).
 */
#ifndef GW_DANE_PLAN_H
#define GW_DANE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"
#include "dane/dns.h"
#include "dane/tlsa.h"

struct plan_entry {
	const struct destination *dest;
	char		*key;		/* "example.com" or ".example.com" */
	struct dane_domain *lookup;	/* NULL when not looked up */
	bool		dane_only;
	bool		transport;	/* via POLICY_DANE_TRANSPORT */
	bool		unservable;	/* DANE cannot be met now */
	bool		temporary;	/* DNS failed: keep the previous files */
	const char	*reason;	/* static: why this decision */
	char		*postfix;	/* tls_policy value; NULL when error */
	char		*error;		/* the entry cannot be expressed */
};

struct plan {
	const struct destinations_conf *dests;
	struct plan_entry *v;
	size_t		n;
	bool		temporary;	/* some entry is temporary */
	bool		unservable;	/* some entry is unservable */
	bool		error;		/* some entry has an error */
};

struct plan *plan_build(const struct destinations_conf *,
	    const struct dns_source *src);
void	plan_free(struct plan *);

/* The decision for one entry and its look-up (NULL when none was made);
 * fills every field of e but key and dest. */
void	plan_decide(const struct destination *, const struct dane_domain *,
	    struct plan_entry *e);

#endif
