/*
 * cidr - IPv4 and IPv6 addresses and address blocks.
 *
 * Every address is held as 16 bytes; IPv4 is held in its IPv4-mapped IPv6
 * form (::ffff:a.b.c.d) with the prefix length raised by 96, so an IPv4
 * block matches both "192.0.2.1" and "::ffff:192.0.2.1" from the MTA.
 * No allocation; nothing to free.
 */
#ifndef GW_CIDR_H
#define GW_CIDR_H

#include <stdbool.h>

struct cidr {
	unsigned char	addr[16];
	unsigned	prefix;		/* 0..128, in the 16-byte form */
	bool		v4;		/* written as IPv4 */
};

/* Parses "192.0.2.1", "192.0.2.0/24", "2001:db8::/32", "[::1]". Host bits
 * set beyond the prefix are an error (a likely typo). Returns false and a
 * static reason in *why on failure. */
bool	cidr_parse(const char *, struct cidr *, const char **why);

/* Parses one address the way MTAs hand it over ("192.0.2.1", "::1",
 * "IPv6:::1", "::ffff:192.0.2.1"); false when it is none. */
bool	cidr_parse_addr(const char *, unsigned char out[16]);

bool	cidr_contains(const struct cidr *, const unsigned char addr[16]);
/* true when every address of inner is in outer. */
bool	cidr_covers(const struct cidr *outer, const struct cidr *inner);

#endif
