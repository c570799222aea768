/*
 * trust_ctx - what the daemon trusts, shared by every message: the CA
 * lists in force (trust_store_build) and the revocation context of
 * trust.revocation (smime/revoke/revoke.h). The outbound path
 * (smime_out.c) and the organisation-certificate check (certs_check.c)
 * use them; inbound verification is to use them the same way
 * (smime/revoke/README.md says how).
 *
 * trust_ctx_init() makes both at start-up, with the key store (may be
 * NULL) as the CA lists' override and the revocation answers' persistent
 * cache (cache: keystore). The revocation context lives as long as the
 * daemon, with its cache: a reload keeps it, and a changed
 * trust.revocation is logged as taking effect at the next start.
 * trust_ctx_build() makes the CA lists of a (new) configuration, NULL
 * and logged when they cannot be loaded; trust_ctx_install() puts them in
 * force (taking the reference). trust_ctx_store() gives a reference to
 * the lists in force (X509_STORE_free it; NULL before init), so that a
 * message keeps the lists it started with. trust_ctx_revocation() is NULL
 * when mode is off. Thread-safe.
 */
#ifndef GW_TRUST_CTX_H
#define GW_TRUST_CTX_H

#include <stdbool.h>

#include <openssl/x509.h>

#include "conf/config.h"
#include "smime/keystore/keystore.h"
#include "smime/revoke/revoke.h"

bool	trust_ctx_init(const struct config *, struct keystore *);
X509_STORE *trust_ctx_build(const struct config *);
void	trust_ctx_install(X509_STORE *);
X509_STORE *trust_ctx_store(void);
struct revocation *trust_ctx_revocation(void);
/* Logs that a reload's trust.revocation differs from the one in force. */
void	trust_ctx_reloaded(const struct config *);
void	trust_ctx_shutdown(void);

#endif
