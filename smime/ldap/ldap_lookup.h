/*
 * ldap_lookup - a recipient's certificate from the LDAP directories of
 * smime.ldap, checked like any other before it is used.
 *
 * ldap_lookup() asks the directories in their order (ldap_dir.h) for the
 * address and judges every certificate found (userCertificate;binary:
 * DER; userSMIMECertificate: a PKCS#7 bundle, or DER): cert_verify() for
 * encryption with params (the trusted CAs, the clock, the revocation
 * context), the other certificates of the same entry offered as
 * intermediates; and the address must be one of its SAN addresses. Of the
 * usable ones, the newest (latest notBefore) is chosen; the directories
 * after the one that gave it are not asked.
 *
 * Status: LDAPQ_FOUND (result->chosen); LDAPQ_NONE: every directory
 * answered and no certificate may be used (result->certs says why each
 * was refused); LDAPQ_TEMPFAIL: nothing usable, and a directory failed
 * (down, slow, refused the bind, or an unknown revocation status under
 * on_unknown: tempfail made a certificate undecidable), so the answer
 * might have been different: the caller tempfails, never "no key".
 *
 * Memory: the result owns its certificates; ldap_result_clear() frees
 * them and is safe on a zeroed struct. Thread-safe.
 */
#ifndef GW_LDAP_LOOKUP_H
#define GW_LDAP_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#include "conf/config.h"
#include "smime/x509/x509_verify.h"

#define LDAPQ_MAX_CERTS	64

enum ldapq_status { LDAPQ_FOUND, LDAPQ_NONE, LDAPQ_TEMPFAIL };

struct ldapq_cert {
	X509		*cert;
	const char	*directory;	/* its name (the configuration's) */
	char		*dn;
	char		fingerprint[65];
	int64_t		not_before, not_after;
	bool		usable;
	bool		undecided;	/* a temporary failure */
	bool		unknown_accepted;	/* on_unknown: accept applied */
	/* "ok", a cert_problem_name(), "address-not-in-certificate" or
	 * "unreadable" */
	const char	*problem;
	char		reason[512];
};

struct ldapq_dir {
	const char	*name;
	bool		asked, failed;
	size_t		entries;
	unsigned	skipped;	/* values over the bounds */
	char		filter[1024];
	char		why[512];	/* failed: what happened */
};

struct ldapq_result {
	enum ldapq_status status;
	struct ldapq_cert *certs;
	size_t		ncerts;
	struct ldapq_cert *chosen;	/* LDAPQ_FOUND */
	const struct ldap_directory *chosen_dir;
	struct ldapq_dir *dirs;
	size_t		ndirs;
	char		reason[600];	/* NONE and TEMPFAIL: one line */
};

enum ldapq_status ldap_lookup(const struct ldap_directory *, size_t n,
	    const char *address, const struct cert_verify_params *,
	    struct ldapq_result *);
void	ldap_result_clear(struct ldapq_result *);

#endif
