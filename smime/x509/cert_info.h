/*
 * cert_info - the facts gatewarden needs from one X.509 certificate.
 *
 * cert_info_from_x509() reads a certificate into a struct cert_info: the
 * SHA-256 fingerprint, subject, issuer, serial, validity, the e-mail
 * addresses (SAN rfc822Name, and the subject's emailAddress) and domains
 * (SAN dNSName, "*.example.net" wildcards kept as written), key usage,
 * extended key usage, the key's type and whether the certificate may be
 * used to encrypt to (RFC 5750 section 4.4.2) and to verify signatures.
 * Addresses and domains are lower-cased; names that are not plausible
 * (too long, control characters, no '@') are skipped, never trusted.
 *
 * Functions return false with a static reason in *why on failure; a
 * struct cert_info is released with cert_info_clear() (safe on a zeroed or
 * already cleared struct). cert_time() converts an ASN1_TIME.
 *
 * cert_key_can_encrypt()/cert_key_can_verify() hold the RFC 5750 rules so
 * that the key store, the CLI and the S/MIME code apply the same ones:
 * RSA needs keyEncipherment when keyUsage is present, EC needs
 * keyAgreement, Ed25519/Ed448/DSA keys cannot be encrypted to; an
 * extendedKeyUsage, when present, must allow emailProtection (or any).
 */
#ifndef GW_CERT_INFO_H
#define GW_CERT_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#define CERT_MAX_DER	(64 * 1024)	/* larger certificates are refused */
#define CERT_MAX_NAMES	256		/* SAN entries kept per certificate */
#define CERT_NO_KEY_USAGE (-1L)

enum cert_key_type { CERT_KEY_OTHER, CERT_KEY_RSA, CERT_KEY_EC,
		     CERT_KEY_ED25519, CERT_KEY_ED448 };

struct cert_info {
	char		fingerprint[65];	/* SHA-256 of the DER, lower-case hex */
	char		*subject;	/* one line, RFC 2253 */
	char		*issuer;
	char		*common_name;	/* NULL when none, or with a NUL or control character */
	char		*serial;	/* upper-case hex */
	int64_t		not_before, not_after;	/* seconds since the epoch, UTC */
	long		key_usage;	/* KU_* bits of openssl/x509v3.h, or CERT_NO_KEY_USAGE */
	bool		eku_present, eku_email;	/* eku_email: emailProtection or anyExtendedKeyUsage */
	enum cert_key_type key_type;
	int		key_bits;
	bool		self_signed;
	bool		is_ca;
	bool		can_encrypt;
	bool		can_verify;
	char		**emails;
	size_t		nemails;
	char		**domains;
	size_t		ndomains;
};

bool	cert_info_from_x509(X509 *, struct cert_info *, const char **why);
/* Parses DER (at most CERT_MAX_DER bytes) into info; *x509 receives the
 * certificate when x509 is not NULL (caller frees with X509_free). */
bool	cert_info_from_der(const unsigned char *, size_t, struct cert_info *,
	    X509 **x509, const char **why);
void	cert_info_clear(struct cert_info *);

bool	cert_time(const ASN1_TIME *, int64_t *);
bool	cert_key_can_encrypt(enum cert_key_type, long key_usage,
	    bool eku_present, bool eku_email);
bool	cert_key_can_verify(long key_usage, bool eku_present, bool eku_email);
/* name as one line (RFC 2253, UTF-8 unescaped) in buf, cut to size. */
void	cert_name_line(const X509_NAME *, char *buf, size_t size);
/* "RSA 2048", "EC P-256", "Ed25519" ...: a static string or buf. */
const char *cert_key_desc(const struct cert_info *, char *buf, size_t);

/* True when s is a syntactically valid fully qualified domain name: LDH
 * labels of 1..63 characters, no leading/trailing hyphen, at least two
 * labels, at most 253 characters; a trailing dot is allowed. When
 * wildcard is true a leading "*." label is accepted as well. */
bool	cert_valid_fqdn(const char *, bool wildcard);
/* True when s looks like local@domain with a valid domain. */
bool	cert_valid_email(const char *);

#endif
