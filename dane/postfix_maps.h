/*
 * postfix_maps - the Postfix files gatewarden-maps writes, each to a FILE
 * the caller opened (mapdir.h makes the writing atomic):
 *
 *  tls_policy        smtp_tls_policy_maps (hash): one line per destination
 *                    entry, "example.com  verify match=..."
 *  transport         transport_maps (hash): dane-only entries to the
 *                    gatewarden-dane transport, which alone looks up DNS
 *                    with smtp_dns_support_level=dnssec
 *  sender_transport  sender_dependent_default_transport_maps (hash):
 *                    "@domain gatewarden-tls-required:" for the sender
 *                    domains of outbound groups with tls: required
 *  starttls_discard  smtpd_discard_ehlo_keyword_address_maps (cidr): the
 *                    client blocks of inbound groups with tls: no, in group
 *                    order, earlier groups' blocks kept out of it
 *  main.cf.snippet / master.cf.snippet: exactly the lines to add; DIR is
 *                    the directory the maps are installed in, an absolute
 *                    path (Postfix daemons run in the queue directory).
 *
 * Every writer returns 0, or -1 when the FILE reported an error (errno
 * set). Nothing is allocated that outlives a call.
 */
#ifndef GW_DANE_POSTFIX_MAPS_H
#define GW_DANE_POSTFIX_MAPS_H

#include <stdio.h>

#include "conf/config.h"
#include "dane/plan.h"

#define PF_REQUIRED_TRANSPORT	"gatewarden-tls-required"

int	pf_write_tls_policy(FILE *, const struct plan *);
int	pf_write_transport(FILE *, const struct plan *);
int	pf_write_sender_transport(FILE *, const struct sender_group *, size_t);
int	pf_write_starttls_discard(FILE *, const struct sender_group *, size_t);
int	pf_write_main_cf(FILE *, const struct destinations_conf *,
	    const struct trust_conf *, const char *dir);
int	pf_write_master_cf(FILE *);

/* Writes a block as a cidr: table key ("192.0.2.0/24", "2001:db8::/32"). */
void	pf_cidr_key(const struct cidr *, char *buf, size_t bufsz);

#endif
