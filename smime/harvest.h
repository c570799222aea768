/*
 * harvest - keeps the signer certificates of incoming mail in the key
 * store, as an inbound policy's harvest settings say, so that mail to
 * their owners can be encrypted.
 *
 * harvest_certs() looks at each certificate the inbound engine met
 * (smime/inbound.h: struct inbound_cert) and stores the ones that pass:
 *   - harvest enabled, and the signature and chain verified (or
 *     on_failed_verification);
 *   - valid now (unless allow_expired), not self-signed (unless
 *     allow_self_signed), naming at least one e-mail address;
 *   - a signer that named another certificate in
 *     SMIMEEncryptionKeyPreference is stored for verification only, the
 *     named one for encryption; whether a key is ever encrypted to is
 *     decided by its key usage as well (keyEncipherment for RSA,
 *     keyAgreement for EC: cert_key_can_encrypt), many signing
 *     certificates allow neither;
 *   - updated_keys true: a newer key replaces the older harvested one of
 *     the address; false: the first key seen for an address stays.
 * The report lists, for the log, one line per certificate looked at
 * ("fingerprint=... addresses=... outcome=stored|updated|kept-first|
 * refused reason=..."), the keys that are updates of an address's key
 * for encryption (the key-churn alert counts those), and how many keys
 * the store's size cap evicted.
 *
 * A key store failure stops the harvest of that certificate only: it is
 * in the report (outcome=error) and the function returns the last
 * failure status; nothing here may hold up a message. The caller frees
 * the report with harvest_report_clear() (safe on a zeroed one).
 */
#ifndef GW_SMIME_HARVEST_H
#define GW_SMIME_HARVEST_H

#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"
#include "smime/inbound.h"
#include "smime/keystore/keystore.h"

struct harvest_update {
	char		*address;
	char		*domain;
	char		fingerprint[65];
};

struct harvest_report {
	char		**lines;
	size_t		nlines;
	struct harvest_update *updates;
	size_t		nupdates;
	unsigned	evicted;
};

enum ks_status harvest_certs(struct keystore *, const struct harvest_conf *,
	    const struct inbound_cert *, size_t n, int64_t now,
	    struct harvest_report *);
void	harvest_report_clear(struct harvest_report *);

#endif
