/*
 * ldap_lookup - see ldap_lookup.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include "lib/xalloc.h"
#include "smime/ldap/ldap_dir.h"
#include "smime/ldap/ldap_lookup.h"
#include "smime/revoke/revoke.h"
#include "smime/x509/cert_info.h"

/* The certificates of one value: a DER certificate, or the certificates
 * of a PKCS#7 bundle. */
static void
parse_value(const struct ldap_dir_value *v, STACK_OF(X509) *out)
{
	const unsigned char *p = v->data;
	STACK_OF(X509) *in = NULL;
	PKCS7	*p7;
	X509	*x;
	int	i;

	if (!v->pkcs7 || (p7 = d2i_PKCS7(NULL, &p, (long)v->len)) == NULL) {
		p = v->data;
		if ((x = d2i_X509(NULL, &p, (long)v->len)) != NULL &&
		    p == v->data + v->len && sk_X509_push(out, x))
			x = NULL;
		X509_free(x);
		ERR_clear_error();
		return;
	}
	if (PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
		in = p7->d.sign->cert;
	for (i = 0; in != NULL && i < sk_X509_num(in) &&
	    sk_X509_num(out) < LDAP_DIR_MAX_VALUES; i++) {
		x = sk_X509_value(in, i);
		if (sk_X509_push(out, x))
			X509_up_ref(x);
	}
	PKCS7_free(p7);
	ERR_clear_error();
}

static bool
names_address(const struct cert_info *ci, const char *address)
{
	size_t	i;

	for (i = 0; i < ci->nemails; i++)
		if (strcasecmp(ci->emails[i], address) == 0)
			return true;
	return false;
}

/* pool and the issuers x's caIssuers URLs give; NULL when they give
 * none (or revocation, which fetches them, is off). Caller frees. */
static STACK_OF(X509) *
with_fetched_issuers(X509 *x, STACK_OF(X509) *pool,
    const struct cert_verify_params *params)
{
	STACK_OF(X509) *got, *all;
	int	i;

	if (params->revocation == NULL || (got = revocation_fetch_issuers(
	    params->revocation, x, params->trust, params->now)) == NULL)
		return NULL;
	if ((all = sk_X509_new_null()) == NULL) {
		sk_X509_pop_free(got, X509_free);
		return NULL;
	}
	for (i = 0; i < sk_X509_num(pool); i++) {
		X509	*c = sk_X509_value(pool, i);

		if (sk_X509_push(all, c))
			X509_up_ref(c);
	}
	while (sk_X509_num(got) > 0) {
		X509	*up = sk_X509_shift(got);

		if (!sk_X509_push(all, up))
			X509_free(up);
	}
	sk_X509_free(got);
	return all;
}

/* Judges x (from dir's entry dn, whose certificates are pool). */
static void
judge(struct ldapq_cert *c, X509 *x, STACK_OF(X509) *pool,
    const char *address, const struct cert_verify_params *params)
{
	struct cert_verify_params p = *params;
	struct cert_verdict v;
	struct cert_info ci;
	enum cert_status st;
	STACK_OF(X509) *more;
	const char *why;

	c->problem = "unreadable";
	if (!cert_info_from_x509(x, &ci, &why)) {
		snprintf(c->reason, sizeof(c->reason), "%s", why);
		return;
	}
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s", ci.fingerprint);
	c->not_before = ci.not_before;
	c->not_after = ci.not_after;
	p.untrusted = pool;
	p.use = CERT_USE_ENCRYPT;
	st = cert_verify(x, &p, &v);
	if (st == CERT_REFUSED && v.problem == CERT_MISSING_ISSUER &&
	    (more = with_fetched_issuers(x, pool, params)) != NULL) {
		/* A directory often holds the leaf alone: its intermediates
		 * from its caIssuers URLs, then judged again. */
		cert_verdict_clear(&v);
		p.untrusted = more;
		st = cert_verify(x, &p, &v);
		sk_X509_pop_free(more, X509_free);
	}
	switch (st) {
	case CERT_TRUSTED:
		if (!names_address(&ci, address)) {
			c->problem = "address-not-in-certificate";
			snprintf(c->reason, sizeof(c->reason), "%s is not one of "
			    "the certificate's addresses", address);
			break;
		}
		c->usable = true;
		c->unknown_accepted = v.revocation_unknown_accepted;
		c->problem = "ok";
		snprintf(c->reason, sizeof(c->reason), "%s", v.reason);
		break;
	case CERT_REFUSED:
		c->problem = cert_problem_name(v.problem);
		snprintf(c->reason, sizeof(c->reason), "%s", v.reason);
		break;
	case CERT_VERIFY_ERROR:
	default:
		c->undecided = true;
		c->problem = cert_problem_name(v.problem);
		snprintf(c->reason, sizeof(c->reason), "%s", v.reason);
		break;
	}
	cert_verdict_clear(&v);
	cert_info_clear(&ci);
}

/* The certificates of one directory's answer, judged into r. */
static void
judge_answer(const struct ldap_directory *d, const struct ldap_dir_result *dr,
    const char *address, const struct cert_verify_params *params,
    struct ldapq_result *r)
{
	STACK_OF(X509) *pool;
	size_t	i, j;
	int	k;

	for (i = 0; i < dr->nentries; i++) {
		if ((pool = sk_X509_new_null()) == NULL)
			return;
		for (j = 0; j < dr->entries[i].nvalues; j++)
			parse_value(&dr->entries[i].values[j], pool);
		for (k = 0; k < sk_X509_num(pool) &&
		    r->ncerts < LDAPQ_MAX_CERTS; k++) {
			struct ldapq_cert *c = &r->certs[r->ncerts++];
			X509	*x = sk_X509_value(pool, k);

			/* CA certificates in the entry are intermediates */
			if (X509_check_ca(x) != 0) {
				r->ncerts--;
				continue;
			}
			memset(c, 0, sizeof(*c));
			X509_up_ref(x);
			c->cert = x;
			c->directory = d->name;
			c->dn = x_strdup(dr->entries[i].dn);
			judge(c, x, pool, address, params);
		}
		sk_X509_pop_free(pool, X509_free);
	}
}

enum ldapq_status
ldap_lookup(const struct ldap_directory *dirs, size_t n, const char *address,
    const struct cert_verify_params *params, struct ldapq_result *r)
{
	struct ldap_dir_result dr;
	size_t	i, j, first, failed = 0;
	bool	undecided = false;

	memset(r, 0, sizeof(*r));
	r->certs = x_calloc(LDAPQ_MAX_CERTS, sizeof(*r->certs));
	r->dirs = x_calloc(n ? n : 1, sizeof(*r->dirs));
	r->ndirs = n;
	for (i = 0; i < n && r->chosen == NULL; i++) {
		struct ldapq_dir *qd = &r->dirs[i];

		qd->name = dirs[i].name;
		qd->asked = true;
		if (ldap_dir_search(&dirs[i], address, &dr, qd->why,
		    sizeof(qd->why)) != LDAP_DIR_OK) {
			qd->failed = true;
			snprintf(qd->filter, sizeof(qd->filter), "%s", dr.filter);
			if (failed++ == 0)
				snprintf(r->reason, sizeof(r->reason), "LDAP "
				    "directory %.64s: %s", dirs[i].name, qd->why);
			ldap_dir_result_clear(&dr);
			continue;
		}
		snprintf(qd->filter, sizeof(qd->filter), "%s", dr.filter);
		qd->entries = dr.nentries;
		qd->skipped = dr.skipped;
		first = r->ncerts;
		judge_answer(&dirs[i], &dr, address, params, r);
		ldap_dir_result_clear(&dr);
		for (j = first; j < r->ncerts; j++) {
			if (r->certs[j].undecided && !undecided) {
				undecided = true;
				if (failed == 0)
					snprintf(r->reason, sizeof(r->reason),
					    "LDAP directory %.64s: certificate "
					    "%s: %.400s", dirs[i].name,
					    r->certs[j].fingerprint,
					    r->certs[j].reason);
			}
			if (r->certs[j].usable && (r->chosen == NULL ||
			    r->certs[j].not_before > r->chosen->not_before)) {
				r->chosen = &r->certs[j];
				r->chosen_dir = &dirs[i];
			}
		}
	}
	if (r->chosen != NULL)
		r->status = LDAPQ_FOUND;
	else if (failed > 0 || undecided)
		r->status = LDAPQ_TEMPFAIL;
	else {
		r->status = LDAPQ_NONE;
		snprintf(r->reason, sizeof(r->reason), r->ncerts == 0 ?
		    "no certificate for %s in the LDAP directories" :
		    "no usable certificate for %s in the LDAP directories "
		    "(%zu refused)", address, r->ncerts);
	}
	return r->status;
}

void
ldap_result_clear(struct ldapq_result *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; r->certs != NULL && i < r->ncerts; i++) {
		X509_free(r->certs[i].cert);
		free(r->certs[i].dn);
	}
	free(r->certs);
	free(r->dirs);
	memset(r, 0, sizeof(*r));
}
