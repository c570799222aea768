/*
 * rcpt_dane - the milter's RCPT-time check of mandatory DANE destinations.
 *
 * For outgoing mail (a sender group with direction outbound), a recipient
 * whose domain's destination control says `dane: mandatory` is refused at
 * RCPT when no MX host of the domain has a DNSSEC-secure usable TLSA RRset
 * (550 5.7.10), or told to try again when DNS failed or answered bogus
 * (450 4.7.x), so the sender learns now rather than from a bounce days
 * later (dane/rcpt.h has the rules). Look-ups go through one libunbound
 * resolver and one TTL cache shared by every thread.
 *
 * rcpt_dane_init() makes them when the configuration has a mandatory
 * destination, from its dns: section: at start, or at the first reload
 * that needs them; a reload does not replace them (changes to dns: take
 * effect at restart).
 * Returns false, logged, when the resolver cannot be set up.
 * rcpt_dane_needed() says whether a configuration asks for the check, so
 * the milter negotiates replies for RCPT only then.
 * rcpt_dane_check() says whether to accept the recipient and, when not,
 * fills reply (code, status, text); every mandatory-DANE decision is
 * logged. A refusal of a destination with alert_on_failure raises the
 * rate-limited "DANE fails for every MX host" alert.
 */
#ifndef GW_RCPT_DANE_H
#define GW_RCPT_DANE_H

#include <stdbool.h>

#include "conf/config.h"

struct rcpt_reply {
	char	rcode[4];
	char	xcode[8];
	char	text[400];
};

enum rcpt_dane_result { RCPT_DANE_ACCEPT, RCPT_DANE_REJECT,
			RCPT_DANE_TEMPFAIL };

bool	rcpt_dane_needed(const struct config *);
bool	rcpt_dane_init(const struct config *);
void	rcpt_dane_shutdown(void);
/* log_id: the message's id for the log line. */
enum rcpt_dane_result rcpt_dane_check(const struct config *,
	    const struct sender_group *, const char *rcpt, const char *log_id,
	    struct rcpt_reply *);

#endif
