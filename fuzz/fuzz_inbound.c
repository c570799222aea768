/*
 * fuzz_inbound - the incoming S/MIME engine (smime/inbound.h) over any
 * message or CMS structure, with the organisation's keys (an RSA and an
 * EC certificate for rcpt@example.net) and a trusted CA that signed the
 * signer sender@example.org (fuzz/inbound_keys.c; the seeds were made with
 * them, so decryption and verification are reached).
 *
 * Input: one flags byte, then the data.
 *   bits 0-1  mode: 0 and 3 the data is a whole message; 1 the data is
 *             DER, sent as the base64 body of application/pkcs7-mime;
 *             2 the data is DER, the detached signature of a fixed
 *             text/plain part in a multipart/signed.
 *   bit 2     signature: remove (else retain)
 *   bits 3-4  on_failure: tag, quarantine, reject (3 is tag)
 *   bit 5     verify off;  bit 6  decrypt off
 *
 * Invariants: a bad message is a verdict, never an error (the keys are
 * loaded already, the work files can be made); verdict and action are
 * ones the header documents and fit each other (untouched: nothing
 * edited, verdict none; reject: no edits, a 5xx reply of one clean line;
 * quarantine: a reason; pass: a signer); every header value written is
 * free of CR, NUL and control characters, folded only with "\n\t"; the
 * log facts are one line; every harvested certificate is DER that
 * parses; a replaced entity needs no conversion for SMTP (when it is
 * well-formed MIME).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "fuzz/fuzz.h"
#include "fuzz/inbound_keys.h"
#include "lib/xalloc.h"
#include "smime/inbound.h"
#include "smime/mime/mime_transport.h"
#include "t/mime_roundtrip.h"

#define FUZZ_INBOUND_MAX	(256u << 10)
#define HEAD	"From: sender@example.org\r\nTo: rcpt@example.net\r\n" \
		"Subject: fuzz\r\nMIME-Version: 1.0\r\n"

static char	workdir[64];
static X509_STORE *trust;
static struct smime_certificate certs[2];
static struct smime_signer *keys[2];

#define FAIL(...)	fuzz_fail("inbound", __VA_ARGS__)

static void
write_file(const char *path, const char *a, const char *b)
{
	FILE	*f = fopen(path, "w");

	if (f == NULL || fputs(a, f) < 0 || (b != NULL && fputs(b, f) < 0) ||
	    fclose(f) != 0)
		FAIL("cannot write %s", path);
}

static void
cleanup(void)
{
	char	p[128];
	const char *n[] = { "rsa.pem", "ec.pem", "ca.pem" };
	size_t	i;

	for (i = 0; i < 2; i++)
		smime_signer_free(keys[i]);
	X509_STORE_free(trust);
	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", workdir, n[i]);
		unlink(p);
	}
	rmdir(workdir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct smime_err err = { 0 };
	char	p[128];
	size_t	i;

	(void)argc;
	(void)argv;
	snprintf(workdir, sizeof(workdir), "%s/gw-fuzz-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (strlen(workdir) + 16 > sizeof(workdir) || mkdtemp(workdir) == NULL)
		FAIL("mkdtemp %s failed", workdir);
	snprintf(p, sizeof(p), "%s/rsa.pem", workdir);
	write_file(p, fuzz_orgrsa_pem, fuzz_orgrsa_key);
	certs[0].name = "org-rsa";
	certs[0].certificate = x_strdup(p);
	snprintf(p, sizeof(p), "%s/ec.pem", workdir);
	write_file(p, fuzz_orgec_pem, fuzz_orgec_key);
	certs[1].name = "org-ec";
	certs[1].certificate = x_strdup(p);
	for (i = 0; i < 2; i++)
		if (smime_signer_load(&certs[i], &keys[i], &err) < 0)
			FAIL("%s: %s", certs[i].name, err.msg);
	snprintf(p, sizeof(p), "%s/ca.pem", workdir);
	write_file(p, fuzz_ca_pem, NULL);
	if ((trust = X509_STORE_new()) == NULL ||
	    X509_STORE_load_file(trust, p) != 1)
		FAIL("cannot load the CA");
	atexit(cleanup);
	return 0;
}

/* The message a DER mode makes: base64 lines through OpenSSL. */
static void
wrap_der(struct rt_buf *m, unsigned mode, const uint8_t *der, size_t n)
{
	BIO	*mem = BIO_new(BIO_s_mem()), *b64 = BIO_new(BIO_f_base64());
	char	*p;
	long	len;

	if (mem == NULL || b64 == NULL)
		FAIL("BIO_new failed");
	BIO_push(b64, mem);
	if ((n > 0 && BIO_write(b64, der, (int)n) != (int)n) ||
	    BIO_flush(b64) != 1)
		FAIL("base64 failed");
	len = BIO_get_mem_data(mem, &p);
	rt_puts(m, HEAD);
	if (mode == 1)
		rt_puts(m, "Content-Type: application/pkcs7-mime; "
		    "name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	else
		rt_puts(m, "Content-Type: multipart/signed; "
		    "protocol=\"application/pkcs7-signature\"; micalg=sha-256; "
		    "boundary=\"sig\"\r\n\r\n--sig\r\n"
		    "Content-Type: text/plain\r\n\r\nhello\r\n--sig\r\n"
		    "Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n");
	rt_put(m, p, (size_t)len);
	if (mode == 2)
		rt_puts(m, "\r\n--sig--\r\n");
	BIO_free_all(b64);
}

/* A header value gatewarden writes: no CR, NUL or control character but
 * the tab, lines folded with "\n\t" (or "\n "). */
static void
check_value(const char *what, const char *v)
{
	const unsigned char *s;

	if (v == NULL)
		return;
	for (s = (const unsigned char *)v; *s != '\0'; s++) {
		if (*s == '\n' && (s[1] == '\t' || s[1] == ' '))
			continue;
		if ((*s < 0x20 && *s != '\t') || *s == 0x7f)
			FAIL("%s holds byte 0x%02x at %zu: %s", what, *s,
			    (size_t)(s - (const unsigned char *)v), v);
	}
}

static void
check_line(const char *what, const char *v)
{
	if (v != NULL && strpbrk(v, "\r\n") != NULL)
		FAIL("%s is not one line: %s", what, v);
}

/* The entity delivered in place of the message's must travel by SMTP. */
static void
check_delivered(const struct inbound_result *r)
{
	struct mime_header *h;
	struct mime_tree *t = NULL;
	struct smime_err err = { 0 };
	size_t	i;

	if (r->body == NULL)
		FAIL("replace without a body");
	h = x_calloc(r->edits.nadd + 1, sizeof(*h));
	for (i = 0; i < r->edits.nadd; i++) {
		h[i].name = r->edits.add[i].name;
		h[i].value = r->edits.add[i].value;
	}
	if (fseeko(r->body, 0, SEEK_SET) != 0)
		FAIL("the body cannot be rewound");
	if (mime_parse(r->body, h, r->edits.nadd, &t, &err) == 0 &&
	    mime_transport_needed(t))
		FAIL("the delivered entity still needs converting for SMTP");
	if (fseeko(r->body, 0, SEEK_SET) != 0)
		FAIL("the body cannot be rewound");
	mime_tree_free(t);
	free(h);
}

static void
check_result(const struct inbound_result *r)
{
	const unsigned char *p;
	size_t	i;
	X509	*x;

	if (r->verdict > INV_PERMERROR || r->action > INBOUND_REJECT)
		FAIL("verdict %d action %d out of range", (int)r->verdict,
		    (int)r->action);
	check_line("reason", r->reason);
	check_line("log", r->log);
	check_value("Authentication-Results", r->auth_results);
	check_value("X-Gatewarden-SMIME", r->smime_header);
	check_line("quarantine reason", r->quarantine_reason);
	for (i = 0; i < r->edits.nadd; i++) {
		if (r->edits.add[i].name[0] == '\0' ||
		    strpbrk(r->edits.add[i].name, ": \t\r\n") != NULL)
			FAIL("added field name '%s'", r->edits.add[i].name);
		if (strchr(r->edits.add[i].value, '\r') != NULL)
			FAIL("added field %s holds a CR", r->edits.add[i].name);
	}
	switch (r->action) {
	case INBOUND_UNTOUCHED:
		if (r->replace || r->edits.nadd + r->edits.ndel > 0 ||
		    r->verdict != INV_NONE)
			FAIL("untouched, yet verdict %s and edits",
			    inbound_verdict_name(r->verdict));
		break;
	case INBOUND_REJECT:
		if (r->replace || r->reply_code == NULL ||
		    r->reply_code[0] != '5' || r->reply_text == NULL)
			FAIL("reject without a 5xx reply, or with edits");
		if (strpbrk(r->reply_text, "\r\n%") != NULL)
			FAIL("reply text '%s'", r->reply_text);
		if (r->verdict != INV_FAIL && r->verdict != INV_PERMERROR)
			FAIL("reject after verdict %s",
			    inbound_verdict_name(r->verdict));
		break;
	case INBOUND_QUARANTINE:
		if (r->quarantine_reason == NULL ||
		    (r->verdict != INV_FAIL && r->verdict != INV_PERMERROR))
			FAIL("quarantine without a reason or after %s",
			    inbound_verdict_name(r->verdict));
		break;
	case INBOUND_DELIVER:
		if (r->auth_results == NULL)
			FAIL("delivered S/MIME without Authentication-Results");
		break;
	}
	if (r->verdict == INV_PASS && r->signer == NULL)
		FAIL("pass without a signer");
	if (r->decrypted && r->key_fingerprint[0] == '\0')
		FAIL("decrypted without naming the key");
	for (i = 0; i < r->ncerts; i++) {
		p = r->certs[i].der;
		if ((x = d2i_X509(NULL, &p, (long)r->certs[i].len)) == NULL ||
		    p != r->certs[i].der + r->certs[i].len)
			FAIL("harvested certificate %zu is not DER", i);
		X509_free(x);
	}
	if (r->replace)
		check_delivered(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inbound_policy pol = { 0 };
	struct inbound_request rq = { 0 };
	struct inbound_result *r = NULL;
	struct smime_err err = { 0 };
	struct rt_buf msg = { 0 };
	struct rt_msg m;
	unsigned	flags, mode;
	char	why[256];

	if (size < 1 || size > FUZZ_INBOUND_MAX)
		return 0;
	flags = data[0];
	mode = flags & 3;
	if (mode == 1 || mode == 2)
		wrap_der(&msg, mode, data + 1, size - 1);
	else
		rt_put(&msg, data + 1, size - 1);
	/* The header block a milter could pass on; the body as a file
	 * (whether mime_parse takes it or not). */
	if (rt_msg_open(&m, msg.p, msg.n, why, sizeof(why)) < 0 ||
	    m.f == NULL)
		goto done;
	if (fseeko(m.f, 0, SEEK_SET) != 0)
		FAIL("the body cannot be rewound");
	pol.name = "fuzz";
	pol.signature = flags & 4 ? SIGKEEP_REMOVE : SIGKEEP_RETAIN;
	pol.on_failure = (flags >> 3 & 3) == 1 ? INFAIL_QUARANTINE :
	    (flags >> 3 & 3) == 2 ? INFAIL_REJECT : INFAIL_TAG;
	pol.verify = !(flags & 0x20);
	pol.decrypt = !(flags & 0x40);
	pol.max_size = 1 << 20;
	pol.cpu_limit = 10;
	rq.policy = &pol;
	rq.certs = certs;
	rq.ncerts = 2;
	rq.keys = keys;
	rq.trust = trust;
	rq.authserv_id = "mx.example.net";
	rq.headers = m.h;
	rq.nheaders = m.nh;
	rq.body = m.f;
	rq.tmpdir = workdir;
	rq.now = (int64_t)fuzz_keys_made + 86400;
	if (inbound_process(&rq, &r, &err) < 0)
		FAIL("error %s: %s (a bad message must be a verdict)",
		    smime_status_name(err.status), err.msg);
	if (getenv("FUZZ_SHOW") != NULL)	/* seeing what the seeds reach */
		fprintf(stderr, "fuzz-inbound: %s %s: %s\n",
		    inbound_verdict_name(r->verdict),
		    inbound_action_name(r->action), r->reason);
	check_result(r);
	inbound_result_free(r);
done:
	rt_msg_close(&m);
	rt_buf_free(&msg);
	return 0;
}
