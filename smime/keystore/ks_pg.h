/*
 * ks_pg - the PostgreSQL back end of the key store (ks_backend.h); what
 * the ks_pg*.c files share, not for other modules.
 *
 * pg_run() is the one way to touch the database: it takes the handle's
 * mutex, makes sure the connection is up (re-opening a lost one at most
 * once a second, by one session at a time, with the mutex let go while
 * libpq connects: a caller of pg_run_locked() must not keep pointers
 * into the cache across it), opens a transaction (SERIALIZABLE for writes), calls
 * fn, commits, and on a serialisation failure or deadlock rolls back and
 * runs the whole transaction again after a random back-off, until
 * KEYSTORE_BUSY_MS have passed; a connection found lost is re-opened
 * and the transaction run once more. fn returns PG_DONE, PG_ERR (a statement
 * failed: pg_q() recorded why) or PG_ABORT (fn set ks->answer, and the
 * reason with ks_fail()); fn may set ks->answer to KS_NOTFOUND or
 * KS_EXISTS and return PG_DONE. After a write that committed, the
 * handle's look-up cache is emptied.
 *
 * Parameters go as text (integers written in decimal) except binary
 * certificates (struct pg_params); results come back as text.
 */
#ifndef GW_KS_PG_H
#define GW_KS_PG_H

#include <libpq-fe.h>

#include "smime/keystore/ks_backend.h"

enum { PG_DONE, PG_ERR, PG_ABORT };

#define PG_PARAMS_MAX	20

struct pg_params {
	const char	*v[PG_PARAMS_MAX];
	int		len[PG_PARAMS_MAX];
	int		fmt[PG_PARAMS_MAX];
	char		num[PG_PARAMS_MAX][24];
	int		n;
};

typedef int (*pg_txn_fn)(struct keystore *, void *);

/* The look-up cache: one answer per address. */
struct pg_cached {
	char		*address;
	int64_t		stored;		/* monotonic seconds */
	int64_t		now;		/* the look-up's clock */
	int64_t		changes_at;	/* ... until which it holds */
	enum ks_status	st;		/* KS_OK or KS_NOTFOUND */
	struct ks_cert	*cert, *unusable;
};

struct ks_pg {
	PGconn		*conn;
	const char	**keys, **values;	/* for PQconnectdbParams */
	char		*uri;
	int64_t		last_try;	/* monotonic ms of the last connect */
	bool		broken;		/* lost: re-open before the next call */
	bool		connecting;	/* a session is re-opening it */
	char		sqlstate[6];
	const char	*what;		/* the running operation, for messages */
	struct pg_cached *cache;
	size_t		ncache;
	uint64_t	notifications;	/* seen since open (tests, metrics) */
};

/* A read runs in a READ ONLY snapshot, a write SERIALIZABLE, a migration
 * READ COMMITTED (an advisory lock orders the nodes), a touch (last_used,
 * which nothing decides on) READ COMMITTED without emptying the cache. */
enum pg_mode { PG_READ, PG_WRITE, PG_MIGRATE, PG_TOUCH };
enum ks_status pg_run(struct keystore *, enum pg_mode, pg_txn_fn, void *,
	    const char *what);
/* The same with the handle's mutex already held. */
enum ks_status pg_run_locked(struct keystore *, enum pg_mode, pg_txn_fn,
	    void *, const char *what);
/* Runs sql; the result (PGRES_TUPLES_OK or PGRES_COMMAND_OK) or NULL,
 * with the reason recorded. Free with PQclear(). */
PGresult *pg_q(struct keystore *, const char *sql, struct pg_params *);
/* Like pg_q() for a statement whose rows do not matter. */
int	pg_do(struct keystore *, const char *sql, struct pg_params *);
void	pp_init(struct pg_params *);
void	pp_text(struct pg_params *, const char *);	/* NULL: SQL NULL */
void	pp_int(struct pg_params *, int64_t);
void	pp_bool(struct pg_params *, bool);
void	pp_bin(struct pg_params *, const void *, size_t);
int64_t	pg_int(const PGresult *, int row, int col);
bool	pg_bool(const PGresult *, int row, int col);
/* A text column, malloc'ed; NULL for SQL NULL. */
char	*pg_str(const PGresult *, int row, int col);
/* A bytea column, malloc'ed. */
unsigned char *pg_bytes(const PGresult *, int row, int col, size_t *);

/* Empties the look-up cache. */
void	pg_cache_clear(struct ks_pg *);
/* Reads what the server sent while the connection was idle; a
 * notification on KEYSTORE_PG_CHANNEL empties the cache. False when the
 * connection is lost. Caller holds the mutex. */
bool	pg_poll(struct keystore *);
struct ks_cert *ks_cert_dup(const struct ks_cert *);

extern const struct ks_backend ks_pg_backend;
void	ks_pg_close(struct keystore *);

#endif
