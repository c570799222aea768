/*
 * tls_verdict - may this session send mail, given its sender group's TLS
 * policy?
 *
 * policy_tls_verdict() applies one sender group to the session's facts
 * (session_facts.h) and fills a struct tls_verdict: accept, or refuse with
 * a complete SMTP reply (code, enhanced status, text) that names the
 * requirement that failed. The milter answers MAIL FROM with it.
 *
 * Rules, in this order (the first failure decides):
 *  1. No TLS (no {tls_version} and no {cipher}): `required` refuses with
 *     530 5.7.0 "Must issue a STARTTLS command first" (RFC 3207), or with
 *     451 4.7.0 and the same text when on_failure is tempfail (451: the
 *     usual temporary refusal of MAIL; 454 belongs to the STARTTLS command
 *     itself). `preferred` and `no` accept.
 *  2. With TLS, for `required` and `preferred` groups (`no` imposes
 *     nothing), each requirement set in the group:
 *     min_tls_version, min_cipher_bits, client_cert (required: a verified
 *     certificate; optional and none: nothing, the state is only recorded
 *     - Postfix hides a certificate that failed to verify, so refusing one
 *     under `optional` would make the MTAs disagree), cert_subject,
 *     cert_issuer. An unknown version or garbage
 *     bits fail a minimum (fail closed). A cert_subject/cert_issuer rule
 *     needs a verified certificate, since an unverified subject is
 *     whatever the client chose. A rule written as a DN (starting with
 *     '/', Sendmail's form) is compared with the decoded DN, which only
 *     Sendmail sends; any other rule is a common name, compared with the
 *     CN alone (Postfix {cert_subject}, Sendmail {cn_subject}), so a CN
 *     rule works under both MTAs and never matches the tail of a DN. The
 *     same for the issuer. Without {cn_subject} a CN rule cannot match
 *     under Sendmail (fail closed).
 *     A failure is 550 5.7.1 (reject) or 450 4.7.1 (tempfail).
 *
 * Reply texts carry only printable ASCII without '%' (safe_text.h): safe
 * to pass to smfi_setreply. requirement and reason are static strings for
 * the log line: requirement is the config key that failed ("tls",
 * "min_tls_version", "min_cipher_bits", "client_cert", "cert_subject",
 * "cert_issuer") or "none"; reason is one word (see tls_verdict.c).
 *
 * A NULL group (no group matched) accepts with requirement "none" and
 * reason "no_group". Nothing is allocated.
 */
#ifndef GW_TLS_VERDICT_H
#define GW_TLS_VERDICT_H

#include <stdbool.h>

#include "conf/config.h"
#include "policy/session_facts.h"

#define TLS_REPLY_TEXT_MAX 256

struct tls_verdict {
	bool		accept;
	bool		temporary;	/* refusal is 4xx (on_failure tempfail) */
	char		rcode[4];	/* "530"; "" when accepted */
	char		xcode[8];	/* "5.7.0"; "" when accepted */
	char		text[TLS_REPLY_TEXT_MAX];	/* "" when accepted */
	const char	*requirement;	/* static, see above */
	const char	*reason;	/* static, see above */
	enum ccert_state client_cert;	/* what the session proved */
};

void	policy_tls_verdict(const struct sender_group *,
	    const struct session_facts *, struct tls_verdict *);

/* "accept", "reject" or "tempfail", for logs. */
const char *tls_verdict_action(const struct tls_verdict *);

#endif
