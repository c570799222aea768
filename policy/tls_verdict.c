/*
 * tls_verdict - see tls_verdict.h.
 *
 * reason words: "ok", "no_group", "no_tls", "tls_version_low",
 * "tls_version_unknown", "cipher_bits_low", "cipher_bits_unknown",
 * "client_cert_missing", "client_cert_unverified",
 * "cert_subject_mismatch", "cert_issuer_mismatch".
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf/words.h"
#include "policy/cert_pattern.h"
#include "policy/safe_text.h"
#include "policy/tls_verdict.h"

#define GROUP_NAME_SHOWN 64	/* group names are short; keep replies short */

static void
accept(struct tls_verdict *v, const char *reason)
{
	v->accept = true;
	v->temporary = false;
	v->rcode[0] = v->xcode[0] = v->text[0] = '\0';
	v->requirement = "none";
	v->reason = reason;
}

static void
refuse(struct tls_verdict *v, const struct sender_group *g,
    const char *rcode5, const char *xcode5, const char *rcode4,
    const char *xcode4, const char *requirement, const char *reason,
    const char *fmt, ...) __attribute__((format(printf, 9, 10)));

static void
refuse(struct tls_verdict *v, const struct sender_group *g,
    const char *rcode5, const char *xcode5, const char *rcode4,
    const char *xcode4, const char *requirement, const char *reason,
    const char *fmt, ...)
{
	char	raw[TLS_REPLY_TEXT_MAX];
	va_list	ap;

	v->accept = false;
	v->temporary = g->on_failure == ONFAIL_TEMPFAIL;
	snprintf(v->rcode, sizeof(v->rcode), "%s",
	    v->temporary ? rcode4 : rcode5);
	snprintf(v->xcode, sizeof(v->xcode), "%s",
	    v->temporary ? xcode4 : xcode5);
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	safe_text_copy(v->text, sizeof(v->text), raw, SAFE_REPLY_BAD);
	v->requirement = requirement;
	v->reason = reason;
}

#define REFUSE(v, g, req, reason, ...) \
	refuse(v, g, "550", "5.7.1", "450", "4.7.1", req, reason, __VA_ARGS__)

static bool
check_version(const struct sender_group *g, const struct session_facts *f,
    const char *gname, struct tls_verdict *v)
{
	const char *want = word_name(words_tls_version, g->min_tls_version);

	if (g->min_tls_version == TLSV_ANY)
		return true;
	if (!f->tls_version_known) {
		REFUSE(v, g, "min_tls_version", "tls_version_unknown",
		    "TLS version %s unknown; %s required for sender group %s",
		    f->tls_version_name[0] ? f->tls_version_name : "(none)",
		    want, gname);
		return false;
	}
	if (f->tls_version < g->min_tls_version) {
		REFUSE(v, g, "min_tls_version", "tls_version_low",
		    "TLS version %s below the %s required for sender group %s",
		    f->tls_version_name, want, gname);
		return false;
	}
	return true;
}

static bool
check_bits(const struct sender_group *g, const struct session_facts *f,
    const char *gname, struct tls_verdict *v)
{
	if (g->min_cipher_bits == 0)
		return true;
	if (!f->cipher_bits_known) {
		REFUSE(v, g, "min_cipher_bits", "cipher_bits_unknown",
		    "TLS cipher strength unknown; %u bits required for sender group %s",
		    g->min_cipher_bits, gname);
		return false;
	}
	if (f->cipher_bits < g->min_cipher_bits) {
		REFUSE(v, g, "min_cipher_bits", "cipher_bits_low",
		    "TLS cipher strength %u bits below the %u required for sender group %s",
		    f->cipher_bits, g->min_cipher_bits, gname);
		return false;
	}
	return true;
}

static bool
check_cert(const struct sender_group *g, const char *gname,
    struct tls_verdict *v)
{
	if (g->client_cert != CCERT_REQUIRED || v->client_cert == CCS_VERIFIED)
		return true;
	if (v->client_cert == CCS_UNVERIFIED)
		REFUSE(v, g, "client_cert", "client_cert_unverified",
		    "TLS client certificate did not verify; sender group %s "
		    "requires a verified one", gname);
	else
		REFUSE(v, g, "client_cert", "client_cert_missing",
		    "TLS client certificate missing or not verified; "
		    "required for sender group %s", gname);
	return false;
}

/* A subject or issuer rule (cert_pattern.h says which name it reads). */
static bool
check_name(const struct sender_group *g, const char *pattern,
    const struct session_facts *f, bool issuer, const char *what,
    const char *requirement, const char *reason, const char *gname,
    struct tls_verdict *v)
{
	if (pattern == NULL)
		return true;
	if (v->client_cert != CCS_VERIFIED) {
		REFUSE(v, g, requirement, v->client_cert == CCS_NONE ?
		    "client_cert_missing" : "client_cert_unverified",
		    "TLS client certificate %s check needs a verified "
		    "certificate for sender group %s", what, gname);
		return false;
	}
	if (cert_rule_match(pattern, f, issuer))
		return true;
	REFUSE(v, g, requirement, reason,
	    "TLS client certificate %s does not match the one required "
	    "for sender group %s", what, gname);
	return false;
}

void
policy_tls_verdict(const struct sender_group *g, const struct session_facts *f,
    struct tls_verdict *v)
{
	char	gname[GROUP_NAME_SHOWN];

	memset(v, 0, sizeof(*v));
	v->client_cert = f->tls ? session_facts_client_cert(f) : CCS_NONE;
	if (g == NULL) {
		accept(v, "no_group");
		return;
	}
	safe_text_copy(gname, sizeof(gname), g->name ? g->name : "?",
	    SAFE_REPLY_BAD);
	if (!f->tls) {
		if (g->tls == TLS_REQUIRED)
			refuse(v, g, "530", "5.7.0", "451", "4.7.0", "tls",
			    "no_tls", "Must issue a STARTTLS command first");
		else
			accept(v, "ok");
		return;
	}
	if (g->tls == TLS_NO) {
		accept(v, "ok");
		return;
	}
	if (check_version(g, f, gname, v) && check_bits(g, f, gname, v) &&
	    check_cert(g, gname, v) &&
	    check_name(g, g->cert_subject, f, false, "subject",
		"cert_subject", "cert_subject_mismatch", gname, v) &&
	    check_name(g, g->cert_issuer, f, true, "issuer", "cert_issuer",
		"cert_issuer_mismatch", gname, v))
		accept(v, "ok");
}

const char *
tls_verdict_action(const struct tls_verdict *v)
{
	if (v->accept)
		return "accept";
	return v->temporary ? "tempfail" : "reject";
}
