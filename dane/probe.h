/*
 * probe - "gatewarden-maps --probe DOMAIN": for each MX host of DOMAIN
 * (looked up as tlsa.h does), connect on the given port, STARTTLS, and
 * check the certificate chain with OpenSSL's DANE support
 * (SSL_dane_enable, SSL_dane_tlsa_add) against the host's usable TLSA
 * records, printing one posttls-finger-like verdict line per host:
 *
 *   mx.example.test[192.0.2.1]:25: Verified TLS connection (DANE 3 1 1),
 *       TLSv1.3 with cipher TLS_AES_256_GCM_SHA384
 *
 * Verdicts: "Verified" (DANE matched), "DANE failed" (usable TLSA but no
 * match: Postfix would defer), "Trusted"/"Untrusted" (no usable TLSA:
 * the chain checked against cafile when given; "Trusted" says the chain
 * verifies, no name is checked), "no STARTTLS", "unreachable",
 * "deferred" (a bogus or failed DNS answer: no connection attempted).
 * For DANE-EE (usage 3) names are not checked (RFC 7672 3.1.1); for
 * DANE-TA (usage 2) the certificate must name the TLSA base domain, the MX
 * host or the domain. All network input is bounded: lines of at most
 * 1000 octets, at most 100 lines per reply, timeout seconds per step.
 *
 * probe_domain() returns 0 when every host with usable TLSA records was
 * Verified and at least one was; 1 otherwise (no host with usable TLSA,
 * a DANE failure, a bogus or failed DNS answer). gatewarden-maps exits
 * with it, or 2 on a local error (options, configuration, resolver).
 */
#ifndef GW_DANE_PROBE_H
#define GW_DANE_PROBE_H

#include <stdbool.h>
#include <stdio.h>

#include "dane/dns.h"

int	probe_domain(const struct dns_source *, const char *domain,
	    unsigned port, unsigned timeout, const char *cafile, bool json,
	    FILE *out);

#endif
