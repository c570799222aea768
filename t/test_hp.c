/*
 * test_hp - header protection (RFC 9788, smime/hp.h): the hp parameter
 * read back; what a sending profile puts in the payload and does to the
 * outer header (hp="clear" for signing, hp="cipher" with HP-Outer and
 * hcp_baseline obscuring); the payload header the canonical writer
 * makes; the restore plan over payloads written by hand in the shapes of
 * the RFC's Appendix C examples (Alice and Bob, smime.example); and one
 * message through the outgoing engine and back through the incoming one
 * (encrypted for a key made here), as it left and with its outer Subject
 * changed on the way.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/xalloc.h"
#include "smime/hp.h"
#include "smime/hp_legacy.h"
#include "smime/inbound.h"
#include "smime/mime/mime_canon.h"
#include "smime/outbound.h"
#include "t/hp_canon.h"
#include "t/tap.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static char *prot[] = { "From", "To", "Cc", "Subject", "Date", "Message-ID",
    "Keywords", "Comments" };
static struct hp_obscure baseline[] = { { "Subject", "[...]" },
    { "Keywords", NULL }, { "Comments", NULL } };

static struct sending_profile
profile(enum smime_mode mode, enum header_protection hp)
{
	struct sending_profile p;

	memset(&p, 0, sizeof(p));
	p.name = "hp";
	p.mode = mode;
	p.cipher = CIPHER_AES256_CBC;
	p.header_protection = hp;
	p.protected_fields = prot;
	p.nprotected_fields = N(prot);
	if (hp == HP_ENCRYPT) {
		p.obscured_fields = baseline;
		p.nobscured_fields = N(baseline);
	}
	return p;
}

#define HFROM0	"Alice Lovelace <alice@smime.example>"

static const struct mime_header msg[] = {
	{ "Received", "from x by y" },
	{ "From", "Alice Lovelace <alice@smime.example>" },
	{ "To", "Bob Babbage <bob@smime.example>" },
	{ "Subject", "The FooCorp contract" },
	{ "Keywords", "contract" },
	{ "Date", "Sat, 20 Feb 2021 10:01:16 -0500" },
	{ "MIME-Version", "1.0" },
	{ "Content-Type", "text/plain; charset=\"us-ascii\"" },
	{ "X-Mailer", "not protected" },
};

static void
contains(const char *got, const char *want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* got holds want. */
static void
contains(const char *got, const char *want, const char *fmt, ...)
{
	char	what[300];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!ok(got != NULL && strstr(got, want) != NULL, "%s", what))
		diag("got \"%s\", want it to hold \"%s\"", got ? got :
		    "(null)", want);
}

/* ---- the parameter ------------------------------------------------------ */

static void
test_param(void)
{
	static const struct { const char *ct; enum hp_kind want; } t[] = {
		{ "text/plain; hp=\"cipher\"", HP_CIPHER },
		{ "text/plain; charset=us-ascii; hp=clear", HP_CLEAR },
		{ "multipart/mixed; boundary=\"b\";\n\tHP=\"Clear\"", HP_CLEAR },
		{ "text/plain (a comment); hp=\"cipher\" (x)", HP_CIPHER },
		{ "text/plain; hp=\"bogus\"", HP_NONE },
		{ "text/plain; xhp=\"cipher\"", HP_NONE },
		{ "text/plain", HP_NONE },
		{ "garbage", HP_NONE },
		{ "text/plain; charset=us-ascii; protected-headers=\"v1\"",
		    HP_V1 },
		{ "multipart/mixed; boundary=x; protected-headers=V1", HP_V1 },
		{ "text/plain; protected-headers=\"v2\"", HP_NONE },
		{ "text/plain; protected-headers=v1; hp=clear", HP_CLEAR },
	};
	size_t	i;

	for (i = 0; i < N(t); i++)
		is_string(hp_kind_name(hp_param(t[i].ct)),
		    hp_kind_name(t[i].want), "hp parameter of %.*s", (int)strcspn(t[i].ct, "\n"), t[i].ct);
}

/* ---- sending ------------------------------------------------------------ */

static char *
fields_text(const struct mime_header *h, size_t n)
{
	char	*s = x_strdup(""), *t;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (asprintf(&t, "%s%s: %s|", s, h[i].name, h[i].value) < 0)
			abort();
		free(s);
		s = t;
	}
	return s;
}

static char *
edits_text(const struct header_edits *e)
{
	char	*s = x_strdup(""), *t;
	size_t	i;

	for (i = 0; i < e->ndel; i++) {
		if (asprintf(&t, "%s-%s[%u]|", s, e->del[i].name,
		    e->del[i].index) < 0)
			abort();
		free(s);
		s = t;
	}
	for (i = 0; i < e->nadd; i++) {
		if (asprintf(&t, "%s+%s: %s|", s, e->add[i].name,
		    e->add[i].value) < 0)
			abort();
		free(s);
		s = t;
	}
	return s;
}

static void plan_trip(const char *, const struct mime_header *, size_t);

static void
test_plan(void)
{
	struct sending_profile p;
	struct hp_plan pl;
	char	*s;

	p = profile(SMIME_SIGN, HP_OFF);
	hp_plan_make(&p, false, msg, N(msg), &pl);
	ok(pl.param == NULL && pl.ninner == 0 && pl.edits.ndel == 0,
	    "off: nothing planned");
	hp_plan_clear(&pl);

	p = profile(SMIME_SIGN, HP_SIGN);
	hp_plan_make(&p, false, msg, N(msg), &pl);
	is_string(pl.param, "clear", "sign, signed only: hp=\"clear\"");
	s = fields_text(pl.inner, pl.ninner);
	is_string(s, "From: Alice Lovelace <alice@smime.example>|"
	    "To: Bob Babbage <bob@smime.example>|"
	    "Subject: The FooCorp contract|Keywords: contract|"
	    "Date: Sat, 20 Feb 2021 10:01:16 -0500|",
	    "sign: the protected fields in the message's order, no HP-Outer");
	free(s);
	is_int((int)(pl.edits.ndel + pl.edits.nadd), 0,
	    "sign: the outer header stays as it is");
	hp_plan_clear(&pl);

	p = profile(SMIME_SIGN_ENCRYPT, HP_SIGN);
	hp_plan_make(&p, true, msg, N(msg), &pl);
	is_string(pl.param, "cipher", "sign, encrypted: hp=\"cipher\"");
	s = fields_text(pl.inner + 5, pl.ninner - 5);
	is_string(s, "HP-Outer: From: Alice Lovelace <alice@smime.example>|"
	    "HP-Outer: To: Bob Babbage <bob@smime.example>|"
	    "HP-Outer: Subject: The FooCorp contract|"
	    "HP-Outer: Keywords: contract|"
	    "HP-Outer: Date: Sat, 20 Feb 2021 10:01:16 -0500|",
	    "sign, encrypted: HP-Outer records the unchanged outer fields "
	    "(hcp_no_confidentiality)");
	free(s);
	is_int((int)(pl.edits.ndel + pl.edits.nadd), 0,
	    "sign, encrypted: nothing obscured");
	hp_plan_clear(&pl);

	p = profile(SMIME_SIGN_ENCRYPT, HP_ENCRYPT);
	hp_plan_make(&p, true, msg, N(msg), &pl);
	is_string(pl.param, "cipher", "encrypt: hp=\"cipher\"");
	is_int((int)pl.ninner, 9, "encrypt: 5 protected fields and 4 HP-Outer");
	s = fields_text(pl.inner + 5, pl.ninner - 5);
	is_string(s, "HP-Outer: From: Alice Lovelace <alice@smime.example>|"
	    "HP-Outer: To: Bob Babbage <bob@smime.example>|"
	    "HP-Outer: Subject: [...]|"
	    "HP-Outer: Date: Sat, 20 Feb 2021 10:01:16 -0500|",
	    "encrypt: HP-Outer records the obscured Subject, not the removed "
	    "Keywords");
	free(s);
	s = edits_text(&pl.edits);
	is_string(s, "-Subject[1]|-Keywords[1]|+Subject: [...]|",
	    "encrypt: outer Subject becomes [...], Keywords goes "
	    "(hcp_baseline)");
	free(s);
	hp_plan_clear(&pl);
	plan_trip("one Subject", msg, N(msg));
	{
		static const struct mime_header two[] = {
			{ "Subject", "first" }, { "From", HFROM0 },
			{ "Subject", "second" }, { "Comments", "c" },
		};

		plan_trip("two Subjects", two, N(two));
	}
}

/* A plan read back: its payload (the inner fields under a Content-Type
 * with the parameter) against the outer header its edits leave must
 * restore to the message, with no mismatch. */
static size_t apply_edits(const struct mime_header *, size_t,
    const struct header_edits *, struct mime_header *);

static void
plan_trip(const char *what, const struct mime_header *h, size_t n)
{
	struct sending_profile p = profile(SMIME_ENCRYPT, HP_ENCRYPT);
	struct mime_header outer[32], inner[64];
	struct hp_plan pl;
	struct hp_restore r;
	size_t	no, ni, i;
	char	ct[64];

	hp_plan_make(&p, true, h, n, &pl);
	no = apply_edits(h, n, &pl.edits, outer);
	snprintf(ct, sizeof(ct), "text/plain; hp=\"%s\"", pl.param);
	inner[0].name = "Content-Type";
	inner[0].value = ct;
	for (i = 0, ni = 1; i < pl.ninner && ni < 64; i++)
		inner[ni++] = pl.inner[i];
	hp_restore_plan(outer, no, inner, ni, &r);
	is_string(r.mismatch, "", "%s: no mismatch in what the plan sends", what);
	ok(r.edits.nadd > 0 && strcmp(r.edits.add[0].name, "Subject") == 0,
	    "%s: the Subject restored first", what);
	hp_restore_clear(&r);
	hp_plan_clear(&pl);
}

/* What the canonical writer makes of the plan: the payload's header. */
static void
test_canon(void)
{
	static const struct mime_header two[] = {
		{ "From", "alice@smime.example" },
		{ "Subject", "folded\n\tsubject" },
	};
	char	*data;

	data = hp_canon_text(msg[7].value, "hello\n", two, N(two), "cipher",
	    NULL, NULL);
	is_string(data, "From: alice@smime.example\r\n"
	    "Subject: folded\r\n\tsubject\r\n"
	    "Content-Type: text/plain; charset=\"us-ascii\";\r\n\thp=\"cipher\"\r\n"
	    "\r\nhello\r\n", "the payload: protected fields, then Content-Type "
	    "with hp=\"cipher\"");
	free(data);
	data = hp_canon_text(NULL, "hello\n", NULL, 0, "clear", NULL, NULL);
	is_string(data, "Content-Type: text/plain;\r\n"
	    "\thp=\"clear\"\r\n\r\nhello\r\n",
	    "no Content-Type: text/plain gets the parameter");
	free(data);
}

/* The canonical writer over one text body: the payload as a string. */
static char *
canon_text(const char *ctype, const char *text, const struct mime_header *x,
    size_t nx, const char *hp, const char *legacy)
{
	return hp_canon_text(ctype, text, x, nx, hp, legacy, NULL);
}

/* The hp parameter a payload holds already is replaced, not repeated. */
static void
test_param_once(void)
{
	char	*s, hpv[16];

	s = mime_content_without_param("text/plain; hp=\"clear\"; "
	    "charset=utf-8", "hp");
	is_string(s, "text/plain; charset=utf-8", "without hp: the other "
	    "parameters as written");
	free(s);
	s = mime_content_without_param("text/plain; charset=\"a;b\"; HP=cipher;"
	    "\n\thp=clear", "hp");
	is_string(s, "text/plain; charset=\"a;b\"", "without hp: every "
	    "occurrence, any case, a quoted ';' kept");
	free(s);
	s = mime_content_without_param("text/plain; hp-legacy-display=\"1\""
	    "nt/html; x=1", "hp-legacy-display");
	is_string(s, "text/plain nt/html; x=1", "without a parameter with "
	    "junk glued to it: the junk does not join the type");
	free(s);
	s = mime_content_without_param("not a type; hp=clear", "hp");
	is_string(s, "not a type; hp=clear", "without hp: an unparsable "
	    "value stays as it is");
	free(s);
	s = canon_text("text/plain; charset=\"us-ascii\"; hp=\"clear\"",
	    "hello\n", NULL, 0, "cipher", NULL);
	is_string(s, "Content-Type: text/plain; charset=\"us-ascii\";\r\n"
	    "\thp=\"cipher\"\r\n\r\nhello\r\n", "a payload protected before: "
	    "hp written once, ours");
	free(s);
	s = canon_text("text/plain; charset=utf-8;", "hello\n", NULL, 0,
	    "cipher", NULL);
	is_string(s, "Content-Type: text/plain; charset=utf-8;\r\n"
	    "\thp=\"cipher\"\r\n\r\nhello\r\n", "a trailing ';': dropped, "
	    "no empty parameter before hp");
	ok(s != NULL && mime_content_param(s + 14, "hp", hpv, sizeof(hpv)) &&
	    strcmp(hpv, "cipher") == 0, "a trailing ';': hp read back");
	free(s);
	s = canon_text("text/plain; charset=us-ascii; odd; x=1", "hello\n",
	    NULL, 0, "cipher", NULL);
	is_string(s, "Content-Type: text/plain; charset=us-ascii;\r\n"
	    "\thp=\"cipher\"; odd; x=1\r\n\r\nhello\r\n", "a parameter a "
	    "reader cannot read: hp written before it");
	free(s);
	s = canon_text("text/plain; charset=\"a\"b", "hello\n", NULL, 0,
	    "cipher", NULL);
	is_string(s, "Content-Type: text/plain;\r\n\thp=\"cipher\"; "
	    "charset=\"a\"b\r\n\r\nhello\r\n", "a parameter that runs on "
	    "into junk: hp written right after the type");
	ok(s != NULL && mime_content_param(s + 14, "hp", hpv, sizeof(hpv)) &&
	    strcmp(hpv, "cipher") == 0, "junk after a parameter: hp read "
	    "back");
	free(s);
	s = canon_text("text/plain; name=\"open", "hello\n", NULL, 0,
	    "cipher", NULL);
	is_string(s, "Content-Type: text/plain;\r\n\thp=\"cipher\"; "
	    "name=\"open\r\n\r\nhello\r\n", "a quote left open: hp written "
	    "right after the type (after it, the quote would swallow it)");
	free(s);
	s = canon_text("text/plain; hp=cipher; hp-legacy-display=\"1\"",
	    "hello\n", NULL, 0, "clear", NULL);
	is_string(s, "Content-Type: text/plain;\r\n\thp=\"clear\"\r\n\r\n"
	    "hello\r\n", "a client's hp and hp-legacy-display: dropped, hp "
	    "once");
	free(s);
}

/* The protected fields of the payload whose legacy display strip_case()
 * takes out. */
static const struct mime_header legacy_prot_f[] = {
	{ "Content-Type", "text/plain; hp-legacy-display=\"1\"; "
	    "hp=\"cipher\"" },
	{ "Subject", "The FooCorp\n\tcontract" },
	{ "From", HFROM0 },
};

typedef int strip_fn(FILE *, FILE *, const struct mime_header *, size_t,
    bool, struct smime_err *);

/* strip (hp_legacy_strip or hp_legacy_strip_html) over text: want is its
 * result, want_out (when want is 1) the text left. */
static void
strip_run(strip_fn *strip, const char *text, bool qp,
    const struct mime_header *f, size_t nf, int want, const char *want_out,
    const char *name)
{
	struct smime_err err = { 0 };
	FILE	*in = tmpfile(), *out = tmpfile();
	char	buf[8192];
	size_t	n;
	int	got;

	fputs(text, in);
	got = strip(in, out, f, nf, qp, &err);
	if (want == 1 && got == 1) {
		n = fread(buf, 1, sizeof(buf) - 1, out);
		buf[n] = '\0';
		is_string(buf, want_out, "%s", name);
	} else
		is_int(got, want, "%s", name);
	fclose(in);
	fclose(out);
}

static void
strip_case_with(const char *text, bool qp, const struct mime_header *f,
    size_t nf, int want, const char *want_out, const char *name)
{
	strip_run(hp_legacy_strip, text, qp, f, nf, want, want_out, name);
}

static void
strip_case(const char *text, int want, const char *want_out,
    const char *name)
{
	strip_case_with(text, false, legacy_prot_f, N(legacy_prot_f), want,
	    want_out, name);
}

/* Protected fields whose display lines quoted-printable changes: an
 * encoded word ('=' becomes =3D), a From line (a leading F is written
 * =46), a Subject longer than a line (soft line breaks). */
static const struct mime_header legacy_qp_f[] = {
	{ "Content-Type", "text/plain; charset=utf-8; "
	    "hp-legacy-display=\"1\"; hp=\"cipher\"" },
	{ "Subject", "=?UTF-8?Q?caf=C3=A9?=" },
	{ "From", "Alice <alice@example.org>" },
	{ "Cc", "a very long list of recipients, carol@example.org, "
	    "dave@example.org, erin@example.org, frank@example.org" },
};

/* The display and an 8-bit text written by the canonicaliser (as
 * quoted-printable), then taken out again. */
static void
test_legacy_qp(void)
{
	char	*s, *body;

	s = canon_text("text/plain; charset=utf-8", "h\xc3\xa9llo\n", NULL, 0,
	    "cipher", "Subject: =?UTF-8?Q?caf=C3=A9?=\n"
	    "From: Alice <alice@example.org>\n"
	    "Cc: a very long list of recipients, carol@example.org, "
	    "dave@example.org, erin@example.org, frank@example.org\n\n");
	body = s != NULL ? strstr(s, "\r\n\r\n") : NULL;
	ok(body != NULL && strstr(body, "=3D?UTF-8?Q?caf=3DC3=3DA9?=3D") &&
	    strstr(body, "=46rom: Alice") && strstr(body, "=\r\n"),
	    "quoted-printable display: '=' and a leading F encoded, a long "
	    "line broken softly");
	if (body != NULL)
		strip_case_with(body + 4, true, legacy_qp_f, N(legacy_qp_f), 1,
		    "h=C3=A9llo\r\n", "quoted-printable display: decoded, "
		    "matched and taken out; the text after it as it was");
	else
		ok(false, "quoted-printable display: no body");
	free(s);
	strip_case_with("Subject: =3D?UTF-8?Q?caf=3DC3=3DA9?=3D\r\n=4\r\n"
	    "\r\nhello\r\n", true, legacy_qp_f, N(legacy_qp_f), 0, NULL,
	    "quoted-printable display: a broken escape does not match");
	strip_case_with("Subject: =3D?UTF-8?Q?caf=3DC3=3DA9?=3D=0D\r\n\r\n"
	    "hello\r\n", true, legacy_qp_f, N(legacy_qp_f), 0, NULL,
	    "quoted-printable display: an encoded CR does not match");
}

/* hp_legacy_strip_html() over html, against legacy_prot_f (the Subject
 * "The FooCorp contract", From HFROM0). */
static void
html_case(const char *html, bool qp, int want, const char *want_out,
    const char *name)
{
	strip_run(hp_legacy_strip_html, html, qp, legacy_prot_f,
	    N(legacy_prot_f), want, want_out, name);
}

#define HTML_HEAD	"<html><head><title></title></head><body>\r\n"
#define HTML_TEXT	"<p>\r\nThe contract is signed.\r\n</p>\r\n" \
	"</body>\r\n</html>\r\n"

/* Minified HTML: a line longer than a display line could be comes
 * before the element, as it is and as quoted-printable soft-broken
 * lines; it is passed over, and kept. */
static void
html_long_lines(void)
{
	char	style[1300], in[2048], want[2048], *o;
	size_t	i;

	memset(style, 'a', sizeof(style) - 1);
	style[sizeof(style) - 1] = '\0';
	snprintf(in, sizeof(in), "<html><head><style>%s</style></head><body>"
	    "\r\n<div class=\"header-protection-legacy-display\"><pre>Subject: "
	    "The FooCorp contract</pre></div>\r\n<p>Hi</p>\r\n", style);
	snprintf(want, sizeof(want), "<html><head><style>%s</style></head>"
	    "<body>\r\n<p>Hi</p>\r\n", style);
	html_case(in, false, 1, want, "html: a 1300-byte line before the "
	    "element: passed over, kept");
	/* The same line as quoted-printable: 70 bytes and a soft break. */
	o = in;
	o += sprintf(o, "<html><head><style>=\r\n");
	for (i = 0; i + 70 < strlen(style); i += 70)
		o += sprintf(o, "%.70s=\r\n", style + i);
	o += sprintf(o, "%s</style></head><body>\r\n", style + i);
	strcpy(want, in);
	sprintf(o, "<div class=3D\"header-protection-legacy-display\"><pre>"
	    "Subject: The FooCorp contract</pre></div>\r\n<p>Hi</p>\r\n");
	strcat(want, "<p>Hi</p>\r\n");
	html_case(in, true, 1, want, "html, quoted-printable: a decoded line "
	    "over 998 bytes before the element: passed over, kept");
}

/* The text after the payload's header in s, NULL-safe. */
static const char *
payload_body(const char *s)
{
	const char *b = s != NULL ? strstr(s, "\r\n\r\n") : NULL;

	return b != NULL ? b + 4 : "";
}

#define HTML_DISPLAY "<div class=\"header-protection-legacy-display\">" \
	"<pre>Subject: The FooCorp contract\r\nFrom: Alice Lovelace " \
	"&lt;alice@smime.example&gt;</pre></div>\r\n"
#define LEGACY_TEXT "Subject: The FooCorp contract\n" \
	"From: Alice Lovelace <alice@smime.example>\n\n"

/* The legacy display the canonicaliser writes into a text/html payload,
 * read back by hp_legacy_strip_html(): the original HTML again. */
static void
html_written(void)
{
	char	*s;

	s = canon_text("text/html; charset=us-ascii", "<html><head></head>"
	    "<body class=\"a>b\">\n<p>Hi</p>\n</body></html>\n", NULL, 0,
	    "cipher", LEGACY_TEXT);
	is_string(s, "Content-Type: text/html; charset=us-ascii;\r\n"
	    "\thp-legacy-display=\"1\";\r\n\thp=\"cipher\"\r\n\r\n"
	    "<html><head></head><body class=\"a>b\">\r\n" HTML_DISPLAY
	    "<p>Hi</p>\r\n</body></html>\r\n", "html written: the display on "
	    "lines of its own after the <body> tag (a '>' in a quoted "
	    "attribute skipped), escaped, hp-legacy-display=\"1\"");
	html_case(payload_body(s), false, 1, "<html><head></head><body "
	    "class=\"a>b\">\r\n<p>Hi</p>\r\n</body></html>\r\n",
	    "html written, then stripped: the HTML as it was");
	free(s);
	s = canon_text("text/html", "<BODY><p>Hi</p></BODY>\n", NULL, 0,
	    "cipher", LEGACY_TEXT);
	is_string(payload_body(s), "<BODY>\r\n" HTML_DISPLAY
	    "<p>Hi</p></BODY>\r\n", "html written: more after the tag on its "
	    "line: the display on lines of its own");
	free(s);
	s = canon_text("text/html; charset=utf-8", "<html><body>\n<p>caf\xc3\xa9"
	    "</p></body></html>\n", NULL, 0, "cipher", LEGACY_TEXT);
	ok(strstr(s, "hp-legacy-display=\"1\"") != NULL &&
	    strstr(payload_body(s), "<body>\r\n<div class=3D\"header-"
	    "protection-legacy-display\"><pre>Subject") != NULL &&
	    strstr(s, "caf=C3=A9") != NULL, "html written, 8-bit: made "
	    "quoted-printable, the display through the same encoder");
	html_case(payload_body(s), true, 1, "<html><body>\r\n<p>caf=C3=A9</p>"
	    "</body></html>\r\n", "html written as quoted-printable, then "
	    "stripped: the rest as it was encoded");
	free(s);
	s = canon_text("text/html", "<!DOCTYPE html>\n<p>Hi</p>\n", NULL, 0,
	    "cipher", LEGACY_TEXT);
	ok(s != NULL && strstr(s, "hp-legacy-display") == NULL &&
	    strstr(s, "FooCorp") == NULL, "html without a <body> tag: no "
	    "legacy display written");
	free(s);
}

/* The legacy display of a text/html payload, in the shapes senders write
 * it: the element on lines of its own after <body> (as RFC 9788's
 * appendix shows it), on one line, the From escaped, under
 * quoted-printable; and what must stay. */
static void
test_legacy_html(void)
{
	html_case(HTML_HEAD "<div class=\"header-protection-legacy-display\">"
	    "\r\n<pre>Subject: The FooCorp contract</pre>\r\n</div>\r\n"
	    HTML_TEXT, false, 1, HTML_HEAD HTML_TEXT,
	    "html: the element on lines of its own after <body>, taken out");
	html_case(HTML_HEAD "  <div class='x header-protection-legacy-display'"
	    "><pre>Subject: The FooCorp contract\nFrom: Alice Lovelace "
	    "&lt;alice@smime.example&gt;</pre></div>  \r\n" HTML_TEXT, false,
	    1, HTML_HEAD HTML_TEXT,
	    "html: on one line, among other classes, the From escaped");
	html_case(HTML_HEAD "<DIV class=\"header-protection-legacy-display\">"
	    "<pre>\r\nSubject:   The FooCorp\r\n contract\r\n</pre></DIV>\r\n"
	    HTML_TEXT, false, 1, HTML_HEAD HTML_TEXT,
	    "html: DIV in capitals, a newline after <pre> (white space "
	    "squeezed)");
	html_case(HTML_HEAD "<div class=\"header-protection-legacy-display\">"
	    "<pre>Subject: The FooCorp contract</pre></div><p>Hello</p>\r\n"
	    HTML_TEXT, false, 1, HTML_HEAD "<p>Hello</p>\r\n" HTML_TEXT,
	    "html: text after the element on its line: kept, on its line");
	html_case("<body>\n<div class=\"header-protection-legacy-display\">"
	    "<pre>Subject: The FooCorp contract</pre></div>  <p>Hi\n</body>\n",
	    false, 1, "<body>\n<p>Hi\n</body>\n", "html, LF line ends: the "
	    "text after the element kept with the line's own break");
	html_case("<body>\r\n<div class=3D\"header-protection-legacy-display"
	    "\"><pre>Subject: The FooCorp contract</pre></div><p>caf=C3=A9"
	    "\r\n</body>\r\n", true, 0, NULL, "html, quoted-printable: text "
	    "after the element on its line: left alone (it would need "
	    "encoding anew)");
	html_case(HTML_HEAD "<div class=\"header-protection-legacy-display\">"
	    "<pre>Subject: The BarCorp contract</pre></div>\r\n" HTML_TEXT,
	    false, 0, NULL, "html: a Subject that is not the protected one: "
	    "left alone");
	html_case(HTML_HEAD "<div class=\"header-protection-legacy-display\">"
	    "<pre>Subject: The FooCorp contract\r\nPay the invoice today"
	    "</pre></div>\r\n" HTML_TEXT, false, 0, NULL,
	    "html: a line that is no display line: left alone");
	html_case(HTML_HEAD "<div class=\"header-protection-legacy\">"
	    "<pre>Subject: The FooCorp contract</pre></div>\r\n" HTML_TEXT,
	    false, 0, NULL, "html: another class: left alone");
	html_case(HTML_HEAD "<div class=\"header-protection-legacy-display\">"
	    "<div>Subject: The FooCorp contract</div>\r\n" HTML_TEXT, false, 0,
	    NULL, "html: an element that does not close: left alone");
	html_case(HTML_HEAD "<div class=\"header-protection-legacy-display\">"
	    "<pre>Subject: The FooCorp &#99;ontract &copy;</pre></div>\r\n"
	    HTML_TEXT, false, 0, NULL, "html: a reference to a character that "
	    "is not ASCII: left alone");
	html_case(HTML_HEAD "<div class=\"header-protection-legacy-display\">"
	    "<div><pre>Subject: The FooCorp &#99;ontract</pre></div>\r\n"
	    "</div>\r\n" HTML_TEXT, false, 1, HTML_HEAD HTML_TEXT,
	    "html: a nested div, a numeric reference: taken out whole");
	html_case("<html><body>\r\n<div class=3D\"header-protection-legacy-"
	    "display\"><pre>Sub=\r\nject: The FooCorp contract</pre></div>"
	    "\r\n<p>caf=C3=A9</p>\r\n", true, 1,
	    "<html><body>\r\n<p>caf=C3=A9</p>\r\n",
	    "html, quoted-printable: decoded, soft breaks joined, taken out; "
	    "the rest as it was");
	html_case(HTML_HEAD "<p>Subject: The FooCorp contract</p>\r\n"
	    HTML_TEXT, false, 0, NULL, "html: no element: nothing to take out");
	html_case(HTML_HEAD "<div class=\"header-protection-legacy-display\">"
	    "<pre>Note: not a display</pre></div>\r\n<div class=\"header-"
	    "protection-legacy-display\"><pre>Subject: The FooCorp contract"
	    "</pre></div>\r\n" HTML_TEXT, false, 1, HTML_HEAD "<div class=\""
	    "header-protection-legacy-display\"><pre>Note: not a display</pre>"
	    "</div>\r\n" HTML_TEXT, "html: an element of the class that is "
	    "no display is passed over, and kept; the display after it goes");
	html_case(HTML_HEAD "<div class=\"header-protection-legacy-display\">"
	    "open\r\n<div class=\"header-protection-legacy-display\"><pre>"
	    "Subject: The FooCorp contract</pre></div>\r\n" HTML_TEXT, false, 1,
	    HTML_HEAD "<div class=\"header-protection-legacy-display\">open"
	    "\r\n" HTML_TEXT, "html: the display inside a look-alike left "
	    "open: found and taken out, the look-alike kept");
	html_long_lines();
	html_written();
}

/* The Legacy Display Element: planned for the hidden user-facing fields,
 * written at the top of a text/plain payload, taken out on receipt. */
static void
test_legacy(void)
{
	struct sending_profile p = profile(SMIME_ENCRYPT, HP_ENCRYPT);
	struct hp_plan pl;
	char	*s;

	p.legacy_display = true;
	hp_plan_make(&p, true, msg, N(msg), &pl);
	is_string(pl.legacy, "Subject: The FooCorp contract\n\n",
	    "legacy display: the hidden Subject only (Keywords is not "
	    "user-facing), then an empty line");
	hp_plan_clear(&pl);
	p.legacy_display = false;
	hp_plan_make(&p, true, msg, N(msg), &pl);
	ok(pl.legacy == NULL, "legacy_display false: none");
	hp_plan_clear(&pl);
	p = profile(SMIME_SIGN_ENCRYPT, HP_SIGN);
	p.legacy_display = true;
	hp_plan_make(&p, true, msg, N(msg), &pl);
	ok(pl.legacy == NULL, "header_protection sign: nothing hidden, no "
	    "legacy display");
	hp_plan_clear(&pl);

	s = canon_text("text/plain; charset=\"us-ascii\"", "hello\n", NULL, 0,
	    "cipher", "Subject: The FooCorp contract\n\n");
	is_string(s, "Content-Type: text/plain; charset=\"us-ascii\";\r\n"
	    "\thp-legacy-display=\"1\";\r\n\thp=\"cipher\"\r\n\r\n"
	    "Subject: The FooCorp contract\r\n\r\nhello\r\n",
	    "written: the display first in the text, hp-legacy-display=\"1\"");
	free(s);
	s = canon_text("text/plain; charset=utf-8", "h\xc3\xa9llo\n", NULL, 0,
	    "cipher", "Subject: x\n\n");
	is_string(s, "Content-Type: text/plain; charset=utf-8;\r\n"
	    "\thp-legacy-display=\"1\";\r\n\thp=\"cipher\"\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "Subject: x\r\n\r\nh=C3=A9llo\r\n",
	    "8-bit text made quoted-printable: the display through the same "
	    "encoder");
	free(s);
	s = canon_text("multipart/mixed; boundary=b", "--b\n\nhi\n--b--\n",
	    NULL, 0, "cipher", "Subject: x\n\n");
	ok(s != NULL && strstr(s, "Content-Type: multipart/mixed; "
	    "boundary=b;\r\n\thp=\"cipher\"\r\n") != NULL &&
	    strstr(s, "\r\n\r\nSubject: x\r\n\r\nhi\r\n") != NULL,
	    "a multipart: the display in its first part, the multipart not "
	    "marked (t/test_hp_parts has the rest)");
	free(s);

	strip_case("Subject: The FooCorp contract\r\n\r\nhello\r\n", 1,
	    "hello\r\n", "strip: a display of the protected Subject is "
	    "taken out, the text after it kept as it was");
	strip_case("Subject: Pay the invoice\r\n\r\nhello\r\n", 0, NULL,
	    "strip: a line that is not a protected value stays");
	strip_case("Subject: The FooCorp contract\r\nX-Note: no\r\n\r\n"
	    "hello\r\n", 0, NULL,
	    "strip: a field that is not user-facing: no display, kept");
	strip_case("Subject: The FooCorp contract\r\nhello\r\n", 0, NULL,
	    "strip: no empty line after the lines: kept");
}

/* ---- receiving: payloads in the RFC's example shapes ---------------------- */

#define HDATE	"Sat, 20 Feb 2021 10:01:16 -0500"
#define HFROM	"Alice Lovelace <alice@smime.example>"
#define HTO	"Bob Babbage <bob@smime.example>"
#define HSUBJ	"BarCorp contract signed, let's go!"
#define HMID	"<20210220100116.0@smime.example>"

static const struct mime_header in_clear[] = {
	{ "Content-Type", "text/plain; charset=\"us-ascii\"; hp=\"clear\"" },
	{ "Date", HDATE }, { "From", HFROM }, { "Message-ID", HMID },
	{ "Subject", "The FooCorp contract" }, { "To", HTO },
};
static const struct mime_header out_clear[] = {
	{ "Received", "from a by b" }, { "Date", HDATE }, { "From", HFROM },
	{ "Message-ID", HMID }, { "Subject", "The FooCorp contract" },
	{ "To", HTO }, { "MIME-Version", "1.0" },
	{ "Content-Type", "multipart/signed; boundary=x" },
};
static const struct mime_header out_clear_tampered[] = {
	{ "Date", HDATE }, { "From", HFROM }, { "Message-ID", HMID },
	{ "Subject", "The FooCorp contract is void" }, { "To", HTO },
};
static const struct mime_header out_clear_folded[] = {
	{ "Date", HDATE }, { "From", HFROM }, { "Message-ID", HMID },
	{ "Subject", "The FooCorp\n\t contract " }, { "To", HTO },
};

static const struct mime_header in_cipher[] = {
	{ "Content-Type", "text/plain; charset=\"us-ascii\"; hp=\"cipher\"" },
	{ "Date", HDATE }, { "From", HFROM }, { "To", HTO },
	{ "Subject", HSUBJ }, { "Keywords", "contract" }, { "Message-ID", HMID },
	{ "HP-Outer", "Date: " HDATE }, { "HP-Outer", "From: " HFROM },
	{ "HP-Outer", "To: " HTO }, { "HP-Outer", "Message-ID: " HMID },
	{ "HP-Outer", "Subject: [...]" },
};
static const struct mime_header out_cipher[] = {
	{ "Received", "from a by b" }, { "Date", HDATE }, { "From", HFROM },
	{ "To", HTO }, { "Subject", "[...]" }, { "Message-ID", HMID },
	{ "MIME-Version", "1.0" },
	{ "Content-Type", "application/pkcs7-mime; smime-type=enveloped-data" },
};
static const struct mime_header out_cipher_tampered[] = {
	{ "Date", HDATE }, { "From", HFROM }, { "To", HTO },
	{ "Subject", "Pay the invoice today" }, { "Message-ID", HMID },
};
static const struct mime_header out_cipher_rcpt_added[] = {
	{ "Date", HDATE }, { "From", HFROM }, { "To", HTO },
	{ "To", "eve@evil.example" }, { "Subject", "[...]" },
	{ "Message-ID", HMID },
};
static const struct mime_header in_cipher_norecord[] = {
	{ "Content-Type", "text/plain; hp=\"cipher\"" },
	{ "From", HFROM }, { "Subject", HSUBJ },
};
static const struct mime_header out_norecord[] = {
	{ "From", HFROM }, { "Subject", "anything" },
};
static const struct mime_header in_cipher_hidden_cc[] = {
	{ "Content-Type", "text/plain; hp=\"cipher\"" }, { "From", HFROM },
	{ "HP-Outer", "From: " HFROM }, { "HP-Outer", "Cc: " HTO },
};
static const struct mime_header out_cc_dropped[] = {
	{ "From", HFROM },
};
static const struct mime_header in_forging[] = {
	{ "Content-Type", "text/plain; hp=\"cipher\"" }, { "Subject", HSUBJ },
	{ "Authentication-Results", "mx.test; smime=pass" },
	{ "X-Gatewarden-SMIME", "result=pass" }, { "Received", "from x" },
	{ "X;result=pass", "y" }, { "HP-Outer", "Subject: [...]" },
	{ "HP-Outer", "X-Gatewarden-SMIME: z" },
};
static const struct mime_header in_plain[] = {
	{ "Content-Type", "text/plain" }, { "Subject", "inner" },
};

struct rcase {
	const char	*name;
	const struct mime_header *outer, *inner;
	size_t		nouter, ninner;
	enum hp_kind	kind;
	const char	*restored, *obscured, *mismatch, *edits;
};

#define CASE(n, o, i, k, r, ob, m, e) { n, o, i, N(o), N(i), k, r, ob, m, e }

/* The shape NeoMutt (crypt_protected_headers_write) and Thunderbird send
 * today: protected-headers="v1", the Subject inside, "..." outside. */
static const struct mime_header in_v1[] = {
	{ "Content-Type", "text/plain; charset=us-ascii; "
	    "protected-headers=\"v1\"" },
	{ "Content-Disposition", "inline" },
	{ "Subject", HSUBJ },
};
static const struct mime_header out_v1[] = {
	{ "Date", HDATE }, { "From", HFROM }, { "To", HTO },
	{ "Subject", "..." }, { "MIME-Version", "1.0" },
};

static const struct rcase rcases[] = {
	CASE("signed, hp=clear, outer as signed", out_clear, in_clear,
	    HP_CLEAR, "", "", "", ""),
	CASE("signed, hp=clear, outer Subject changed", out_clear_tampered,
	    in_clear, HP_CLEAR, "Subject", "", "Subject",
	    "-Subject[1]|+Subject: The FooCorp contract|"),
	CASE("signed, hp=clear, outer only folded differently",
	    out_clear_folded, in_clear, HP_CLEAR, "", "", "", ""),
	CASE("encrypted, hp=cipher, hcp_baseline outside", out_cipher,
	    in_cipher, HP_CIPHER, "Subject,Keywords", "Subject,Keywords", "",
	    "-Subject[1]|+Subject: " HSUBJ "|+Keywords: contract|"),
	CASE("encrypted, hp=cipher, outer Subject changed",
	    out_cipher_tampered, in_cipher, HP_CIPHER, "Subject,Keywords",
	    "Subject,Keywords", "Subject", NULL),
	CASE("encrypted, hp=cipher, a recipient added outside",
	    out_cipher_rcpt_added, in_cipher, HP_CIPHER,
	    "To,Subject,Keywords", "Subject,Keywords", "To",
	    "-To[2]|-To[1]|-Subject[1]|+To: " HTO "|+Subject: " HSUBJ
	    "|+Keywords: contract|"),
	CASE("encrypted, hp=cipher, no HP-Outer record", out_norecord,
	    in_cipher_norecord, HP_CIPHER, "Subject", "", "", NULL),
	CASE("encrypted, a recorded field dropped outside", out_cc_dropped,
	    in_cipher_hidden_cc, HP_CIPHER, "", "", "Cc", ""),
	CASE("a payload's trace, verdicts and odd names are never restored",
	    out_cipher, in_forging, HP_CIPHER, "Subject", "Subject", "",
	    "-Subject[1]|+Subject: " HSUBJ "|"),
	CASE("protected-headers=\"v1\" (NeoMutt, Thunderbird): the Subject "
	    "restored, no record so no mismatch", out_v1, in_v1, HP_V1,
	    "Subject", "", "", "-Subject[1]|+Subject: " HSUBJ "|"),
	CASE("no hp parameter: nothing is protected", out_clear_tampered,
	    in_plain, HP_NONE, "", "", "", ""),
};

static void
test_restore(void)
{
	struct hp_restore r;
	size_t	i;
	char	*s;

	for (i = 0; i < N(rcases); i++) {
		const struct rcase *c = &rcases[i];

		hp_restore_plan(c->outer, c->nouter, c->inner, c->ninner, &r);
		is_string(hp_kind_name(r.kind), hp_kind_name(c->kind),
		    "%s: kind", c->name);
		is_string(r.restored, c->restored, "%s: restored", c->name);
		is_string(r.obscured, c->obscured, "%s: obscured", c->name);
		is_string(r.mismatch, c->mismatch, "%s: mismatch", c->name);
		if (c->edits != NULL) {
			s = edits_text(&r.edits);
			is_string(s, c->edits, "%s: edits", c->name);
			free(s);
		}
		hp_restore_clear(&r);
	}
}

/* ---- the two engines ------------------------------------------------------ */

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
	    (const unsigned char *)"bob", -1, -1, 0);
	X509_set_issuer_name(cert, n);
	X509_sign(cert, key, EVP_sha256());
}

/* The header after edits, as the MTA makes it: deletions by name and
 * index among the fields of that name as received, additions at the end. */
static size_t
apply_edits(const struct mime_header *h, size_t n,
    const struct header_edits *e, struct mime_header *out)
{
	size_t	i, j, k = 0;

	for (i = 0; i < n; i++) {
		unsigned idx = 0;
		bool	gone = false;

		for (j = 0; j <= i; j++)
			if (strcasecmp(h[j].name, h[i].name) == 0)
				idx++;
		for (j = 0; j < e->ndel; j++)
			if (strcasecmp(e->del[j].name, h[i].name) == 0 &&
			    e->del[j].index == idx)
				gone = true;
		if (!gone)
			out[k++] = h[i];
	}
	for (i = 0; i < e->nadd; i++) {
		out[k].name = e->add[i].name;
		out[k++].value = e->add[i].value;
	}
	return k;
}

static const char *
added(const struct header_edits *e, const char *name)
{
	size_t	i;

	for (i = 0; i < e->nadd; i++)
		if (strcasecmp(e->add[i].name, name) == 0)
			return e->add[i].value;
	return NULL;
}

/* legacy_display on: the display leaves in the text and the hp marks
 * in the Content-Type; the incoming engine delivers a clean message. */
static void
engine_legacy(struct smime_certificate *oc, struct smime_signer **keys,
    X509_STORE *trust)
{
	struct sending_profile p = profile(SMIME_ENCRYPT, HP_ENCRYPT);
	struct outbound_recipient rc = { "bob@smime.example", cert };
	struct outbound_result *res = NULL;
	struct inbound_result *in = NULL;
	struct inbound_policy pol;
	struct mime_header outer[32];
	struct smime_err err = { 0 };
	FILE	*body = tmpfile(), *enc = tmpfile();
	char	buf[512];
	const char *v;
	size_t	n;

	p.legacy_display = true;
	{
		struct outbound_request rq = { &p, NULL, NULL, &rc, 1, msg,
		    N(msg), body, enc };

		fputs("The contract is signed.\n", body);
		fflush(body);
		if (outbound_process(&rq, &res, &err) != 0)
			diag("outbound: %s", err.msg);
	}
	ok(res != NULL && res->legacy_display, "engine, legacy_display: "
	    "written");
	if (res == NULL)
		goto out;
	contains(res->log, "legacy_display=yes", "engine, legacy_display: "
	    "the log line says so");
	n = apply_edits(msg, N(msg), &res->edits, outer);
	memset(&pol, 0, sizeof(pol));
	pol.name = "in";
	pol.decrypt = pol.verify = true;
	pol.max_size = 1 << 20;
	pol.cpu_limit = 10;
	{
		struct inbound_request iq = { &pol, oc, 1, keys, trust, NULL,
		    "mx.test", outer, n, enc, "/tmp", (int64_t)time(NULL), 0,
		    0 };

		rewind(enc);
		if (inbound_process(&iq, &in, &err) != 0)
			diag("inbound: %s", err.msg);
	}
	ok(in != NULL && in->decrypted && in->hp.kind == HP_CIPHER &&
	    in->hp.legacy_removed, "engine, legacy_display: decrypted, the "
	    "display taken out");
	if (in == NULL || in->body == NULL)
		goto out;
	n = fread(buf, 1, sizeof(buf) - 1, in->body);
	buf[n] = '\0';
	is_string(buf, "The contract is signed.\r\n", "engine, legacy_display: "
	    "the delivered text as written");
	v = added(&in->edits, "Content-Type");
	ok(v != NULL && strstr(v, "hp") == NULL, "engine: the delivered "
	    "Content-Type has no hp, no hp-legacy-display (%s)", v ? v : "-");
	ok(added(&in->edits, "HP-Outer") == NULL, "engine: no HP-Outer "
	    "in the delivered header");
	is_string(added(&in->edits, "Subject"), "The FooCorp contract",
	    "engine, legacy_display: the real Subject in the header");
	contains(in->smime_header, "mismatch=none; legacy-display=removed",
	    "engine, legacy_display: the result header says so");
	contains(in->log, "hp_legacy=removed", "engine, legacy_display: the "
	    "log line says so");
out:
	inbound_result_free(in);
	outbound_result_free(res);
	fclose(body);
	fclose(enc);
}

static void
test_engines(void)
{
	struct sending_profile p = profile(SMIME_ENCRYPT, HP_ENCRYPT);
	struct outbound_recipient rc = { "bob@smime.example", NULL };
	struct smime_signer org = { 0 }, *keys[1] = { &org };
	struct smime_certificate oc = { 0 };
	struct inbound_policy pol;
	struct outbound_result *res = NULL;
	struct inbound_result *in = NULL;
	struct mime_header outer[32];
	struct smime_err err = { 0 };
	FILE	*body = tmpfile(), *enc = tmpfile();
	X509_STORE *trust = X509_STORE_new();
	size_t	n, i;
	const char *v;

	make_key();
	rc.cert = cert;
	org.cert = cert;
	org.key = key;
	oc.name = "bob";
	{
		struct outbound_request rq = { &p, NULL, NULL, &rc, 1, msg,
		    N(msg), body, enc };

		fputs("The contract is signed.\n", body);
		fflush(body);
		if (outbound_process(&rq, &res, &err) != 0)
			diag("outbound: %s", err.msg);
	}
	ok(res != NULL && res->action == OUTBOUND_REPLACE && res->hp != NULL &&
	    strcmp(res->hp, "cipher") == 0, "engine: encrypted with hp=cipher");
	if (res == NULL)
		return;
	contains(res->log, "header_protection=encrypt hp=cipher",
	    "engine: the log line says so");
	n = apply_edits(msg, N(msg), &res->edits, outer);
	memset(&pol, 0, sizeof(pol));
	pol.name = "in";
	pol.decrypt = pol.verify = true;
	pol.max_size = 1 << 20;
	pol.cpu_limit = 10;
	for (i = 0, v = NULL; i < n; i++)
		if (strcasecmp(outer[i].name, "subject") == 0)
			v = outer[i].value;
	is_string(v ? v : "(none)", "[...]", "engine: the outer Subject is "
	    "[...]");
	for (i = 0, v = NULL; i < n; i++)
		if (strcasecmp(outer[i].name, "keywords") == 0)
			v = outer[i].value;
	ok(v == NULL, "engine: the outer Keywords are gone");

	for (int tamper = 0; tamper < 2; tamper++) {
		struct inbound_request iq = { &pol, &oc, 1, keys, trust, NULL,
		    "mx.test", outer, n, enc, "/tmp", (int64_t)time(NULL), 0,
		    0 };

		if (tamper)
			for (i = 0; i < n; i++)
				if (strcasecmp(outer[i].name, "subject") == 0)
					outer[i].value = "Pay the invoice today";
		rewind(enc);
		in = NULL;
		if (inbound_process(&iq, &in, &err) != 0) {
			diag("inbound: %s", err.msg);
			ok(0, "engine: decrypted (%s)", tamper ? "tampered" :
			    "as sent");
			continue;
		}
		ok(in->decrypted && in->hp.kind == HP_CIPHER,
		    "engine%s: decrypted, hp=cipher found", tamper ?
		    ", tampered" : "");
		is_string(added(&in->edits, "Subject"), "The FooCorp contract",
		    "engine%s: the real Subject restored", tamper ?
		    ", tampered" : "");
		is_string(added(&in->edits, "Keywords"), "contract",
		    "engine%s: the removed Keywords restored", tamper ?
		    ", tampered" : "");
		is_string(in->hp.mismatch, tamper ? "Subject" : "",
		    "engine%s: mismatch %s", tamper ? ", tampered" : "",
		    tamper ? "named" : "none");
		contains(in->smime_header, tamper ? "mismatch=Subject;" :
		    "header-protection=cipher; restored=Subject,Keywords; "
		    "obscured=Subject,Keywords; mismatch=none",
		    "engine%s: the result header says so", tamper ?
		    ", tampered" : "");
		inbound_result_free(in);
	}
	pol.header_protection = HPR_IGNORE;
	{
		struct inbound_request iq = { &pol, &oc, 1, keys, trust, NULL,
		    "mx.test", outer, n, enc, "/tmp", (int64_t)time(NULL), 0,
		    0 };

		rewind(enc);
		in = NULL;
		if (inbound_process(&iq, &in, &err) != 0)
			diag("inbound: %s", err.msg);
		ok(in != NULL && in->decrypted && in->hp.kind == HP_NONE &&
		    added(&in->edits, "Subject") == NULL &&
		    strstr(in->smime_header, "header-protection") == NULL,
		    "engine, header_protection ignore: decrypted, the header "
		    "left as it came");
		inbound_result_free(in);
	}
	outbound_result_free(res);
	engine_legacy(&oc, keys, trust);
	X509_STORE_free(trust);
	fclose(body);
	fclose(enc);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/* A signer whose certificate names alice@smime.example, trusted as
 * itself. */
static X509 *
make_signer(EVP_PKEY **k)
{
	X509	*x = X509_new();
	X509_NAME *n;
	X509_EXTENSION *ext;

	*k = EVP_RSA_gen(2048);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, *k);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"alice", -1, -1, 0);
	X509_set_issuer_name(x, n);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
	    "email:alice@smime.example");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, *k, EVP_sha256());
	return x;
}

/* Signs msgs (header h) with header_protection sign, then runs the
 * incoming engine over the result with the outer header changed by
 * change (NULL: as sent) under header_mismatch hm. */
static struct inbound_result *
signed_trip(const struct mime_header *h, size_t nh, const char *field,
    const char *outside, enum hp_mismatch hm)
{
	struct sending_profile p = profile(SMIME_SIGN, HP_SIGN);
	struct smime_signer sg = { 0 };
	struct outbound_recipient rc = { "bob@smime.example", NULL };
	struct outbound_result *res = NULL;
	struct inbound_result *in = NULL;
	struct inbound_policy pol;
	struct mime_header outer[32];
	struct smime_err err = { 0 };
	FILE	*body = tmpfile(), *out = tmpfile();
	X509_STORE *trust = X509_STORE_new();
	EVP_PKEY *k;
	size_t	n, i;

	sg.cert = make_signer(&k);
	sg.key = k;
	sg.chain = sk_X509_new_null();
	X509_STORE_add_cert(trust, sg.cert);
	p.sign_mode = SIGN_DETACHED;
	p.digest = DIGEST_SHA256;
	p.include_chain = true;
	{
		struct outbound_request rq = { &p, &sg, NULL, &rc, 1, h, nh,
		    body, out };

		fputs("The contract is signed.\n", body);
		fflush(body);
		if (outbound_process(&rq, &res, &err) != 0)
			diag("outbound: %s", err.msg);
	}
	if (res != NULL) {
		n = apply_edits(h, nh, &res->edits, outer);
		for (i = 0; field != NULL && i < n; i++)
			if (strcasecmp(outer[i].name, field) == 0)
				outer[i].value = outside;
		memset(&pol, 0, sizeof(pol));
		pol.name = "in";
		pol.decrypt = pol.verify = true;
		pol.signature = SIGKEEP_RETAIN;
		pol.max_size = 1 << 20;
		pol.cpu_limit = 10;
		pol.header_mismatch = hm;
		{
			struct inbound_request iq = { &pol, NULL, 0, NULL,
			    trust, NULL, "mx.test", outer, n, out, "/tmp",
			    (int64_t)time(NULL), 0, 0 };

			rewind(out);
			if (inbound_process(&iq, &in, &err) != 0)
				diag("inbound: %s", err.msg);
		}
	}
	outbound_result_free(res);
	X509_STORE_free(trust);
	sk_X509_free(sg.chain);
	X509_free(sg.cert);
	EVP_PKEY_free(k);
	fclose(body);
	fclose(out);
	return in;
}

static void
test_signed(void)
{
	static const struct mime_header h[] = {
		{ "From", "Alice <alice@smime.example>" },
		{ "To", "bob@smime.example" }, { "Subject", "The contract" },
		{ "Content-Type", "text/plain" },
	};
	static const struct mime_header forged[] = {
		{ "From", "The CEO <ceo@bank.example>" },
		{ "To", "bob@smime.example" }, { "Subject", "Pay now" },
		{ "Content-Type", "text/plain" },
	};
	struct inbound_result *in;

	in = signed_trip(h, N(h), NULL, NULL, HPM_REPORT);
	ok(in != NULL && in->verdict == INV_PASS && in->hp.kind == HP_CLEAR &&
	    in->hp.restored[0] == '\0' && in->hp.mismatch[0] == '\0',
	    "signed, hp=clear, as sent: pass, nothing to restore");
	inbound_result_free(in);
	in = signed_trip(h, N(h), "Subject", "The contract is void",
	    HPM_REPORT);
	ok(in != NULL && in->verdict == INV_PASS &&
	    strcmp(in->hp.mismatch, "Subject") == 0 &&
	    strstr(in->reason, "header mismatch: Subject") != NULL,
	    "signed, Subject changed: pass, the mismatch in the reason (%s)",
	    in ? in->reason : "-");
	is_string(in ? added(&in->edits, "Subject") : NULL, "The contract",
	    "signed, Subject changed: the signed one restored");
	inbound_result_free(in);
	in = signed_trip(h, N(h), "Subject", "The contract is void",
	    HPM_FAIL);
	ok(in != NULL && in->verdict == INV_FAIL &&
	    added(&in->edits, "Subject") == NULL, "signed, Subject changed, "
	    "header_mismatch fail: fail, nothing restored (%s)",
	    in ? in->reason : "-");
	inbound_result_free(in);
	/* The signer's own outer From, a protected From it does not own. */
	in = signed_trip(forged, N(forged), "From",
	    "Alice <alice@smime.example>", HPM_REPORT);
	ok(in != NULL && in->verdict == INV_FAIL &&
	    strstr(in->reason, "not the protected From") != NULL &&
	    added(&in->edits, "From") == NULL, "a protected From the signer "
	    "does not own: fail, not restored (%s)", in ? in->reason : "-");
	inbound_result_free(in);
}

int
main(void)
{
	plan_lazy();
	test_param();
	test_plan();
	test_canon();
	test_param_once();
	test_legacy();
	test_legacy_qp();
	test_legacy_html();
	test_restore();
	test_engines();
	test_signed();
	return done_testing();
}
