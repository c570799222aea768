/*
 * revoke_ocsp - one OCSP request and its response (RFC 6960), through
 * OpenSSL's OCSP API; see revoke_int.h and revoke.h for the rules.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "lib/xalloc.h"
#include "smime/revoke/revoke_int.h"
#include "smime/x509/cert_info.h"

char *
ocsp_url(X509 *x, const char *override)
{
	STACK_OF(OPENSSL_STRING) *urls;
	char	*url = NULL;
	int	i;

	if (override != NULL)
		return x_strdup(override);
	if ((urls = X509_get1_ocsp(x)) == NULL)
		return NULL;
	for (i = 0; i < sk_OPENSSL_STRING_num(urls) && url == NULL; i++) {
		const char *u = sk_OPENSSL_STRING_value(urls, i);

		if (strncasecmp(u, "http://", 7) == 0 && strlen(u) < 2048)
			url = x_strdup(u);
	}
	X509_email_free(urls);
	return url;
}

static void
hex(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t	i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

bool
ocsp_key(X509 *x, X509 *issuer, char *buf, size_t size)
{
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, x, issuer);
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char	h[2 * EVP_MAX_MD_SIZE + 1];
	int	len;
	bool	good = false;

	if (id != NULL && (len = i2d_OCSP_CERTID(id, &der)) > 0 &&
	    EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) == 1) {
		hex(md, mdlen, h);
		good = (size_t)snprintf(buf, size, "ocsp:%s", h) < size;
	}
	OPENSSL_free(der);
	OCSP_CERTID_free(id);
	return good;
}

/* The response's signature and who signed it: the issuer, or a
 * responder the issuer certified for OCSP signing. The issuer is the
 * only trust anchor; OCSP_NOEXPLICIT keeps OpenSSL from taking any
 * signer that chains to a self-signed issuer. */
static bool
signer_ok(OCSP_BASICRESP *bs, X509 *issuer, int64_t now, char *why,
    size_t whysz)
{
	X509_STORE *st = X509_STORE_new();
	STACK_OF(X509) *certs = sk_X509_new_null();
	unsigned long e;
	bool	good = false;

	if (st == NULL || certs == NULL || X509_STORE_add_cert(st, issuer) != 1 ||
	    !sk_X509_push(certs, issuer)) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(st), (time_t)now);
	ERR_clear_error();
	if (OCSP_basic_verify(bs, certs, st, OCSP_NOEXPLICIT |
	    OCSP_PARTIAL_CHAIN) == 1)
		good = true;
	else {
		e = ERR_peek_last_error();
		snprintf(why, whysz, "the response is not signed by the issuer "
		    "or a responder it authorised (%s)", e != 0 ?
		    ERR_reason_error_string(e) : "verification failed");
	}
out:
	ERR_clear_error();
	sk_X509_free(certs);	/* the issuer stays the caller's */
	X509_STORE_free(st);
	return good;
}

static bool
asn1_time(const ASN1_GENERALIZEDTIME *t, int64_t *out)
{
	if (t == NULL) {
		*out = 0;
		return true;
	}
	return cert_time(t, out);
}

bool
ocsp_from_der(const unsigned char *der, size_t len, X509 *x, X509 *issuer,
    OCSP_REQUEST *req, int64_t now, int64_t max_age, struct rev_result *res,
    char *why, size_t whysz)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	int	rstatus, status = -1, reason = -1;
	bool	good = false;

	memset(res, 0, sizeof(*res));
	res->reason = -1;
	if (len > REV_OCSP_MAX || (resp = d2i_OCSP_RESPONSE(NULL, &p,
	    (long)len)) == NULL || p != der + len) {
		snprintf(why, whysz, "not an OCSP response");
		goto out;
	}
	if ((rstatus = OCSP_response_status(resp)) !=
	    OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(why, whysz, "the responder says %s",
		    OCSP_response_status_str(rstatus));
		goto out;
	}
	if ((bs = OCSP_response_get1_basic(resp)) == NULL) {
		snprintf(why, whysz, "not a basic OCSP response");
		goto out;
	}
	if (req != NULL && OCSP_check_nonce(req, bs) == 0) {
		snprintf(why, whysz, "the response's nonce is not the one sent "
		    "(a replayed answer?)");
		goto out;
	}
	if (!signer_ok(bs, issuer, now, why, whysz))
		goto out;
	if ((id = OCSP_cert_to_id(NULL, x, issuer)) == NULL) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	if (OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd,
	    &nextupd) != 1) {
		snprintf(why, whysz, "the response is about other certificates");
		goto out;
	}
	if (!asn1_time(thisupd, &res->this_update) ||
	    !asn1_time(nextupd, &res->next_update) ||
	    !asn1_time(rev, &res->revoked_at)) {
		snprintf(why, whysz, "unreadable dates in the response");
		goto out;
	}
	if (!rev_times_ok("OCSP response", res->this_update, res->next_update,
	    now, max_age, why, whysz))
		goto out;
	switch (status) {
	case V_OCSP_CERTSTATUS_GOOD:
		res->status = REV_GOOD;
		break;
	case V_OCSP_CERTSTATUS_REVOKED:
		res->status = REV_REVOKED;
		res->reason = reason;
		break;
	default:
		res->status = REV_UNKNOWN;
		break;
	}
	res->der = x_malloc(len);
	memcpy(res->der, der, len);
	res->len = len;
	good = true;
out:
	OCSP_CERTID_free(id);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
	return good;
}

bool
ocsp_fetch(const struct rev_io *io, const char *url, X509 *x, X509 *issuer,
    unsigned timeout_ms, int64_t now, int64_t max_age, struct rev_result *res,
    char *why, size_t whysz)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, x, issuer);
	unsigned char *body = NULL, *out = NULL;
	char	err[400];
	size_t	outlen = 0;
	int	len;
	bool	good = false;

	memset(res, 0, sizeof(*res));
	if (req == NULL || id == NULL || OCSP_request_add0_id(req, id) == NULL) {
		OCSP_CERTID_free(id);
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	if (OCSP_request_add1_nonce(req, NULL, -1) != 1 ||
	    (len = i2d_OCSP_REQUEST(req, &body)) <= 0) {
		snprintf(why, whysz, "cannot make the OCSP request");
		goto out;
	}
	if (!io->fetch(io->arg, url, body, (size_t)len, timeout_ms,
	    REV_OCSP_MAX, &out, &outlen, err, sizeof(err))) {
		snprintf(why, whysz, "OCSP %s: %s", url, err);
		goto out;
	}
	if (!ocsp_from_der(out, outlen, x, issuer, req, now, max_age, res, err,
	    sizeof(err))) {
		snprintf(why, whysz, "OCSP %s: %s", url, err);
		goto out;
	}
	good = true;
out:
	OPENSSL_free(body);
	free(out);
	OCSP_REQUEST_free(req);
	ERR_clear_error();
	return good;
}
