/*
 * x509_verify - is a certificate trusted for a use, and if not, why not.
 *
 * cert_verify() is where gatewarden decides whether it trusts a
 * correspondent's certificate: `gatewarden-keys verify`, certificates
 * found in LDAP directories, all call it, so that they apply the very
 * same checks (incoming signers are checked by smime/cms/cms_verify.c,
 * at the signing time and now, with revocation_check_chain() on the
 * chain of the "now" check), in this order:
 *
 *   1. chain building (OpenSSL X509_verify_cert) from the certificate
 *      through the intermediates offered (params->untrusted: those of a
 *      CMS message, or of a file) to a trust anchor of params->trust
 *      (trust_store_build(): the system bundle when on, the custom list);
 *      trust is the e-mail trust (X509_TRUST_EMAIL): a CA marked as not
 *      trusted for e-mail protection is refused;
 *   2. every certificate of the chain valid at params->now; every CA a CA
 *      (basicConstraints, keyCertSign, path length); every signature;
 *   3. purpose: for CERT_USE_SIGN OpenSSL's S/MIME signing purpose over
 *      the whole chain (what CMS_verify applies); for CERT_USE_ENCRYPT
 *      each CA must be allowed to issue S/MIME certificates (OpenSSL's
 *      S/MIME purpose for CAs) while the end entity is judged by 4 alone,
 *      since OpenSSL's S/MIME encryption purpose refuses the EC
 *      keyAgreement keys that RFC 5750 allows;
 *   4. the end entity's key usage and extended key usage for the use:
 *      cert_key_can_verify() or cert_key_can_encrypt() of cert_info.h,
 *      the rules the key store applies;
 *   5. when params->revocation is set, revocation of every certificate of
 *      the chain built (smime/revoke/revoke.h, revocation_check_chain):
 *      revoked is CERT_REFUSED with CERT_REVOKED at the depth of the
 *      revoked certificate; a status that cannot be found is, by the
 *      context's on_unknown: tempfail, CERT_VERIFY_ERROR with
 *      CERT_REVOCATION_UNKNOWN (the caller tempfails: the mail
 *      waits); refuse, CERT_REFUSED with CERT_REVOCATION_UNKNOWN;
 *      accept, CERT_TRUSTED with revocation_unknown_accepted set, which
 *      the caller logs each time. The answer is in verdict->revocation
 *      (status REV_NONE when nothing was checked).
 *
 * The answer (struct cert_verdict) says CERT_TRUSTED, CERT_REFUSED with
 * the first problem found (enum cert_problem, whose words are the same
 * for logs, JSON and the key store's look-up), the certificate it is
 * about (depth 0 is the certificate itself, 1 its issuer ...) and a one
 * line reason for people; or CERT_VERIFY_ERROR when the check itself
 * could not be made (out of memory: the caller tempfails). The chain as
 * built (leaf first, trust anchor last when one was reached) is kept in
 * the verdict for the caller's display or for revocation checks.
 *
 * cert_dates_problem() is step 2 for one certificate, for callers that
 * hold only its dates (the key store). It follows RFC 5280 (notAfter is
 * inclusive); OpenSSL, and so cert_verify(), counts notAfter's own
 * second as expired: they differ in that one second only.
 *
 * Thread-safe: the X509_STORE is only read and may be shared between
 * threads. Memory: the verdict holds the chain (X509 references) until
 * cert_verdict_clear(), which is safe on a zeroed or cleared verdict;
 * cert and params are borrowed for the call.
 */
#ifndef GW_X509_VERIFY_H
#define GW_X509_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "smime/revoke/revoke.h"

enum cert_use { CERT_USE_SIGN, CERT_USE_ENCRYPT };

enum cert_status { CERT_TRUSTED, CERT_REFUSED, CERT_VERIFY_ERROR };

enum cert_problem {
	CERT_OK,
	CERT_EXPIRED,		/* notAfter before now */
	CERT_NOT_YET_VALID,	/* notBefore after now */
	CERT_KEY_USAGE,		/* keyUsage (or the key type) forbids the use */
	CERT_PURPOSE,		/* extendedKeyUsage: no e-mail protection */
	CERT_MISSING_ISSUER,	/* no issuer among the intermediates and CAs */
	CERT_UNTRUSTED_ROOT,	/* the chain ends in a CA that is not trusted */
	CERT_BAD_SIGNATURE,
	CERT_INVALID_CA,	/* an issuer that may not issue certificates */
	CERT_INVALID,		/* anything else OpenSSL refuses */
	CERT_REVOKED,		/* a certificate of the chain is revoked */
	CERT_REVOCATION_UNKNOWN	/* its revocation status cannot be found */
};

struct cert_verify_params {
	X509_STORE	*trust;		/* the trusted CAs: trust_store_build() */
	STACK_OF(X509)	*untrusted;	/* intermediates offered; may be NULL */
	enum cert_use	use;
	int64_t		now;		/* seconds since the epoch */
	struct revocation *revocation;	/* step 5; NULL: not checked */
};

struct cert_verdict {
	enum cert_status status;
	enum cert_problem problem;	/* CERT_OK when trusted */
	int		depth;		/* the certificate at fault; -1: none */
	int		x509_error;	/* X509_V_ERR_*; 0 when found by step 4 */
	char		subject[256];	/* of the certificate at fault */
	char		reason[512];	/* one line for people and logs */
	STACK_OF(X509)	*chain;		/* as built, leaf first; may be NULL */
	struct rev_answer revocation;	/* step 5's answer */
	bool		revocation_unknown_accepted;	/* on_unknown: accept applied */
};

enum cert_status cert_verify(X509 *, const struct cert_verify_params *,
	    struct cert_verdict *);
void	cert_verdict_clear(struct cert_verdict *);

/* CERT_OK, CERT_EXPIRED or CERT_NOT_YET_VALID; notAfter is inclusive. */
enum cert_problem cert_dates_problem(int64_t not_before, int64_t not_after,
	    int64_t now);
/* "ok", "expired", "not-yet-valid", "key-usage", "purpose",
 * "missing-issuer", "untrusted-root", "bad-signature", "invalid-ca",
 * "invalid", "revoked", "revocation-unknown". */
const char *cert_problem_name(enum cert_problem);
/* "sign", "encrypt"; and back (false for another word). */
const char *cert_use_name(enum cert_use);
bool	cert_use_parse(const char *, enum cert_use *);

#endif
