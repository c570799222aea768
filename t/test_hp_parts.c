/*
 * test_hp_parts - RFC 9788 legacy displays in multipart payloads: which
 * parts the sender's side (mime_canon_write_hp) gives one, and the
 * reader's side (hp_legacy_strip_parts) taking them out again, giving
 * back the body as it was.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>

#include "lib/xalloc.h"
#include "smime/hp_legacy.h"
#include "smime/mime/mime_entity.h"
#include "smime/mime/mime_legacy.h"
#include "t/hp_canon.h"
#include "t/tap.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static const struct mime_header protected_fields[] = {
	{ "Subject", "The FooCorp contract" },
	{ "From", "Alice Lovelace <alice@smime.example>" },
};

#define DISPLAY "Subject: The FooCorp contract\n" \
	"From: Alice Lovelace <alice@smime.example>\n\n"
#define SHOWN "Subject: The FooCorp contract\r\n" \
	"From: Alice Lovelace <alice@smime.example>\r\n\r\n"
#define HTML_SHOWN "<div class=\"header-protection-legacy-display\">" \
	"<pre>Subject: The FooCorp contract\r\nFrom: Alice Lovelace " \
	"&lt;alice@smime.example&gt;</pre></div>\r\n"
#define MARKED ";\r\n\thp-legacy-display=\"1\""

static char *
file_text(FILE *f)
{
	char	*s;
	long	n;

	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = x_malloc((size_t)n + 1);
	s[fread(s, 1, (size_t)n, f)] = '\0';
	return s;
}

/* The payload a sending profile that hides the Subject writes for a
 * message of Content-Type ctype and body text: the protected fields,
 * the MIME fields, the body. *wrote: whether it holds a display. */
static char *
write_payload(const char *ctype, const char *text, bool *wrote)
{
	return hp_canon_text(ctype, text, protected_fields,
	    N(protected_fields), "cipher", DISPLAY, wrote);
}

static const char *
body_of(const char *entity)
{
	const char *s = strstr(entity, "\r\n\r\n");

	return s != NULL ? s + 4 : "";
}

/* The reader's side over a payload: its body with the displays taken
 * out (as it was when none is), *removed how many. */
static char *
read_payload(const char *entity, int *removed)
{
	struct mime_entity e = { 0 };
	struct smime_err err = { 0 };
	struct mime_tree *t = NULL;
	FILE	*out = tmpfile(), *work[2] = { tmpfile(), tmpfile() };
	BIO	*sink = mime_entity_sink(tmpfile());
	char	*s;

	*removed = -1;
	BIO_write(sink, entity, (int)strlen(entity));
	if (mime_entity_finish(sink, &e, &err) < 0 ||
	    mime_parse(e.body, e.fields, e.nfields, &t, &err) < 0)
		diag("read: %s", err.msg);
	else if ((*removed = hp_legacy_strip_parts(e.body, t, out, work,
	    e.fields, e.nfields, &err)) < 0)
		diag("strip: %s", err.msg);
	s = file_text(*removed > 0 ? out : e.body);
	BIO_free(sink);
	mime_tree_free(t);
	mime_entity_clear(&e);
	fclose(out);
	fclose(work[0]);
	fclose(work[1]);
	return s;
}

/* A payload written from body, then read: the display in want_parts
 * places, and the body as canonical form gives it once they are gone. */
static void
round_trip(const char *ctype, const char *body, int want_parts,
    const char *want_back, const char *name)
{
	char	*p, *back;
	const char *s;
	int	seen = 0, removed;
	bool	wrote;

	p = write_payload(ctype, body, &wrote);
	for (s = p; (s = strstr(s, "hp-legacy-display=\"1\"")) != NULL; s++)
		seen++;
	is_int(seen, want_parts, "%s: %d parts marked", name, want_parts);
	ok(wrote == (want_parts > 0), "%s: the writer says it wrote %s", name,
	    want_parts > 0 ? "a display" : "none");
	back = read_payload(p, &removed);
	is_int(removed, want_parts, "%s: %d displays taken out", name,
	    want_parts);
	is_string(back, want_back, "%s: the body as it was", name);
	free(back);
	free(p);
}

#define PLAIN	"Content-Type: text/plain; charset=us-ascii\n\n"
#define HTML	"Content-Type: text/html; charset=us-ascii\n\n"
#define CPLAIN	"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
#define CHTML	"Content-Type: text/html; charset=us-ascii\r\n\r\n"
#define CMARKED(t) "Content-Type: " t "; charset=us-ascii" MARKED "\r\n\r\n"

/* What the writer puts where: the exact payload bodies. */
static void
test_written(void)
{
	char	*p;
	bool	wrote;

	p = write_payload("multipart/mixed; boundary=b", "--b\n" PLAIN
	    "Hello Bob\n--b\n" PLAIN "a second text\n--b--\n", &wrote);
	is_string(p, "Subject: The FooCorp contract\r\n"
	    "From: Alice Lovelace <alice@smime.example>\r\n"
	    "Content-Type: multipart/mixed; boundary=b;\r\n\thp=\"cipher\"\r\n"
	    "\r\n--b\r\n" CMARKED("text/plain") SHOWN "Hello Bob\r\n--b\r\n"
	    CPLAIN "a second text\r\n--b--\r\n", "mixed: the first part gets "
	    "the display and the mark, the second and the multipart do not");
	free(p);
	p = write_payload("multipart/alternative; boundary=b", "--b\n" PLAIN
	    "Hello Bob\n--b\n" HTML "<html><body>\n<p>Hello Bob</p>\n"
	    "</body></html>\n--b--\n", &wrote);
	is_string(body_of(p), "--b\r\n" CMARKED("text/plain") SHOWN
	    "Hello Bob\r\n--b\r\n" CMARKED("text/html") "<html><body>\r\n"
	    HTML_SHOWN "<p>Hello Bob</p>\r\n</body></html>\r\n--b--\r\n",
	    "alternative: every text, the HTML one after its <body> tag");
	free(p);
	p = write_payload("multipart/mixed; boundary=b",
	    "--b\n\nno Content-Type\n--b--\n", &wrote);
	is_string(body_of(p), "--b\r\nContent-Type: text/plain" MARKED
	    "\r\n\r\n" SHOWN "no Content-Type\r\n--b--\r\n", "a part without "
	    "a Content-Type (text/plain) gets one, marked");
	free(p);
	p = write_payload("multipart/mixed; boundary=b", "--b\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\ncaf\xc3\xa9\n--b--\n", &wrote);
	is_string(body_of(p), "--b\r\nContent-Type: text/plain; "
	    "charset=utf-8" MARKED "\r\nContent-Transfer-Encoding: "
	    "quoted-printable\r\n\r\nSubject: The FooCorp contract\r\n"
	    "=46rom: Alice Lovelace <alice@smime.example>\r\n\r\n"
	    "caf=C3=A9\r\n--b--\r\n", "8-bit text made quoted-printable: "
	    "the display through the same encoder (a line's first F as =46), "
	    "the mark and the new encoding both written");
	free(p);
}

/* Which parts are main body texts (RFC 9788: every part of a
 * multipart/alternative, the first of any other multipart). */
static void
test_which_parts(void)
{
	char	*many = NULL, *expect, *p;
	size_t	i, len;
	int	seen = 0;
	bool	wrote;
	const char *s;

	round_trip("multipart/mixed; boundary=b", "--b\n" PLAIN "Hello\n"
	    "--b\nContent-Type: text/plain\nContent-Disposition: attachment;"
	    " filename=notes.txt\n\nnotes\n--b--\n", 1, "--b\r\n" CPLAIN
	    "Hello\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition:"
	    " attachment; filename=notes.txt\r\n\r\nnotes\r\n--b--\r\n",
	    "mixed, a text attachment after the text");
	round_trip("multipart/mixed; boundary=o", "--o\nContent-Type: "
	    "multipart/alternative; boundary=i\n\n--i\n" PLAIN "Hello\n--i\n"
	    HTML "<body>\n<p>Hello</p>\n</body>\n--i--\n--o\nContent-Type: "
	    "application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0x\n"
	    "--o--\n", 2, "--o\r\nContent-Type: multipart/alternative; "
	    "boundary=i\r\n\r\n--i\r\n" CPLAIN "Hello\r\n--i\r\n" CHTML
	    "<body>\r\n<p>Hello</p>\r\n</body>\r\n--i--\r\n--o\r\n"
	    "Content-Type: application/pdf\r\nContent-Transfer-Encoding: "
	    "base64\r\n\r\nJVBERi0x\r\n--o--\r\n",
	    "mixed of an alternative and a PDF: both texts of the alternative");
	round_trip("multipart/related; boundary=r", "--r\n" HTML "<body>\n"
	    "<img src=\"cid:a\">\n</body>\n--r\n" PLAIN "not first\n--r--\n",
	    1, "--r\r\n" CHTML "<body>\r\n<img src=\"cid:a\">\r\n</body>\r\n"
	    "--r\r\n" CPLAIN "not first\r\n--r--\r\n",
	    "related: its first part only");
	round_trip("multipart/mixed; boundary=b", "--b\nContent-Type: "
	    "text/plain\nContent-Disposition: attachment\n\nnotes\n--b\n"
	    PLAIN "second\n--b--\n", 0, "--b\r\nContent-Type: text/plain\r\n"
	    "Content-Disposition: attachment\r\n\r\nnotes\r\n--b\r\n" CPLAIN
	    "second\r\n--b--\r\n", "mixed whose first part is an attachment: "
	    "none (the second is no main body part)");
	round_trip("multipart/signed; boundary=s; protocol=\"application/"
	    "pkcs7-signature\"", "--s\n" PLAIN "signed text\n--s\n"
	    "Content-Type: application/pkcs7-signature\n\nAAAA\n--s--\n", 0,
	    "--s\r\n" CPLAIN "signed text\r\n--s\r\nContent-Type: "
	    "application/pkcs7-signature\r\n\r\nAAAA\r\n--s--\r\n",
	    "multipart/signed: nothing inside the sender's signature changes");
	round_trip("multipart/mixed; boundary=b", "--b\nContent-Type: "
	    "text/plain\nContent-Type: text/html\n\n<p>x</p>\n--b--\n", 0,
	    "--b\r\nContent-Type: text/plain\r\nContent-Type: text/html\r\n"
	    "\r\n<p>x</p>\r\n--b--\r\n", "a part of two Content-Types: "
	    "left alone");
	round_trip("multipart/alternative; boundary=b", "--b\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\ncaf\xc3\xa9\n--b\n"
	    "Content-Type: text/html; charset=utf-8\n\n<body>\ncaf\xc3\xa9"
	    "</body>\n--b--\n", 2, "--b\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
	    "\r\n\r\ncaf=C3=A9\r\n--b\r\nContent-Type: text/html; "
	    "charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
	    "\r\n\r\n<body>\r\ncaf=C3=A9</body>\r\n--b--\r\n",
	    "alternative of 8-bit texts, made quoted-printable");
	round_trip("multipart/mixed; boundary=b", "--b\nContent-Type: "
	    "text/plain\nContent-Transfer-Encoding: base64\n\nSGVsbG8=\n"
	    "--b--\n", 0, "--b\r\nContent-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8=\r\n--b--\r\n",
	    "base64 text: left alone");

	/* An HTML <body> further down than a reader looks: no display. */
	len = 0;
	for (i = 0; i < MIME_LEGACY_HTML_LINES; i++) {
		many = x_realloc(many, len + 64);
		len += (size_t)sprintf(many + len, "<meta name=\"m%zu\">\n", i);
	}
	strcpy(many + len, "<body>\n<p>late</p>\n</body>\n");
	p = write_payload("text/html", many, &wrote);
	ok(!wrote && strstr(body_of(p), "FooCorp") == NULL, "html whose "
	    "<body> comes after %d lines: no display (a reader would not "
	    "find it)", MIME_LEGACY_HTML_LINES);
	free(p);
	many[strlen("<meta name=\"m0\">\n")] = '\0';
	strcat(many, "<body>\n<p>early</p>\n</body>\n");
	p = write_payload("text/html", many, &wrote);
	ok(wrote && strstr(body_of(p), "FooCorp") != NULL, "html whose "
	    "<body> comes early: the display");
	free(p);
	free(many);
	many = NULL;

	/* Many alternatives: at most MIME_LEGACY_TEXTS displays. */
	len = 0;
	for (i = 0; i < 40; i++) {
		many = x_realloc(many, len + 64);
		len += (size_t)sprintf(many + len, "--b\n" PLAIN "v%zu\n", i);
	}
	strcpy(many + len, "--b--\n");
	p = write_payload("multipart/alternative; boundary=b", many, &wrote);
	for (s = p; (s = strstr(s, "hp-legacy-display")) != NULL; s++)
		seen++;
	is_int(seen, MIME_LEGACY_TEXTS, "40 alternatives: %d displays",
	    MIME_LEGACY_TEXTS);
	expect = read_payload(p, &seen);
	is_int(seen, MIME_LEGACY_TEXTS, "40 alternatives: all %d taken out",
	    MIME_LEGACY_TEXTS);
	ok(strstr(expect, "FooCorp") == NULL && strstr(expect, "v39\r\n") !=
	    NULL, "40 alternatives: no display left, the last text kept");
	free(expect);
	free(p);
	free(many);
}

/* The reader's refusals: what it does not take out. */
static void
test_reader_refusals(void)
{
	char	*back;
	int	removed;

	back = read_payload("Subject: The FooCorp contract\r\n"
	    "Content-Type: multipart/mixed; boundary=b; hp=\"cipher\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain" MARKED "\r\n\r\nSubject: "
	    "Pay the invoice\r\n\r\nHello\r\n--b--\r\n", &removed);
	is_int(removed, 0, "reader: a display of another Subject is text: "
	    "kept");
	free(back);
	back = read_payload("Subject: The FooCorp contract\r\n"
	    "Content-Type: multipart/mixed; boundary=b; hp=\"cipher\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nSubject: The FooCorp "
	    "contract\r\n\r\nHello\r\n--b--\r\n", &removed);
	is_int(removed, 0, "reader: a part not marked: kept");
	free(back);
	back = read_payload("Subject: The FooCorp contract\r\n"
	    "Content-Type: multipart/mixed; boundary=b; hp=\"cipher\"\r\n\r\n"
	    "--b\r\n" PLAIN "Hi\r\n--b\r\nContent-Type: text/plain" MARKED
	    "\r\n\r\nSubject: The FooCorp contract\r\n\r\nHello\r\n--b--\r\n",
	    &removed);
	is_int(removed, 0, "reader: a marked part that is no main body part "
	    "(second of a mixed): kept");
	free(back);
	back = read_payload("Subject: The FooCorp contract\r\n"
	    "Content-Type: multipart/mixed; boundary=b; hp=\"cipher\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain;\r\n hp-legacy-display=\"1\"; "
	    "charset=us-ascii\r\nX-Part: kept\r\n\r\nSubject: The FooCorp "
	    "contract\r\n\r\nHello\r\n--b--\r\nepilogue\r\n", &removed);
	is_int(removed, 1, "reader: a client's payload, the mark folded "
	    "first: taken out");
	is_string(back, "--b\r\nContent-Type: text/plain; charset=us-ascii"
	    "\r\nX-Part: kept\r\n\r\nHello\r\n--b--\r\nepilogue\r\n",
	    "reader: the mark gone with its separator, the other parameters, "
	    "fields and the epilogue byte for byte");
	free(back);
}

/* Clients that write the display into UTF-8 text and send it base64
 * (Loupe's shape): decoded, taken out, encoded again. */
static void
test_base64(void)
{
	char	*back;
	int	removed;

	back = read_payload("Subject: The FooCorp contract\r\n"
	    "Content-Type: text/plain; charset=utf-8; hp-legacy-display=\"1\";"
	    " hp=\"cipher\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	    "U3ViamVjdDogVGhlIEZvb0NvcnAgY29udHJhY3QNCg0KSGVsbG8gQm9iDQo=\r\n",
	    &removed);
	is_int(removed, 1, "base64 text/plain payload: the display taken out");
	is_string(back, "SGVsbG8gQm9iDQo=\r\n", "base64 text/plain payload: "
	    "the text without it, base64 again");
	free(back);
	back = read_payload("Subject: The FooCorp contract\r\n"
	    "Content-Type: multipart/alternative; boundary=b; hp=\"cipher\""
	    "\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8; "
	    "hp-legacy-display=\"1\"\r\nContent-Transfer-Encoding: base64"
	    "\r\n\r\nU3ViamVjdDogVGhlIEZvb0NvcnAgY29udHJhY3QNCg0KSGVsbG8g"
	    "Qm9iDQo=\r\n--b\r\nContent-Type: text/html; charset=utf-8; "
	    "hp-legacy-display=\"1\"\r\nContent-Transfer-Encoding: base64"
	    "\r\n\r\n"
	    "PGh0bWw+PGJvZHk+DQo8ZGl2IGNsYXNzPSJoZWFkZXItcHJvdGVjdGlvbi1sZWdhY3ktZGlzcGxh"
	    "\r\n"
	    "eSI+PHByZT5TdWJqZWN0OiBUaGUgRm9vQ29ycCBjb250cmFjdDwvcHJlPjwvZGl2PjxwPkhlbGxv"
	    "\r\nIEJvYjwvcD4NCjwvYm9keT48L2h0bWw+\r\n--b--\r\n", &removed);
	is_int(removed, 2, "base64 alternative: both displays taken out, the "
	    "HTML one with text after its </div>");
	is_string(back, "--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8gQm9iDQo=\r\n"
	    "--b\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "PGh0bWw+PGJvZHk+DQo8cD5IZWxsbyBCb2I8L3A+DQo8L2JvZHk+PC9odG1sPg=="
	    "\r\n--b--\r\n", "base64 alternative: each text without its "
	    "display, base64 again, the marks gone");
	free(back);
	back = read_payload("Subject: The FooCorp contract\r\n"
	    "Content-Type: text/plain; hp-legacy-display=\"1\"; hp=\"cipher\""
	    "\r\nContent-Transfer-Encoding: base64\r\n\r\nU3Vi*mVj\r\n",
	    &removed);
	is_int(removed, 0, "base64 that does not decode: left as it is");
	free(back);
}

int
main(void)
{
	plan_lazy();
	test_written();
	test_which_parts();
	test_reader_refusals();
	test_base64();
	return done_testing();
}
