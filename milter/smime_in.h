/*
 * smime_in - gateway S/MIME for incoming mail, applied by the milter at
 * end of message.
 *
 * For a message of a sender group that names an inbound policy
 * (smime_inbound: NAME), the engine (smime/inbound.h) decrypts with the
 * organisation's keys (smime.certificates) and verifies against the
 * trusted CAs (smime/x509/trust.h: the system bundle when switched on, the
 * custom list, and the key store's promoted and added keys as anchors of
 * their own); this module applies what it says:
 *   - Authentication-Results (smime=...) and X-Gatewarden-SMIME inserted
 *     at the top (forged copies were removed already: hygiene.h);
 *   - the MIME fields and the body replaced when a layer was taken off;
 *   - on_failure quarantine: smfi_quarantine() with the reason (Postfix's
 *     hold queue, released with postsuper -H; Sendmail's quarantine), and
 *     a copy of the message as received into quarantine_dir when set;
 *   - on_failure reject: 554 5.7.5 with the reason.
 * Then the signer certificates are handed to a worker thread of this
 * module (lib/workq.h) that harvests them (smime/harvest.h) and alerts the
 * administrators of a key churn (policy/key_churn.h). Harvesting never
 * holds a message up: the message does not wait for the key store, a key
 * store failure is logged, and when 1000 harvests wait already the new
 * one is skipped (logged). smime_in_shutdown() gives the worker up to
 * 10 s to finish what waits.
 *
 * Failures of the gateway itself (a key that cannot be loaded, the trust
 * store, work files, the MTA refusing a change) tempfail the message
 * (451 4.3.0): it waits, it is never delivered half processed.
 *
 * smime_in_needed() tells the negotiation that some group has an inbound
 * policy (body, header changes); smime_in_quarantines() that one of them
 * quarantines (SMFIF_QUARANTINE); smime_in_group_reads_body() whether a
 * message of group g needs its body. smime_in_init() opens the key store
 * (false, logged, when it cannot); smime_in_eom() returns false when the
 * message is none of its business or not S/MIME at all (nothing done),
 * else true with the callback's result in *rc. One log line per message,
 * and one per certificate looked at for harvesting.
 */
#ifndef GW_SMIME_IN_H
#define GW_SMIME_IN_H

#include <stdbool.h>

#include <libmilter/mfapi.h>

#include "milter/session.h"

bool	smime_in_needed(const struct config *);
bool	smime_in_quarantines(const struct config *);
bool	smime_in_group_reads_body(const struct config *,
	    const struct sender_group *);
bool	smime_in_init(const struct config *);
void	smime_in_shutdown(void);
bool	smime_in_eom(SMFICTX *, struct session *, sfsistat *rc);

#endif
