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
 * a certificate that expires within 30 days is a warning. Returns false
 * when there was an error: the daemon does not start, a reload is refused.
 */
#ifndef GW_CERTS_CHECK_H
#define GW_CERTS_CHECK_H

#include <stdbool.h>

#include "conf/config.h"

bool	certs_check(const struct config *);

#endif
