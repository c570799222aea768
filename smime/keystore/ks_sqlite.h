/*
 * ks_sqlite - the SQLite back end of the key store (ks_backend.h); what
 * the ks_sqlite*.c files share, not for other modules.
 *
 * ks_run() is the one way to touch the database: it takes the handle's
 * mutex, opens a transaction (BEGIN IMMEDIATE for writes), calls fn,
 * commits, and on SQLITE_BUSY rolls back and retries the whole
 * transaction with a random back-off until KEYSTORE_BUSY_MS have passed.
 * fn returns an SQLite result code; KS_TXN_ABORT rolls back and makes
 * ks_run() return ks->answer (which fn set, with ks_fail() for failures).
 * fn may set ks->answer to KS_NOTFOUND or KS_EXISTS and return SQLITE_OK.
 */
#ifndef GW_KS_SQLITE_H
#define GW_KS_SQLITE_H

#include <sqlite3.h>

#include "smime/keystore/ks_backend.h"

#define KS_TXN_ABORT	(-1)

typedef int (*ks_txn_fn)(struct keystore *, void *);

/* The columns ks_load_row() reads, in its order. */
#define KS_CERT_COLUMNS "id, fingerprint, der, label, subject, issuer, " \
	"serial, not_before, not_after, key_usage, origin, added_at, " \
	"last_used, usable_encrypt, usable_verify, expires_at"

enum ks_status ks_run(struct keystore *, bool write, ks_txn_fn, void *,
	    const char *what);
/* Prepares sql; SQLite result code. */
int	ks_prepare(struct keystore *, const char *sql, sqlite3_stmt **);
/* Runs a statement that returns no rows, then finalizes it. */
int	ks_step_done(sqlite3_stmt *);
/* One row of KS_CERT_COLUMNS (and its names) into a new ks_cert. */
int	ks_load_row(struct keystore *, sqlite3_stmt *, struct ks_cert **);
/* The certificate of row id; SQLITE_NOTFOUND when there is none. */
int	ks_load_id(struct keystore *, int64_t id, struct ks_cert **);
/* Deletes row id and its names. */
int	ks_delete_id(struct keystore *, int64_t id);

/* The operations, one per ks_backend member. */
enum ks_status sq_add(struct keystore *, struct ks_add *);
enum ks_status sq_put(struct keystore *, const struct ks_cert *, int64_t);
enum ks_status sq_domain_harvests(struct keystore *, const char *, int64_t,
	    uint64_t *);
enum ks_status sq_lookup(struct keystore *, struct ks_query *);
enum ks_status sq_touch(struct keystore *, int64_t, int64_t);
enum ks_status sq_get(struct keystore *, const char *, struct ks_cert **);
enum ks_status sq_foreach(struct keystore *,
	    bool (*)(const struct ks_cert *, void *), void *);
enum ks_status sq_count(struct keystore *, uint64_t *, uint64_t *);
enum ks_status sq_remove(struct keystore *, const char *);
enum ks_status sq_promote(struct keystore *, const char *);
enum ks_status sq_setting_get(struct keystore *, const char *, char *, size_t);
enum ks_status sq_setting_set(struct keystore *, const char *, const char *);
enum ks_status sq_claim(struct keystore *, const char *, int64_t, int64_t,
	    bool *);
enum ks_status sq_ca_replace(struct keystore *, const unsigned char *const *,
	    const size_t *, char (*)[65], size_t, int64_t);
enum ks_status sq_ca_foreach(struct keystore *,
	    bool (*)(const unsigned char *, size_t, void *), void *);
enum ks_status sq_revocation_get(struct keystore *, const char *, int64_t,
	    unsigned char **, size_t *, int64_t *, int64_t *);
enum ks_status sq_revocation_put(struct keystore *, const char *,
	    const unsigned char *, size_t, int64_t, int64_t, int64_t);
enum ks_status sq_status_set(struct keystore *, const char *,
	    const struct ks_revocation_status *);
enum ks_status sq_status_get(struct keystore *, const char *,
	    struct ks_revocation_status *);

#endif
