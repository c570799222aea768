/*
 * dns - the DNS answers the DANE code works on, and the interface that
 * produces them.
 *
 * Everything in dane/ that needs DNS asks a struct dns_source: the real one
 * is the libunbound resolver (resolver.h); tests fill their own with canned
 * answers, so that the RFC 7672 logic, the map writers and the RCPT check
 * are tested deterministically without a server.
 *
 * A query always produces an answer: a look-up that could not be done
 * (SERVFAIL, time-out, out of resources) is DNS_SEC_FAILED with a reason,
 * never an empty answer. Data of a DNS_SEC_BOGUS answer is never handed
 * over: a bogus answer has no records. Names are lower-case, without the
 * trailing dot; the root (a null MX target) is "".
 *
 * dns_answer_clear() frees what an answer holds and leaves it zeroed;
 * it may be called on a zeroed answer.
 */
#ifndef GW_DANE_DNS_H
#define GW_DANE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The DNSSEC status of one answer (RFC 4033 terms). */
enum dns_sec { DNS_SEC_SECURE, DNS_SEC_INSECURE, DNS_SEC_BOGUS,
	       DNS_SEC_FAILED };

/* What a usable (secure or insecure) answer said. */
enum dns_kind { DNS_KIND_DATA, DNS_KIND_NODATA, DNS_KIND_NXDOMAIN };

enum dns_type { DNS_T_A = 1, DNS_T_CNAME = 5, DNS_T_MX = 15,
		DNS_T_TXT = 16, DNS_T_AAAA = 28, DNS_T_TLSA = 52 };

/* Bounds on what one answer may hold; more is cut (hostile zones). */
#define DNS_MAX_RRS	64
#define DNS_MAX_NAME	255	/* presentation form, without the final dot */
#define DNS_MAX_TLSA_DATA 1024	/* a full RSA-8192 SPKI is about 1,060 */
#define DNS_MAX_TXT	2048	/* one TXT record, its strings joined */

struct dns_mx {
	unsigned	pref;
	char		*host;
};

struct dns_tlsa {
	uint8_t		usage, selector, mtype;
	unsigned char	*data;
	size_t		len;
};

struct dns_answer {
	enum dns_sec	sec;
	enum dns_kind	kind;
	uint32_t	ttl;		/* of the answer (minimum over the RRset) */
	char		*canon;		/* the name after CNAMEs; NULL when none */
	char		*why;		/* for bogus and failed: the reason */
	struct dns_mx	*mx;		/* DNS_T_MX */
	size_t		nmx;
	struct dns_tlsa	*tlsa;		/* DNS_T_TLSA */
	size_t		ntlsa;
	char		**addr;		/* DNS_T_A, DNS_T_AAAA: textual */
	size_t		naddr;
	char		*target;	/* DNS_T_CNAME */
	char		**txt;		/* DNS_T_TXT: each record's strings
					 * joined; printable ASCII only */
	size_t		ntxt;
};

struct dns_source {
	/* Fills *out (zeroed by the caller) for name and type. */
	void	(*query)(void *arg, const char *name, enum dns_type type,
		    struct dns_answer *out);
	void	*arg;
};

void	dns_answer_clear(struct dns_answer *);
/* Deep copy of in into *out. */
void	dns_answer_copy(struct dns_answer *out, const struct dns_answer *in);

const char *dns_sec_name(enum dns_sec);	/* "secure" ... "failed" */
const char *dns_kind_name(enum dns_kind);	/* "data", "nodata", "nxdomain" */

/* Hex of TLSA data into buf (size bufsz, cut when short); returns buf. */
const char *dns_tlsa_hex(const struct dns_tlsa *, char *buf, size_t bufsz);

#endif
