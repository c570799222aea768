/*
 * inbound_tls - the inbound TLS policy, applied by the milter.
 *
 * inbound_tls_decide(), at MAIL FROM (after the session facts and the
 * sender are recorded): finds the session's sender group
 * (policy/group_match.h), records it in the message, logs the decision
 * line (policy/tls_log.h) and, when the group's TLS policy refuses the
 * session (policy/tls_verdict.h), sets the reply and returns SMFIS_REJECT
 * or SMFIS_TEMPFAIL; a refusal for lack of TLS also raises the rate-limited
 * alert. Returns SMFIS_CONTINUE otherwise.
 *
 * inbound_tls_add_header(), at end of message: adds X-Gatewarden-TLS with
 * what the policy saw, when milter.tls_header is on; false when the MTA
 * refused the change.
 */
#ifndef GW_INBOUND_TLS_H
#define GW_INBOUND_TLS_H

#include <stdbool.h>

#include <libmilter/mfapi.h>

#include "milter/session.h"

sfsistat inbound_tls_decide(SMFICTX *, struct session *);
bool	inbound_tls_add_header(SMFICTX *, const struct session *);

#endif
