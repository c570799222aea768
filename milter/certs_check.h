/*
 * certs_check - the organisation's certificates and keys, checked when the
 * daemon starts and when it reloads.
 *
 * certs_check() runs the checks of `gatewarden-keys check`
 * (smime/x509/orgcert.h) on every entry of smime.certificates, as the user the
 * daemon runs as (so a key the daemon cannot read is found now, not at the
 * first message): a missing or unreadable file, a key that does not match
 * its certificate, a key or passphrase file that others may read, an
 * expired certificate are errors, logged one per line with the file named;
 * a certificate that expires within 30 days is a warning. With the
 * revocation context of trust_ctx.h (trust.revocation not off), each
 * certificate's revocation is checked over its chain and trust (the CA
 * lists of the configuration being started or loaded): revoked is an
 * error, a status that cannot be found a warning (a responder that is
 * down does not keep the daemon from starting); a fresh status is
 * recorded in ks
 * (may be NULL) for gatewarden-keys list. Returns false when there was an
 * error: the daemon does not start, a reload is refused.
 */
#ifndef GW_CERTS_CHECK_H
#define GW_CERTS_CHECK_H

#include <stdbool.h>

#include <openssl/x509.h>

#include "conf/config.h"
#include "smime/keystore/keystore.h"

bool	certs_check(const struct config *, X509_STORE *trust,
	    struct keystore *ks);

#endif
