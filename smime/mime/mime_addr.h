/*
 * mime_addr - the addresses of an address header field (From, Sender),
 * for comparing them with the e-mail addresses of a signer's certificate
 * (RFC 8550 section 3, RFC 8551 section 3.1.3... the receiving agent
 * checks that the signer is who the message says it is from).
 *
 * mime_addr_list() finds each addr-spec of value (RFC 5322 address-list:
 * angle-addr "<local@domain>" or a bare addr-spec, display names,
 * quoted strings, comments and groups skipped) and writes at most max of
 * them, lower-cased, into out[] (each MIME_ADDR_MAX bytes); returns how
 * many. Anything that is not plausibly local@domain is left out, never
 * guessed at. Pure; nothing allocated.
 */
#ifndef GW_SMIME_MIME_ADDR_H
#define GW_SMIME_MIME_ADDR_H

#include <stddef.h>

#define MIME_ADDR_MAX	320

size_t	mime_addr_list(const char *value, char (*out)[MIME_ADDR_MAX],
	    size_t max);

#endif
