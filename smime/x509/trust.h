/*
 * trust - which certificate authorities gatewarden trusts.
 *
 * Two lists: the system bundle (the OS list, trust.system_ca_file) that
 * can be switched on or off, and a custom list. The configuration's
 * trust: section gives the defaults; `gatewarden-keys ca system on|off`
 * records an override in the key store (setting TRUST_SETTING_SYSTEM).
 * `gatewarden-keys ca import` replaces the custom list: the file
 * trust.custom_ca_file when the configuration names one, else a list
 * held in the key store. In force: the system bundle when the override
 * (else the configuration) says on; the key store's custom list; and the
 * configuration's custom_ca_file when one is named.
 *
 * trust_store_build() makes the X509_STORE the S/MIME code verifies
 * with; NULL with e filled on failure (a named file that cannot be read
 * is an error, never silently an empty list). Caller frees the store.
 * A NULL key store (a daemon that keeps none) means the configuration's
 * lists alone, with no override.
 */
#ifndef GW_TRUST_H
#define GW_TRUST_H

#include <stdbool.h>

#include <openssl/x509.h>

#include "smime/keystore/keystore.h"
#include "smime/x509/pem_io.h"

#define TRUST_SETTING_SYSTEM	"trust.system_cas"
#define TRUST_DEFAULT_SYSTEM_FILE "/etc/ssl/certs/ca-certificates.crt"

struct trust_conf;

/* Whether the system bundle is in force and where that was decided:
 * "key store", "configuration" or "default". conf may be NULL. */
enum ks_status trust_system_enabled(struct keystore *,
	    const struct trust_conf *, bool *on, const char **source);
X509_STORE *trust_store_build(struct keystore *, const struct trust_conf *,
	    struct io_err *);
/*
 * Makes a store ready to be shared by threads: OpenSSL computes the
 * extension cache of a certificate (key identifiers, flags) the first
 * time it is used, and two threads that both find it empty both write
 * it, one while the other reads (openssl/openssl#32609). Computing it
 * once here, before any other thread sees the store, leaves those
 * threads only reads. trust_store_build() seals what it returns; call
 * it again after adding certificates.
 */
void trust_store_seal(X509_STORE *);

#endif
