/*
 * sendmail_maps - access.tls, the Sendmail access-map entries for the
 * destination controls, to be appended to /etc/mail/access before makemap:
 *
 *   TLS_Rcpt:example.com   VERIFY:128        required-verify
 *   TLS_Rcpt:example.com   ENCR:128          required; DANE asks TLS
 *   Try_TLS:example.com    NO                tls: no
 *
 * Debian's Sendmail 8.17 is built without DANE and cannot tell MX hosts
 * apart: an entry for which DANE asks TLS of any MX host (plan.h:
 * sendmail_encrypt) requires encryption of them all, verify levels keep
 * VERIFY, and the milter's RCPT check refuses the recipients whose
 * mandatory DANE policy cannot be met. Try_TLS: is looked up by the server's name
 * (and its parent domains), so it takes effect for MX hosts inside the
 * domain.
 *
 * sm_write_access() returns 0, or -1 when the FILE reported an error.
 */
#ifndef GW_DANE_SENDMAIL_MAPS_H
#define GW_DANE_SENDMAIL_MAPS_H

#include <stdio.h>

#include "dane/plan.h"

int	sm_write_access(FILE *, const struct plan *);

#endif
