/*
 * curl_resolve - the addresses of an HTTPS host for libcurl, from the
 * configured resolver (a struct dns_source: the validating libunbound of
 * the DANE look-ups) rather than the system's, handed over with
 * CURLOPT_RESOLVE so that the host name, SNI and certificate check stay
 * the host's.
 *
 * curl_resolve_entry() returns "HOST:PORT:ADDR,..." (at most
 * CURL_RESOLVE_MAX addresses, A then AAAA), newly allocated; NULL and a
 * reason in *why (the caller frees it) when an answer is bogus or failed,
 * or the host has no address.
 */
#ifndef GW_DANE_CURL_RESOLVE_H
#define GW_DANE_CURL_RESOLVE_H

#include "dane/dns.h"

#define CURL_RESOLVE_MAX	8

char	*curl_resolve_entry(const struct dns_source *, const char *host,
	    unsigned port, char **why);

#endif
