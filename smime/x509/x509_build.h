/*
 * x509_build - key generation, certificates and certificate requests.
 *
 * key_generate() makes RSA 2048/3072/4096, ECDSA P-256/P-384 or Ed25519
 * keys (OpenSSL 3 EVP_PKEY_Q_keygen). cert_build() makes a certificate
 * from a struct cert_spec, self-signed (issuer NULL) or signed by an
 * issuer certificate and key; csr_build() makes a PKCS#10 request that
 * asks for the same names and extensions.
 *
 * Extensions: end-entity certificates get basicConstraints CA:FALSE,
 * subjectKeyIdentifier, authorityKeyIdentifier, a critical keyUsage and
 * an extendedKeyUsage; S/MIME (RFC 5750 4.4.2): digitalSignature,
 * nonRepudiation and keyEncipherment (RSA) or keyAgreement (EC), EKU
 * emailProtection; TLS: digitalSignature (+ keyEncipherment for RSA), EKU
 * serverAuth and clientAuth. spec->key_usage overrides the key usage bits
 * (tests make certificates that forbid encryption); spec->ca makes a CA.
 * SAN e-mail addresses and DNS names are checked (cert_valid_email,
 * cert_valid_fqdn) and built as GeneralNames, never from strings that
 * OpenSSL would parse.
 *
 * Errors: NULL with a static reason in *why. Returned objects are the
 * caller's (EVP_PKEY_free, X509_free, X509_REQ_free).
 */
#ifndef GW_X509_BUILD_H
#define GW_X509_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

enum key_alg { KEY_RSA2048, KEY_RSA3072, KEY_RSA4096, KEY_P256, KEY_P384,
	       KEY_ED25519 };

/* Names: rsa2048 rsa3072 rsa4096 p256 p384 ed25519. */
bool	key_alg_parse(const char *, enum key_alg *);
const char *key_alg_name(enum key_alg);
EVP_PKEY *key_generate(enum key_alg, const char **why);

#define CERT_SPEC_DEFAULT_KU (-1L)

struct cert_spec {
	const char	*cn, *org, *ou, *locality, *state, *country;
	const char	*const *emails;	/* SAN rfc822Name */
	size_t		nemails;
	const char	*const *dns;	/* SAN dNSName */
	size_t		ndns;
	int64_t		not_before, not_after;
	bool		smime;
	bool		ca;
	long		key_usage;	/* CERT_SPEC_DEFAULT_KU, or KU_* bits; 0 = none */
};

/* Checks the names of spec; false with a reason. */
bool	cert_spec_check(const struct cert_spec *, const char **why);
X509	*cert_build(const struct cert_spec *, EVP_PKEY *key, X509 *issuer,
	    EVP_PKEY *issuer_key, const char **why);
X509_REQ *csr_build(const struct cert_spec *, EVP_PKEY *key, const char **why);
/* A request for the subject and the extensions (basic constraints, key
 * usage, extended key usage, subject alternative names) of x, signed by
 * key (which must be x's). */
X509_REQ *csr_from_cert(X509 *, EVP_PKEY *key, const char **why);
/* Signs with the digest that suits the key (SHA-256, SHA-384 for P-384,
 * none for Ed25519). */
const EVP_MD *key_sign_digest(EVP_PKEY *);

#endif
