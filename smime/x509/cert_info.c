/*
 * cert_info - see cert_info.h.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "lib/xalloc.h"
#include "smime/x509/cert_info.h"

#define NAME_MAX_LEN 320

bool
cert_time(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;
	time_t	v;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return false;
	v = timegm(&tm);
	if (v == (time_t)-1)
		return false;
	*out = (int64_t)v;
	return true;
}

bool
cert_valid_fqdn(const char *s, bool wildcard)
{
	size_t	len = strlen(s), label = 0, labels = 0, i;

	/* A wildcard is only the whole left-most label (RFC 6125 6.4.3);
	 * what follows must itself be a name of two labels or more, so
	 * that "*.com" is refused. */
	if (wildcard && strncmp(s, "*.", 2) == 0) {
		s += 2;
		len -= 2;
	}
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)s[i] : '.';

		if (c == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			labels++;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-')
			return false;
		if (c == '-' && label == 0)
			return false;
		label++;
	}
	return labels >= 2;
}

bool
cert_valid_email(const char *s)
{
	const char *at = strrchr(s, '@');
	size_t	i;

	if (at == NULL || at == s || strlen(s) > NAME_MAX_LEN)
		return false;
	for (i = 0; s + i < at; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == ',' || c == '<' ||
		    c == '>' || c == '"' || c == '\\' || c == '@')
			return false;
	}
	return cert_valid_fqdn(at + 1, false);
}

bool
cert_key_can_encrypt(enum cert_key_type type, long ku, bool eku_present,
    bool eku_email)
{
	if (eku_present && !eku_email)
		return false;
	switch (type) {
	case CERT_KEY_RSA:
		return ku == CERT_NO_KEY_USAGE || (ku & KU_KEY_ENCIPHERMENT);
	case CERT_KEY_EC:
		return ku == CERT_NO_KEY_USAGE || (ku & KU_KEY_AGREEMENT);
	default:
		return false;
	}
}

bool
cert_key_can_verify(long ku, bool eku_present, bool eku_email)
{
	if (eku_present && !eku_email)
		return false;
	return ku == CERT_NO_KEY_USAGE ||
	    (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION));
}

const char *
cert_key_desc(const struct cert_info *ci, char *buf, size_t sz)
{
	switch (ci->key_type) {
	case CERT_KEY_RSA:
		snprintf(buf, sz, "RSA %d", ci->key_bits);
		return buf;
	case CERT_KEY_EC:
		snprintf(buf, sz, "EC %d", ci->key_bits);
		return buf;
	case CERT_KEY_ED25519:
		return "Ed25519";
	case CERT_KEY_ED448:
		return "Ed448";
	default:
		return "other";
	}
}

static char *
name_oneline(const X509_NAME *name)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*data, *s;
	long	len;

	if (b == NULL)
		return x_strdup("");
	X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_get_mem_data(b, &data);
	s = x_strndup(data, len > 0 ? (size_t)len : 0);
	BIO_free(b);
	return s;
}

void
cert_name_line(const X509_NAME *name, char *buf, size_t size)
{
	char	*s = name_oneline(name);

	snprintf(buf, size, "%s", s);
	free(s);
}

/* Copies an IA5String name if it is printable and short; lower-cased. */
static char *
name_copy(const unsigned char *p, int len)
{
	char	*s;
	int	i;

	if (p == NULL || len <= 0 || len > NAME_MAX_LEN)
		return NULL;
	for (i = 0; i < len; i++)
		if (p[i] <= ' ' || p[i] >= 0x7f)
			return NULL;
	s = x_strndup((const char *)p, (size_t)len);
	for (i = 0; i < len; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	return s;
}

static void
list_add(char ***v, size_t *n, char *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0) {
			free(s);
			return;
		}
	if (*n >= CERT_MAX_NAMES) {
		free(s);
		return;
	}
	*v = x_reallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = s;
}

/* No NUL, no control character (C0 or DEL) in the n bytes of s. */
static bool
clean_text(const unsigned char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static void
read_names(X509 *x, struct cert_info *ci)
{
	GENERAL_NAMES *san;
	X509_NAME *subj = X509_get_subject_name(x);
	int	i, idx;

	san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; san != NULL && i < sk_GENERAL_NAME_num(san); i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(san, i);
		char	*s;

		if (gn->type == GEN_EMAIL) {
			s = name_copy(ASN1_STRING_get0_data(gn->d.rfc822Name),
			    ASN1_STRING_length(gn->d.rfc822Name));
			if (s != NULL && !cert_valid_email(s)) {
				free(s);
				s = NULL;
			}
			list_add(&ci->emails, &ci->nemails, s);
		} else if (gn->type == GEN_DNS) {
			s = name_copy(ASN1_STRING_get0_data(gn->d.dNSName),
			    ASN1_STRING_length(gn->d.dNSName));
			if (s != NULL && !cert_valid_fqdn(s, true)) {
				free(s);
				s = NULL;
			}
			list_add(&ci->domains, &ci->ndomains, s);
		}
	}
	GENERAL_NAMES_free(san);
	/* RFC 5750 4.4.3: the subject's emailAddress is still found in the
	 * wild; accept it as well. */
	idx = -1;
	while ((idx = X509_NAME_get_index_by_NID(subj, NID_pkcs9_emailAddress,
	    idx)) >= 0) {
		ASN1_STRING *d = X509_NAME_ENTRY_get_data(
		    X509_NAME_get_entry(subj, idx));
		char	*s = name_copy(ASN1_STRING_get0_data(d),
		    ASN1_STRING_length(d));

		if (s != NULL && !cert_valid_email(s)) {
			free(s);
			s = NULL;
		}
		list_add(&ci->emails, &ci->nemails, s);
	}
	idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
	if (idx >= 0) {
		unsigned char *utf8 = NULL;
		int	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
		    X509_NAME_get_entry(subj, idx)));

		/* Kept only when plausible: a NUL would cut it short, a
		 * control character would reach logs and reports. */
		if (n > 0 && n < 1024 && clean_text(utf8, (size_t)n))
			ci->common_name = x_strndup((char *)utf8, (size_t)n);
		OPENSSL_free(utf8);
	}
}

static void
read_key(X509 *x, struct cert_info *ci)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);

	ci->key_type = CERT_KEY_OTHER;
	if (pk == NULL)
		return;
	ci->key_bits = EVP_PKEY_get_bits(pk);
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		ci->key_type = CERT_KEY_RSA;
		break;
	case EVP_PKEY_EC:
		ci->key_type = CERT_KEY_EC;
		break;
	case EVP_PKEY_ED25519:
		ci->key_type = CERT_KEY_ED25519;
		break;
	case EVP_PKEY_ED448:
		ci->key_type = CERT_KEY_ED448;
		break;
	default:
		break;
	}
}

static void
read_usage(X509 *x, struct cert_info *ci)
{
	uint32_t ku = X509_get_key_usage(x);
	uint32_t xku = X509_get_extended_key_usage(x);

	ci->key_usage = ku == UINT32_MAX ? CERT_NO_KEY_USAGE : (long)ku;
	ci->eku_present = xku != UINT32_MAX;
	ci->eku_email = !ci->eku_present || (xku & (XKU_SMIME | XKU_ANYEKU));
	ci->is_ca = X509_check_ca(x) != 0 &&
	    (X509_get_extension_flags(x) & EXFLAG_CA);
	ci->self_signed = (X509_get_extension_flags(x) & EXFLAG_SS) != 0;
	ci->can_encrypt = cert_key_can_encrypt(ci->key_type, ci->key_usage,
	    ci->eku_present, ci->eku_email);
	ci->can_verify = cert_key_can_verify(ci->key_usage, ci->eku_present,
	    ci->eku_email);
}

bool
cert_info_from_x509(X509 *x, struct cert_info *ci, const char **why)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	const ASN1_INTEGER *serial;
	BIGNUM	*bn;
	char	*hex;

	memset(ci, 0, sizeof(*ci));
	/* X509_get_key_usage() and friends need the cached extensions;
	 * a certificate whose extensions do not parse is refused. */
	if (X509_check_purpose(x, -1, 0) != 1 ||
	    (X509_get_extension_flags(x) & EXFLAG_INVALID)) {
		*why = "certificate extensions do not parse";
		return false;
	}
	if (!X509_digest(x, EVP_sha256(), md, &mdlen) || mdlen != 32) {
		*why = "cannot compute the SHA-256 fingerprint";
		return false;
	}
	for (i = 0; i < mdlen; i++)
		snprintf(ci->fingerprint + 2 * i, 3, "%02x", md[i]);
	if (!cert_time(X509_get0_notBefore(x), &ci->not_before) ||
	    !cert_time(X509_get0_notAfter(x), &ci->not_after)) {
		*why = "certificate validity dates do not parse";
		return false;
	}
	serial = X509_get0_serialNumber(x);
	bn = ASN1_INTEGER_to_BN(serial, NULL);
	hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	ci->serial = x_strdup(hex != NULL ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
	ci->subject = name_oneline(X509_get_subject_name(x));
	ci->issuer = name_oneline(X509_get_issuer_name(x));
	read_key(x, ci);
	read_usage(x, ci);
	read_names(x, ci);
	return true;
}

bool
cert_info_from_der(const unsigned char *der, size_t len, struct cert_info *ci,
    X509 **out, const char **why)
{
	const unsigned char *p = der;
	X509	*x;

	memset(ci, 0, sizeof(*ci));
	if (len == 0 || len > CERT_MAX_DER) {
		*why = "certificate is empty or too large";
		return false;
	}
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len) {
		X509_free(x);
		*why = "not a DER certificate";
		return false;
	}
	if (!cert_info_from_x509(x, ci, why)) {
		X509_free(x);
		cert_info_clear(ci);
		return false;
	}
	if (out != NULL)
		*out = x;
	else
		X509_free(x);
	return true;
}

void
cert_info_clear(struct cert_info *ci)
{
	size_t	i;

	if (ci == NULL)
		return;
	for (i = 0; i < ci->nemails; i++)
		free(ci->emails[i]);
	for (i = 0; i < ci->ndomains; i++)
		free(ci->domains[i]);
	free(ci->emails);
	free(ci->domains);
	free(ci->subject);
	free(ci->issuer);
	free(ci->common_name);
	free(ci->serial);
	memset(ci, 0, sizeof(*ci));
}
