/*
 * p12_build - a PKCS#12 file that both OpenSSL 3 and gpgsm read.
 *
 * The private key is a PKCS#8 shrouded key bag encrypted with PBES2:
 * PBKDF2 with its default PRF (HMAC-SHA1, which every reader knows; GnuPG
 * 2.2 refuses the explicit HMAC-SHA256 PRF that OpenSSL's PKCS12_create()
 * writes) and AES-256-CBC, or AES-128-CBC with aes128 (GnuPG 2.2's gpgsm
 * decrypts only AES-128 in a PBES2 key bag). The certificates (public) are not encrypted.
 * The whole is authenticated with an HMAC-SHA256 MAC. The leaf and the key
 * carry the same localKeyID and the friendly name.
 *
 * Returns NULL when out of memory or on an encoding failure; the caller
 * frees with PKCS12_free().
 */
#ifndef GW_P12_BUILD_H
#define GW_P12_BUILD_H

#include <stdbool.h>

#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#define P12_ITER	10000

PKCS12	*p12_build(const char *pass, const char *name, EVP_PKEY *key,
	    X509 *cert, STACK_OF(X509) *chain, bool aes128);

#endif
