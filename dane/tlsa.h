/*
 * tlsa - the RFC 7672 look-up of one destination domain: its MX hosts and,
 * for each, its TLSA RRset at _25._tcp.HOST, with the DNSSEC status of
 * every step.
 *
 * dane_lookup() asks a struct dns_source (dns.h):
 *  - MX of the domain. NODATA means the implicit MX (the domain itself,
 *    RFC 5321 5.1); NXDOMAIN and a null MX (RFC 7505) leave no host. An
 *    insecure MX RRset still has its hosts examined (RFC 7672 2.2.1 allows
 *    DANE for MX hosts found through an insecure MX RRset).
 *  - for each host (at most DANE_MAX_HOSTS, by preference): its address
 *    (A, else AAAA). TLSA is looked up only when the address answer is
 *    secure, or when it is insecure but the first CNAME link is secure;
 *    the TLSA base is the end of a secure CNAME chain first, then the
 *    original name (RFC 7672 2.2.2).
 *  - TLSA: a secure RRset with at least one usable record (usage 2 or 3,
 *    selector 0 or 1, matching 0, 1 or 2 with the right length; usages 0
 *    and 1 are unusable for SMTP, RFC 7672 3.1.3) makes the host usable;
 *    a secure NXDOMAIN or NODATA is "no TLSA"; an insecure TLSA RRset is
 *    ignored; a bogus or failed answer is never read as "no TLSA".
 *
 * dane_summarise() counts hosts (a host with a secure TLSA RRset of
 * unusable records only is counted apart: RFC 7672 2.2 still makes TLS
 * mandatory for it, unauthenticated); the callers (plan.h, rcpt.h) turn the
 * counts into their decisions. Note that Postfix's dane-only defers a
 * destination whose MX RRset is insecure ("non DNSSEC destination"), so
 * the callers treat an insecure MX RRset as "DANE cannot be used" even
 * though its hosts are examined and reported. struct dane_domain is owned by the caller:
 * dane_domain_free() (NULL is fine).
 */
#ifndef GW_DANE_TLSA_H
#define GW_DANE_TLSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dane/dns.h"

#define DANE_MAX_HOSTS	16

enum dane_host_state {
	HOST_USABLE,		/* secure TLSA with a usable record */
	HOST_UNUSABLE,		/* secure TLSA, every record unusable */
	HOST_NO_TLSA,		/* secure NXDOMAIN / NODATA */
	HOST_INSECURE,		/* address or TLSA not signed: no DANE */
	HOST_NO_ADDRESS,	/* no A nor AAAA */
	HOST_BOGUS,		/* a bogus answer on the way */
	HOST_FAILED		/* SERVFAIL, time-out: temporary */
};

struct dane_host {
	char		*name;		/* as in the MX record */
	unsigned	pref;
	enum dns_sec	addr_sec;
	char		**addr;
	size_t		naddr;
	char		*tlsa_base;	/* TLSA owner without _25._tcp.; NULL when none looked up */
	enum dns_sec	tlsa_sec;
	struct dns_tlsa	*tlsa;		/* every record, usable or not */
	size_t		ntlsa;
	enum dane_host_state state;
	char		*why;		/* reason for bogus / failed */
};

struct dane_domain {
	char		*domain;
	enum dns_sec	mx_sec;
	bool		implicit_mx;	/* no MX: the domain is its own host */
	bool		null_mx;	/* RFC 7505 "MX 0 ." */
	bool		nxdomain;
	char		*why;		/* reason for a bogus / failed MX */
	uint32_t	ttl;		/* the smallest TTL seen */
	struct dane_host *hosts;
	size_t		nhosts;
};

struct dane_summary {
	size_t		hosts, usable, bogus, failed;
	size_t		unusable;	/* secure TLSA, every record unusable */
	bool		mx_bogus, mx_failed;
	bool		mx_insecure;	/* Postfix's dane-only defers these */
};

/*
 * Bounds for a look-up made while a client waits (the RCPT check):
 * first_usable stops at the first host with a usable TLSA RRset (the hosts
 * after it are neither examined nor listed); budget (seconds, 0 = none)
 * is checked before each host, and the hosts not examined in time are
 * HOST_FAILED (temporary), so a domain of many slow hosts costs at most
 * budget plus one dns.timeout per query of the host being examined.
 * clock: seconds from an arbitrary origin (NULL = CLOCK_MONOTONIC), for
 * tests.
 */
struct dane_lookup_opts {
	bool		first_usable;
	unsigned	budget;
	time_t		(*clock)(void *arg);
	void		*clock_arg;
};

struct dane_domain *dane_lookup(const struct dns_source *, const char *domain);
/* dane_lookup() with bounds; opts NULL = none. */
struct dane_domain *dane_lookup_with(const struct dns_source *,
	    const char *domain, const struct dane_lookup_opts *opts);
void	dane_domain_free(struct dane_domain *);
void	dane_summarise(const struct dane_domain *, struct dane_summary *);

bool	dane_tlsa_usable(const struct dns_tlsa *);
const char *dane_host_state_name(enum dane_host_state);

#endif
