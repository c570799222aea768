/*
 * test_outbound - the engine's decisions and edit list (smime/outbound):
 * header deletions (every MIME field, per name highest index first) and
 * additions, missing-key actions (bounce text, drop, split, clear), the
 * sign-only case, and temporary errors. Keys are made in memory.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "smime/outbound.h"
#include "t/tap.h"

static EVP_PKEY *key;
static X509 *cert;

static void
make_key(void)
{
	X509_NAME *n;

	key = EVP_RSA_gen(2048);
	cert = X509_new();
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
	X509_set_pubkey(cert, key);
	n = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"test", -1, -1, 0);
	X509_set_issuer_name(cert, n);
	X509_sign(cert, key, EVP_sha256());
}

static const struct mime_header hdrs[] = {
	{ "From", "a@example.org" },
	{ "Content-Type", "text/plain" },
	{ "Subject", "s" },
	{ "MIME-Version", "1.0" },
	{ "content-type", "text/html" },	/* a second one, other case */
	{ "Content-Disposition", "inline" },
};

static struct outbound_result *
run(const struct sending_profile *p, struct smime_signer *s,
    const struct outbound_recipient *r, size_t nr, struct smime_err *err)
{
	FILE	*body = tmpfile(), *out = tmpfile();
	struct outbound_request rq = { p, s, NULL, r, nr, hdrs,
	    sizeof(hdrs) / sizeof(hdrs[0]), body, out };
	struct outbound_result *res = NULL;

	fputs("hello\n", body);
	fflush(body);
	smime_err_clear(err);
	if (outbound_process(&rq, &res, err) == 0 && res->action ==
	    OUTBOUND_REPLACE && res->size_out == 0)
		diag("no body written");
	fclose(body);
	fclose(out);
	return res;
}

static void
test_edits(struct smime_signer *s)
{
	struct sending_profile p = { .name = "p", .mode = SMIME_SIGN };
	struct smime_err err;
	struct outbound_result *r = run(&p, s, NULL, 0, &err);
	char	got[512] = "";
	size_t	i;
	static const char ct_signed[] = "multipart/signed; "
	    "protocol=\"application/pkcs7-signature\"; micalg=sha-256; "
	    "boundary=\"";

	if (!ok(r != NULL, "sign: processed (%s)", err.msg))
		return;
	for (i = 0; i < r->edits.ndel; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s/%u",
		    i ? " " : "", r->edits.del[i].name, r->edits.del[i].index);
	is_string(got, "Content-Type/2 Content-Type/1 MIME-Version/1 "
	    "Content-Disposition/1", "deletions: MIME fields, highest index first");
	got[0] = '\0';
	for (i = 0; i < r->edits.nadd; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
		    i ? " " : "", r->edits.add[i].name);
	is_string(got, "MIME-Version Content-Type", "additions for detached");
	ok(r->edits.nadd > 1 && strncmp(r->edits.add[1].value, ct_signed,
	    strlen(ct_signed)) == 0, "Content-Type: %s",
	    r->edits.nadd > 1 ? r->edits.add[1].value : "none");
	is_int(r->action, OUTBOUND_REPLACE, "action replace");
	ok(r->size_in == 6 && r->size_out > 1000, "sizes in %llu, out %llu",
	    r->size_in, r->size_out);
	ok(strstr(r->log, "profile=p mode=sign sign_mode=detached") == r->log &&
	    strstr(r->log, "size_in=6 ") != NULL, "log: %s", r->log);
	outbound_result_free(r);

	p.sign_mode = SIGN_OPAQUE;
	r = run(&p, s, NULL, 0, &err);
	got[0] = '\0';
	for (i = 0; r != NULL && i < r->edits.nadd; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s: %s",
		    i ? "|" : "", r->edits.add[i].name, r->edits.add[i].value);
	is_string(got, "MIME-Version: 1.0|Content-Type: application/pkcs7-mime; "
	    "smime-type=signed-data; name=\"smime.p7m\"|"
	    "Content-Transfer-Encoding: base64|"
	    "Content-Disposition: attachment; filename=\"smime.p7m\"",
	    "additions for opaque");
	outbound_result_free(r);
}

static void
test_missing(struct smime_signer *s)
{
	struct outbound_recipient rc[40];
	char	names[40][64];
	struct sending_profile p = { .name = "p", .mode = SMIME_ENCRYPT };
	struct smime_err err;
	struct outbound_result *r;
	size_t	i;

	rc[0].address = "has@partner.test";
	rc[0].cert = cert;
	rc[1].address = "no%key\r\n@partner.test";
	rc[1].cert = NULL;

	p.missing_key = MISSING_BOUNCE;
	r = run(&p, s, rc, 2, &err);
	ok(r && r->action == OUTBOUND_REJECT && strcmp(r->reply_code, "554") == 0 &&
	    strcmp(r->reply_xcode, "5.7.1") == 0, "bounce: 554 5.7.1 reject");
	is_string(r ? r->reply_text : NULL,
	    "No S/MIME key for recipient: nokey@partner.test",
	    "bounce text without %%, CR, LF");
	outbound_result_free(r);

	for (i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]),
		    "recipient-number-%02zu@partner.test", i);
		rc[i].address = names[i];
		rc[i].cert = NULL;
	}
	r = run(&p, s, rc, 40, &err);
	ok(r && strlen(r->reply_text) <= 420 &&
	    strstr(r->reply_text, " and 30 more") != NULL,
	    "bounce text bounded: %s", r ? r->reply_text : "none");
	outbound_result_free(r);

	rc[0].address = "has@partner.test";
	rc[0].cert = cert;
	p.missing_key = MISSING_DROP;
	r = run(&p, s, rc, 3, &err);
	ok(r && r->action == OUTBOUND_DISCARD && r->nmissing == 2,
	    "drop: discard, 2 missing");
	outbound_result_free(r);

	p.missing_key = MISSING_SPLIT;
	r = run(&p, s, rc, 3, &err);
	ok(r && r->action == OUTBOUND_REPLACE && r->nclear == 2 &&
	    strcmp(r->clear[0], names[1]) == 0 &&
	    strcmp(r->clear[1], names[2]) == 0, "split: replace, 2 in clear");
	ok(r && strstr(r->log, "encrypted_to=has@partner.test ") != NULL,
	    "split: log names the encrypted recipient");
	outbound_result_free(r);

	r = run(&p, s, rc + 1, 2, &err);
	ok(r && r->action == OUTBOUND_CLEAR && r->nclear == 2,
	    "split, no key at all: clear");
	outbound_result_free(r);

	p.mode = SMIME_SIGN;
	p.missing_key = MISSING_BOUNCE;
	r = run(&p, s, rc + 1, 2, &err);
	ok(r && r->action == OUTBOUND_REPLACE && r->nmissing == 0,
	    "sign only: missing keys ignored");
	outbound_result_free(r);
}

static void
test_errors(struct smime_signer *s)
{
	struct sending_profile p = { .name = "p", .mode = SMIME_SIGN_ENCRYPT };
	struct outbound_recipient rc = { "has@partner.test", NULL };
	struct smime_err err;
	struct outbound_result *r;
	FILE	*body = tmpfile(), *out = tmpfile();
	struct outbound_request rq = { &p, NULL, NULL, &rc, 1, hdrs, 2, body,
	    out };

	rc.cert = cert;
	smime_err_clear(&err);
	ok(outbound_process(&rq, &r, &err) < 0 && r == NULL &&
	    err.status == SMIME_TEMP && strstr(err.msg, "signing key") != NULL,
	    "signing mode without a signer: temporary (%s)", err.msg);
	(void)s;
	fclose(body);
	fclose(out);
}

int
main(void)
{
	struct smime_signer s = { 0 };

	plan_lazy();
	make_key();
	s.cert = cert;
	s.key = key;
	s.chain = sk_X509_new_null();
	smime_cert_fingerprint(cert, s.fingerprint);
	test_edits(&s);
	test_missing(&s);
	test_errors(&s);
	sk_X509_free(s.chain);
	X509_free(cert);
	EVP_PKEY_free(key);
	return done_testing();
}
