/*
 * dane_fakedns - a struct dns_source for tests, answering from a table.
 *
 * Each row is one (name, type) answer: its DNSSEC status, its kind, the
 * canonical name after CNAMEs and up to four records in presentation form
 * ("10 mx.example.test", "3 1 1 ab01...", "127.0.0.1", "target.test",
 * "v=STSv1; id=1" for TXT, whole).
 * A (name, type) that is not in the table is a secure NXDOMAIN. The table
 * ends with a row whose name is NULL. Queries are counted, for cache tests.
 */
#ifndef GW_T_DANE_FAKEDNS_H
#define GW_T_DANE_FAKEDNS_H

#include "dane/dns.h"

struct fake_rr {
	const char	*name;
	enum dns_type	type;
	enum dns_sec	sec;
	enum dns_kind	kind;
	const char	*canon;
	const char	*rr[4];
	unsigned	ttl;		/* 0 = 300 */
};

struct fakedns {
	const struct fake_rr *rows;
	unsigned	queries;
};

/* A source answering from f->rows. */
struct dns_source fakedns_source(struct fakedns *f);

#endif
