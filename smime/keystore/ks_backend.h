/*
 * ks_backend - the storage interface behind keystore.h; not for other
 * modules. keystore.c checks and normalises every argument (addresses and
 * domains in lower case, certificates parsed, lengths bounded) and then
 * calls the back end of the handle: ks_sqlite.c (a file) or ks_pg.c
 * (PostgreSQL). A back end only stores and finds; it returns the
 * statuses of keystore.h with the same meaning, and records the reason of
 * a failure with ks_fail().
 *
 * A struct keystore is shared: the front end's fields (be, path,
 * max_size, lock, answer) and one back end's connection (db or pg).
 * Each back end serialises calls on its handle with lock.
 */
#ifndef GW_KS_BACKEND_H
#define GW_KS_BACKEND_H

#include <pthread.h>

#include "smime/keystore/keystore.h"
#include "smime/x509/cert_info.h"

struct sqlite3;
struct ks_pg;

struct keystore {
	const struct ks_backend *be;
	char		*path;	/* for messages: a file, or a URI without secrets */
	uint64_t	max_size;
	pthread_mutex_t	lock;
	enum ks_status	answer;	/* fn's verdict for the running transaction */
	struct sqlite3	*db;	/* SQLite */
	struct ks_pg	*pg;	/* PostgreSQL */
};

/* names.kind */
#define KS_NAME_EMAIL	0
#define KS_NAME_DNS	1
#define KS_ADDRESS_MAX	320

/* One insertion: the certificate (der and its facts), its origin and the
 * harvest options; the back end fills the outcome. A back end may run it
 * more than once (a retried transaction) and starts each run afresh. */
struct ks_add {
	const unsigned char *der;
	size_t		derlen;
	const struct cert_info *ci;
	enum ks_origin	origin;
	const char	*label;
	int64_t		now;
	bool		replace;
	bool		keep_first;	/* harvest: an address's key stays */
	bool		no_encrypt;	/* harvest: never to be encrypted to */
	int64_t		expires_at;	/* ldap: end of its TTL */
	/* outcome */
	bool		known;		/* an address had a key for encryption */
	bool		kept;		/* ... and keep_first left it alone */
	unsigned	evicted;
	int64_t		new_id;
};

/* One look-up: address (lower case), its domain, the wildcard that
 * covers the domain ("*.parent", or NULL), the fingerprints passed over;
 * the back end sets cert (KS_OK) or unusable (KS_NOTFOUND, may stay
 * NULL). */
struct ks_query {
	const char	*address, *domain, *wildcard;
	int64_t		now;
	const char *const *except;
	size_t		nexcept;
	struct ks_cert	*cert, *unusable;
};

struct ks_backend {
	const char	*name;
	void		(*close)(struct keystore *);
	enum ks_status	(*add)(struct keystore *, struct ks_add *);
	/* Stores c as it is (origin, dates, flags, last use): a copy from
	 * another store. KS_EXISTS when its fingerprint is there. */
	enum ks_status	(*put)(struct keystore *, const struct ks_cert *,
			    int64_t charge);
	enum ks_status	(*domain_harvests)(struct keystore *,
			    const char *domain, int64_t since, uint64_t *);
	enum ks_status	(*lookup)(struct keystore *, struct ks_query *);
	/* last_used of the certificate id, best effort. */
	enum ks_status	(*touch)(struct keystore *, int64_t id, int64_t now);
	enum ks_status	(*get)(struct keystore *, const char *key,
			    struct ks_cert **);
	enum ks_status	(*foreach)(struct keystore *,
			    bool (*)(const struct ks_cert *, void *), void *);
	enum ks_status	(*count)(struct keystore *, uint64_t *, uint64_t *);
	enum ks_status	(*remove)(struct keystore *, const char *key);
	enum ks_status	(*promote)(struct keystore *, const char *key);
	enum ks_status	(*setting_get)(struct keystore *, const char *,
			    char *, size_t);
	enum ks_status	(*setting_set)(struct keystore *, const char *,
			    const char *);
	/* keystore_fleet_update(); NULL: a store of one node. */
	enum ks_status	(*fleet_update)(struct keystore *, const char *domain,
			    const char *address, const char *fingerprint,
			    int64_t now, int64_t since, uint64_t *n,
			    char *report, size_t size);
	/* name is "claim:" and the caller's; until: now + interval */
	enum ks_status	(*claim)(struct keystore *, const char *name,
			    int64_t now, int64_t until, bool *won);
	enum ks_status	(*ca_replace)(struct keystore *,
			    const unsigned char *const *, const size_t *,
			    char (*fp)[65], size_t, int64_t now);
	enum ks_status	(*ca_foreach)(struct keystore *,
			    bool (*)(const unsigned char *, size_t, void *),
			    void *);
	enum ks_status	(*revocation_get)(struct keystore *, const char *,
			    int64_t now, unsigned char **, size_t *, int64_t *,
			    int64_t *);
	enum ks_status	(*revocation_put)(struct keystore *, const char *,
			    const unsigned char *, size_t, int64_t, int64_t,
			    int64_t now);
	enum ks_status	(*status_set)(struct keystore *, const char *,
			    const struct ks_revocation_status *);
	enum ks_status	(*status_get)(struct keystore *, const char *,
			    struct ks_revocation_status *);
	enum ks_status	(*check)(struct keystore *);
};

/* Records the reason of a failure for keystore_strerror(). */
void	ks_fail(struct keystore *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* check(): true when the size cap's running total equals the sum of the
 * certificates' charges; otherwise the failure is recorded and the
 * handle's answer made KS_PERMFAIL. */
bool	ks_total_matches(struct keystore *, int64_t total, int64_t sum);
/* A new handle with the front end's fields set; path as shown. */
struct keystore *ks_handle_new(const char *path, uint64_t max_size);
void	ks_handle_free(struct keystore *);
/* What a certificate costs against the size cap. */
int64_t	ks_charge(size_t derlen, char *const *emails, size_t nemails,
	    char *const *domains, size_t ndomains);
bool	ks_is_hex_prefix(const char *);

/* The back ends' openers. */
enum ks_status ks_sqlite_open(const char *path, uint64_t max_size,
	    struct keystore **);
enum ks_status ks_pg_open(const char *uri, uint64_t max_size,
	    struct keystore **);
enum ks_status ks_pg_migrate(const char *uri, int *from, int *to);

#endif
