/*
 * x509_build - see x509_build.h.
 */
#include "config.h"

#include <string.h>

#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "smime/x509/cert_info.h"
#include "smime/x509/x509_build.h"

static const struct {
	const char	*name;
	enum key_alg	alg;
} algs[] = {
	{ "rsa2048", KEY_RSA2048 },
	{ "rsa3072", KEY_RSA3072 },
	{ "rsa4096", KEY_RSA4096 },
	{ "p256", KEY_P256 },
	{ "p384", KEY_P384 },
	{ "ed25519", KEY_ED25519 },
};

bool
key_alg_parse(const char *s, enum key_alg *out)
{
	size_t	i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(s, algs[i].name) == 0) {
			*out = algs[i].alg;
			return true;
		}
	return false;
}

const char *
key_alg_name(enum key_alg a)
{
	size_t	i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].alg == a)
			return algs[i].name;
	return "?";
}

EVP_PKEY *
key_generate(enum key_alg alg, const char **why)
{
	EVP_PKEY *k = NULL;

	switch (alg) {
	case KEY_RSA2048:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case KEY_RSA3072:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	case KEY_RSA4096:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
		break;
	case KEY_P256:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case KEY_P384:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case KEY_ED25519:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	}
	if (k == NULL)
		*why = "key generation failed";
	return k;
}

const EVP_MD *
key_sign_digest(EVP_PKEY *k)
{
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448:
		return NULL;
	case EVP_PKEY_EC:
		return EVP_PKEY_get_bits(k) > 256 ? EVP_sha384() : EVP_sha256();
	default:
		return EVP_sha256();
	}
}

static bool
printable(const char *s, size_t max)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return false;
	return true;
}

bool
cert_spec_check(const struct cert_spec *sp, const char **why)
{
	const struct {
		const char *v;
		size_t	max;
		const char *what;
	} fields[] = {
		{ sp->cn, 64, "common name: 1 to 64 printable characters" },
		{ sp->org, 64, "organisation: 1 to 64 printable characters" },
		{ sp->ou, 64, "organisational unit: 1 to 64 printable characters" },
		{ sp->locality, 128, "locality: 1 to 128 printable characters" },
		{ sp->state, 128, "state: 1 to 128 printable characters" },
	};
	size_t	i;

	if (sp->cn == NULL) {
		*why = "a common name is required";
		return false;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].v != NULL && !printable(fields[i].v, fields[i].max)) {
			*why = fields[i].what;
			return false;
		}
	if (sp->country != NULL && (strlen(sp->country) != 2 ||
	    sp->country[0] < 'A' || sp->country[0] > 'Z' ||
	    sp->country[1] < 'A' || sp->country[1] > 'Z')) {
		*why = "country: two upper-case letters (ISO 3166), e.g. DE";
		return false;
	}
	for (i = 0; i < sp->nemails; i++)
		if (!cert_valid_email(sp->emails[i])) {
			*why = "an e-mail address is not valid";
			return false;
		}
	for (i = 0; i < sp->ndns; i++)
		if (!cert_valid_fqdn(sp->dns[i], true)) {
			*why = "a DNS name is not a valid domain name";
			return false;
		}
	if (sp->not_after <= sp->not_before) {
		*why = "the validity ends before it starts";
		return false;
	}
	return true;
}

static X509_NAME *
make_name(const struct cert_spec *sp)
{
	const struct {
		const char *field, *v;
	} parts[] = {
		{ "C", sp->country }, { "ST", sp->state }, { "L", sp->locality },
		{ "O", sp->org }, { "OU", sp->ou }, { "CN", sp->cn },
	};
	X509_NAME *n = X509_NAME_new();
	size_t	i;

	if (n == NULL)
		return NULL;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i].v != NULL && !X509_NAME_add_entry_by_txt(n,
		    parts[i].field, MBSTRING_UTF8,
		    (const unsigned char *)parts[i].v, -1, -1, 0)) {
			X509_NAME_free(n);
			return NULL;
		}
	return n;
}

static bool
san_add(GENERAL_NAMES *gens, int type, const char *v)
{
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();

	if (gn == NULL || s == NULL || !ASN1_STRING_set(s, v, -1)) {
		GENERAL_NAME_free(gn);
		ASN1_IA5STRING_free(s);
		return false;
	}
	GENERAL_NAME_set0_value(gn, type, s);
	if (!sk_GENERAL_NAME_push(gens, gn)) {
		GENERAL_NAME_free(gn);
		return false;
	}
	return true;
}

static X509_EXTENSION *
make_san(const struct cert_spec *sp)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	X509_EXTENSION *ext = NULL;
	size_t	i;
	bool	good = gens != NULL;

	for (i = 0; good && i < sp->nemails; i++)
		good = san_add(gens, GEN_EMAIL, sp->emails[i]);
	for (i = 0; good && i < sp->ndns; i++)
		good = san_add(gens, GEN_DNS, sp->dns[i]);
	if (good)
		ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens);
	GENERAL_NAMES_free(gens);
	return ext;
}

/* The key usage words for keyUsage, by purpose and key type. */
static void
usage_words(const struct cert_spec *sp, EVP_PKEY *key, char *buf, size_t sz)
{
	static const struct {
		long	bit;
		const char *word;
	} bits[] = {
		{ KU_DIGITAL_SIGNATURE, "digitalSignature" },
		{ KU_NON_REPUDIATION, "nonRepudiation" },
		{ KU_KEY_ENCIPHERMENT, "keyEncipherment" },
		{ KU_DATA_ENCIPHERMENT, "dataEncipherment" },
		{ KU_KEY_AGREEMENT, "keyAgreement" },
		{ KU_KEY_CERT_SIGN, "keyCertSign" },
		{ KU_CRL_SIGN, "cRLSign" },
	};
	int	type = EVP_PKEY_get_base_id(key);
	long	ku = sp->key_usage;
	size_t	i;

	if (ku == CERT_SPEC_DEFAULT_KU) {
		if (sp->ca)
			ku = KU_KEY_CERT_SIGN | KU_CRL_SIGN | KU_DIGITAL_SIGNATURE;
		else {
			ku = KU_DIGITAL_SIGNATURE;
			if (sp->smime)
				ku |= KU_NON_REPUDIATION;
			if (type == EVP_PKEY_RSA)
				ku |= KU_KEY_ENCIPHERMENT;
			else if (type == EVP_PKEY_EC && sp->smime)
				ku |= KU_KEY_AGREEMENT;
		}
	}
	snprintf(buf, sz, "critical");
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (ku & bits[i].bit) {
			strncat(buf, ",", sz - strlen(buf) - 1);
			strncat(buf, bits[i].word, sz - strlen(buf) - 1);
		}
}

/* Puts ext into the certificate x at once (so that the authority key
 * identifier of a self-signed certificate finds its own subject key
 * identifier), or into the request's list sk. Frees ext. */
static bool
put_ext(STACK_OF(X509_EXTENSION) **sk, X509 *x, X509_EXTENSION *ext)
{
	bool	good;

	if (ext == NULL)
		return false;
	good = x != NULL ? X509_add_ext(x, ext, -1) == 1 :
	    X509v3_add_ext(sk, ext, -1) != NULL;
	X509_EXTENSION_free(ext);
	return good;
}

static bool
add_ext(STACK_OF(X509_EXTENSION) **sk, X509 *x, X509V3_CTX *ctx, int nid,
    const char *value)
{
	return put_ext(sk, x, X509V3_EXT_nconf_nid(NULL, ctx, nid, value));
}

/* Adds the extensions for spec to the certificate x, or (x NULL) to
 * *sk for a request (no key identifiers then). */
static bool
make_exts(const struct cert_spec *sp, EVP_PKEY *key, X509V3_CTX *ctx,
    X509 *x, STACK_OF(X509_EXTENSION) **sk)
{
	char	ku[200];
	bool	good;

	usage_words(sp, key, ku, sizeof(ku));
	good = add_ext(sk, x, ctx, NID_basic_constraints, sp->ca ?
	    "critical,CA:TRUE" : "critical,CA:FALSE");
	if (good && sp->key_usage != 0)
		good = add_ext(sk, x, ctx, NID_key_usage, ku);
	if (good && !sp->ca)
		good = add_ext(sk, x, ctx, NID_ext_key_usage, sp->smime ?
		    "emailProtection" : "serverAuth,clientAuth");
	if (good && x != NULL)
		good = add_ext(sk, x, ctx, NID_subject_key_identifier, "hash");
	if (good && x != NULL)
		good = add_ext(sk, x, ctx, NID_authority_key_identifier,
		    "keyid:always");
	if (good && sp->nemails + sp->ndns > 0)
		good = put_ext(sk, x, make_san(sp));
	return good;
}

static bool
random_serial(X509 *x)
{
	unsigned char buf[16];
	BIGNUM	*bn;
	bool	good;

	if (RAND_bytes(buf, sizeof(buf)) != 1)
		return false;
	buf[0] &= 0x7f;		/* positive, RFC 5280 4.1.2.2 */
	buf[0] |= 0x01;		/* and 16 bytes long */
	bn = BN_bin2bn(buf, sizeof(buf), NULL);
	good = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	return good;
}

X509 *
cert_build(const struct cert_spec *sp, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *issuer_key, const char **why)
{
	X509V3_CTX ctx;
	X509_NAME *name = NULL;
	X509	*x = NULL;
	EVP_PKEY *signer = issuer != NULL ? issuer_key : key;

	if (!cert_spec_check(sp, why))
		return NULL;
	*why = "cannot build the certificate";
	if ((x = X509_new()) == NULL || (name = make_name(sp)) == NULL)
		goto fail;
	if (!X509_set_version(x, X509_VERSION_3) || !random_serial(x) ||
	    !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name) ||
	    !X509_set_pubkey(x, key) ||
	    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)sp->not_before) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)sp->not_after) == NULL)
		goto fail;
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	if (!make_exts(sp, key, &ctx, x, NULL))
		goto fail;
	if (X509_sign(x, signer, key_sign_digest(signer)) <= 0) {
		*why = "signing the certificate failed";
		goto fail;
	}
	X509_NAME_free(name);
	return x;
fail:
	X509_NAME_free(name);
	X509_free(x);
	return NULL;
}

X509_REQ *
csr_build(const struct cert_spec *sp, EVP_PKEY *key, const char **why)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509V3_CTX ctx;
	X509_NAME *name = NULL;
	X509_REQ *req = NULL;

	if (!cert_spec_check(sp, why))
		return NULL;
	*why = "cannot build the request";
	if ((req = X509_REQ_new()) == NULL || (name = make_name(sp)) == NULL)
		goto fail;
	if (!X509_REQ_set_version(req, 0) ||
	    !X509_REQ_set_subject_name(req, name) ||
	    !X509_REQ_set_pubkey(req, key))
		goto fail;
	X509V3_set_ctx(&ctx, NULL, NULL, req, NULL, 0);
	if (!make_exts(sp, key, &ctx, NULL, &exts) ||
	    !X509_REQ_add_extensions(req, exts))
		goto fail;
	if (X509_REQ_sign(req, key, key_sign_digest(key)) <= 0) {
		*why = "signing the request failed";
		goto fail;
	}
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	return req;
fail:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return NULL;
}

X509_REQ *
csr_from_cert(X509 *x, EVP_PKEY *key, const char **why)
{
	static const int nids[] = { NID_basic_constraints, NID_key_usage,
	    NID_ext_key_usage, NID_subject_alt_name };
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_REQ *req = X509_REQ_new();
	size_t	i;
	int	idx;

	*why = "cannot build the request";
	if (req == NULL || !X509_REQ_set_version(req, 0) ||
	    !X509_REQ_set_subject_name(req, X509_get_subject_name(x)) ||
	    !X509_REQ_set_pubkey(req, key))
		goto fail;
	for (i = 0; i < sizeof(nids) / sizeof(nids[0]); i++) {
		idx = X509_get_ext_by_NID(x, nids[i], -1);
		if (idx >= 0 && X509v3_add_ext(&exts, X509_get_ext(x, idx),
		    -1) == NULL)
			goto fail;
	}
	if (exts != NULL && !X509_REQ_add_extensions(req, exts))
		goto fail;
	if (X509_REQ_sign(req, key, key_sign_digest(key)) <= 0) {
		*why = "signing the request failed";
		goto fail;
	}
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return req;
fail:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	return NULL;
}
