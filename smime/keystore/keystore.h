/*
 * keystore - the public-key store: certificates of correspondents (added
 * by an administrator, imported from a file, or harvested from signed
 * mail) and the custom list of trusted CAs. Two back ends with the same
 * behaviour (ks_backend.h): an SQLite file (the default, a path) or a
 * PostgreSQL database shared by several gateways (a postgresql:// URI,
 * see "PostgreSQL" below). Nothing outside this module knows which one a
 * handle talks to. Organisation private keys are never stored here.
 *
 * Concurrency (SQLite). A struct keystore is one SQLite connection guarded by a
 * mutex: any number of threads may share one handle (calls are serialised
 * on it), and any number of handles and processes may use one file. The
 * file is in WAL mode, so readers do not wait for writers. Every write is
 * one BEGIN IMMEDIATE transaction (a crash or a full disk leaves the file
 * as it was); SQLITE_BUSY is waited for (busy timeout) and the whole
 * transaction retried with a random back-off for up to KEYSTORE_BUSY_MS,
 * so callers never see "database is locked" unless the file stays locked
 * that long, and then as KS_TEMPFAIL.
 *
 * PostgreSQL. The URI goes to libpq as it is (password from ~/.pgpass or
 * passfile=, service=, sslmode= and the other parameters libpq knows),
 * with target_session_attrs=read-write unless the URI says otherwise, so
 * that a fail-over to a new primary is followed. The schema is made and
 * upgraded only by keystore_migrate() (gatewarden-keys migrate): opening a
 * database without it, or with an older one, is KS_PERMFAIL saying so.
 * One connection per handle, calls serialised on it; every write is one
 * SERIALIZABLE transaction (INSERT ... ON CONFLICT), retried from the
 * start on a serialisation failure or deadlock for up to KEYSTORE_BUSY_MS,
 * so that two nodes harvesting the same address leave one correct row; no
 * lock is held between transactions. Look-ups are cached per handle and
 * the cache is emptied when another node changes the certificates (LISTEN
 * on KEYSTORE_PG_CHANNEL, NOTIFY from a trigger): the change is seen on
 * the next look-up after the notification arrives. A lost connection is
 * re-opened by the next call (at most once a second); meanwhile look-ups
 * are answered from the cache for up to KEYSTORE_PG_STALE_MAX seconds and
 * everything else is KS_TEMPFAIL.
 *
 * Status. Every function returns an enum ks_status: KS_OK; KS_NOTFOUND and
 * KS_EXISTS are answers, not failures; KS_TEMPFAIL (busy, I/O error, disk
 * full, out of memory: the milter tempfails the mail) and KS_PERMFAIL
 * (corrupt or foreign file, schema from a newer version, a certificate
 * that does not parse, size cap reached with nothing to evict). The
 * reason of the last failure of the calling thread is keystore_strerror().
 *
 * Time. Functions that depend on the clock take `now` (seconds since the
 * epoch), so tests are deterministic; callers pass time(NULL).
 *
 * Look-up for a recipient (keystore_lookup): a certificate naming the
 * exact address (SAN rfc822Name, case-insensitive) first; else one whose
 * SAN dNSName is the address's domain or a wildcard "*.parent" that covers
 * exactly one more label (RFC 6125); only certificates valid at `now`
 * (notBefore <= now <= notAfter), whose key may be encrypted to (RFC 5750,
 * cert_key_can_encrypt) and marked usable for encryption, and, for copies
 * from a directory (origin ldap), whose TTL has not run out. The newest
 * (latest notBefore, then latest added) wins. last_used is updated on a
 * best-effort basis: a look-up that found a key does not fail because the
 * time stamp could not be written. When no certificate is usable,
 * keystore_lookup_answer() also gives the newest certificate that names
 * the address (else its domain) but may not be used, and why
 * (ks_cert_encrypt_problem: expired, not yet valid, key usage), so that
 * the caller can say why a recipient is treated as having no key.
 *
 * Size cap. Each row is charged its DER size, its names and a fixed
 * KEYSTORE_ROW_OVERHEAD; when an insertion takes the total above the cap,
 * harvested keys that were not promoted are evicted, least recently used
 * (last_used, else added_at) first. Added and imported keys are never
 * evicted; a harvest that cannot make room fails with KS_PERMFAIL. The
 * total is kept in the store, updated in the transaction of every
 * insertion and deletion (keystore_count() reports it, keystore_check()
 * compares it with the rows), so a harvest does not add up the table.
 *
 * Memory. keystore_close(NULL) and ks_cert_free(NULL) are no-ops; a
 * struct ks_cert returned to the caller is the caller's to free.
 */
#ifndef GW_KEYSTORE_H
#define GW_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smime/x509/x509_verify.h"

#define KEYSTORE_SCHEMA_VERSION	3
#define KEYSTORE_BUSY_MS	30000
#define KEYSTORE_ROW_OVERHEAD	256
#define KEYSTORE_PG_SCHEMA_VERSION	2
#define KEYSTORE_PG_CHANNEL	"gatewarden_keys"
#define KEYSTORE_PG_STALE_MAX	300
#define KEYSTORE_PG_CACHE_TTL	60
#define KEYSTORE_UPDATES_KEEP	(30 * 86400)

enum ks_status { KS_OK, KS_NOTFOUND, KS_EXISTS, KS_TEMPFAIL, KS_PERMFAIL };
enum ks_origin { KS_ADDED, KS_IMPORTED, KS_HARVESTED, KS_LDAP };

struct keystore;

struct ks_cert {
	int64_t		id;
	char		fingerprint[65];
	unsigned char	*der;
	size_t		derlen;
	char		*label;		/* administrator's name; NULL when none */
	char		*subject, *issuer, *serial;
	int64_t		not_before, not_after;
	int64_t		added_at, last_used;	/* last_used 0: never */
	int64_t		expires_at;	/* ldap: end of its TTL; 0: none */
	long		key_usage;	/* CERT_NO_KEY_USAGE when absent */
	enum ks_origin	origin;
	bool		usable_encrypt, usable_verify;
	char		**emails;
	size_t		nemails;
	char		**domains;
	size_t		ndomains;
};

/* Opens (creating when missing) the store at path with a size cap in
 * bytes (0: no cap). The file's directory must exist; a path that is a
 * directory is KS_PERMFAIL. */
enum ks_status keystore_open(const char *path, uint64_t max_size,
	    struct keystore **);
void	keystore_close(struct keystore *);
/* Whether spec names a PostgreSQL database (postgresql:// or postgres://)
 * rather than a file, and whether this build can use one. */
bool	keystore_is_uri(const char *spec);
bool	keystore_have_postgresql(void);
/* spec as it may be shown or logged: a URI's password becomes ***. */
void	keystore_display(const char *spec, char *buf, size_t size);
/* "sqlite" or "postgresql". */
const char *keystore_backend_name(const struct keystore *);
/* Creates or upgrades the schema of the store spec to this program's
 * version; *from and *to are the versions before and after (equal when
 * nothing was to do). On PostgreSQL the migrations run in one transaction
 * under an advisory lock, so nodes that migrate at once wait for each
 * other and the later ones find nothing to do. An SQLite file is created
 * and upgraded by keystore_open() already. */
enum ks_status keystore_migrate(const char *spec, int *from, int *to);
/* Copies every certificate of from into to as it is (origin, dates,
 * promotion, last use), then the custom CA list (when from has one) and
 * the settings. Certificates to already has are counted in *skipped. */
enum ks_status keystore_copy(struct keystore *from, struct keystore *to,
	    int64_t now, uint64_t *copied, uint64_t *skipped);
const char *keystore_strerror(void);
const char *keystore_origin_name(enum ks_origin);
const char *keystore_status_name(enum ks_status);

/* Inserts a certificate (DER). KS_EXISTS when its fingerprint is already
 * stored (nothing changes). Added keys are usable for verification,
 * imported and harvested ones are not until promoted; all are usable for
 * encryption when their key usage allows it. fingerprint (65 bytes, may
 * be NULL) receives the certificate's fingerprint. */
enum ks_status keystore_add(struct keystore *, const unsigned char *der,
	    size_t derlen, enum ks_origin, const char *label, int64_t now,
	    char *fingerprint);
/* keystore_add() of origin harvested; with replace, older harvested keys
 * (earlier notBefore) of the same addresses are deleted in the same
 * transaction. *added tells whether the certificate was new. The harvest
 * policy (refuse expired or self-signed certificates ...) is the
 * caller's: cert_info_from_der() gives the facts. */
enum ks_status keystore_harvest(struct keystore *, const unsigned char *der,
	    size_t derlen, bool replace, int64_t now, bool *added);

/* The harvest of one signer certificate with the options of an inbound
 * policy, in one transaction:
 *   replace     older harvested keys of its addresses go (as above);
 *   keep_first  when an address already has a key usable for encryption,
 *               the new one is not stored (kept_first says so);
 *   encrypt     false stores it for verification only (a signer that
 *               named another certificate for encryption).
 * out tells whether it was stored, whether an address had a key for
 * encryption before (known: the new key is an update), how many least
 * recently used harvested keys the size cap evicted, and its fingerprint.
 * A certificate already stored is KS_OK with added false. */
struct ks_harvest {
	bool		replace, keep_first, encrypt;
};
struct ks_harvest_outcome {
	bool		added, known, kept_first;
	unsigned	evicted;
	char		fingerprint[65];
};
enum ks_status keystore_harvest_key(struct keystore *, const unsigned char *der,
	    size_t derlen, const struct ks_harvest *, int64_t now,
	    struct ks_harvest_outcome *);

/* A certificate found in a directory (origin ldap), usable for
 * encryption until now + ttl, after which look-ups ignore it (and the
 * directory is asked again). Found again, its TTL starts afresh. A
 * certificate already stored under another origin stays as it was.
 * KS_OK in both cases. LDAP copies are evicted like harvested keys. */
enum ks_status keystore_add_ldap(struct keystore *, const unsigned char *der,
	    size_t derlen, int64_t ttl, int64_t now, char *fingerprint);

/* How many keys harvested since `since` name an address of domain: the
 * milter's key-churn alert ("changed more than once in 48 hours"). */
enum ks_status keystore_domain_harvests(struct keystore *, const char *domain,
	    int64_t since, uint64_t *n);

enum ks_status keystore_lookup(struct keystore *, const char *address,
	    int64_t now, struct ks_cert **);
/* keystore_lookup() with the reason when there is no usable key: KS_OK
 * with cert set, or KS_NOTFOUND with unusable (NULL when no certificate
 * names the address or its domain) and problem; other statuses as
 * keystore_lookup(). Release with ks_answer_clear() (NULL-safe). */
struct ks_answer {
	struct ks_cert	*cert;		/* the key to encrypt to, or NULL */
	struct ks_cert	*unusable;	/* the newest one that may not be used */
	enum cert_problem problem;	/* why; CERT_OK when unusable is NULL */
};
enum ks_status keystore_lookup_answer(struct keystore *, const char *address,
	    int64_t now, struct ks_answer *);
/* The same, passing over the certificates whose fingerprints are in
 * except (nexcept of them): the caller found them revoked, or their
 * revocation status unknown, and asks for the next best. */
enum ks_status keystore_lookup_except(struct keystore *, const char *address,
	    int64_t now, const char *const *except, size_t nexcept,
	    struct ks_answer *);
void	ks_answer_clear(struct ks_answer *);
/* Why c may not be encrypted to at now: CERT_OK; CERT_KEY_USAGE when it
 * is not marked usable for encryption (its key usage, extended key usage
 * or key type forbid it); CERT_NOT_YET_VALID or CERT_EXPIRED. */
enum cert_problem ks_cert_encrypt_problem(const struct ks_cert *,
	    int64_t now);
/* By full fingerprint, a unique fingerprint prefix of 8 hex digits or
 * more, or a label. KS_EXISTS when a prefix or label is ambiguous. */
enum ks_status keystore_get(struct keystore *, const char *key,
	    struct ks_cert **);
/* Calls fn for every certificate in insertion order; fn returning false
 * stops the walk. The struct is valid during the call only; fn must not
 * call back into the same handle (it holds the handle's mutex). */
enum ks_status keystore_foreach(struct keystore *,
	    bool (*fn)(const struct ks_cert *, void *), void *);
enum ks_status keystore_count(struct keystore *, uint64_t *n, uint64_t *bytes);
/* Removal and promotion take a key as keystore_get() does. Promotion
 * makes a key usable for verification and exempt from eviction. */
enum ks_status keystore_remove(struct keystore *, const char *key);
enum ks_status keystore_promote(struct keystore *, const char *key);

/* Settings: short strings by name. KS_NOTFOUND when unset. value of
 * keystore_setting_get() is written into buf (truncated to size). */
enum ks_status keystore_setting_get(struct keystore *, const char *name,
	    char *buf, size_t size);
enum ks_status keystore_setting_set(struct keystore *, const char *name,
	    const char *value);

/* A claim shared by every handle on the store (every node of a fleet on
 * PostgreSQL): *won is true for the first caller, and again for the
 * first one after interval seconds; the others get false. An alert sent
 * once for the fleet takes a claim on its key first. name has at most
 * 300 characters. */
enum ks_status keystore_claim(struct keystore *, const char *name,
	    int64_t now, int64_t interval, bool *won);

/* The key-churn count of a fleet. Records in the store every node
 * shares that address (of domain) got the new key fingerprint at now (an
 * update: smime/harvest.h; the same key recorded again counts once) and
 * sets *n to the domain's updates at or after since, recorded by any node
 * (this one included); report (size bytes, may be NULL) gets them as
 * "address fingerprint" lines, oldest first. Records older than both
 * since and KEYSTORE_UPDATES_KEEP seconds are dropped. KS_NOTFOUND when
 * the store is one node's own (SQLite: policy/key_churn.h counts). */
enum ks_status keystore_fleet_update(struct keystore *, const char *domain,
	    const char *address, const char *fingerprint, int64_t now,
	    int64_t since, uint64_t *n, char *report, size_t size);

/* The custom trusted CAs: replaced as a whole, listed in insertion order. */
enum ks_status keystore_ca_replace(struct keystore *,
	    const unsigned char *const *der, const size_t *derlen, size_t n,
	    int64_t now);
enum ks_status keystore_ca_foreach(struct keystore *,
	    bool (*fn)(const unsigned char *der, size_t len, void *), void *);

/* The revocation module's answers (an OCSP response or a CRL, DER) by its
 * key, kept until expires_at; get gives KS_NOTFOUND for none or an
 * expired one. *der is the caller's to free. Answers larger than
 * KEYSTORE_REVOCATION_MAX are refused (KS_PERMFAIL). */
#define KEYSTORE_REVOCATION_MAX	(16 * 1024 * 1024)
enum ks_status keystore_revocation_get(struct keystore *, const char *key,
	    int64_t now, unsigned char **der, size_t *len, int64_t *fetched_at,
	    int64_t *expires_at);
enum ks_status keystore_revocation_put(struct keystore *, const char *key,
	    const unsigned char *der, size_t len, int64_t fetched_at,
	    int64_t expires_at, int64_t now);
/* The last revocation status found for a certificate (by fingerprint):
 * status and source are the words of smime/revoke/revoke.h
 * (rev_status_name, rev_source_name). KS_NOTFOUND when never checked. */
struct ks_revocation_status {
	char		status[16], source[16];
	int64_t		checked_at, next_update;
	char		reason[512];
};
enum ks_status keystore_revocation_status_set(struct keystore *,
	    const char *fingerprint, const struct ks_revocation_status *);
enum ks_status keystore_revocation_status_get(struct keystore *,
	    const char *fingerprint, struct ks_revocation_status *);

/* PRAGMA integrity_check (SQLite), the stored facts (PostgreSQL), and
 * the size cap's running total against the rows: KS_PERMFAIL with the
 * first problem. */
enum ks_status keystore_check(struct keystore *);

void	ks_cert_free(struct ks_cert *);

#endif
