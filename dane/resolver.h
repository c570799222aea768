/*
 * resolver - DNSSEC-validating look-ups through libunbound, as a struct
 * dns_source (dns.h).
 *
 * resolver_new() sets up one libunbound context from the dns: section:
 * forward mode (the listed forwarders, else the resolv.conf file) or full
 * recursion; the trust anchor file (DS or DNSKEY records; the system root
 * key by default); stub zones (zone -> "addr" or "addr@port"); an unbound
 * configuration file for labs and split-horizon sites. Because lab and
 * split-horizon servers often sit on loopback, "do-not-query-localhost:
 * no" is set; the built-in local zone "test." (RFC 6761) and the local
 * zones of configured stub zones are removed last, after everything else
 * is set (libunbound finalises its configuration there).
 *
 * Each query waits at most dns.timeout seconds; a time-out, SERVFAIL or any
 * rcode but NOERROR/NXDOMAIN is DNS_SEC_FAILED (temporary, never "no
 * data"); a bogus answer is DNS_SEC_BOGUS with libunbound's reason and no
 * records (libunbound still hands over its data: it is dropped here).
 * Records that do not decode (rr.h) make an MX answer failed and are
 * skipped in TLSA answers.
 *
 * Thread-safe: one resolver serves every milter thread; queries run
 * concurrently in libunbound's own thread, answers are collected under a
 * mutex by whichever waiting thread polls.
 *
 * resolver_new() returns NULL and a message in *err (the caller frees it)
 * when the context cannot be set up. resolver_free() must not run while a
 * query is in progress (free it with the configuration snapshot that owns
 * it, after the last reference); resolver_free(NULL) is fine.
 */
#ifndef GW_DANE_RESOLVER_H
#define GW_DANE_RESOLVER_H

#include "conf/config.h"
#include "dane/dns.h"

struct resolver;

struct resolver *resolver_new(const struct dns_conf *, char **err);
void	resolver_free(struct resolver *);
struct dns_source resolver_source(struct resolver *);

#endif
