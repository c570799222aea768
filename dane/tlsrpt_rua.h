/*
 * tlsrpt_rua - the TLS-RPT record of a policy domain (RFC 8460 3): the
 * TXT record of _smtp._tls.DOMAIN, "v=TLSRPTv1; rua=URI,URI".
 *
 * tlsrpt_rua_parse() takes the domain's TXT strings (each record's
 * strings joined, as dns.h gives them): records that do not begin with
 * "v=TLSRPTv1" then ';' are discarded; unless exactly one is left the
 * domain has no TLS-RPT (false, a static reason in *why). Of that
 * record's fields, "rua" is read (the first, when written twice); its
 * URIs are separated by ','; a "mailto:" URI gives an address (%XX
 * decoded, an hfields part after '?' ignored, the address checked), an
 * "https:" URI is kept as written (checked: no white space, no control
 * character). Other schemes and bad URIs are passed over; a record with
 * no usable URI is false too. At most TLSRPT_MAX_RUA are kept.
 * tlsrpt_rua_clear() frees what was filled (a zeroed one is fine).
 */
#ifndef GW_DANE_TLSRPT_RUA_H
#define GW_DANE_TLSRPT_RUA_H

#include <stdbool.h>
#include <stddef.h>

#define TLSRPT_MAX_RUA	8
#define TLSRPT_MAX_URI	512

enum rua_kind { RUA_MAILTO, RUA_HTTPS };

struct tlsrpt_rua {
	struct {
		enum rua_kind kind;
		char	*target;	/* an address, or the https: URI */
	} v[TLSRPT_MAX_RUA];
	size_t	n;
};

bool	tlsrpt_rua_parse(char *const *txt, size_t ntxt, struct tlsrpt_rua *,
	    const char **why);
void	tlsrpt_rua_clear(struct tlsrpt_rua *);

#endif
