/*
 * signer_cache - the organisation's signing certificates and keys, read
 * from their files once and handed out per message, instead of decoding
 * the PEM key (or a PKCS#12 file with its PBKDF) for every message: a
 * third of the instructions of an RSA-2048 signature, two thirds of a
 * P-256 one (BENCHMARKS.md).
 *
 * signer_cache_load(c, &out, err) gives the caller a signer of its own,
 * freed with smime_signer_free() like one from smime_signer_load(): its
 * certificate, key and chain are references to the cached objects
 * (X509_up_ref, EVP_PKEY_up_ref), used read-only. An entry stands while
 * every file it was read from (certificate, key, pkcs12,
 * passphrase_file) keeps its device, inode, size, modification and
 * change times; otherwise, or when a file cannot be stat()ed, the files
 * are read again with smime_signer_load(), so a key renewed on disk is
 * used from the next message on, and one that turned unreadable or
 * broken fails the message as it did without the cache (no stale key
 * is handed out then). Errors: those of smime_signer_load(), and
 * SMIME_TEMP when out of memory. At most SIGNER_CACHE_MAX entries; the
 * oldest goes first. Thread-safe (one mutex; loads run under it).
 * signer_cache_clear() frees every entry (at exit; tests).
 */
#ifndef GW_MILTER_SIGNER_CACHE_H
#define GW_MILTER_SIGNER_CACHE_H

#include "conf/config.h"
#include "smime/cms/signer.h"
#include "smime/smime_err.h"

#define SIGNER_CACHE_MAX	64

int	signer_cache_load(const struct smime_certificate *,
	    struct smime_signer **, struct smime_err *);
void	signer_cache_clear(void);

#endif
