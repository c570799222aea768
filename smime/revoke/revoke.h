/*
 * revoke - is a certificate revoked? OCSP (RFC 6960) and CRLs (RFC 5280)
 * over a certificate chain, with a cache, failing closed.
 *
 * A struct revocation holds the settings (trust.revocation of the
 * configuration), the cache of answers and the fetches in flight. It is
 * shared by every thread of the daemon; all functions are thread-safe.
 *
 * revocation_check_chain() takes a chain as cert_verify() built it (leaf
 * first, each certificate followed by its issuer) and checks every
 * certificate that has an issuer in it; a self-signed trust anchor is
 * never checked. For one certificate, by mode:
 *   ocsp: the responder of its Authority Information Access (or the
 *      configured ocsp_responder instead), a request with a nonce POSTed
 *      over HTTP; the response must be successful, signed by the issuer
 *      itself or by a responder certificate the issuer gave
 *      id-kp-OCSPSigning (OCSP_basic_verify with the issuer as the only
 *      trust anchor, no "explicit trust" shortcut), carry our nonce when
 *      it carries one (a responder may leave nonces out, RFC 8954; a
 *      wrong one is refused), and be current (thisUpdate not ahead by
 *      more than 5 minutes, nextUpdate not passed; without nextUpdate it
 *      is used for max_age);
 *   crl: the http:// URIs of its CRL distribution points, fetched with
 *      GET; the CRL must be issued and signed by the issuer (name, key,
 *      cRLSign), current (nextUpdate not passed: a stale CRL is no
 *      answer), neither a delta CRL nor an indirect or partial one;
 *   ocsp-then-crl: OCSP, then the CRLs when OCSP gave no answer (no
 *      responder, a failure, or "unknown" from the responder);
 *   off: nothing is checked (REV_NONE).
 * A certificate that names neither a responder nor a CRL (and no
 * ocsp_responder is configured) cannot be checked: REV_NONE for it,
 * documented as such; a certificate that names some but whose issuer is
 * not in the chain is REV_UNKNOWN.
 *
 * The chain's status is the first REV_REVOKED (lowest depth), else the
 * first REV_UNKNOWN, else REV_GOOD when something was checked, else
 * REV_NONE; the answer says which certificate (depth, subject), from
 * where (source), when it was fetched and until when it holds.
 *
 * What REV_UNKNOWN means is the caller's, by revocation_on_unknown():
 * tempfail (the default: the mail waits, outbound and inbound),
 * refuse (as if revoked), or accept (as good; the caller logs it each
 * time). cert_verify() applies it for its callers (x509_verify.h).
 *
 * Cache. Verified answers are kept in memory until they expire (OCSP
 * nextUpdate, else max_age; a CRL's nextUpdate), and, through io->save,
 * in the key store, where io->load finds them after a restart (they are
 * verified again when loaded). An answer used in the last quarter of its
 * life is fetched again in the background, so that the mail path rarely
 * waits. A fetch that failed is not tried again for REV_RETRY_S seconds
 * (the status stays unknown meanwhile). At most max_fetches fetches run
 * at once; a check waits for a free one, or for another thread's fetch
 * of the same answer, within its deadline: 2 x timeout for a whole chain
 * (each fetch itself at most timeout). At most REV_CACHE_MAX answers are
 * kept; the ones that expired go first, then the least recently used.
 *
 * io (revoke_io.h) fetches over HTTP and persists; tests may give their
 * own. revocation_new() copies conf; io's functions and arg must outlive
 * the struct. revocation_free(NULL) is a no-op; it waits for the
 * background refresh to end. Answers live in the caller's struct.
 */
#ifndef GW_REVOKE_H
#define GW_REVOKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "conf/config.h"

#define REV_RETRY_S	15		/* a failed fetch is not retried sooner */
#define REV_CACHE_MAX	10000		/* answers kept in memory */
#define REV_LEEWAY_S	300		/* clock skew allowed on thisUpdate/nextUpdate */
#define REV_OCSP_MAX	(1024 * 1024)	/* bytes of an OCSP response */
#define REV_CRL_MAX	(16 * 1024 * 1024)	/* bytes of a CRL */

enum rev_status { REV_GOOD, REV_REVOKED, REV_UNKNOWN, REV_NONE };
enum rev_source { REVSRC_NONE, REVSRC_OCSP, REVSRC_CRL };

struct rev_answer {
	enum rev_status	status;
	enum rev_source	source;		/* what gave the status of depth */
	int		depth;		/* the certificate it is about; -1: none */
	bool		cached;		/* no fetch was needed */
	int64_t		checked_at;	/* when that answer was fetched */
	int64_t		next_update;	/* until when it holds; 0: not known */
	int64_t		revoked_at;	/* REV_REVOKED: the revocation date */
	int		crl_reason;	/* REV_REVOKED: RFC 5280 reason code, -1 none */
	char		subject[256];	/* of the certificate at depth */
	char		reason[512];	/* one line for people and logs */
};

/* How answers travel and stay. fetch: GET url (post NULL) or POST post
 * (application/ocsp-request); true with *out (caller frees) of at most
 * max bytes, else false with why. load/save: the persistent cache, may
 * be NULL; load returns true with *der (caller frees) when an answer
 * under key is stored and not expired at now. */
struct rev_io {
	bool	(*fetch)(void *arg, const char *url, const unsigned char *post,
		    size_t postlen, unsigned timeout_ms, size_t max,
		    unsigned char **out, size_t *outlen, char *why,
		    size_t whysz);
	bool	(*load)(void *arg, const char *key, int64_t now,
		    unsigned char **der, size_t *len, int64_t *fetched_at);
	void	(*save)(void *arg, const char *key, const unsigned char *der,
		    size_t len, int64_t fetched_at, int64_t expires_at,
		    int64_t now);
	void	*arg;
};

struct revocation;

struct revocation *revocation_new(const struct revocation_conf *,
	    const struct rev_io *);
void	revocation_free(struct revocation *);
enum on_unknown revocation_on_unknown(const struct revocation *);
enum revocation_mode revocation_mode(const struct revocation *);

enum rev_status revocation_check_chain(struct revocation *, STACK_OF(X509) *,
	    int64_t now, struct rev_answer *);
/* For a certificate no trust decision was made on (a key of the key
 * store): the chain is built as far as issuers are found (trust, then
 * untrusted, which may be NULL), errors aside, and completed with the
 * issuers (from trust first, else those) that the certificates' AIA caIssuers URLs give (each taken only
 * when it signed the certificate below it; fetched and cached like the
 * other answers, within one timeout for the whole chain), then checked
 * as above; it ends at a trust anchor when its last certificate is
 * self-signed or one of trust's, else the last one's issuer is missing
 * (REV_UNKNOWN when it names a responder or a CRL). */
enum rev_status revocation_check_cert(struct revocation *, X509 *,
	    X509_STORE *trust, STACK_OF(X509) *untrusted, int64_t now,
	    struct rev_answer *);

/* The issuers above x that its caIssuers URLs give (and their own, up
 * to a trust anchor of trust or a self-signed certificate), fetched and
 * cached as above, each taken only when it signed the one below: for
 * building the chain of a certificate that came without its
 * intermediates (a directory's). Nothing in it is trusted. NULL when
 * none is found or the mode is off; caller frees (sk_X509_pop_free). */
STACK_OF(X509) *revocation_fetch_issuers(struct revocation *, X509 *,
	    X509_STORE *trust, int64_t now);

/* "good", "revoked", "unknown", "none"; "none", "ocsp", "crl". */
const char *rev_status_name(enum rev_status);
const char *rev_source_name(enum rev_source);
/* RFC 5280 reason code as a word ("keyCompromise" ...); "unspecified". */
const char *rev_reason_name(int);

/* Counters since revocation_new(), for tests and the benchmark. */
struct rev_stats {
	unsigned long	checks, fetches, fetch_failures, cache_hits,
			store_hits, refreshes, waits_for_slot;
};
void	revocation_stats(struct revocation *, struct rev_stats *);

#endif
