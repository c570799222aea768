/*
 * recipient_key - see recipient_key.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smime/ldap/ldap_lookup.h"
#include "smime/recipient_key.h"
#include "smime/revoke/revoke_io.h"

static void
pass_over(struct rk_answer *an, const char *fp, const char *problem,
    const char *origin, const char *reason)
{
	struct rk_passed *p;

	if (an->npassed >= RK_PASSED_MAX)
		return;
	p = &an->passed[an->npassed++];
	snprintf(p->fingerprint, sizeof(p->fingerprint), "%s", fp);
	p->problem = problem;
	snprintf(p->origin, sizeof(p->origin), "%s", origin);
	snprintf(p->reason, sizeof(p->reason), "%s", reason);
}

/* The key store's certificate c, revocation checked: true when it may be
 * used; false when passed over (recorded in an) or when the answer is a
 * temporary failure (an->status). */
static bool
usable_stored(const struct rk_context *ctx, const struct ks_cert *c, X509 *x,
    const char *address, struct rk_answer *an)
{
	struct rev_answer a;

	if (ctx->rev == NULL)
		return true;
	switch (revocation_check_cert(ctx->rev, x, ctx->trust, NULL, ctx->now,
	    &a)) {
	case REV_REVOKED:
		if (!a.cached)
			revocation_status_save(ctx->ks, c->fingerprint, &a,
			    ctx->now);
		pass_over(an, c->fingerprint, cert_problem_name(CERT_REVOKED),
		    "keystore", a.reason);
		return false;
	case REV_UNKNOWN:
		if (!a.cached)
			revocation_status_save(ctx->ks, c->fingerprint, &a,
			    ctx->now);
		switch (revocation_on_unknown(ctx->rev)) {
		case UNKNOWN_ACCEPT:
			an->unknown_accepted = true;
			snprintf(an->unknown_reason, sizeof(an->unknown_reason),
			    "%s", a.reason);
			return true;
		case UNKNOWN_REFUSE:
			pass_over(an, c->fingerprint,
			    cert_problem_name(CERT_REVOCATION_UNKNOWN),
			    "keystore", a.reason);
			return false;
		case UNKNOWN_TEMPFAIL:
		default:
			an->status = RK_TEMPFAIL;
			snprintf(an->reason, sizeof(an->reason), "the "
			    "revocation status of %.100s's certificate %s cannot "
			    "be found: %.360s", address, c->fingerprint, a.reason);
			return false;
		}
	default:
		if (!a.cached && a.status != REV_NONE)
			revocation_status_save(ctx->ks, c->fingerprint, &a,
			    ctx->now);
		return true;
	}
}

/* The key store's answer: true when an is decided (found or tempfail). */
static bool
from_store(const struct rk_context *ctx, const char *address,
    struct rk_answer *an)
{
	const char *except[RK_PASSED_MAX];
	struct ks_answer ka;
	enum ks_status st;
	const unsigned char *p;
	size_t	i;
	X509	*x;

	for (;;) {
		for (i = 0; i < an->npassed; i++)
			except[i] = an->passed[i].fingerprint;
		st = keystore_lookup_except(ctx->ks, address, ctx->now, except,
		    an->npassed, &ka);
		if (st == KS_NOTFOUND) {
			if (an->unusable == NULL && ka.unusable != NULL) {
				an->unusable = ka.unusable;
				an->unusable_problem = ka.problem;
				ka.unusable = NULL;
			}
			ks_answer_clear(&ka);
			return false;
		}
		if (st != KS_OK) {
			an->status = RK_TEMPFAIL;
			snprintf(an->reason, sizeof(an->reason), "key store: %s",
			    keystore_strerror());
			ks_answer_clear(&ka);
			return true;
		}
		p = ka.cert->der;
		if ((x = d2i_X509(NULL, &p, (long)ka.cert->derlen)) == NULL) {
			an->status = RK_TEMPFAIL;
			snprintf(an->reason, sizeof(an->reason), "key store: a "
			    "certificate of %.200s does not parse", address);
			ks_answer_clear(&ka);
			return true;
		}
		if (usable_stored(ctx, ka.cert, x, address, an)) {
			an->status = RK_FOUND;
			an->cert = x;
			snprintf(an->fingerprint, sizeof(an->fingerprint), "%s",
			    ka.cert->fingerprint);
			snprintf(an->origin, sizeof(an->origin), "keystore");
			ks_answer_clear(&ka);
			return true;
		}
		X509_free(x);
		ks_answer_clear(&ka);
		if (an->status == RK_TEMPFAIL || an->npassed >= RK_PASSED_MAX)
			return an->status == RK_TEMPFAIL;
	}
}

static void
from_ldap(const struct rk_context *ctx, const char *address,
    struct rk_answer *an)
{
	struct cert_verify_params p;
	struct ldapq_result r;
	unsigned char *der = NULL;
	char	origin[80];
	size_t	i;
	int	len;

	memset(&p, 0, sizeof(p));
	p.trust = ctx->trust;
	p.use = CERT_USE_ENCRYPT;
	p.now = ctx->now;
	p.revocation = ctx->rev;
	switch (ldap_lookup(ctx->dirs, ctx->ndirs, address, &p, &r)) {
	case LDAPQ_FOUND:
		an->status = RK_FOUND;
		an->cert = r.chosen->cert;
		X509_up_ref(an->cert);
		snprintf(an->fingerprint, sizeof(an->fingerprint), "%s",
		    r.chosen->fingerprint);
		snprintf(an->origin, sizeof(an->origin), "ldap %s",
		    r.chosen->directory);
		an->unknown_accepted = r.chosen->unknown_accepted;
		if (an->unknown_accepted)
			snprintf(an->unknown_reason, sizeof(an->unknown_reason),
			    "%s", r.chosen->reason);
		/* kept for cache_ttl; a failure only means asking again */
		if ((len = i2d_X509(an->cert, &der)) > 0)
			(void)keystore_add_ldap(ctx->ks, der, (size_t)len,
			    (int64_t)r.chosen_dir->cache_ttl, ctx->now, NULL);
		OPENSSL_free(der);
		break;
	case LDAPQ_TEMPFAIL:
		an->status = RK_TEMPFAIL;
		snprintf(an->reason, sizeof(an->reason), "%.200s: %.390s",
		    address, r.reason);
		break;
	case LDAPQ_NONE:
	default:
		for (i = 0; i < r.ncerts; i++) {
			snprintf(origin, sizeof(origin), "ldap %s",
			    r.certs[i].directory);
			pass_over(an, r.certs[i].fingerprint, r.certs[i].problem,
			    origin, r.certs[i].reason);
		}
		break;
	}
	ldap_result_clear(&r);
}

enum rk_status
recipient_key_find(const struct rk_context *ctx, const char *address,
    struct rk_answer *an)
{
	memset(an, 0, sizeof(*an));
	an->status = RK_MISSING;
	if (from_store(ctx, address, an))
		return an->status;
	if (ctx->ndirs > 0)
		from_ldap(ctx, address, an);
	return an->status;
}

void
recipient_key_clear(struct rk_answer *an)
{
	if (an == NULL)
		return;
	X509_free(an->cert);
	ks_cert_free(an->unusable);
	memset(an, 0, sizeof(*an));
}
