/*
 * smime_out - gateway S/MIME for outgoing mail, applied by the milter at
 * end of message.
 *
 * For a message of a sender group with direction outbound, the first
 * matching sending rule (policy/sending_rule.h) names a sending profile;
 * the recipients' certificates come from the key store (smime/keystore/keystore.h:
 * exact address, then a domain certificate), their revocation checked,
 * else from the LDAP directories (smime/recipient_key.h): a revoked
 * certificate counts as missing, an unknown status follows on_unknown
 * (tempfail by default: 451 4.7.0), a directory down tempfails; the engine
 * (smime/outbound.h) signs and/or encrypts and says what to change; this
 * module applies it: header deletions and additions, the new body
 * (smfi_replacebody), and for missing keys: bounce (554 5.7.1 naming the
 * recipients), drop (discard) or split (the recipients without keys are
 * removed and get the unencrypted message through milter/reinject.h).
 *
 * Failures never let mail out unsigned or in clear: a signing key or key
 * store that cannot be used, an I/O error or a failed re-injection
 * tempfail the message (451 4.3.0 / 4.7.0); a message whose MIME cannot be
 * processed is refused (554 5.6.0).
 *
 * smime_out_init() opens the key store when the configuration has sending
 * rules (false, logged, when it cannot); smime_out_needed() tells the
 * negotiation that body, header and recipient changes are wanted.
 * smime_out_eom() returns false when no rule applies (nothing done), else
 * true with the callback's result in *rc. One log line per message.
 */
#ifndef GW_SMIME_OUT_H
#define GW_SMIME_OUT_H

#include <stdbool.h>

#include <libmilter/mfapi.h>

#include "milter/session.h"
#include "smime/keystore/keystore.h"

bool	smime_out_needed(const struct config *);
bool	smime_out_init(const struct config *);
/* The key store opened by smime_out_init(); NULL when none is. */
struct keystore *smime_out_keystore(void);
void	smime_out_shutdown(void);
bool	smime_out_eom(SMFICTX *, struct session *, sfsistat *rc);

#endif
