/*
 * rr - decoding of the record data (RDATA, wire form) that libunbound
 * hands over, into the structs of dns.h.
 *
 * The data comes from the network and is hostile: every length is checked
 * against the buffer, names must be uncompressed (as libunbound gives
 * them), at most 255 characters, and made only of letters, digits, '-' and
 * '_' (anything else could break the map files the names may end up in),
 * TLSA data is bounded by DNS_MAX_TLSA_DATA. A function returns false and
 * leaves nothing allocated when the data is not acceptable.
 * The caller frees what a successful call allocated (dns_answer_clear()
 * frees it inside an answer).
 */
#ifndef GW_DANE_RR_H
#define GW_DANE_RR_H

#include <stdbool.h>
#include <stddef.h>

#include "dane/dns.h"

/* One wire name at data[*off], into out (lower-case, no final dot; the
 * root is ""); *off moves past it. */
bool	rr_name(const unsigned char *data, size_t len, size_t *off,
	    char *out, size_t outsz);
bool	rr_mx(const unsigned char *data, size_t len, struct dns_mx *);
bool	rr_tlsa(const unsigned char *data, size_t len, struct dns_tlsa *);
/* A (len 4) or AAAA (len 16) into a newly allocated text address. */
bool	rr_addr(const unsigned char *data, size_t len, char **out);
/* A whole CNAME RDATA into a newly allocated name. */
bool	rr_cname(const unsigned char *data, size_t len, char **out);
/* A TXT RDATA: its character-strings joined into a newly allocated
 * string; false for a record longer than DNS_MAX_TXT or holding anything
 * but printable ASCII and spaces (the records read here, _mta-sts and
 * _smtp._tls, are made of those only). */
bool	rr_txt(const unsigned char *data, size_t len, char **out);

#endif
