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
 *  - opportunistic: a failed look-up (SERVFAIL, time-out) marks the
 *    entry temporary: the previous files must stay in place. Otherwise
 *    the look-up is one situation of the table in policy_table.h (every
 *    MX host usable, some usable, every one unusable, ..., not looked
 *    up) and the table gives the level for the class of the entry's own
 *    level: never weaker than RFC 7672 nor than that level.
 * Entries for subdomains (".example.com") are not looked up: mandatory is
 * dane-only, opportunistic the table's "not looked up" row.
 *
 * plan_build() looks up every exact domain entry with a DANE mode through
 * src (NULL: no look-ups, every opportunistic entry as not looked up).
 * Everything hangs off struct plan: plan_free() (NULL is fine).
 */
#ifndef GW_DANE_PLAN_H
#define GW_DANE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"
#include "dane/dns.h"
#include "dane/policy_table.h"
#include "dane/tlsa.h"

struct plan_entry {
	const struct destination *dest;
	char		*key;		/* "example.com" or ".example.com" */
	struct dane_domain *lookup;	/* NULL when not looked up */
	enum dane_level	level;		/* what DANE makes of the level */
	bool		transport;	/* via POLICY_DANE_TRANSPORT */
	bool		sendmail_encrypt;	/* DANE asks TLS of some host */
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
