/*
 * keystore_int - what the keystore_*.c files share; not for other modules.
 *
 * ks_run() is the one way to touch the database: it takes the handle's
 * mutex, opens a transaction (BEGIN IMMEDIATE for writes), calls fn,
 * commits, and on SQLITE_BUSY rolls back and retries the whole
 * transaction with a random back-off until KEYSTORE_BUSY_MS have passed.
 * fn returns an SQLite result code; KS_TXN_ABORT rolls back and makes
 * ks_run() return ks->answer (which fn set, with ks_fail() for failures).
 * fn may set ks->answer to KS_NOTFOUND or KS_EXISTS and return SQLITE_OK.
 */
#ifndef GW_KEYSTORE_INT_H
#define GW_KEYSTORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "smime/keystore/keystore.h"

#define KS_TXN_ABORT	(-1)

struct keystore {
	sqlite3		*db;
	char		*path;
	uint64_t	max_size;
	pthread_mutex_t	lock;
	enum ks_status	answer;	/* fn's verdict for the running transaction */
};

typedef int (*ks_txn_fn)(struct keystore *, void *);

/* names.kind */
#define KS_NAME_EMAIL	0
#define KS_NAME_DNS	1
#define KS_ADDRESS_MAX	320
/* The columns ks_load_row() reads, in its order. */
#define KS_CERT_COLUMNS "id, fingerprint, der, label, subject, issuer, " \
	"serial, not_before, not_after, key_usage, origin, added_at, " \
	"last_used, usable_encrypt, usable_verify, expires_at"

enum ks_status ks_run(struct keystore *, bool write, ks_txn_fn, void *,
	    const char *what);
/* Records the reason of a failure for keystore_strerror(). */
void	ks_fail(struct keystore *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
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

#endif
