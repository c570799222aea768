/*
 * keys - the key store's part of the report: the certificates that
 * expire within `days' of `now' (the organisation's, from
 * smime.certificates, and partners', from the key store), and the keys
 * harvested from incoming signed mail, per day, in the report's range.
 *
 * keys_read() fills stats->certs (at most KEYS_MAX_CERTS, soonest first;
 * certs_dropped counts the rest), stats->harvest_days and, when the store
 * cannot be read, stats->keystore_note (a static reason). keystore is
 * the store's path (NULL: none); the store is never created: a missing
 * file is noted, not made. An organisation certificate given as PKCS#12
 * is skipped (its passphrase is the daemon's). Returns nothing: what
 * could not be read is said in the report.
 */
#ifndef GW_REPORT_KEYS_H
#define GW_REPORT_KEYS_H

#include <stdint.h>

#include "conf/config.h"
#include "report/stats.h"

#define KEYS_MAX_CERTS	1000

void	keys_read(struct stats *, const struct config *, const char *keystore,
	    int64_t now, unsigned days);

#endif
