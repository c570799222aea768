/*
 * sockmap - the socketmap protocol's requests and replies (Postfix
 * socketmap_table(5), Sendmail's socket map): a request is "NAME KEY" in
 * one netstring (netstring.h), a reply "OK data", "NOTFOUND ", "TEMP
 * reason", "TIMEOUT reason" or "PERM reason".
 *
 * gatewarden-maps serve answers two map names:
 *  tls_policy  Postfix smtp_tls_policy_maps: KEY is the next-hop domain;
 *              the data is a Postfix TLS policy ("dane-only", "secure
 *              match=... servername=hostname" ...).
 *  tls_access  Sendmail: KEY is an access-map key, "TLS_Rcpt:DOMAIN" or
 *              "Try_TLS:HOST"; the data is the access value ("ENCR:128",
 *              "VERIFY:128", "NO").
 * sockmap_parse() reads one request. A key that cannot be a destination
 * (a Postfix parent-domain probe ".example.com", an explicit next hop
 * "[host]:port", anything not a domain name, a Sendmail key of another
 * kind, a Sendmail key that is a top-level domain, which Sendmail's
 * access look-ups reach by stripping labels) is SM_REQ_NOTFOUND: the
 * MTA's own default applies, as with a static map that has no such entry. An unknown map name or a request
 * without a key is SM_REQ_PERM (a configuration mistake of the MTA's).
 * Domains are lower-cased, a final dot dropped.
 *
 * sockmap_reply() makes the netstring of "STATUS text" (text cleaned of
 * control characters and cut to SOCKMAP_MAX_TEXT bytes; NULL is empty),
 * newly allocated, its length in *len.
 */
#ifndef GW_DANE_SOCKMAP_H
#define GW_DANE_SOCKMAP_H

#include <stddef.h>

#include "dane/dns.h"

#define SOCKMAP_MAX_REQUEST	2048	/* a request's payload, bytes */
#define SOCKMAP_MAX_TEXT	1000	/* a reply's text, bytes */
#define SOCKMAP_POSTFIX		"tls_policy"
#define SOCKMAP_SENDMAIL	"tls_access"

enum sockmap_kind { SM_KIND_POSTFIX, SM_KIND_SENDMAIL };
enum sockmap_req { SM_REQ_LOOKUP, SM_REQ_NOTFOUND, SM_REQ_PERM };

struct sockmap_request {
	enum sockmap_req type;
	enum sockmap_kind kind;
	char		domain[DNS_MAX_NAME + 1];
	char		tag[16];	/* Sendmail: "TLS_Rcpt", "Try_TLS" */
	const char	*why;		/* static, for NOTFOUND and PERM */
};

void	sockmap_parse(const char *data, size_t len, struct sockmap_request *);
char	*sockmap_reply(const char *status, const char *text, size_t *len);

#endif
