/*
 * fuzz_milter - the whole milter (milter/callbacks.c and all it calls:
 * sessions, header hygiene, the inbound TLS policy and its header, the
 * sending rules with S/MIME signing and encryption, inbound S/MIME)
 * driven through the stand-in libmilter fuzz/fake_milter.c by a session
 * made of the input, under one fixed configuration written at start:
 *
 *   internal   10.0.0.0/8, 2001:db8:10::/48, outbound: signed by the
 *              rule sign-internal (the gateway's own certificate)
 *   partners   192.0.2.0/24, tls preferred, inbound S/MIME decrypted and
 *              verified (signature removed, quarantine on failure)
 *   strict     198.51.100.0/24, tls required, inbound S/MIME refused on
 *              failure
 *   internet   anything else, inbound S/MIME verified and kept (tag)
 *   encrypt-partner: mail of an outbound group to a recipient in
 *              partner.test must be encrypted (the key store holds a
 *              domain certificate for partner.test; a recipient without
 *              a key bounces the message); it comes before sign-internal
 *   authserv-id mx.example.com, the TLS header on.
 * The keys: fuzz/inbound_keys.c (the organisation's, the CA) and
 * fuzz/milter_keys.c (the domain certificate, the signing one).
 *
 * Input: three bytes, then NUL-separated fields, then the body.
 *   byte 0  the client (mod 8): 10.1.2.3, 2001:db8:10::5 (internal),
 *           192.0.2.7, 198.51.100.9, 203.0.113.5 as {client_addr}; or no
 *           {client_addr}, the socket address 10.9.9.9 or 203.0.113.77,
 *           or none at all (internet)
 *   byte 1  bit 0: no negotiation (an MTA that skips it); bit 1: the MTA
 *           lacks the body change action; bit 2: no SETSYMLIST; bit 3:
 *           the steps offered without the no-reply flags; bit 4: the
 *           MTA refuses changes from the (byte 2 & 15)th on; bit 5: a
 *           second message in the session; bit 6: no HELO; bit 7: the
 *           first message is aborted after its headers
 *   byte 2  bits 4-7: the body's chunk size, 64 << (n & 7) bytes
 *   fields  macros NAME=VALUE (any but the client's address, "_" and
 *           {client_addr}), an empty field; the HELO name; the MAIL FROM
 *           arguments (space-separated); recipients (each its RCPT TO
 *           arguments), an empty field; header fields NAME:VALUE, an
 *           empty field; the rest is the body.
 *
 * Invariants, after each end of message (each a fuzz_fail):
 *  - the stand-in saw no misuse: changes only at end of message and only
 *    with their action negotiated;
 *  - every reply set is one line with a 4xx or 5xx code and an extended
 *    code of its class, 4xx when the callback tempfails, 5xx when it
 *    rejects; a reply is set for every rejected or tempfailed message
 *    at end of message;
 *  - every header added, inserted or changed has a clean value: no NUL
 *    (by construction), no CR, a LF only as folding (followed by a space
 *    or tab); names of printable ASCII without ':' or space;
 *  - no forged header survives: the input headers with the recorded
 *    changes applied (as Postfix renumbers after a deletion, and as
 *    Sendmail counts deleted headers) hold no header hygiene removes
 *    (milter/hygiene.h) but those gatewarden added;
 *  - no signature of the gateway for a session that is not outbound: the
 *    message as delivered does not carry the signing certificate
 *    (unless the input did);
 *  - a message the encrypt-required rule covers (outbound client, a
 *    recipient in partner.test) that is accepted leaves as enveloped
 *    CMS: its body replaced by base64 that decodes to CMS enveloped-data
 *    and a Content-Type application/pkcs7-mime naming enveloped-data;
 *    otherwise it is rejected or tempfailed;
 *  - no leak, no crash (libFuzzer and the sanitizers).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf/config.h"
#include "fuzz/fake_milter.h"
#include "fuzz/fuzz.h"
#include "fuzz/inbound_keys.h"
#include "fuzz/milter_keys.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "milter/alert.h"
#include "milter/callbacks.h"
#include "milter/counters.h"
#include "milter/hygiene.h"
#include "milter/runtime.h"
#include "milter/smime_in.h"
#include "milter/smime_out.h"
#include "milter/trust_ctx.h"
#include "smime/keystore/keystore.h"

#define FUZZ_MILTER_MAX		(192u << 10)
#define FUZZ_MILTER_RCPTS	8
#define FUZZ_MILTER_HEADERS	300
#define FUZZ_MILTER_ARGS	8
#define AUTHSERV_ID	"mx.example.com"
#define FAIL(...)	fuzz_fail("milter", __VA_ARGS__)

static char	workdir[64];
static char	*sign_b64[3];	/* the signing certificate, 3 alignments */

static const char *const work_files[] = { "ca.pem", "orgrsa.pem",
	"orgrsa.key", "orgec.pem", "orgec.key", "sign.pem", "sign.key",
	"gw.yaml", "keystore.db", "keystore.db-wal", "keystore.db-shm",
	"keystore.db-journal" };

/* ---- set-up, once ---- */

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char	p[128];
	FILE	*f;

	snprintf(p, sizeof(p), "%s/%s", workdir, name);
	if ((f = fopen(p, "w")) == NULL || fputs(text, f) < 0 ||
	    fclose(f) != 0 || chmod(p, mode) != 0)
		FAIL("cannot write %s", p);
}

static void
write_config(void)
{
	char	*y;
	const char *w = workdir;

	if (asprintf(&y,
	    "milter:\n"
	    "  spool_dir: %s/spool\n"
	    "  memory_limit_per_message: 64KiB\n"
	    "  authserv_id: " AUTHSERV_ID "\n"
	    "  tls_header: true\n"
	    "  max_header_fields: 200\n"
	    "trust:\n"
	    "  system_cas: false\n"
	    "  custom_ca_file: %s/ca.pem\n"
	    "  revocation: { mode: off }\n"
	    "sender_groups:\n"
	    "  - name: internal\n"
	    "    match: { client_ip: [10.0.0.0/8, \"2001:db8:10::/48\"] }\n"
	    "    direction: outbound\n"
	    "  - name: partners\n"
	    "    match: { client_ip: [192.0.2.0/24] }\n"
	    "    tls: preferred\n"
	    "    smime_inbound: partner-mail\n"
	    "  - name: strict\n"
	    "    match: { client_ip: [198.51.100.0/24] }\n"
	    "    tls: required\n"
	    "    smime_inbound: refuse\n"
	    "  - name: internet\n"
	    "    match: any\n"
	    "    smime_inbound: keep\n"
	    "destinations:\n"
	    "  default: { dane: none }\n"
	    "smime:\n"
	    "  keystore: %s/keystore.db\n"
	    "  private_dir: %s\n"
	    "  certificates:\n"
	    "    - { name: org-rsa, certificate: %s/orgrsa.pem, key: %s/orgrsa.key }\n"
	    "    - { name: org-ec, certificate: %s/orgec.pem, key: %s/orgec.key }\n"
	    "    - { name: gateway, certificate: %s/sign.pem, key: %s/sign.key }\n"
	    "  sending_profiles:\n"
	    "    - { name: must-encrypt, mode: encrypt, missing_key: bounce }\n"
	    "    - { name: sign-all, mode: sign, signing_certificate: gateway, "
	    "sign_mode: detached }\n"
	    "  sending_rules:\n"
	    "    - { name: encrypt-partner, match: { recipient_domain: "
	    "[partner.test] }, profile: must-encrypt }\n"
	    "    - { name: sign-internal, match: { sender_group: [internal] }, "
	    "profile: sign-all }\n"
	    "  inbound_policies:\n"
	    "    - { name: partner-mail, decrypt: true, verify: true, "
	    "signature: remove, on_failure: quarantine }\n"
	    "    - { name: refuse, on_failure: reject }\n"
	    "    - { name: keep, signature: retain, on_failure: tag }\n",
	    w, w, w, w, w, w, w, w, w, w) < 0)
		FAIL("out of memory");
	write_file("gw.yaml", y, 0600);
	free(y);
}

static X509 *
pem_cert(const char *pem)
{
	BIO	*b = BIO_new_mem_buf(pem, -1);
	X509	*x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	if (x == NULL)
		FAIL("a test certificate does not parse");
	return x;
}

/* The domain certificate into the key store. */
static void
fill_keystore(void)
{
	char	p[128];
	struct keystore *ks;
	unsigned char *der = NULL;
	X509	*x = pem_cert(fuzz_domain_pem);
	int	len = i2d_X509(x, &der);
	enum ks_status st;

	snprintf(p, sizeof(p), "%s/keystore.db", workdir);
	if (len <= 0 || keystore_open(p, 0, &ks) != KS_OK)
		FAIL("cannot make the key store %s: %s", p,
		    keystore_strerror());
	st = keystore_add(ks, der, (size_t)len, KS_ADDED, "partner",
	    (int64_t)time(NULL), NULL);
	if (st != KS_OK && st != KS_EXISTS)
		FAIL("cannot add the domain certificate: %s",
		    keystore_strerror());
	keystore_close(ks);
	OPENSSL_free(der);
	X509_free(x);
}

/* The base64 of a piece of the signing certificate's DER in each of its
 * three alignments: found in a message (white space removed) whatever
 * the offset of the certificate in the CMS structure. */
static void
sign_patterns(void)
{
	X509	*x = pem_cert(fuzz_sign_pem);
	unsigned char *der = NULL;
	int	len = i2d_X509(x, &der), k;

	if (len < 120)
		FAIL("the signing certificate is too short");
	for (k = 0; k < 3; k++) {
		sign_b64[k] = x_malloc(4 * 60 / 3 + 1);
		/* 60 bytes of the public key part, from an offset k past a
		 * multiple of 3: skip the partial first group */
		EVP_EncodeBlock((unsigned char *)sign_b64[k],
		    der + 60 + (k == 0 ? 0 : 3 - k), 60);
	}
	OPENSSL_free(der);
	X509_free(x);
}

static void
cleanup(void)
{
	char	p[128];
	size_t	i;

	runtime_shutdown();
	alert_shutdown();
	trust_ctx_shutdown();
	smime_out_shutdown();
	smime_in_shutdown();
	counters_shutdown();
	for (i = 0; i < sizeof(work_files) / sizeof(work_files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", workdir, work_files[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/spool", workdir);
	rmdir(p);
	rmdir(workdir);
	for (i = 0; i < 3; i++)
		free(sign_b64[i]);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct diags d = { 0 };
	struct config *cfg;
	char	p[128];

	(void)argc;
	(void)argv;
	log_open("fuzz-milter", LOG_MAIL, getenv("FUZZ_MILTER_LOG") != NULL,
	    0);
	log_set_level(LOG_LEVEL_DEBUG);
	snprintf(workdir, sizeof(workdir), "%s/gw-fuzzm-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (strlen(workdir) + 24 > sizeof(workdir) || mkdtemp(workdir) == NULL)
		FAIL("mkdtemp %s failed", workdir);
	snprintf(p, sizeof(p), "%s/spool", workdir);
	if (mkdir(p, 0700) != 0)
		FAIL("mkdir %s failed", p);
	write_file("ca.pem", fuzz_ca_pem, 0644);
	write_file("orgrsa.pem", fuzz_orgrsa_pem, 0644);
	write_file("orgrsa.key", fuzz_orgrsa_key, 0600);
	write_file("orgec.pem", fuzz_orgec_pem, 0644);
	write_file("orgec.key", fuzz_orgec_key, 0600);
	write_file("sign.pem", fuzz_sign_pem, 0644);
	write_file("sign.key", fuzz_sign_key, 0600);
	write_config();
	fill_keystore();
	sign_patterns();

	snprintf(p, sizeof(p), "%s/gw.yaml", workdir);
	if ((cfg = config_load(p, &d)) == NULL) {
		diags_print(&d, stderr);
		FAIL("the test configuration does not load");
	}
	diags_free(&d);
	counters_init();
	if (!smime_out_init(cfg) || !trust_ctx_init(cfg, smime_out_keystore())
	    || !smime_in_init(cfg))
		FAIL("the S/MIME parts do not start");
	runtime_init(cfg, p);
	alert_init(cfg->alerts.rate_limit);
	if (!callbacks_register() || !fake_milter_registered)
		FAIL("callbacks_register failed");
	atexit(cleanup);
	return 0;
}

/* ---- the input ---- */

struct input {
	unsigned	client, flags, extra;
	char		*macro[64][2];
	size_t		nmacro;
	char		*helo;
	char		*mail[FUZZ_MILTER_ARGS + 1];
	char		*rcpt[FUZZ_MILTER_RCPTS][FUZZ_MILTER_ARGS + 1];
	size_t		nrcpt;
	char		*hname[FUZZ_MILTER_HEADERS], *hvalue[FUZZ_MILTER_HEADERS];
	size_t		nheader;
	unsigned char	*body;
	size_t		bodylen;
};

/* The next NUL-terminated field, or NULL at the end. */
static char *
field(char **p, char *end)
{
	char	*f = *p;

	if (f >= end)
		return NULL;
	*p += strlen(f) + 1;
	return f;
}

/* Splits s on spaces into argv (NULL-terminated). */
static void
split_args(char *s, char **argv)
{
	size_t	n = 0;
	char	*t;

	while (n < FUZZ_MILTER_ARGS && (t = strsep(&s, " ")) != NULL)
		if (*t != '\0' || n == 0)
			argv[n++] = t;
	argv[n] = NULL;
}

static void
parse(struct input *in, char *buf, size_t size)
{
	static char null_sender[] = "<>";
	char	*p = buf + 3, *end = buf + size, *f, *colon;

	memset(in, 0, sizeof(*in));
	in->client = (unsigned char)buf[0] % 8;
	in->flags = (unsigned char)buf[1];
	in->extra = (unsigned char)buf[2];
	while ((f = field(&p, end)) != NULL && *f != '\0')
		if ((colon = strchr(f, '=')) != NULL && in->nmacro < 64) {
			*colon = '\0';
			in->macro[in->nmacro][0] = f;
			in->macro[in->nmacro++][1] = colon + 1;
		}
	in->helo = (f = field(&p, end)) != NULL ? f : "client.example";
	split_args((f = field(&p, end)) != NULL ? f : null_sender, in->mail);
	while ((f = field(&p, end)) != NULL && *f != '\0')
		if (in->nrcpt < FUZZ_MILTER_RCPTS)
			split_args(f, in->rcpt[in->nrcpt++]);
	while ((f = field(&p, end)) != NULL && *f != '\0')
		if (in->nheader < FUZZ_MILTER_HEADERS) {
			if ((colon = strchr(f, ':')) != NULL)
				*colon++ = '\0';
			in->hname[in->nheader] = f;
			in->hvalue[in->nheader++] = colon != NULL ? colon : "";
		}
	if (p < end) {
		in->body = (unsigned char *)p;
		in->bodylen = (size_t)(end - p);
	}
}

/* ---- what the session looks like from outside ---- */

static bool
outbound_client(const struct input *in)
{
	return in->client == 0 || in->client == 1 || in->client == 5;
}

/* The envelope address's domain is partner.test (the rule's domain, case
 * ignored, one final dot allowed): white space around it and a pair of
 * angle brackets removed, the domain follows the last '@'. An argument
 * that is no envelope address (an MTA sends none such) is not. */
static bool
to_partner(const char *rcpt)
{
	static const char want[] = "@partner.test";
	size_t	n = strlen(rcpt);

	while (*rcpt == ' ' || *rcpt == '\t')
		rcpt++, n--;
	while (n > 0 && (rcpt[n - 1] == ' ' || rcpt[n - 1] == '\t'))
		n--;
	if (n > 0 && (rcpt[0] == '<') != (rcpt[n - 1] == '>'))
		return false;	/* unbalanced: Postfix and Sendmail refuse it */
	if (n >= 2 && rcpt[0] == '<')
		n--;
	if (n > 0 && rcpt[n - 1] == '.')
		n--;
	return n >= sizeof(want) - 1 &&
	    strncasecmp(rcpt + n - (sizeof(want) - 1), want,
	    sizeof(want) - 1) == 0;
}

static bool
mentions_partner(const char *rcpt)
{
	return strcasestr(rcpt, "partner") != NULL;
}

static void
set_client(SMFICTX *ctx, const struct input *in, struct sockaddr_storage *ss,
    _SOCK_ADDR **sa)
{
	static const char *const addr[] = { "10.1.2.3", "2001:db8:10::5",
		"192.0.2.7", "198.51.100.9", "203.0.113.5" };
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	*sa = NULL;
	if (in->client < 5) {
		fake_milter_set_macro(ctx, "{client_addr}", addr[in->client]);
		return;
	}
	if (in->client == 7)
		return;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, in->client == 5 ? "10.9.9.9" : "203.0.113.77",
	    &sin->sin_addr);
	*sa = (_SOCK_ADDR *)ss;
}

/* ---- checks ---- */

static const char *
rc_name(sfsistat rc)
{
	switch (rc) {
	case SMFIS_CONTINUE: return "continue";
	case SMFIS_REJECT: return "reject";
	case SMFIS_DISCARD: return "discard";
	case SMFIS_ACCEPT: return "accept";
	case SMFIS_TEMPFAIL: return "tempfail";
	case SMFIS_NOREPLY: return "noreply";
	case SMFIS_SKIP: return "skip";
	default: return "?";
	}
}

/* After one callback: the stand-in was used right, every reply is one
 * that libmilter takes, and the last one fits the result. */
static void
check_callback(SMFICTX *ctx, const char *stage, sfsistat rc, bool need_reply)
{
	const struct fm_reply *r;
	size_t	i;

	if (ctx->misuse > 0)
		FAIL("%s: %s", stage, ctx->misuse_what);
	for (i = 0; i < ctx->nreply; i++) {
		r = &ctx->reply[i];
		if (!r->accepted)
			FAIL("%s: libmilter refuses the reply %s %s \"%s\"",
			    stage, r->rcode ? r->rcode : "(null)",
			    r->xcode ? r->xcode : "(null)",
			    r->text ? r->text : "(null)");
	}
	if (ctx->nreply == 0) {
		if (need_reply && (rc == SMFIS_REJECT || rc == SMFIS_TEMPFAIL))
			FAIL("%s: %s without a reply", stage, rc_name(rc));
		return;
	}
	r = &ctx->reply[ctx->nreply - 1];
	if ((rc == SMFIS_TEMPFAIL && r->rcode[0] != '4') ||
	    (rc == SMFIS_REJECT && r->rcode[0] != '5'))
		FAIL("%s: %s with the reply %s %s \"%s\"", stage, rc_name(rc),
		    r->rcode, r->xcode ? r->xcode : "", r->text ? r->text : "");
	fake_milter_clear_replies(ctx);
}

static void
check_clean(const char *name, const char *value)
{
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ':')
			FAIL("header name \"%s\" is not clean", name);
	if (*name == '\0')
		FAIL("an empty header name");
	/* Other control characters may come from the sender (MIME fields
	 * of a decrypted entity go into the header as they were). */
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if (*p == '\n' && (p[1] == ' ' || p[1] == '\t'))
			continue;
		if (*p == '\r' || *p == '\n')
			FAIL("header %s: a %s not folding the value \"%s\"",
			    name, *p == '\r' ? "CR" : "LF", value);
	}
}

/* A header of the message as delivered. */
struct out_header {
	const char	*name, *value;
	bool		ours;		/* written by gatewarden */
	bool		deleted;
};

struct out_message {
	struct out_header *h;
	size_t		n;
};

static void
out_insert(struct out_message *m, size_t at, const char *name,
    const char *value, bool ours)
{
	m->h = x_reallocarray(m->h, m->n + 1, sizeof(*m->h));
	if (at > m->n)
		at = m->n;
	memmove(m->h + at + 1, m->h + at, (m->n - at) * sizeof(*m->h));
	m->h[at] = (struct out_header){ name, value, ours, false };
	m->n++;
}

/* The input's headers with the changes applied; sendmail: deleted
 * headers still count for a later index (else they are gone, as in
 * Postfix). Inserting at index i puts the header before the ith one. */
static void
apply_changes(const SMFICTX *ctx, const struct input *in, bool sendmail,
    struct out_message *m)
{
	const struct fm_action *a;
	size_t	i, j, seen, live;
	int	index;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < in->nheader; i++)
		out_insert(m, m->n, in->hname[i], in->hvalue[i], false);
	for (i = 0; ctx != NULL && i < ctx->naction; i++) {
		a = &ctx->action[i];
		switch (a->kind) {
		case FM_ADDHEADER:
			out_insert(m, m->n, a->name, a->value, true);
			break;
		case FM_INSHEADER:
			for (j = 0, live = 0; j < m->n &&
			    live < (size_t)a->index; j++)
				live += !m->h[j].deleted;
			out_insert(m, j, a->name, a->value, true);
			break;
		case FM_CHGHEADER:
			index = a->index;
			for (j = 0, seen = 0; j < m->n; j++) {
				if (strcasecmp(m->h[j].name, a->name) != 0 ||
				    (m->h[j].deleted && !sendmail))
					continue;
				if (++seen == (size_t)index)
					break;
			}
			if (j == m->n) {
				if (a->value != NULL)
					out_insert(m, m->n, a->name, a->value,
					    true);
				break;
			}
			if (m->h[j].deleted)
				break;
			if (a->value == NULL)
				m->h[j].deleted = true;
			else {
				m->h[j].value = a->value;
				m->h[j].ours = true;
			}
			break;
		default:
			break;
		}
	}
}

/* The text of a and b without white space (nor NUL bytes, which would
 * end the string), for has_signing_cert(). */
static char *
squeeze(const char *a, size_t alen, const unsigned char *b, size_t blen)
{
	char	*s = x_malloc(alen + blen + 1);
	size_t	i, n = 0;

	for (i = 0; i < alen; i++)
		if (a[i] != ' ' && a[i] != '\t' && a[i] != '\r' && a[i] != '\n')
			s[n++] = a[i];
	for (i = 0; i < blen; i++)
		if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r' &&
		    b[i] != '\n' && b[i] != '\0')
			s[n++] = (char)b[i];
	s[n] = '\0';
	return s;
}

static bool
has_signing_cert(const char *squeezed)
{
	size_t	k;

	for (k = 0; k < 3; k++)
		if (strstr(squeezed, sign_b64[k]) != NULL)
			return true;
	return false;
}

/* The delivered message's header text and body, squeezed. */
static char *
delivered_text(const SMFICTX *ctx, const struct input *in,
    const struct out_message *m)
{
	char	*hdr = NULL, *s;
	size_t	len = 0, i;
	FILE	*f = open_memstream(&hdr, &len);

	if (f == NULL)
		FAIL("open_memstream failed");
	for (i = 0; i < m->n; i++)
		if (!m->h[i].deleted)
			fprintf(f, "%s:%s\n", m->h[i].name, m->h[i].value);
	fclose(f);
	s = ctx != NULL && ctx->body_replaced ? squeeze(hdr, len, ctx->body, ctx->bodylen) :
	    squeeze(hdr, len, in->body, in->bodylen);
	free(hdr);
	return s;
}

static bool
enveloped(const SMFICTX *ctx, const struct out_message *m)
{
	const char *ct = NULL;
	unsigned char *der;
	const unsigned char *dp;
	char	*b64;
	CMS_ContentInfo *cms;
	size_t	i;
	int	len, nid = NID_undef;

	for (i = 0; i < m->n; i++)
		if (!m->h[i].deleted &&
		    strcasecmp(m->h[i].name, "Content-Type") == 0)
			ct = m->h[i].value;
	if (ct == NULL || !ctx->body_replaced ||
	    strcasestr(ct, "application/pkcs7-mime") == NULL ||
	    strcasestr(ct, "enveloped-data") == NULL)
		return false;
	b64 = squeeze("", 0, ctx->body, ctx->bodylen);
	der = x_malloc(strlen(b64) + 1);
	len = EVP_DecodeBlock(der, (unsigned char *)b64, (int)strlen(b64));
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (len > 0)
		for (i = strlen(b64); i > 0 && b64[i - 1] == '='; i--)
			len--;
	dp = der;
	if (len > 0 && (cms = d2i_CMS_ContentInfo(NULL, &dp, len)) != NULL) {
		nid = OBJ_obj2nid(CMS_get0_type(cms));
		CMS_ContentInfo_free(cms);
	}
	free(der);
	free(b64);
	return nid == NID_pkcs7_enveloped;
}

/* The message ended with rc at stage: what left must be clean. */
static void
check_message(SMFICTX *ctx, const struct input *in, char *const *accepted,
    size_t naccepted, sfsistat rc, const char *stage)
{
	struct out_message m[2];
	const struct fm_action *a;
	bool	covered = false, partnerish = false, signed_out;
	char	*out, *orig;
	size_t	i, k;

	memset(m, 0, sizeof(m));

	for (i = 0; i < ctx->naction; i++) {
		a = &ctx->action[i];
		if (a->kind == FM_ADDHEADER || a->kind == FM_INSHEADER ||
		    (a->kind == FM_CHGHEADER && a->value != NULL))
			check_clean(a->name, a->value);
	}
	if (rc != SMFIS_CONTINUE && rc != SMFIS_ACCEPT &&
	    rc != SMFIS_NOREPLY)
		return;
	for (k = 0; k < 2; k++) {
		apply_changes(ctx, in, k == 1, &m[k]);
		for (i = 0; i < m[k].n; i++)
			if (!m[k].h[i].deleted && !m[k].h[i].ours &&
			    hygiene_is_ours(m[k].h[i].name, m[k].h[i].value,
			    AUTHSERV_ID))
				FAIL("%s: %s, but the forged header \"%s:%s\" "
				    "survives (%s's counting)", stage,
				    rc_name(rc), m[k].h[i].name,
				    m[k].h[i].value, k ? "Sendmail" :
				    "Postfix");
	}
	free(m[1].h);
	for (i = 0; i < naccepted; i++) {
		covered |= to_partner(accepted[i]);
		partnerish |= mentions_partner(accepted[i]);
	}
	covered &= outbound_client(in);
	if (covered && !enveloped(ctx, &m[0]))
		FAIL("%s: %s in clear, but a recipient is in partner.test "
		    "and the client outbound: the rule encrypt-partner "
		    "requires encryption", stage, rc_name(rc));
	out = delivered_text(ctx, in, &m[0]);
	signed_out = has_signing_cert(out);
	if (signed_out && !outbound_client(in)) {
		/* unless the client sent the certificate itself */
		apply_changes(NULL, in, false, &m[1]);
		orig = delivered_text(NULL, in, &m[1]);
		free(m[1].h);
		if (!has_signing_cert(orig))
			FAIL("%s: the message of a session that is not "
			    "outbound carries the gateway's signature",
			    stage);
		free(orig);
	}
	if (outbound_client(in) && !partnerish && !signed_out &&
	    strcmp(stage, "eom") == 0)
		FAIL("eom: %s unsigned, but the rule sign-internal covers "
		    "the outbound client", rc_name(rc));
	free(out);
	free(m[0].h);
}

/* ---- the session ---- */

#define OFFERED_STEPS	(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | \
	SMFIP_NORCPT | SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | \
	SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_SKIP | SMFIP_RCPT_REJ | \
	SMFIP_HDR_LEADSPC)
#define OFFERED_NR	(SMFIP_NR_HDR | SMFIP_NR_CONN | SMFIP_NR_HELO | \
	SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN | \
	SMFIP_NR_EOH | SMFIP_NR_BODY)

static bool
goes_on(sfsistat rc)
{
	return rc == SMFIS_CONTINUE || rc == SMFIS_NOREPLY;
}

/* One message; false when the connection is over. */
static void
run_message(SMFICTX *ctx, struct input *in, unsigned long steps,
    bool abort_it)
{
	const struct smfiDesc *d = &fake_milter_desc;
	char	*accepted[FUZZ_MILTER_RCPTS];
	size_t	naccepted = 0, i, chunk, off;
	sfsistat rc;

	fake_milter_clear(ctx);
	rc = (steps & SMFIP_NOMAIL) ? SMFIS_CONTINUE :
	    d->xxfi_envfrom(ctx, in->mail);
	check_callback(ctx, "mail", rc, false);
	if (!goes_on(rc)) {
		d->xxfi_abort(ctx);
		return;
	}
	for (i = 0; i < in->nrcpt; i++) {
		rc = (steps & SMFIP_NORCPT) ? SMFIS_CONTINUE :
		    d->xxfi_envrcpt(ctx, in->rcpt[i]);
		check_callback(ctx, "rcpt", rc, false);
		if (goes_on(rc))
			accepted[naccepted++] = in->rcpt[i][0];
	}
	if (naccepted == 0) {
		d->xxfi_abort(ctx);
		return;
	}
	rc = (steps & SMFIP_NODATA) ? SMFIS_CONTINUE : d->xxfi_data(ctx);
	check_callback(ctx, "data", rc, false);
	for (i = 0; goes_on(rc) && !(steps & SMFIP_NOHDRS) &&
	    i < in->nheader; i++) {
		rc = d->xxfi_header(ctx, in->hname[i], in->hvalue[i]);
		check_callback(ctx, "header", rc, false);
	}
	if (goes_on(rc) && !(steps & SMFIP_NOEOH)) {
		rc = d->xxfi_eoh(ctx);
		check_callback(ctx, "eoh", rc, false);
	}
	chunk = (size_t)64 << ((in->extra >> 4) & 7);
	for (off = 0; goes_on(rc) && !(steps & SMFIP_NOBODY) &&
	    off < in->bodylen; off += chunk) {
		rc = d->xxfi_body(ctx, in->body + off, in->bodylen - off < chunk ?
		    in->bodylen - off : chunk);
		check_callback(ctx, "body", rc, false);
		if (rc == SMFIS_SKIP) {
			rc = SMFIS_CONTINUE;
			break;
		}
	}
	if (rc == SMFIS_ACCEPT) {
		check_message(ctx, in, accepted, naccepted, rc, "before eom");
		return;
	}
	if (!goes_on(rc) || abort_it) {
		d->xxfi_abort(ctx);
		return;
	}
	ctx->in_eom = true;
	rc = d->xxfi_eom(ctx);
	ctx->in_eom = false;
	check_callback(ctx, "eom", rc, true);
	check_message(ctx, in, accepted, naccepted, rc, "eom");
}

static void
run_session(struct input *in)
{
	const struct smfiDesc *d = &fake_milter_desc;
	SMFICTX	*ctx = fake_milter_ctx_new();
	struct sockaddr_storage ss;
	_SOCK_ADDR *sa;
	unsigned long f0, f1, pf0 = 0, pf1 = 0, pf2 = 0, pf3 = 0, steps = 0;
	sfsistat rc = SMFIS_CONTINUE;
	size_t	i;

	for (i = 0; i < in->nmacro; i++)
		if (strcmp(in->macro[i][0], "_") != 0 &&
		    strcmp(in->macro[i][0], "{client_addr}") != 0 &&
		    strcmp(in->macro[i][0], "client_addr") != 0)
			fake_milter_set_macro(ctx, in->macro[i][0],
			    in->macro[i][1]);
	set_client(ctx, in, &ss, &sa);
	ctx->fail_change = (in->flags & 0x10) ? (in->extra & 15) + 1 : 0;
	if (in->flags & 0x01)
		ctx->actions = d->xxfi_flags;
	else {
		f0 = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY |
		    SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_QUARANTINE |
		    SMFIF_SETSYMLIST;
		if (in->flags & 0x02)
			f0 &= ~(unsigned long)SMFIF_CHGBODY;
		if (in->flags & 0x04)
			f0 &= ~(unsigned long)SMFIF_SETSYMLIST;
		f1 = OFFERED_STEPS | ((in->flags & 0x08) ? 0 : OFFERED_NR);
		rc = d->xxfi_negotiate(ctx, f0, f1, 0, 0, &pf0, &pf1, &pf2,
		    &pf3);
		check_callback(ctx, "negotiate", rc, false);
		if ((pf0 & ~f0) != 0 || (pf1 & ~f1) != 0)
			FAIL("negotiate asked for more than offered: actions "
			    "0x%lx of 0x%lx, steps 0x%lx of 0x%lx", pf0, f0,
			    pf1, f1);
		ctx->actions = pf0;
		steps = pf1;
	}
	if (rc == SMFIS_CONTINUE && !(steps & SMFIP_NOCONNECT)) {
		rc = d->xxfi_connect(ctx, "client.example", sa);
		check_callback(ctx, "connect", rc, false);
	}
	if (goes_on(rc) && !(steps & SMFIP_NOHELO) && !(in->flags & 0x40)) {
		rc = d->xxfi_helo(ctx, in->helo);
		check_callback(ctx, "helo", rc, false);
	}
	if (goes_on(rc)) {
		run_message(ctx, in, steps, (in->flags & 0x80) != 0);
		if (in->flags & 0x20)
			run_message(ctx, in, steps, false);
	}
	d->xxfi_close(ctx);
	if (ctx->priv != NULL)
		FAIL("close left the connection's private data");
	fake_milter_ctx_free(ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input *in;
	char	*buf;

	if (size < 3 || size > FUZZ_MILTER_MAX)
		return 0;
	buf = x_malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	in = x_malloc(sizeof(*in));
	parse(in, buf, size);
	run_session(in);
	free(in);
	free(buf);
	return 0;
}
