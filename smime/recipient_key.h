/*
 * recipient_key - the certificate to encrypt to for one recipient: the
 * key store, the revocation of what it holds, then the LDAP directories.
 * The outbound path (milter/smime_out.c) asks it for each recipient.
 *
 * recipient_key_find() takes the key store's best certificate for the
 * address (keystore_lookup_except: the exact address, else the domain;
 * the newest usable first) and, when ctx->rev is set, checks its
 * revocation over the chain that ctx->trust gives it
 * (revocation_check_cert; a fresh answer is recorded in the key store for
 * gatewarden-keys list). Revoked: passed over, the next best is tried.
 * Status unknown, by on_unknown: tempfail -> RK_TEMPFAIL at once; refuse
 * -> passed over like a revoked one; accept -> used, unknown_accepted set
 * (the caller logs it every time). When the key store has nothing usable
 * and ctx->dirs are configured, the directories are asked (ldap_lookup.h:
 * chain, key usage, validity, revocation, the address in the SAN); a
 * certificate found there is kept in the key store as origin ldap for
 * the directory's cache_ttl (best effort); a directory down or slow is
 * RK_TEMPFAIL, never "no key".
 *
 * Answers: RK_FOUND with cert (the caller's; recipient_key_clear frees
 * it); RK_MISSING: nothing may be used, the profile's missing_key
 * applies; passed lists the certificates passed over (revoked, unknown
 * under refuse, refused by LDAP's checks) and unusable the key store's
 * newest certificate that names the address but may not be used now
 * (expired, not yet valid, key usage: keystore_lookup_answer's), so that
 * the caller can log why; RK_TEMPFAIL: reason says why (key store
 * failure, unknown revocation status, directory). All reasons are one
 * line. Thread-safe as its parts are.
 */
#ifndef GW_RECIPIENT_KEY_H
#define GW_RECIPIENT_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "conf/config.h"
#include "smime/keystore/keystore.h"
#include "smime/revoke/revoke.h"

#define RK_PASSED_MAX	8

enum rk_status { RK_FOUND, RK_MISSING, RK_TEMPFAIL };

struct rk_context {
	struct keystore	*ks;
	struct revocation *rev;		/* NULL: not checked */
	X509_STORE	*trust;		/* chains for revocation, LDAP checks */
	const struct ldap_directory *dirs;	/* NULL/0: none */
	size_t		ndirs;
	int64_t		now;
};

struct rk_passed {
	char		fingerprint[65];
	const char	*problem;	/* cert_problem_name() or ldap's word */
	char		origin[80];	/* "keystore" or "ldap NAME" */
	char		reason[512];
};

struct rk_answer {
	enum rk_status	status;
	X509		*cert;		/* RK_FOUND */
	char		fingerprint[65];
	char		origin[80];	/* "keystore" or "ldap NAME" */
	bool		unknown_accepted;
	char		unknown_reason[512];
	struct rk_passed passed[RK_PASSED_MAX];
	size_t		npassed;
	struct ks_cert	*unusable;	/* RK_MISSING; may be NULL */
	enum cert_problem unusable_problem;
	char		reason[600];	/* RK_TEMPFAIL */
};

enum rk_status recipient_key_find(const struct rk_context *,
	    const char *address, struct rk_answer *);
void	recipient_key_clear(struct rk_answer *);

#endif
