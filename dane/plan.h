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
 * MTA-STS (RFC 8461), for an entry with mta_sts: true and a look-up
 * (sts_lookup.h), comes after DANE and never over it: when DANE decided
 * (mandatory, some MX host with usable TLSA, a bogus answer) the MTA-STS
 * policy is only reported. Otherwise an "enforce" policy makes the entry
 * Postfix's secure with the policy's MX patterns as match= and
 * servername=hostname (stronger than every level but the verify ones,
 * which stand: policy_sts_applies()); "testing" is reported and leaves the
 * level as it is; "none" and no policy leave it too. A failed _mta-sts
 * look-up with no cached policy marks the entry temporary, like a failed
 * DANE look-up. policy_type says which policy governs the entry in
 * TLS-RPT's words: "tlsa", "sts" or "no-policy-found".
 *
 * plan_lookup() is THE decision for one domain: the DANE and MTA-STS
 * look-ups the entry asks for, then plan_decide(); the map writer
 * (plan_build) and the socketmap server (serve_*.c) both call it, so that
 * static maps and live answers agree. plan_destination() says which entry
 * governs a domain: its own, else the longest ".suffix" entry above it,
 * else the default.
 *
 * plan_build() looks up every exact domain entry with a DANE mode or
 * mta_sts through src and sts (src NULL: no look-ups, every opportunistic
 * entry as not looked up; sts NULL: no MTA-STS), one after the other;
 * plan_build_jobs() the same with up to jobs look-ups at once (at most
 * PLAN_JOBS_MAX; src and sts must then be safe to use from several
 * threads, as the resolver and the MTA-STS cache are), the entries in
 * the order of the configuration whatever order they finish in.
 * Everything hangs off
 * struct plan: plan_free() (NULL is fine); plan_entry_clear() frees what
 * one entry made by plan_lookup() holds.
 */
#ifndef GW_DANE_PLAN_H
#define GW_DANE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"
#include "dane/dns.h"
#include "dane/policy_table.h"
#include "dane/sts_lookup.h"
#include "dane/tlsa.h"

struct plan_entry {
	const struct destination *dest;
	char		*key;		/* "example.com" or ".example.com" */
	struct dane_domain *lookup;	/* NULL when not looked up */
	struct sts_result *sts;		/* NULL when MTA-STS not looked up */
	enum dane_level	level;		/* what DANE makes of the level */
	bool		sts_enforce;	/* MTA-STS enforce made the policy */
	const char	*policy_type;	/* "tlsa", "sts", "no-policy-found" */
	uint32_t	ttl;		/* seconds the decision stands: the
					 * smallest TTL looked up (0: none) */
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

#define PLAN_JOBS_MAX	64

struct plan *plan_build(const struct destinations_conf *,
	    const struct dns_source *src, struct sts_ctx *sts);
struct plan *plan_build_jobs(const struct destinations_conf *,
	    const struct dns_source *src, struct sts_ctx *sts, unsigned jobs);
void	plan_free(struct plan *);

const struct destination *plan_destination(const struct destinations_conf *,
	    const char *domain);
/* Looks up what d asks for domain (src NULL: nothing; sts NULL: no
 * MTA-STS) and decides; e is zeroed first, e->dest set, e->key left. */
void	plan_lookup(const struct destination *d, const char *domain,
	    const struct dns_source *src, struct sts_ctx *sts,
	    struct plan_entry *e);
void	plan_entry_clear(struct plan_entry *);

/* The decision for one entry and its look-ups (NULL when none was made);
 * fills every field of e but key, dest, lookup and sts. */
void	plan_decide(const struct destination *, const struct dane_domain *,
	    const struct sts_result *, struct plan_entry *e);

/* The Sendmail access entry for e (policy_sendmail_value()); domain for
 * the CN: of required-verify-hosted (NULL: the entry's own). */
char	*plan_sendmail_value(const struct plan_entry *e, const char *domain,
	    const char **key, const char **why);

#endif
