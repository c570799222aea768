/*
 * x509_verify - see x509_verify.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "smime/x509/cert_info.h"
#include "smime/x509/x509_verify.h"

static const struct {
	enum cert_problem p;
	const char	*name;
} problems[] = {
	{ CERT_OK, "ok" },
	{ CERT_EXPIRED, "expired" },
	{ CERT_NOT_YET_VALID, "not-yet-valid" },
	{ CERT_KEY_USAGE, "key-usage" },
	{ CERT_PURPOSE, "purpose" },
	{ CERT_MISSING_ISSUER, "missing-issuer" },
	{ CERT_UNTRUSTED_ROOT, "untrusted-root" },
	{ CERT_BAD_SIGNATURE, "bad-signature" },
	{ CERT_INVALID_CA, "invalid-ca" },
	{ CERT_INVALID, "invalid" },
	{ CERT_REVOKED, "revoked" },
	{ CERT_REVOCATION_UNKNOWN, "revocation-unknown" },
};

static const struct {
	enum cert_use	u;
	const char	*name, *doing;
} uses[] = {
	{ CERT_USE_SIGN, "sign", "signing" },
	{ CERT_USE_ENCRYPT, "encrypt", "encryption" },
};

const char *
cert_problem_name(enum cert_problem p)
{
	size_t	i;

	for (i = 0; i < sizeof(problems) / sizeof(problems[0]); i++)
		if (problems[i].p == p)
			return problems[i].name;
	return "invalid";
}

const char *
cert_use_name(enum cert_use u)
{
	return uses[u == CERT_USE_ENCRYPT].name;
}

bool
cert_use_parse(const char *s, enum cert_use *out)
{
	size_t	i;

	for (i = 0; i < sizeof(uses) / sizeof(uses[0]); i++)
		if (strcmp(s, uses[i].name) == 0) {
			*out = uses[i].u;
			return true;
		}
	return false;
}

enum cert_problem
cert_dates_problem(int64_t not_before, int64_t not_after, int64_t now)
{
	if (now < not_before)
		return CERT_NOT_YET_VALID;
	if (now > not_after)
		return CERT_EXPIRED;
	return CERT_OK;
}

void
cert_verdict_clear(struct cert_verdict *v)
{
	if (v == NULL)
		return;
	sk_X509_pop_free(v->chain, X509_free);
	memset(v, 0, sizeof(*v));
	v->depth = -1;
	v->revocation.depth = -1;
}

static const char *
utc(const ASN1_TIME *t, char *buf, size_t size)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm) ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "(unreadable date)");
	return buf;
}

static void
set_subject(struct cert_verdict *v, X509 *x)
{
	if (x != NULL)
		cert_name_line(X509_get_subject_name(x), v->subject,
		    sizeof(v->subject));
	else
		snprintf(v->subject, sizeof(v->subject), "?");
}

static enum cert_status
refuse(struct cert_verdict *v, enum cert_problem p, int depth, X509 *x,
    int x509_error)
{
	v->status = CERT_REFUSED;
	v->problem = p;
	v->depth = depth;
	v->x509_error = x509_error;
	set_subject(v, x);
	return CERT_REFUSED;
}

/* Step 4: the end entity's key usage and extended key usage. */
static enum cert_problem
leaf_problem(X509 *x, enum cert_use use)
{
	struct cert_info ci;
	enum cert_problem pr = CERT_OK;
	const char *why;

	if (!cert_info_from_x509(x, &ci, &why))
		return CERT_INVALID;
	if (ci.eku_present && !ci.eku_email)
		pr = CERT_PURPOSE;
	else if (use == CERT_USE_SIGN ? !cert_key_can_verify(ci.key_usage,
	    ci.eku_present, ci.eku_email) : !cert_key_can_encrypt(ci.key_type,
	    ci.key_usage, ci.eku_present, ci.eku_email))
		pr = CERT_KEY_USAGE;
	cert_info_clear(&ci);
	return pr;
}

static enum cert_problem
from_x509_error(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return CERT_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return CERT_NOT_YET_VALID;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return CERT_MISSING_ISSUER;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
		return CERT_UNTRUSTED_ROOT;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
		return CERT_BAD_SIGNATURE;
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
		return CERT_INVALID_CA;
	case X509_V_ERR_INVALID_PURPOSE:
		return CERT_PURPOSE;
	default:
		return CERT_INVALID;
	}
}

/* The one line for people, from the problem and the certificate. */
static void
explain(struct cert_verdict *v, X509 *x, enum cert_use use)
{
	const char *who = v->depth > 0 ? "the issuing certificate" :
	    "the certificate";
	const char *doing = uses[use == CERT_USE_ENCRYPT].doing;
	char	t[40];

	switch (v->problem) {
	case CERT_OK:
		if (v->revocation_unknown_accepted)
			snprintf(v->reason, sizeof(v->reason), "trusted for %s, "
			    "revocation status unknown but accepted (on_unknown: "
			    "accept): %.400s", doing, v->revocation.reason);
		else if (v->revocation.status == REV_GOOD)
			snprintf(v->reason, sizeof(v->reason), "trusted for %s; "
			    "%.460s", doing, v->revocation.reason);
		else
			snprintf(v->reason, sizeof(v->reason), "trusted for %s",
			    doing);
		break;
	case CERT_EXPIRED:
		snprintf(v->reason, sizeof(v->reason), "%s %s expired on %s",
		    who, v->subject, utc(x ? X509_get0_notAfter(x) : NULL, t,
		    sizeof(t)));
		break;
	case CERT_NOT_YET_VALID:
		snprintf(v->reason, sizeof(v->reason), "%s %s is valid only "
		    "from %s", who, v->subject, utc(x ? X509_get0_notBefore(x) :
		    NULL, t, sizeof(t)));
		break;
	case CERT_KEY_USAGE:
		snprintf(v->reason, sizeof(v->reason), "the key usage of %s "
		    "forbids %s%s", v->subject, doing, use == CERT_USE_SIGN ?
		    " (digitalSignature or nonRepudiation needed)" :
		    " (RSA needs keyEncipherment, EC keyAgreement)");
		break;
	case CERT_PURPOSE:
		if (v->depth > 0)
			snprintf(v->reason, sizeof(v->reason), "the CA %s may "
			    "not issue S/MIME certificates (its extended key "
			    "usage or certificate type)", v->subject);
		else
			snprintf(v->reason, sizeof(v->reason), "the extended "
			    "key usage of %s does not allow e-mail protection",
			    v->subject);
		break;
	case CERT_MISSING_ISSUER: {
		char	issuer[256] = "?";

		if (x != NULL)
			cert_name_line(X509_get_issuer_name(x), issuer,
			    sizeof(issuer));
		snprintf(v->reason, sizeof(v->reason), "the issuer %s of %s is "
		    "neither among the intermediate certificates given nor a "
		    "trusted CA: an intermediate is missing, or its CA is not "
		    "trusted", issuer, v->subject);
		break;
	}
	case CERT_UNTRUSTED_ROOT:
		snprintf(v->reason, sizeof(v->reason), "%s %s%s not a trusted "
		    "CA (neither in the system bundle in force nor in the "
		    "custom list)", v->depth == 0 ? "the self-signed "
		    "certificate" : "the chain ends in", v->subject,
		    v->depth == 0 ? " is" : ", which is");
		break;
	case CERT_BAD_SIGNATURE:
		snprintf(v->reason, sizeof(v->reason), "the signature on %s does "
		    "not verify with its issuer's key", v->subject);
		break;
	case CERT_INVALID_CA:
		snprintf(v->reason, sizeof(v->reason), "%s may not issue "
		    "certificates (%s)", v->subject,
		    X509_verify_cert_error_string(v->x509_error));
		break;
	case CERT_REVOKED:
	case CERT_REVOCATION_UNKNOWN:
		snprintf(v->reason, sizeof(v->reason), "%s",
		    v->revocation.reason);
		break;
	case CERT_INVALID:
		snprintf(v->reason, sizeof(v->reason), "%s: %s", v->subject,
		    v->x509_error != 0 ?
		    X509_verify_cert_error_string(v->x509_error) :
		    "the certificate does not parse");
		break;
	}
}

/* Step 3 for encryption: every CA above the end entity may issue S/MIME
 * certificates. -1 when all may, else the depth of the first that may
 * not. */
static int
ca_purpose_depth(STACK_OF(X509) *chain)
{
	int	i;

	for (i = 1; i < sk_X509_num(chain); i++)
		if (X509_check_purpose(sk_X509_value(chain, i),
		    X509_PURPOSE_SMIME_ENCRYPT, 1) != 1)
			return i;
	return -1;
}

static enum cert_status
cannot_verify(struct cert_verdict *v, X509_STORE_CTX *ctx)
{
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	cert_verdict_clear(v);
	v->status = CERT_VERIFY_ERROR;
	snprintf(v->reason, sizeof(v->reason), "cannot verify: out of memory");
	return CERT_VERIFY_ERROR;
}

/* Step 5 on a chain that passed 1 to 4. */
static void
check_revocation(struct cert_verdict *v, const struct cert_verify_params *p)
{
	struct rev_answer *a = &v->revocation;
	enum rev_status st;

	st = revocation_check_chain(p->revocation, v->chain, p->now, a);
	if (st == REV_REVOKED) {
		refuse(v, CERT_REVOKED, a->depth, sk_X509_value(v->chain,
		    a->depth), 0);
		return;
	}
	if (st != REV_UNKNOWN)
		return;
	switch (revocation_on_unknown(p->revocation)) {
	case UNKNOWN_ACCEPT:
		v->revocation_unknown_accepted = true;
		break;
	case UNKNOWN_REFUSE:
		refuse(v, CERT_REVOCATION_UNKNOWN, a->depth,
		    sk_X509_value(v->chain, a->depth), 0);
		break;
	case UNKNOWN_TEMPFAIL:
	default:
		refuse(v, CERT_REVOCATION_UNKNOWN, a->depth,
		    sk_X509_value(v->chain, a->depth), 0);
		v->status = CERT_VERIFY_ERROR;
		break;
	}
}

enum cert_status
cert_verify(X509 *x, const struct cert_verify_params *p,
    struct cert_verdict *v)
{
	X509_STORE_CTX *ctx;
	X509	*at = x;
	enum cert_problem pr;
	int	err, depth;

	memset(v, 0, sizeof(*v));
	v->depth = -1;
	v->revocation.depth = -1;
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, p->trust, x, p->untrusted) != 1)
		return cannot_verify(v, ctx);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx),
	    (time_t)p->now);
	if (p->use == CERT_USE_SIGN)
		X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SMIME_SIGN);
	X509_STORE_CTX_set_trust(ctx, X509_TRUST_EMAIL);
	if (X509_verify_cert(ctx) == 1) {
		if ((v->chain = X509_STORE_CTX_get1_chain(ctx)) == NULL)
			return cannot_verify(v, ctx);
		if (p->use == CERT_USE_ENCRYPT &&
		    (depth = ca_purpose_depth(v->chain)) > 0) {
			at = sk_X509_value(v->chain, depth);
			refuse(v, CERT_PURPOSE, depth, at,
			    X509_V_ERR_INVALID_PURPOSE);
		} else if ((pr = leaf_problem(x, p->use)) != CERT_OK)
			refuse(v, pr, 0, x, 0);
		else {
			v->status = CERT_TRUSTED;
			set_subject(v, x);
			if (p->revocation != NULL)
				check_revocation(v, p);
			if (v->status != CERT_TRUSTED)
				at = sk_X509_value(v->chain, v->depth);
		}
	} else {
		err = X509_STORE_CTX_get_error(ctx);
		if (err == X509_V_ERR_OUT_OF_MEM)
			return cannot_verify(v, ctx);
		depth = X509_STORE_CTX_get_error_depth(ctx);
		/* held by ctx until it is freed, after explain() */
		if ((at = X509_STORE_CTX_get_current_cert(ctx)) == NULL)
			at = depth == 0 ? x : NULL;
		v->chain = X509_STORE_CTX_get1_chain(ctx);
		pr = from_x509_error(err);
		/* OpenSSL says "purpose" for the end entity's key usage too */
		if (pr == CERT_PURPOSE && depth == 0 &&
		    leaf_problem(x, p->use) == CERT_KEY_USAGE)
			pr = CERT_KEY_USAGE;
		refuse(v, pr, depth, at, err);
	}
	explain(v, at, p->use);
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return v->status;
}
