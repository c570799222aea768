/*
 * cms_verify - checks one signed-data structure of an incoming message:
 * the signatures over the content, then each signer's certificate
 * against the trusted CAs, at the time of signing and now.
 *
 * cms_verify_signed(cms, dcont, out, store, rev, now, r, err):
 *   cms    a parsed signed-data (cms_parse.h);
 *   dcont  the signed content for a detached signature (multipart/signed:
 *          its first part, canonical CRLF), NULL for an opaque one;
 *   out    receives the content (may be NULL): what was signed, as bytes;
 *   store  the trust anchors (smime/x509/trust.h; promoted keys may sit
 *          there as anchors of their own: partial chains are accepted);
 *          intermediates come from the message's certificates.
 *   rev    NULL, or the revocation context (smime/revoke/revoke.h): the
 *          chain each signer's "now" check built is checked for
 *          revocation (the signing-time check is not), as
 *          smime/revoke/README.md's table says: revoked is FAIL
 *          ("certificate revoked: ..."); a status that cannot be found
 *          is, by on_unknown, -1 with SMIME_TEMP (tempfail: the mail
 *          waits, it never passes), FAIL (refuse), or PASS with
 *          r->revocation_unknown_accepted set (accept: the caller logs
 *          it). r->revocation holds the last answer (REV_NONE: none).
 * The verdict, in r->verdict with a reason for the log and the header:
 *   CMS_CHECK_PASS       every signature verifies and every signer chains
 *                        to a trusted CA at signing time (the signingTime
 *                        attribute, when present) and now, for e-mail
 *                        protection;
 *   CMS_CHECK_FAIL       a signature does not verify (content altered,
 *                        wrong key) or a signer is untrusted, expired,
 *                        not yet valid, refused by purpose, or revoked;
 *   CMS_CHECK_NEUTRAL    an algorithm this OpenSSL cannot process (never
 *                        called a bad signature), or no signer at all
 *                        (a certificates-only structure);
 *   CMS_CHECK_PERMERROR  not a signed-data, more than CMS_VERIFY_MAX_SIGNERS
 *                        signers or CMS_VERIFY_MAX_CERTS certificates, the
 *                        signer's certificate missing.
 * Besides the verdict r holds the first signer's certificate, whether the
 * signatures themselves verified (signature_ok: true for a signature
 * that is good but whose signer is untrusted), the certificate named by
 * the SMIMEEncryptionKeyPreference attribute (cms_keypref.h) and the
 * signing time. The certificates are references of r: free them with
 * cms_verify_result_clear() (safe on a zeroed struct).
 *
 * out may have received part of the content when the verdict is not
 * PASS: the caller discards it then. Returns -1 only for SMIME_TEMP
 * (out of memory, a failed write to out, revocation unknown under
 * on_unknown: tempfail).
 *
 * cms_signed_content() writes an opaque signed-data's content to out
 * without checking anything (for a policy that does not verify); -1 with
 * SMIME_PERM when the structure carries none.
 */
#ifndef GW_SMIME_CMS_VERIFY_H
#define GW_SMIME_CMS_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/cms.h>
#include <openssl/x509.h>

#include "smime/revoke/revoke.h"
#include "smime/smime_err.h"

#define CMS_VERIFY_MAX_SIGNERS	8
#define CMS_VERIFY_MAX_CERTS	64

enum cms_check { CMS_CHECK_PASS, CMS_CHECK_FAIL, CMS_CHECK_NEUTRAL,
		 CMS_CHECK_PERMERROR };

struct cms_verify_result {
	enum cms_check	verdict;
	char		reason[240];
	bool		signature_ok;
	X509		*signer;	/* NULL when not found */
	X509		*enc_pref;	/* NULL when none */
	int64_t		signing_time;	/* 0 when absent */
	unsigned	nsigners;
	struct rev_answer revocation;	/* status REV_NONE: not checked */
	bool		revocation_unknown_accepted;	/* on_unknown: accept */
};

int	cms_verify_signed(CMS_ContentInfo *, BIO *dcont, BIO *out,
	    X509_STORE *, struct revocation *, int64_t now,
	    struct cms_verify_result *,
	    struct smime_err *);
void	cms_verify_result_clear(struct cms_verify_result *);
int	cms_signed_content(CMS_ContentInfo *, BIO *out, struct smime_err *);
/* "pass", "fail", "neutral", "permerror". */
const char *cms_check_name(enum cms_check);

#endif
