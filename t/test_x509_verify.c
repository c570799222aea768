/*
 * test_x509_verify - cert_verify() (smime/x509/x509_verify.h) over a table
 * of named cases with an injected clock: a good chain for signing and
 * for encryption (RSA and EC keyAgreement), a missing intermediate, the
 * certificate or its issuer expired or not yet valid, an untrusted root,
 * a self-signed certificate, a bad signature, an issuer that is no CA, a
 * CA that may not issue S/MIME certificates, key usage and extended key
 * usage that forbid the use; and the words and date rules the key store
 * shares.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "smime/x509/cert_info.h"
#include "smime/x509/x509_build.h"
#include "smime/x509/x509_verify.h"
#include "t/tap.h"

#define T0	1800000000LL	/* the injected "now" */
#define DAY	86400LL

static EVP_PKEY	*root_key, *other_key, *inter_key, *ec_key, *rsa_key;
static X509	*root, *other, *inter, *oldinter, *notca, *tlsca;

/* A fresh object from the DER of x (frees x), so that extensions added
 * after cert_build() are read again. */
static X509 *
reparse(X509 *x)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	int	n = i2d_X509(x, &der);
	X509	*y;

	X509_free(x);
	if (n <= 0)
		bail("i2d_X509");
	p = der;
	y = d2i_X509(NULL, &p, n);
	OPENSSL_free(der);
	if (y == NULL)
		bail("d2i_X509");
	return y;
}

static X509 *
make(const char *cn, EVP_PKEY *key, bool ca, bool smime, long ku,
    int64_t nb, int64_t na, X509 *issuer, EVP_PKEY *issuer_key)
{
	struct cert_spec sp;
	const char *why = NULL, *email = cn;
	X509	*x;

	memset(&sp, 0, sizeof(sp));
	sp.cn = cn;
	if (!ca && strchr(cn, '@') != NULL) {
		sp.emails = &email;
		sp.nemails = 1;
	}
	sp.ca = ca;
	sp.smime = smime;
	sp.key_usage = ku;
	sp.not_before = nb;
	sp.not_after = na;
	if ((x = cert_build(&sp, key, issuer, issuer_key, &why)) == NULL)
		bail("cert_build %s: %s", cn, why);
	return x;
}

static X509 *
leaf(const char *cn, EVP_PKEY *key, long ku, int64_t nb, int64_t na)
{
	return make(cn, key, false, true, ku, nb, na, inter, inter_key);
}

/* A CA whose extended key usage allows TLS servers only. */
static X509 *
make_tls_ca(void)
{
	X509	*x = make("TLS-only CA", inter_key, true, false,
		    CERT_SPEC_DEFAULT_KU, T0 - DAY, T0 + 30 * DAY, root, root_key);
	EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();

	if (eku == NULL ||
	    !sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth)) ||
	    X509_add1_ext_i2d(x, NID_ext_key_usage, eku, 0,
	    X509V3_ADD_DEFAULT) != 1 ||
	    X509_sign(x, root_key, EVP_sha256()) <= 0)
		bail("TLS-only CA");
	sk_ASN1_OBJECT_free(eku);
	return reparse(x);
}

struct vcase {
	const char	*name;
	X509		*cert;
	X509		*chain[2];	/* intermediates offered */
	X509		*trusted;	/* the one trusted CA */
	enum cert_use	use;
	int64_t		now;
	const char	*want;		/* problem word */
	int		depth;		/* of the problem; -1 when trusted */
};

static void
run(const struct vcase *c)
{
	struct cert_verify_params p;
	struct cert_verdict v;
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	enum cert_status st;
	size_t	i;

	if (sk == NULL || store == NULL || X509_STORE_add_cert(store,
	    c->trusted) != 1)
		bail("store");
	for (i = 0; i < 2 && c->chain[i] != NULL; i++)
		sk_X509_push(sk, c->chain[i]);
	memset(&p, 0, sizeof(p));
	p.trust = store;
	p.untrusted = sk;
	p.use = c->use;
	p.now = c->now;
	st = cert_verify(c->cert, &p, &v);
	is_string(cert_problem_name(v.problem), c->want, "%s: problem",
	    c->name);
	is_int(st, strcmp(c->want, "ok") == 0 ? CERT_TRUSTED : CERT_REFUSED,
	    "%s: status", c->name);
	is_int(v.depth, c->depth, "%s: depth", c->name);
	ok(v.reason[0] != '\0' && strchr(v.reason, '\n') == NULL,
	    "%s: one line of reason (%s)", c->name, v.reason);
	if (st == CERT_TRUSTED)
		is_int(sk_X509_num(v.chain), 3, "%s: chain of three", c->name);
	cert_verdict_clear(&v);
	sk_X509_free(sk);
	X509_STORE_free(store);
}

static void
test_verify(void)
{
	X509	*good = leaf("good@example.org", rsa_key, CERT_SPEC_DEFAULT_KU,
		    T0 - DAY, T0 + 30 * DAY);
	X509	*ecgood = leaf("ec@example.org", ec_key, CERT_SPEC_DEFAULT_KU,
		    T0 - DAY, T0 + 30 * DAY);
	X509	*ecsign = leaf("ecsign@example.org", ec_key,
		    KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION, T0 - DAY,
		    T0 + 30 * DAY);
	X509	*enconly = leaf("enc@example.org", rsa_key, KU_KEY_ENCIPHERMENT,
		    T0 - DAY, T0 + 30 * DAY);
	X509	*tls = make("tls.example.org", rsa_key, false, false,
		    CERT_SPEC_DEFAULT_KU, T0 - DAY, T0 + 30 * DAY, inter,
		    inter_key);
	X509	*self = make("self@example.org", rsa_key, false, true,
		    CERT_SPEC_DEFAULT_KU, T0 - DAY, T0 + 30 * DAY, NULL, NULL);
	X509	*underold = make("old@example.org", rsa_key, false, true,
		    CERT_SPEC_DEFAULT_KU, T0 - DAY, T0 + 30 * DAY, oldinter,
		    inter_key);
	X509	*undernotca = make("nca@example.org", rsa_key, false, true,
		    CERT_SPEC_DEFAULT_KU, T0 - DAY, T0 + 30 * DAY, notca,
		    inter_key);
	X509	*undertls = make("utls@example.org", rsa_key, false, true,
		    CERT_SPEC_DEFAULT_KU, T0 - DAY, T0 + 30 * DAY, tlsca,
		    inter_key);
	X509	*forged = leaf("forged@example.org", ec_key,
		    CERT_SPEC_DEFAULT_KU, T0 - DAY, T0 + 30 * DAY);
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	size_t	i;

	X509_get0_signature(&sig, &alg, forged);
	((ASN1_BIT_STRING *)sig)->data[sig->length / 2] ^= 0x01;
	{
		const struct vcase cases[] = {
			{ "good chain, signing", good, { inter }, root,
			  CERT_USE_SIGN, T0, "ok", -1 },
			{ "good chain, encryption", good, { inter }, root,
			  CERT_USE_ENCRYPT, T0, "ok", -1 },
			{ "EC keyAgreement, encryption (RFC 5750)", ecgood,
			  { inter }, root, CERT_USE_ENCRYPT, T0, "ok", -1 },
			{ "EC signing only, encryption", ecsign, { inter }, root,
			  CERT_USE_ENCRYPT, T0, "key-usage", 0 },
			{ "EC signing only, signing", ecsign, { inter }, root,
			  CERT_USE_SIGN, T0, "ok", -1 },
			{ "keyEncipherment only, signing", enconly, { inter },
			  root, CERT_USE_SIGN, T0, "key-usage", 0 },
			{ "keyEncipherment only, encryption", enconly, { inter },
			  root, CERT_USE_ENCRYPT, T0, "ok", -1 },
			{ "TLS extended key usage, signing", tls, { inter }, root,
			  CERT_USE_SIGN, T0, "purpose", 0 },
			{ "TLS extended key usage, encryption", tls, { inter },
			  root, CERT_USE_ENCRYPT, T0, "purpose", 0 },
			{ "missing intermediate", good, { NULL }, root,
			  CERT_USE_SIGN, T0, "missing-issuer", 0 },
			{ "expired", good, { inter }, root, CERT_USE_SIGN,
			  T0 + 30 * DAY + 1, "expired", 0 },
			/* OpenSSL counts notAfter's own second as expired */
			{ "last second before notAfter", good, { inter }, root,
			  CERT_USE_SIGN, T0 + 30 * DAY - 1, "ok", -1 },
			{ "not yet valid", good, { inter }, root, CERT_USE_SIGN,
			  T0 - DAY - 1, "not-yet-valid", 0 },
			{ "issuer expired", underold, { oldinter }, root,
			  CERT_USE_SIGN, T0, "expired", 1 },
			{ "untrusted root in the chain", good, { inter, root },
			  other, CERT_USE_SIGN, T0, "untrusted-root", 2 },
			{ "self-signed", self, { NULL }, root, CERT_USE_SIGN, T0,
			  "untrusted-root", 0 },
			{ "bad signature", forged, { inter }, root, CERT_USE_SIGN,
			  T0, "bad-signature", 0 },
			{ "issuer is not a CA", undernotca, { notca }, root,
			  CERT_USE_SIGN, T0, "invalid-ca", 1 },
			{ "CA for TLS only, signing", undertls, { tlsca }, root,
			  CERT_USE_SIGN, T0, "purpose", 1 },
			{ "CA for TLS only, encryption", undertls, { tlsca }, root,
			  CERT_USE_ENCRYPT, T0, "purpose", 1 },
		};

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			run(&cases[i]);
	}
	X509_free(good);
	X509_free(ecgood);
	X509_free(ecsign);
	X509_free(enconly);
	X509_free(tls);
	X509_free(self);
	X509_free(underold);
	X509_free(undernotca);
	X509_free(undertls);
	X509_free(forged);
}

static void
test_words(void)
{
	const struct {
		int64_t	now;
		const char *want;
	} dates[] = {
		{ T0 - 1, "not-yet-valid" }, { T0, "ok" }, { T0 + 100, "ok" },
		{ T0 + 101, "expired" },
	};
	enum cert_use u;
	size_t	i;

	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++)
		is_string(cert_problem_name(cert_dates_problem(T0, T0 + 100,
		    dates[i].now)), dates[i].want, "dates: %lld",
		    (long long)(dates[i].now - T0));
	ok(cert_use_parse("encrypt", &u) && u == CERT_USE_ENCRYPT,
	    "use word: encrypt");
	ok(cert_use_parse("sign", &u) && u == CERT_USE_SIGN, "use word: sign");
	ok(!cert_use_parse("verify", &u), "use word: no other");
	is_string(cert_use_name(CERT_USE_ENCRYPT), "encrypt", "use name");
}

int
main(void)
{
	const char *why = NULL;

	plan_lazy();
	if ((root_key = key_generate(KEY_P256, &why)) == NULL ||
	    (other_key = key_generate(KEY_P256, &why)) == NULL ||
	    (inter_key = key_generate(KEY_P256, &why)) == NULL ||
	    (ec_key = key_generate(KEY_P256, &why)) == NULL ||
	    (rsa_key = key_generate(KEY_RSA2048, &why)) == NULL)
		bail("keys: %s", why);
	root = make("Test Root CA", root_key, true, false, CERT_SPEC_DEFAULT_KU,
	    T0 - 10 * DAY, T0 + 100 * DAY, NULL, NULL);
	other = make("Other Root CA", other_key, true, false,
	    CERT_SPEC_DEFAULT_KU, T0 - 10 * DAY, T0 + 100 * DAY, NULL, NULL);
	inter = make("Test Intermediate CA", inter_key, true, false,
	    CERT_SPEC_DEFAULT_KU, T0 - 5 * DAY, T0 + 50 * DAY, root, root_key);
	oldinter = make("Expired Intermediate CA", inter_key, true, false,
	    CERT_SPEC_DEFAULT_KU, T0 - 50 * DAY, T0 - DAY, root, root_key);
	notca = make("Not a CA", inter_key, false, true,
	    KU_KEY_CERT_SIGN | KU_DIGITAL_SIGNATURE, T0 - 5 * DAY,
	    T0 + 50 * DAY, root, root_key);
	tlsca = make_tls_ca();
	test_verify();
	test_words();
	X509_free(root);
	X509_free(other);
	X509_free(inter);
	X509_free(oldinter);
	X509_free(notca);
	X509_free(tlsca);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(inter_key);
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(rsa_key);
	return done_testing();
}
