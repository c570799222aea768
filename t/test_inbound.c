/*
 * test_inbound - the incoming S/MIME engine (smime/inbound.h) over
 * messages that real producers made at test time: t/smime-inbound.sh
 * makes the certificates and the messages in a folder with openssl cms,
 * gpgsm, NSS cmsutil and Bouncy Castle, then runs
 *
 *   test_inbound DIR             every case of the table below, as TAP
 *   test_inbound DIR FILE [remove]   one message, the result on stdout
 *
 * The organisation (the gateway of partner.test) holds alice's RSA and
 * bob's EC keys; DIR/ca.pem is the trusted CA. Each case names its
 * message, the policy, and what must come out: verdict, a piece of the
 * reason, the action, the layers seen, the signer, and what is delivered:
 * `want' names a file holding the entity the reader must get (its
 * Content-* fields, empty line, body, exactly), NULL when the message
 * must stay as it came.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/x509_vfy.h>

#include "lib/xalloc.h"
#include "smime/inbound.h"
#include "smime/mime/mime_entity.h"
#include "t/tap.h"

#define P_REMOVE	0x01
#define P_QUARANTINE	0x02
#define P_REJECT	0x04
#define P_NOVERIFY	0x08
#define P_NODECRYPT	0x10
#define P_LATER		0x20	/* the clock 60 days on: certificates expired */
#define P_TINYCPU	0x40	/* a CPU budget of 1 microsecond */
#define P_TINYSIZE	0x80	/* max_size 1 KiB */
#define P_PRELOAD	0x100	/* the organisation's keys loaded by the caller */

struct tcase {
	const char	*name;
	const char	*file;
	unsigned	flags;
	enum inbound_verdict verdict;
	const char	*reason;	/* substring; NULL = any */
	enum inbound_action action;
	const char	*layers;	/* NULL = any */
	const char	*signer;	/* NULL = none expected */
	const char	*want;		/* delivered entity; NULL = unchanged */
};

#define U INBOUND_UNTOUCHED
#define D INBOUND_DELIVER
#define Q INBOUND_QUARANTINE
#define R INBOUND_REJECT
#define SND "sender@example.org"
#define ECS "ecsender@example.org"

static const struct tcase cases[] = {
	/* ---- openssl cms: signatures ---- */
	{ "openssl detached RSA SHA-256, retain", "os-sign-det.eml", 0,
	    INV_PASS, "verified", D, "signed-detached", SND, NULL },
	{ "openssl detached RSA SHA-256, remove", "os-sign-det.eml", P_REMOVE,
	    INV_PASS, "verified", D, "signed-detached", SND, "entity.want" },
	{ "openssl opaque RSA SHA-256, retain", "os-sign-opq.eml", 0,
	    INV_PASS, "verified", D, "signed-opaque", SND, NULL },
	{ "openssl opaque RSA SHA-256, remove", "os-sign-opq.eml", P_REMOVE,
	    INV_PASS, NULL, D, "signed-opaque", SND, "entity.want" },
	{ "openssl detached SHA-1", "os-sign-sha1.eml", P_REMOVE, INV_PASS,
	    NULL, D, NULL, SND, "entity.want" },
	{ "openssl detached SHA-384", "os-sign-sha384.eml", P_REMOVE, INV_PASS,
	    NULL, D, NULL, SND, "entity.want" },
	{ "openssl detached SHA-512", "os-sign-sha512.eml", P_REMOVE, INV_PASS,
	    NULL, D, NULL, SND, "entity.want" },
	{ "openssl detached RSASSA-PSS", "os-sign-pss.eml", P_REMOVE, INV_PASS,
	    NULL, D, NULL, SND, "entity.want" },
	{ "openssl detached ECDSA", "os-sign-ec.eml", P_REMOVE, INV_PASS,
	    NULL, D, NULL, ECS, "entity.want" },
	{ "openssl smime legacy x-pkcs7-signature", "os-legacy-sign.eml",
	    P_REMOVE, INV_PASS, NULL, D, "signed-detached", SND, "entity.want" },
	{ "8-bit content signed detached", "os-sign-8bit.eml", P_REMOVE,
	    INV_PASS, NULL, D, NULL, SND, "entity8.want" },
	{ "binary content signed opaque, remove: made base64 for SMTP",
	    "os-sign-binary.eml", P_REMOVE, INV_PASS, NULL, D, NULL, SND,
	    "entitybin.b64" },
	{ "chain through an intermediate the message carries",
	    "os-sign-inter.eml", P_REMOVE, INV_PASS, "verified", D,
	    "signed-detached", "deep@example.org", "entity.want" },
	/* ---- openssl cms: envelopes ---- */
	{ "openssl AES-256-CBC to alice (RSA)", "os-enc-cbc.eml", 0, INV_NONE,
	    "not signed", D, "enveloped", NULL, "entity.want" },
	{ "openssl AES-256-GCM authEnveloped to alice", "os-enc-gcm.eml", 0,
	    INV_NONE, NULL, D, "enveloped", NULL, "entity.want" },
	{ "openssl RSAES-OAEP to alice", "os-enc-oaep.eml", 0, INV_NONE, NULL,
	    D, "enveloped", NULL, "entity.want" },
	{ "openssl ECDH to bob (EC)", "os-enc-ec.eml", 0, INV_NONE, NULL, D,
	    "enveloped", NULL, "entity.want" },
	{ "openssl smime legacy x-pkcs7-mime", "os-legacy-enc.eml", 0,
	    INV_NONE, NULL, D, "enveloped", NULL, "entity.want" },
	{ "keys loaded by the caller: RSA", "os-enc-cbc.eml", P_PRELOAD,
	    INV_NONE, NULL, D, "enveloped", NULL, "entity.want" },
	{ "keys loaded by the caller: EC", "os-enc-ec.eml", P_PRELOAD,
	    INV_NONE, NULL, D, "enveloped", NULL, "entity.want" },
	{ "decrypt off: left encrypted", "os-enc-cbc.eml", P_NODECRYPT,
	    INV_NEUTRAL, "does not decrypt", D, "enveloped", NULL, NULL },
	/* ---- nested ---- */
	{ "signed then encrypted, retain: the signature stays",
	    "os-sign-enc.eml", 0, INV_PASS, NULL, D,
	    "enveloped,signed-detached", SND, "sign-det.want" },
	{ "signed then encrypted, remove", "os-sign-enc.eml", P_REMOVE,
	    INV_PASS, NULL, D, "enveloped,signed-detached", SND, "entity.want" },
	{ "triple wrap, retain: only the inner signature stays",
	    "os-triple.eml", 0, INV_PASS, NULL, D,
	    "signed-opaque,enveloped,signed-detached", SND, "sign-det.want" },
	{ "triple wrap, remove", "os-triple.eml", P_REMOVE, INV_PASS, NULL, D,
	    "signed-opaque,enveloped,signed-detached", SND, "entity.want" },
	{ "verify off: signature taken apart, not checked", "os-sign-enc.eml",
	    P_NOVERIFY | P_REMOVE, INV_NEUTRAL, "not verified", D,
	    "enveloped,signed-detached", NULL, "entity.want" },
	/* ---- failures ---- */
	{ "tampered body: fail", "bad-tampered.eml", 0, INV_FAIL,
	    "does not verify", D, "signed-detached", SND, NULL },
	{ "tampered body, reject: 554 5.7.5", "bad-tampered.eml", P_REJECT,
	    INV_FAIL, "does not verify", R, NULL, SND, NULL },
	{ "tampered body, quarantine", "bad-tampered.eml", P_QUARANTINE,
	    INV_FAIL, NULL, Q, NULL, SND, NULL },
	{ "tampered body, remove: not unwrapped", "bad-tampered.eml", P_REMOVE,
	    INV_FAIL, NULL, D, NULL, SND, NULL },
	{ "signer from another CA", "bad-wrong-ca.eml", 0, INV_FAIL,
	    "not trusted", D, NULL, "rogue@example.org", NULL },
	{ "intermediate CA neither in the message nor trusted",
	    "bad-no-inter.eml", 0, INV_FAIL, "not trusted", D, NULL,
	    "deep@example.org", NULL },
	{ "expired signer certificate", "bad-expired.eml", 0, INV_FAIL,
	    "expired", D, NULL, "old@example.org", NULL },
	{ "signer valid when signed, expired now (clock +60 days)",
	    "os-sign-det.eml", P_LATER, INV_FAIL, "expired", D, NULL, SND,
	    NULL },
	{ "signer is not the From address", "bad-not-from.eml", 0, INV_FAIL,
	    "not the From address", D, NULL, SND, NULL },
	{ "encrypted to someone else", "bad-other-rcpt.eml", 0,
	    INV_PERMERROR, "someone else", D, "enveloped", NULL, NULL },
	{ "encrypted to someone else, reject", "bad-other-rcpt.eml",
	    P_REJECT, INV_PERMERROR, "someone else", R, NULL, NULL, NULL },
	{ "truncated CMS", "bad-truncated.eml", 0, INV_PERMERROR,
	    "corrupt CMS", D,
	    NULL, NULL, NULL },
	{ "garbage CMS", "bad-garbage.eml", 0, INV_PERMERROR, "corrupt CMS",
	    D, NULL, NULL, NULL },
	{ "0-byte body with an S/MIME content type", "bad-empty.eml", 0,
	    INV_PERMERROR, "empty", D, NULL, NULL, NULL },
	{ "signature part that is not CMS", "bad-sig-garbage.eml", 0,
	    INV_PERMERROR, "signature part: corrupt CMS", D, NULL, NULL, NULL },
	{ "nesting past the limit (the outer signatures verified)",
	    "bad-nested.eml", 0, INV_PERMERROR, "nesting deeper than 8", D,
	    NULL, SND, NULL },
	{ "a failure keeps its signatures: nothing unwrapped under remove",
	    "bad-nested.eml", P_REMOVE, INV_PERMERROR, "nesting", D, NULL, SND,
	    NULL },
	{ "body larger than max_size", "os-enc-cbc.eml", P_TINYSIZE,
	    INV_PERMERROR, "larger than max_size", D, NULL, NULL, NULL },
	{ "body larger than max_size, reject", "os-sign-opq.eml",
	    P_TINYSIZE | P_REJECT, INV_PERMERROR, "larger than max_size", R,
	    NULL, NULL, NULL },
	{ "CPU budget spent", "os-triple.eml", P_TINYCPU, INV_PERMERROR,
	    "CPU limit", D, NULL, NULL, NULL },
	/* ---- EFAIL and embedded parts ---- */
	{ "EFAIL: ciphertext inside the attacker's multipart/mixed",
	    "efail-mixed.eml", 0, INV_NEUTRAL,
	    "embedded encrypted part 2 not decrypted", D, "none", NULL, NULL },
	{ "EFAIL: ciphertext inside multipart/alternative", "efail-alt.eml",
	    0, INV_NEUTRAL, "embedded encrypted part 2 not decrypted", D,
	    "none", NULL, NULL },
	{ "EFAIL: the attacker's own good signature around the ciphertext",
	    "efail-signed.eml", P_REMOVE, INV_PASS,
	    "embedded encrypted part 2 not decrypted", D, "signed-detached",
	    SND, "ef.mixed" },
	{ "EFAIL: the attacker's shape inside an envelope to us",
	    "efail-in-enc.eml", 0, INV_NEUTRAL,
	    "embedded encrypted part 2 not decrypted", D, "enveloped", NULL,
	    "ef.mixed" },
	{ "mailing list: signature inside multipart/mixed, verified, kept",
	    "list-signed.eml", P_REMOVE, INV_NEUTRAL,
	    "signature covers part 1 only (pass", D, "none", SND, NULL },
	{ "not S/MIME: untouched", "plain.eml", 0, INV_NONE, NULL, U, NULL,
	    NULL, NULL },
	/* ---- gpgsm ---- */
	{ "gpgsm detached", "gpgsm-sign-det.eml", P_REMOVE, INV_PASS, NULL, D,
	    "signed-detached", SND, "entity.want" },
	{ "gpgsm opaque", "gpgsm-sign-opq.eml", P_REMOVE, INV_PASS, NULL, D,
	    "signed-opaque", SND, "entity.want" },
	{ "gpgsm encrypted to alice", "gpgsm-enc.eml", 0, INV_NONE, NULL, D,
	    "enveloped", NULL, "entity.want" },
	/* ---- NSS cmsutil (Thunderbird's engine) ---- */
	{ "cmsutil detached", "nss-sign-det.eml", P_REMOVE, INV_PASS, NULL, D,
	    "signed-detached", SND, "entity.want" },
	{ "cmsutil opaque", "nss-sign-opq.eml", P_REMOVE, INV_PASS, NULL, D,
	    "signed-opaque", SND, "entity.want" },
	{ "cmsutil encrypted to alice", "nss-enc.eml", 0, INV_NONE, NULL, D,
	    "enveloped", NULL, "entity.want" },
	{ "cmsutil with an encryption key preference", "nss-keypref.eml", 0,
	    INV_PASS, NULL, D, "signed-detached", "dual@example.org", NULL },
	/* ---- Bouncy Castle ---- */
	{ "BC detached RSA", "bc-sign-det.eml", P_REMOVE, INV_PASS, NULL, D,
	    "signed-detached", SND, "entity.want" },
	{ "BC opaque RSASSA-PSS SHA-512", "bc-sign-pss.eml", P_REMOVE,
	    INV_PASS, NULL, D, "signed-opaque", SND, "entity.want" },
	{ "BC detached ECDSA SHA-384", "bc-sign-ec.eml", P_REMOVE, INV_PASS,
	    NULL, D, NULL, ECS, "entity.want" },
	{ "BC AES-256-GCM with OAEP to alice", "bc-enc-gcm.eml", 0, INV_NONE,
	    NULL, D, "enveloped", NULL, "entity.want" },
	{ "BC AES-128-CBC with ECDH to bob", "bc-enc-ec.eml", 0, INV_NONE,
	    NULL, D, "enveloped", NULL, "entity.want" },
	{ "BC Ed25519 signature: neutral, not fail", "bc-sign-ed25519.eml", 0,
	    INV_NEUTRAL, "unsupported algorithm", D, NULL, "ed@example.org",
	    NULL },
	{ "BC ChaCha20-Poly1305: neutral, left encrypted",
	    "bc-enc-chacha.eml", 0, INV_NEUTRAL, "unsupported algorithm", D,
	    "enveloped", NULL, NULL },
	{ "BC encryption key preference attribute", "bc-keypref.eml", 0,
	    INV_PASS, NULL, D, NULL, "dual@example.org", NULL },
};

static const char *dir;

static char *
path(const char *name)
{
	return x_asprintf("%s/%s", dir, name);
}

static unsigned char *
slurp(const char *name, size_t *len)
{
	char	*p = path(name);
	FILE	*f = fopen(p, "rb");
	unsigned char *buf = NULL;
	size_t	n = 0, cap = 0, got;

	free(p);
	if (f == NULL)
		return NULL;
	do {
		if (n == cap)
			buf = x_realloc(buf, cap = cap ? cap * 2 : 65536);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}

/* The message split as the milter has it: fields and a body file. */
static bool
load_message(const char *name, struct mime_entity *m)
{
	struct smime_err err = { 0 };
	unsigned char *data;
	size_t	len;
	FILE	*body = tmpfile();
	BIO	*sink = mime_entity_sink(body);
	bool	okay;

	if ((data = slurp(name, &len)) == NULL) {
		BIO_free(sink);
		fclose(body);
		return false;
	}
	BIO_write(sink, data, (int)len);
	okay = mime_entity_finish(sink, m, &err) == 0;
	if (!okay) {
		diag("%s: %s", name, err.msg);
		fclose(body);
	}
	BIO_free(sink);
	free(data);
	return okay;
}

static X509_STORE *
trust(void)
{
	X509_STORE *s = X509_STORE_new();
	char	*p = path("ca.pem");

	if (X509_STORE_load_file(s, p) != 1)
		bail("cannot load %s", p);
	free(p);
	return s;
}

/* The delivered entity as bytes: the MIME fields added (MIME-Version
 * left out), the empty line, the new body. */
static unsigned char *
render(const struct inbound_result *r, size_t *len)
{
	unsigned char *out = NULL;
	size_t	n = 0, i, cap = 0;
	int	c;
	const char *v;

#define PUT(ch) do { if (n == cap) out = x_realloc(out, cap = cap ? cap * 2 : 65536); out[n++] = (unsigned char)(ch); } while (0)
	for (i = 0; i < r->edits.nadd; i++) {
		if (strcasecmp(r->edits.add[i].name, "mime-version") == 0)
			continue;
		for (v = r->edits.add[i].name; *v; v++)
			PUT(*v);
		PUT(':');
		PUT(' ');
		for (v = r->edits.add[i].value; *v; v++) {
			if (*v == '\n')
				PUT('\r');
			PUT(*v);
		}
		PUT('\r');
		PUT('\n');
	}
	PUT('\r');
	PUT('\n');
	while ((c = fgetc(r->body)) != EOF)
		PUT(c);
#undef PUT
	rewind(r->body);
	*len = n;
	return out;
}

static void
check_delivery(const struct tcase *c, const struct inbound_result *r)
{
	unsigned char *want, *got;
	size_t	wl, gl, i;

	if (c->want == NULL) {
		ok(!r->replace, "%s: the message stays as it came", c->name);
		return;
	}
	if (!ok(r->replace, "%s: the entity is replaced", c->name))
		return;
	if ((want = slurp(c->want, &wl)) == NULL)
		bail("%s missing", c->want);
	got = render(r, &gl);
	for (i = 0; i < wl && i < gl && want[i] == got[i]; i++)
		;
	if (!ok(wl == gl && i == wl, "%s: delivered entity is %s byte for "
	    "byte", c->name, c->want))
		diag("got %zu bytes, want %zu; first difference at %zu", gl,
		    wl, i);
	free(want);
	free(got);
}

static int
run(const struct tcase *c, X509_STORE *store, struct smime_certificate *certs,
    size_t ncerts, struct inbound_result **res)
{
	struct inbound_policy pol = { 0 };
	struct inbound_request rq = { 0 };
	struct smime_err err = { 0 };
	struct smime_signer *keys[2] = { NULL, NULL };
	struct mime_entity m;
	size_t	i;
	int	rc;

	pol.name = "test";
	pol.decrypt = !(c->flags & P_NODECRYPT);
	pol.verify = !(c->flags & P_NOVERIFY);
	pol.signature = c->flags & P_REMOVE ? SIGKEEP_REMOVE : SIGKEEP_RETAIN;
	pol.on_failure = c->flags & P_REJECT ? INFAIL_REJECT :
	    c->flags & P_QUARANTINE ? INFAIL_QUARANTINE : INFAIL_TAG;
	pol.max_size = c->flags & P_TINYSIZE ? 1024 : 32 << 20;
	pol.cpu_limit = 10;
	if (!load_message(c->file, &m)) {
		*res = NULL;
		diag("%s: cannot read %s", c->name, c->file);
		return -1;
	}
	rq.policy = &pol;
	rq.certs = certs;
	rq.ncerts = ncerts;
	rq.trust = store;
	rq.authserv_id = "mx.partner.test";
	rq.headers = m.fields;
	rq.nheaders = m.nfields;
	rq.body = m.body;
	rq.tmpdir = dir;
	rq.now = (int64_t)time(NULL) + (c->flags & P_LATER ? 60 * 86400 : 0);
	/* 1 ms is less than an RSA decryption and two verifications. */
	rq.cpu_us = c->flags & P_TINYCPU ? 1 : 0;
	for (i = 0; c->flags & P_PRELOAD && i < ncerts && i < 2; i++)
		if (smime_signer_load(&certs[i], &keys[i], &err) < 0)
			bail("%s: %s", certs[i].name, err.msg);
	if (c->flags & P_PRELOAD)
		rq.keys = keys;
	rc = inbound_process(&rq, res, &err);
	for (i = 0; i < 2; i++)
		smime_signer_free(keys[i]);
	if (rc < 0)
		diag("%s: error %s: %s", c->name, smime_status_name(err.status),
		    err.msg);
	mime_entity_clear(&m);
	return rc;
}

static void
check_case(const struct tcase *c, X509_STORE *store,
    struct smime_certificate *certs, size_t ncerts)
{
	struct inbound_result *r;

	if (run(c, store, certs, ncerts, &r) < 0) {
		ok(false, "%s: processed", c->name);
		return;
	}
	diag("%s: %s", c->name, r->log);
	if (!is_string(inbound_verdict_name(r->verdict),
	    inbound_verdict_name(c->verdict), "%s: verdict", c->name))
		diag("reason: %s", r->reason);
	if (c->reason != NULL)
		ok(strstr(r->reason, c->reason) != NULL, "%s: reason \"%s\" "
		    "says \"%s\"", c->name, r->reason, c->reason);
	is_string(inbound_action_name(r->action),
	    inbound_action_name(c->action), "%s: action", c->name);
	if (c->layers != NULL)
		is_string(r->layers, c->layers, "%s: layers", c->name);
	is_string(r->signer ? r->signer : "(none)", c->signer ? c->signer :
	    "(none)", "%s: signer", c->name);
	if (c->action != INBOUND_REJECT && c->action != INBOUND_UNTOUCHED)
		check_delivery(c, r);
	if (c->action == INBOUND_REJECT)
		ok(r->reply_code && strcmp(r->reply_code, "554") == 0 &&
		    strcmp(r->reply_xcode, "5.7.5") == 0 && r->reply_text &&
		    strchr(r->reply_text, '%') == NULL &&
		    strpbrk(r->reply_text, "\r\n") == NULL,
		    "%s: 554 5.7.5 %s", c->name, r->reply_text ?
		    r->reply_text : "(none)");
	if (c->action == INBOUND_QUARANTINE)
		ok(r->quarantine_reason != NULL &&
		    strstr(r->quarantine_reason, "S/MIME fail") != NULL,
		    "%s: quarantine reason %s", c->name,
		    r->quarantine_reason ? r->quarantine_reason : "(none)");
	if (c->action != INBOUND_UNTOUCHED)
		ok(r->auth_results != NULL && strncmp(r->auth_results,
		    "mx.partner.test; smime=", 23) == 0 &&
		    r->smime_header != NULL, "%s: Authentication-Results %.*s",
		    c->name, r->auth_results ? (int)strcspn(r->auth_results,
		    "\n") : 6, r->auth_results ? r->auth_results : "(none)");
	else
		ok(r->auth_results == NULL && r->smime_header == NULL,
		    "%s: no header added", c->name);
	inbound_result_free(r);
}

/* The fields the reader's filters see: what each says, exactly. */
static void
check_fields(X509_STORE *store, struct smime_certificate *certs,
    size_t ncerts)
{
	static const struct {
		const char *file, *ar, *ours;
	} f[] = {
		{ "os-sign-det.eml", "mx.partner.test; smime=pass (signature "
		    "verified)\n\tbody.smime-identifier=sender@example.org\n"
		    "\tbody.smime-serial=", "policy=test; layers=signed-detached; "
		    "decrypted=no; signature=retained; result=pass" },
		{ "os-enc-cbc.eml", "mx.partner.test; smime=none (not signed)",
		    "policy=test; layers=enveloped; decrypted=yes; "
		    "certificate=alice; key=" },
		{ "os-enc-ec.eml", "mx.partner.test; smime=none (not signed)",
		    "policy=test; layers=enveloped; decrypted=yes; "
		    "certificate=bob; key=" },
		{ "bad-not-from.eml", "mx.partner.test; smime=fail (signer "
		    "sender@example.org is not the From address "
		    "mallory@example.org)", "signature=retained; result=fail" },
	};
	size_t	i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		struct tcase c = { "fields", f[i].file, 0, INV_NONE, NULL, D,
		    NULL, NULL, NULL };
		struct inbound_result *r;

		if (run(&c, store, certs, ncerts, &r) < 0) {
			ok(false, "%s: processed", f[i].file);
			continue;
		}
		ok(strncmp(r->auth_results, f[i].ar, strlen(f[i].ar)) == 0,
		    "%s: Authentication-Results starts \"%s\" (got \"%s\")",
		    f[i].file, f[i].ar, r->auth_results);
		ok(strstr(r->smime_header, f[i].ours) != NULL,
		    "%s: X-Gatewarden-SMIME has \"%s\" (got \"%s\")",
		    f[i].file, f[i].ours, r->smime_header);
		inbound_result_free(r);
	}
}

/* A signer met in both signatures of a triple wrap is one candidate. */
static void
check_harvest_once(X509_STORE *store, struct smime_certificate *certs,
    size_t ncerts)
{
	struct tcase c = { "triple", "os-triple.eml", 0, INV_PASS, NULL, D,
	    NULL, NULL, NULL };
	struct inbound_result *r;

	if (run(&c, store, certs, ncerts, &r) < 0) {
		ok(false, "os-triple.eml: processed");
		return;
	}
	ok(r->ncerts == 1 && r->certs[0].verified, "triple wrap by one "
	    "signer: one verified certificate to harvest (got %zu)",
	    r->ncerts);
	inbound_result_free(r);
}

/* Extra checks on one result that the table cannot say. */
static void
check_keypref(X509_STORE *store, struct smime_certificate *certs,
    size_t ncerts, const char *file)
{
	struct tcase c = { "keypref", file, 0, INV_PASS, NULL, D, NULL, NULL,
	    NULL };
	struct inbound_result *r;
	size_t	i, pref = 0, signing_only = 0;

	if (run(&c, store, certs, ncerts, &r) < 0) {
		ok(false, "%s: processed", file);
		return;
	}
	for (i = 0; i < r->ncerts; i++) {
		pref += r->certs[i].encryption_pref && r->certs[i].verified;
		signing_only += r->certs[i].signing_only;
	}
	ok(r->ncerts == 2 && pref == 1 && signing_only == 1, "%s: harvest "
	    "list: the signer (signing only) and its encryption certificate "
	    "(%zu certificates, %zu preferred, %zu signing only)", file,
	    r->ncerts, pref, signing_only);
	inbound_result_free(r);
}

static void
one(const char *file, bool remove, X509_STORE *store,
    struct smime_certificate *certs, size_t ncerts)
{
	struct tcase c = { "one", file, remove ? P_REMOVE : 0, INV_NONE, NULL,
	    D, NULL, NULL, NULL };
	struct inbound_result *r;
	size_t	i;
	int	ch;

	if (run(&c, store, certs, ncerts, &r) < 0)
		exit(2);
	printf("verdict=%s action=%s\nreason=%s\n%s\nA-R: %s\nX-SMIME: %s\n",
	    inbound_verdict_name(r->verdict), inbound_action_name(r->action),
	    r->reason, r->log, r->auth_results ? r->auth_results : "-",
	    r->smime_header ? r->smime_header : "-");
	for (i = 0; i < r->edits.ndel; i++)
		printf("del %s %u\n", r->edits.del[i].name, r->edits.del[i].index);
	for (i = 0; i < r->edits.nadd; i++)
		printf("add %s: %s\n", r->edits.add[i].name, r->edits.add[i].value);
	for (i = 0; i < r->ncerts; i++)
		printf("cert %zu bytes verified=%d pref=%d signing_only=%d\n",
		    r->certs[i].len, r->certs[i].verified,
		    r->certs[i].encryption_pref, r->certs[i].signing_only);
	if (r->body != NULL) {
		printf("---- body\n");
		while ((ch = fgetc(r->body)) != EOF)
			putchar(ch);
	}
	inbound_result_free(r);
}

int
main(int argc, char **argv)
{
	struct smime_certificate certs[2] = { { 0 }, { 0 } };
	X509_STORE *store;
	size_t	i;

	if (argc < 2) {
		fprintf(stderr, "usage: test_inbound DIR [FILE [remove]]\n");
		return 1;
	}
	dir = argv[1];
	store = trust();
	certs[0].name = "alice";
	certs[0].certificate = path("alice.pem");
	certs[0].key = path("alice.key");
	certs[1].name = "bob";
	certs[1].certificate = path("bob.pem");
	certs[1].key = path("bob.key");
	if (argc > 2) {
		one(argv[2], argc > 3, store, certs, 2);
	} else {
		plan_lazy();
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			check_case(&cases[i], store, certs, 2);
		check_fields(store, certs, 2);
		check_harvest_once(store, certs, 2);
		check_keypref(store, certs, 2, "nss-keypref.eml");
		check_keypref(store, certs, 2, "bc-keypref.eml");
	}
	X509_STORE_free(store);
	for (i = 0; i < 2; i++) {
		free(certs[i].certificate);
		free(certs[i].key);
	}
	return argc > 2 ? 0 : done_testing();
}
