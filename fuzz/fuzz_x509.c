/*
 * fuzz_x509 - the certificate and key readers of smime/x509 over any
 * bytes: PEM and DER certificates (certs_parse, cert_info_from_der),
 * PEM private keys (key_parse) and PKCS#12 (p12_check_pass).
 *
 * Input: one byte picks the reader (mod 4), the rest is its input.
 *   0  certs_parse: every certificate read goes through
 *      cert_info_from_x509; their PEM (certs_pem) reads back as the same
 *      certificates, in order;
 *   1  cert_info_from_der (at most CERT_MAX_DER bytes);
 *   2  key_parse with the passphrase "fuzz": a key read writes out
 *      (key_pem) and reads back as the same key;
 *   3  d2i_PKCS12, then p12_check_pass with "fuzz" and with no passphrase.
 * Invariants: the facts of a certificate are what cert_info.h promises
 * (a 64-digit fingerprint; subject, issuer, common name and serial on one
 * line without control characters, since they go into logs and header
 * fields; e-mail addresses and domains lower-case and valid; can_encrypt
 * and can_verify as the RFC 5750 rules say); a PKCS#12 verdict is one of
 * the documented ones and leaves OpenSSL's error queue empty.
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "fuzz/fuzz.h"
#include "smime/x509/cert_info.h"
#include "smime/x509/p12_open.h"
#include "smime/x509/pem_io.h"

#define FUZZ_X509_MAX	(64u << 10)
#define FAIL(...)	fuzz_fail("x509", __VA_ARGS__)

static void
check_text(const char *what, const char *s)
{
	const unsigned char *p;

	if (s == NULL)
		return;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			FAIL("%s holds byte 0x%02x: %s", what, *p, s);
}

static void
check_lower(const char *what, const char *s)
{
	for (; *s != '\0'; s++)
		if (isupper((unsigned char)*s))
			FAIL("%s is not lower-case", what);
}

static void
check_info(const struct cert_info *ci)
{
	size_t	i;

	if (strlen(ci->fingerprint) != 64 ||
	    strspn(ci->fingerprint, "0123456789abcdef") != 64)
		FAIL("fingerprint '%s'", ci->fingerprint);
	if (ci->subject == NULL || ci->issuer == NULL || ci->serial == NULL)
		FAIL("a certificate without subject, issuer or serial");
	check_text("subject", ci->subject);
	check_text("issuer", ci->issuer);
	check_text("common name", ci->common_name);
	if (strspn(ci->serial, "0123456789ABCDEF-") != strlen(ci->serial))
		FAIL("serial '%s'", ci->serial);
	for (i = 0; i < ci->nemails; i++) {
		check_text("e-mail address", ci->emails[i]);
		check_lower("e-mail address", ci->emails[i]);
		if (!cert_valid_email(ci->emails[i]))
			FAIL("e-mail address '%s' kept", ci->emails[i]);
	}
	for (i = 0; i < ci->ndomains; i++) {
		check_text("domain", ci->domains[i]);
		check_lower("domain", ci->domains[i]);
		if (!cert_valid_fqdn(ci->domains[i], true))
			FAIL("domain '%s' kept", ci->domains[i]);
	}
	if (ci->nemails > CERT_MAX_NAMES || ci->ndomains > CERT_MAX_NAMES)
		FAIL("%zu addresses, %zu domains kept", ci->nemails,
		    ci->ndomains);
	if (ci->can_encrypt != cert_key_can_encrypt(ci->key_type,
	    ci->key_usage, ci->eku_present, ci->eku_email) ||
	    ci->can_verify != cert_key_can_verify(ci->key_usage,
	    ci->eku_present, ci->eku_email))
		FAIL("can_encrypt/can_verify disagree with the RFC 5750 rules");
}

static void
read_certs(const uint8_t *d, size_t n)
{
	struct io_err e = { 0 };
	STACK_OF(X509) *a, *b;
	struct cert_info ci, cj;
	const char *why;
	char	*pem;
	size_t	len;
	int	i;

	if ((a = certs_parse(d, n, "fuzz", &e)) == NULL) {
		if (e.msg[0] == '\0')
			FAIL("certs_parse failed without saying why");
		return;
	}
	if (sk_X509_num(a) == 0)
		FAIL("an empty list is not an error");
	if ((pem = certs_pem(a, &len)) == NULL)
		FAIL("certs_pem failed");
	if ((b = certs_parse((unsigned char *)pem, len, "again", &e)) == NULL ||
	    sk_X509_num(b) != sk_X509_num(a))
		FAIL("the PEM written does not read back: %s", e.msg);
	for (i = 0; i < sk_X509_num(a); i++) {
		memset(&ci, 0, sizeof(ci));
		memset(&cj, 0, sizeof(cj));
		if (!cert_info_from_x509(sk_X509_value(a, i), &ci, &why))
			continue;
		check_info(&ci);
		if (!cert_info_from_x509(sk_X509_value(b, i), &cj, &why) ||
		    strcmp(ci.fingerprint, cj.fingerprint) != 0)
			FAIL("certificate %d changed through PEM", i);
		cert_info_clear(&ci);
		cert_info_clear(&cj);
	}
	free(pem);
	sk_X509_pop_free(a, X509_free);
	sk_X509_pop_free(b, X509_free);
}

static void
read_der(const uint8_t *d, size_t n)
{
	struct cert_info ci = { 0 };
	const char *why = NULL;
	X509	*x = NULL;

	if (!cert_info_from_der(d, n, &ci, &x, &why)) {
		if (why == NULL || x != NULL)
			FAIL("cert_info_from_der failed without a reason");
		return;
	}
	if (x == NULL)
		FAIL("cert_info_from_der gave no certificate");
	check_info(&ci);
	cert_info_clear(&ci);
	X509_free(x);
}

static void
read_key(const uint8_t *d, size_t n)
{
	struct io_err e = { 0 };
	EVP_PKEY *k, *k2;
	char	*pem;
	size_t	len;

	if ((k = key_parse(d, n, "fuzz", "fuzz", &e)) == NULL)
		return;
	if ((pem = key_pem(k, &len)) == NULL)
		FAIL("key_pem failed");
	if ((k2 = key_parse((unsigned char *)pem, len, NULL, "again",
	    &e)) == NULL || EVP_PKEY_eq(k, k2) != 1)
		FAIL("the key written does not read back: %s", e.msg);
	if (!pem_has_private_key((unsigned char *)pem, len) ||
	    pem_has_encrypted_key((unsigned char *)pem, len))
		FAIL("the unencrypted key written is not seen as one");
	free(pem);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

static void
read_p12(const uint8_t *d, size_t n)
{
	const unsigned char *p = d;
	PKCS12	*p12;
	enum p12_pass r;
	int	i;

	if ((p12 = d2i_PKCS12(NULL, &p, (long)n)) == NULL) {
		ERR_clear_error();
		return;
	}
	for (i = 0; i < 2; i++) {
		ERR_clear_error();
		r = p12_check_pass(p12, i == 0 ? "fuzz" : NULL);
		if ((unsigned)r > P12_WRONG_OR_DAMAGED ||
		    p12_pass_problem(r) == NULL)
			FAIL("p12_check_pass gave %d", (int)r);
		if (ERR_peek_error() != 0)
			FAIL("p12_check_pass left errors in OpenSSL's queue");
	}
	PKCS12_free(p12);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > FUZZ_X509_MAX)
		return 0;
	switch (data[0] % 4) {
	case 0:
		read_certs(data + 1, size - 1);
		break;
	case 1:
		read_der(data + 1, size - 1);
		break;
	case 2:
		read_key(data + 1, size - 1);
		break;
	case 3:
		read_p12(data + 1, size - 1);
		break;
	}
	ERR_clear_error();
	return 0;
}
