/*
 * test_mime - MIME parsing and RFC 8551 canonicalization (smime/mime_parse,
 * smime/mime_canon): tables of messages with the exact inner entity wanted
 * (each also through the round trip of t/mime_roundtrip.h), malformed
 * inputs with the error wanted, lines that end where the reader cuts its
 * pieces, the size of the drop list, and random input that must never
 * crash.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>

#include "smime/mime/mime_canon.h"
#include "smime/mime/mime_parse.h"
#include "smime/mime/mime_reader.h"
#include "t/mime_roundtrip.h"
#include "t/tap.h"

#define CT "Content-Type"
#define CTE "Content-Transfer-Encoding"
#define X10 "xxxxxxxxxx"

struct hdr2 {
	const char	*name, *value;
};

/* Runs parse + canon on headers and body (blen bytes). Returns the entity
 * (malloc'd) or NULL with err set. */
static char *
canon(const struct hdr2 *h, const char *body, size_t blen,
    struct smime_err *err)
{
	struct mime_header hv[8];
	size_t	nh = 0;
	FILE	*f = tmpfile();
	struct mime_tree *t = NULL;
	BIO	*mem = BIO_new(BIO_s_mem());
	char	*out = NULL, *p;
	long	len;

	smime_err_clear(err);
	for (; h != NULL && h[nh].name != NULL; nh++) {
		hv[nh].name = h[nh].name;
		hv[nh].value = h[nh].value;
	}
	fwrite(body, 1, blen, f);
	fflush(f);
	if (mime_parse(f, hv, nh, &t, err) == 0 &&
	    mime_canon_write(f, t, hv, nh, mem, NULL, err) == 0) {
		len = BIO_get_mem_data(mem, &p);
		out = malloc((size_t)len + 1);
		memcpy(out, p, (size_t)len);
		out[len] = '\0';
	}
	mime_tree_free(t);
	BIO_free(mem);
	fclose(f);
	return out;
}

/* The whole message (headers, empty line, body) through the round trip. */
static void
roundtrip(const struct hdr2 *h, const char *body, size_t blen,
    const char *name)
{
	struct rt_buf m = { 0 };
	char	why[512];
	int	r;

	for (; h != NULL && h->name != NULL; h++) {
		rt_puts(&m, h->name);
		rt_puts(&m, ": ");
		rt_puts(&m, h->value);
		rt_puts(&m, "\n");
	}
	rt_puts(&m, "\n");
	rt_put(&m, body, blen);
	r = mime_roundtrip_check(m.p, m.n, why, sizeof(why));
	ok(r == 0, "%s: round trip (%s)", name, r == 0 ? "holds" : why);
	rt_buf_free(&m);
}

static const struct hdr2 h_text[] = { { CT, "text/plain" }, { NULL, NULL } };
static const struct hdr2 h_utf8[] = { { "Subject", "s" },
	{ CT, "text/plain; charset=utf-8" }, { CTE, "8bit" }, { NULL, NULL } };
static const struct hdr2 h_bin[] = { { CT, "application/octet-stream" },
	{ CTE, "binary" }, { NULL, NULL } };
static const struct hdr2 h_b64[] = { { CT, "application/pdf" },
	{ CTE, "base64" }, { NULL, NULL } };
static const struct hdr2 h_mixed[] = { { "MIME-Version", "1.0" },
	{ CT, "multipart/mixed; boundary=\"b1\"" }, { NULL, NULL } };
static const struct hdr2 h_mixed8[] = {
	{ CT, "multipart/mixed;\n\tboundary=b1 (comment)" }, { CTE, "8bit" },
	{ NULL, NULL } };
static const struct hdr2 h_nob[] = { { CT, "multipart/mixed" },
	{ NULL, NULL } };

static void
test_canonical(void)
{
	static const struct {
		const char *name;
		const struct hdr2 *h;
		const char *body;
		size_t	blen;	/* 0: strlen */
		const char *want;
	} cases[] = {
		{ "LF becomes CRLF, 7-bit text unchanged", h_text,
		  "a\nb\r\nc\n", 0,
		  "Content-Type: text/plain\r\n\r\na\r\nb\r\nc\r\n" },
		{ "no Content-Type: text/plain added", NULL, "x\n", 0,
		  "Content-Type: text/plain\r\n\r\nx\r\n" },
		{ "8-bit text becomes quoted-printable", h_utf8,
		  "caf\xc3\xa9 =x \nend", 0,
		  "Content-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		  "caf=C3=A9 =3Dx=20\r\nend" },
		{ "QP: '-' starting a line, bare CR, tab at the end", h_utf8,
		  "\xe9\n--b\nx\ry\t\n", 0,
		  "Content-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		  "=E9\r\n=2D-b\r\nx=0Dy=09\r\n" },
		{ "QP: soft line breaks at 76", h_utf8,
		  "\xe9" X10 X10 X10 X10 X10 X10 X10 X10 "\n", 0,
		  "Content-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		  "=E9" X10 X10 X10 X10 X10 X10 X10 "xx=\r\nxxxxxxxx\r\n" },
		{ "binary becomes base64 (exact bytes)", h_bin,
		  "\0\1\2\n", 4,
		  "Content-Type: application/octet-stream\r\n"
		  "Content-Transfer-Encoding: base64\r\n\r\nAAECCg==\r\n" },
		{ "text with NUL becomes base64", h_text, "a\0b", 3,
		  "Content-Type: text/plain\r\n"
		  "Content-Transfer-Encoding: base64\r\n\r\nYQBi\r\n" },
		{ "7-bit line over 998 octets becomes quoted-printable", h_text,
		  NULL, 0, NULL },	/* filled below */
		{ "base64 part copied (line ends made CRLF)", h_b64,
		  "QUJD\nREVG\n", 0,
		  "Content-Type: application/pdf\r\n"
		  "Content-Transfer-Encoding: base64\r\n\r\nQUJD\r\nREVG\r\n" },
		{ "multipart: 8-bit leaf converted, its CTE field replaced",
		  h_mixed,
		  "pre\n--b1\nContent-Type: text/plain; charset=latin1\n"
		  "Content-Transfer-Encoding: 8bit\nX-A: 1\n\n\xe9t\xe9\n"
		  "--b1\nContent-Type: text/plain\n\nclean\n--b1--\nepi\n", 0,
		  "MIME-Version-less\r\n" },	/* see below */
		{ "nested multipart, transport padding, 8bit label made 7bit",
		  h_mixed8,
		  "--b1  \nContent-Type: multipart/alternative; boundary=b2\n\n"
		  "--b2\nContent-Type: text/plain\n\n\xe9\n--b2\n"
		  "Content-Type: text/html\nContent-Transfer-Encoding: 7bit\n\n"
		  "<p>ok</p>\n--b2--\n--b1--\n", 0,
		  "Content-Type: multipart/mixed;\r\n\tboundary=b1 (comment)\r\n"
		  "Content-Transfer-Encoding: 7bit\r\n\r\n"
		  "--b1  \r\nContent-Type: multipart/alternative; boundary=b2\r\n"
		  "\r\n--b2\r\nContent-Type: text/plain\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\n=E9\r\n"
		  "--b2\r\nContent-Type: text/html\r\n"
		  "Content-Transfer-Encoding: 7bit\r\n\r\n<p>ok</p>\r\n"
		  "--b2--\r\n--b1--\r\n" },
		{ "8-bit preamble and epilogue lines left out", h_mixed,
		  "caf\xe9\nclean\n--b1\n\nx\n--b1--\nbye\n\xe9\n\xe9\n", 0,
		  "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
		  "clean\r\n--b1\r\n\r\nx\r\n--b1--\r\nbye\r\n" },
		{ "nothing converted inside a sender's multipart/signed", h_mixed,
		  "--b1\nContent-Type: multipart/signed; boundary=s\n\n--s\n"
		  "Content-Transfer-Encoding: 8bit\n\n\xe9\n--s\n\nsig\n--s--\n"
		  "--b1--\n", 0,
		  "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
		  "--b1\r\nContent-Type: multipart/signed; boundary=s\r\n\r\n"
		  "--s\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\xe9\r\n"
		  "--s\r\n\r\nsig\r\n--s--\r\n--b1--\r\n" },
		{ "empty body", h_text, "", 0,
		  "Content-Type: text/plain\r\n\r\n" },
		{ "a CR ending the file is a bare CR", h_text, "a\nb\r", 0,
		  "Content-Type: text/plain\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		  "a\r\nb=0D" },
		{ "QP: a '-' that a soft break puts first is encoded (no new "
		  "delimiter)", h_mixed,
		  "--b1\nContent-Type: text/plain; charset=utf-8\n\n"
		  "\xe9" X10 X10 X10 X10 X10 X10 X10 "xx--b1\n--b1--\n", 0,
		  "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
		  "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		  "=E9" X10 X10 X10 X10 X10 X10 X10 "xx=\r\n=2D-b1\r\n"
		  "--b1--\r\n" },
		{ "QP: '.' and 'F' starting an encoded line are encoded",
		  h_utf8, "\xe9" X10 X10 X10 X10 X10 X10 X10 "xx.\n.x\nFrom y\n"
		  "\xe9" X10 X10 X10 X10 X10 X10 X10 "xxFrom z\n", 0,
		  "Content-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		  "=E9" X10 X10 X10 X10 X10 X10 X10 "xx=\r\n=2E\r\n=2Ex\r\n"
		  "=46rom y\r\n"
		  "=E9" X10 X10 X10 X10 X10 X10 X10 "xx=\r\n=46rom z\r\n" },
		{ "QP: white space that a soft break puts first stays", h_utf8,
		  "\xe9" X10 X10 X10 X10 X10 X10 X10 "xx a\n", 0,
		  "Content-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		  "=E9" X10 X10 X10 X10 X10 X10 X10 "xx=\r\n a\r\n" },
		{ "a multipart/signed's nested preamble and epilogue are signed: "
		  "kept", h_mixed,
		  "--b1\nContent-Type: multipart/signed; boundary=s\n\n"
		  "\xe9 outer pre\n--s\nContent-Type: multipart/mixed; "
		  "boundary=m\n\n\xe9 pre\n--m\n\nx\n--m--\n\xe9 epi\n--s\n\n"
		  "sig\n--s--\n--b1--\n", 0,
		  "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
		  "--b1\r\nContent-Type: multipart/signed; boundary=s\r\n\r\n"
		  "--s\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n"
		  "\xe9 pre\r\n--m\r\n\r\nx\r\n--m--\r\n\xe9 epi\r\n--s\r\n"
		  "\r\nsig\r\n--s--\r\n--b1--\r\n" },
	};
	char	longline[1200], longwant[1400];
	size_t	i;

	memset(longline, 'a', 1000);
	strcpy(longline + 1000, "\n");
	snprintf(longwant, sizeof(longwant), "Content-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	for (i = 0; i < 1000; i += 75) {
		size_t	k = strlen(longwant), take = 1000 - i < 75 ? 1000 - i : 75;

		memset(longwant + k, 'a', take);
		strcpy(longwant + k + take, i + take < 1000 ? "=\r\n" : "\r\n");
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct smime_err err;
		const char *body = cases[i].body, *want = cases[i].want;
		size_t	blen;
		char	*got;

		if (body == NULL) {
			body = longline;
			want = longwant;
		}
		if (strcmp(want, "MIME-Version-less\r\n") == 0)
			want = "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
			    "\r\npre\r\n--b1\r\n"
			    "Content-Type: text/plain; charset=latin1\r\n"
			    "X-A: 1\r\nContent-Transfer-Encoding: quoted-printable"
			    "\r\n\r\n=E9t=E9\r\n--b1\r\nContent-Type: text/plain"
			    "\r\n\r\nclean\r\n--b1--\r\nepi\r\n";
		blen = cases[i].blen ? cases[i].blen : strlen(body);
		got = canon(cases[i].h, body, blen, &err);
		if (got == NULL)
			diag("error: %s", err.msg);
		is_string(got, want, "%s", cases[i].name);
		free(got);
		roundtrip(cases[i].h, body, blen, cases[i].name);
	}
}

/* A string of n copies of c, then tail (malloc'd; *len gets its length). */
static char *
run_of(int c, size_t n, const char *head, const char *tail, size_t *len)
{
	size_t	hl = strlen(head), tl = strlen(tail);
	char	*s = malloc(hl + n + tl + 1);

	memcpy(s, head, hl);
	memset(s + hl, c, n);
	memcpy(s + hl + n, tail, tl + 1);
	*len = hl + n + tl;
	return s;
}

/* Preamble and epilogue lines are kept or left out whole, however the
 * reader cuts them (MIME_READER_LINE bytes a piece). */
static void
test_long_preamble(void)
{
	static const char want[] = "Content-Type: multipart/mixed; "
	    "boundary=\"b1\"\r\n\r\n--b1\r\n\r\nx\r\n--b1--\r\n";
	struct smime_err err;
	char	*body, *got;
	size_t	n;

	/* 8-bit data after the first piece: the whole line goes, the
	 * delimiter stays a line of its own. */
	body = run_of('A', MIME_READER_LINE + 6, "", "\xe9\n--b1\n\nx\n--b1--\n",
	    &n);
	got = canon(h_mixed, body, n, &err);
	is_string(got, want, "preamble line with 8-bit data after 1 KiB: left "
	    "out whole");
	roundtrip(h_mixed, body, n, "preamble line with 8-bit data after 1 KiB");
	free(got);
	free(body);

	/* 8-bit data in the first piece, the rest looks like a delimiter:
	 * it must not become one. */
	body = run_of('A', MIME_READER_LINE - 1, "\xe9",
	    "--b1\n--b1\n\nx\n--b1--\n", &n);
	got = canon(h_mixed, body, n, &err);
	is_string(got, want, "preamble line whose second piece reads like a "
	    "delimiter: left out whole, no new part");
	roundtrip(h_mixed, body, n, "preamble line whose second piece reads "
	    "like a delimiter");
	free(got);
	free(body);

	/* A 7-bit epilogue line over 998 octets could not cross SMTP. */
	body = run_of('A', 999, "--b1\n\nx\n--b1--\n", "\nbye\n", &n);
	got = canon(h_mixed, body, n, &err);
	is_string(got, "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
	    "\r\n--b1\r\n\r\nx\r\n--b1--\r\nbye\r\n",
	    "epilogue line over 998 octets left out");
	free(got);
	free(body);
}

/* A CRLF whose CR ends one of the reader's pieces and whose LF starts the
 * next is one line break, in headers and before a delimiter. */
static void
test_crlf_across_pieces(void)
{
	static const size_t lens[] = { MIME_READER_LINE - 1,
	    2 * MIME_READER_LINE - 1, 3 * MIME_READER_LINE - 1 };
	struct smime_err err;
	char	*body, *got, *want;
	size_t	i, n;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		/* A nested header line of lens[i] bytes. */
		body = run_of('h', lens[i] - 8, "--b1\r\nX-Long: ",
		    "\r\nContent-Type: text/plain\r\n\r\nx\r\n--b1--\r\n", &n);
		want = malloc(n + 64);
		snprintf(want, n + 64, "Content-Type: multipart/mixed; "
		    "boundary=\"b1\"\r\n\r\n%s", body);
		got = canon(h_mixed, body, n, &err);
		if (got == NULL)
			diag("error: %s", err.msg);
		is_string(got, want, "header line of %zu bytes + CRLF: one line "
		    "break, copied as it is", lens[i]);
		roundtrip(h_mixed, body, n, "header line + CRLF across pieces");
		free(got);
		free(want);
		free(body);
	}

	/* An 8-bit content line of 1023 bytes + CRLF, then the delimiter:
	 * the CRLF belongs to the delimiter, the CR is not content. */
	body = run_of('a', MIME_READER_LINE - 2, "--b1\r\n\r\n\xe9",
	    "\r\n--b1--\r\n", &n);
	{
		FILE	*f = tmpfile();
		struct mime_header top = { "Content-Type",
		    "multipart/mixed; boundary=b1" };
		struct mime_tree *t = NULL;

		long long end = -1;

		fwrite(body, 1, n, f);
		fflush(f);
		if (mime_parse(f, &top, 1, &t, &err) == 0 && t->nparts == 2)
			end = (long long)t->parts[1].body_end;
		is_int(end, 8 + MIME_READER_LINE - 1, "content line of 1023 "
		    "bytes + CRLF before a delimiter: content ends before the "
		    "CR");
		mime_tree_free(t);
		fclose(f);
	}
	got = canon(h_mixed, body, n, &err);
	ok(got != NULL && strstr(got, "=0D") == NULL,
	    "... and its quoted-printable has no =0D");
	roundtrip(h_mixed, body, n, "content line + CRLF across pieces");
	free(got);
	free(body);
}

/* The drop list is bounded by the parts, not by the lines: one range per
 * preamble and per epilogue. */
static void
test_drop_list_size(void)
{
	struct smime_err err;
	struct mime_header top = { "Content-Type",
	    "multipart/mixed; boundary=b1" };
	struct mime_tree *t = NULL;
	FILE	*f = tmpfile();
	size_t	i;
	const char *body;
	char	*got;

	for (i = 0; i < 131072; i++)
		fputs("\xe9\nx\n", f);
	fputs("--b1\n\nbody\n--b1--\n", f);
	for (i = 0; i < 131072; i++)
		fputs("x\n\xe9\n", f);
	fflush(f);
	if (mime_parse(f, &top, 1, &t, &err) < 0)
		diag("error: %s", err.msg);
	is_uint(t != NULL ? t->ndrops : 0, 2, "1 MiB of alternating 8-bit "
	    "and clean preamble and epilogue lines: 2 drop ranges");
	mime_tree_free(t);
	fclose(f);

	body = "clean\n\xe9\nkept?\n\xe9\n--b1\n\nx\n--b1--\n";
	got = canon(h_mixed, body, strlen(body), &err);
	is_string(got, "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
	    "\r\nclean\r\n--b1\r\n\r\nx\r\n--b1--\r\n",
	    "one range from the first to the last line left out");
	free(got);
}

static void
test_malformed(void)
{
	static const struct {
		const char *name;
		const struct hdr2 *h;
		const char *body;
		size_t	blen;
		const char *want;	/* substring of the reason */
	} cases[] = {
		{ "multipart without boundary", h_nob, "--x\n\nx\n--x--\n", 0,
		  "without a usable boundary" },
		{ "multipart never closed", h_mixed,
		  "--b1\nContent-Type: text/plain\n\nx\n", 0,
		  "unterminated multipart: no closing --b1--" },
		{ "inner multipart closed by the outer delimiter", h_mixed,
		  "--b1\nContent-Type: multipart/mixed; boundary=b2\n\n--b2\n\n"
		  "x\n--b1--\n", 0, "unterminated multipart: no closing --b2--" },
		{ "NUL byte in a part header", h_mixed,
		  "--b1\nContent-Type: text/plain\0\n\nx\n--b1--\n", 41,
		  "NUL byte in a header" },
		{ "bare CR in a part header", h_mixed,
		  "--b1\nSubject: a\rb\n\nx\n--b1--\n", 0, "bare CR in a header" },
		{ "header line without a colon", h_mixed,
		  "--b1\nnot a header\n\nx\n--b1--\n", 0, "malformed header line" },
		{ "folded line without a field", h_mixed,
		  "--b1\n folded\n\nx\n--b1--\n", 0, "folded header line" },
		{ "headers not ended by an empty line", h_mixed,
		  "--b1\nContent-Type: text/plain\n--b1--\n", 0,
		  "headers not ended by an empty line" },
		{ "8-bit data in a base64 part", h_b64, "QUJD\xff\n", 0,
		  "8-bit data in a part encoded base64" },
		{ "NUL in a quoted-printable part", h_mixed,
		  "--b1\nContent-Transfer-Encoding: quoted-printable\n\na\0b\n"
		  "--b1--\n", 61, "NUL byte in a part encoded quoted-printable" },
		{ "multipart labelled base64", NULL, NULL, 0,
		  "with transfer encoding base64" },
	};
	static const struct hdr2 h_mb64[] = {
		{ CT, "multipart/mixed; boundary=b" }, { CTE, "base64" },
		{ NULL, NULL } };
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct smime_err err;
		const struct hdr2 *h = cases[i].h ? cases[i].h : h_mb64;
		const char *body = cases[i].body ? cases[i].body : "--b\n\nx\n--b--\n";
		size_t	blen = cases[i].blen ? cases[i].blen : strlen(body);
		char	*got = canon(h, body, blen, &err);

		ok(got == NULL && err.status == SMIME_PERM &&
		    strstr(err.msg, cases[i].want) != NULL,
		    "%s: permanent error (got \"%s\", want \"...%s...\")",
		    cases[i].name, got ? "no error" : err.msg, cases[i].want);
		free(got);
	}
}

static void
test_limits(void)
{
	struct smime_err err;
	char	*body, *got;
	size_t	i, n;

	/* A folded header field of 70,000 bytes in a part. */
	body = malloc(80000);
	n = (size_t)sprintf(body, "--b1\nX-Big: a");
	for (i = 0; i < 7000; i++)
		n += (size_t)sprintf(body + n, "\n xxxxxxxx");
	n += (size_t)sprintf(body + n, "\n\nx\n--b1--\n");
	got = canon(h_mixed, body, n, &err);
	ok(got == NULL && err.status == SMIME_PERM &&
	    strstr(err.msg, "header field longer than 65536") != NULL,
	    "huge header refused (got \"%s\")", got ? "no error" : err.msg);
	free(got);

	/* Nesting deeper than MIME_MAX_DEPTH. */
	n = 0;
	for (i = 0; i < MIME_MAX_DEPTH + 2; i++)
		n += (size_t)sprintf(body + n, "--b%zu\nContent-Type: "
		    "multipart/mixed; boundary=b%zu\n\n", i, i + 1);
	{
		static const struct hdr2 h0[] = {
			{ CT, "multipart/mixed; boundary=b0" }, { NULL, NULL } };

		got = canon(h0, body, n, &err);
	}
	ok(got == NULL && strstr(err.msg, "nesting deeper than 32") != NULL,
	    "deep nesting refused (got \"%s\")", got ? "no error" : err.msg);
	free(got);

	/* A line of 100,000 bytes in a binary part: base64, no crash. */
	n = (size_t)sprintf(body, "--b1\nContent-Type: image/png\n\n");
	body = realloc(body, 200000);
	memset(body + n, 0xA5, 100000);
	n += 100000;
	n += (size_t)sprintf(body + n, "\n--b1--\n");
	got = canon(h_mixed, body, n, &err);
	ok(got != NULL && strstr(got, "Content-Transfer-Encoding: base64\r\n"
	    "\r\npaWlpaWl") != NULL, "long binary line becomes base64");
	free(got);
	free(body);
}

/* Random and mutated input: an answer every time, never a crash (ASan
 * and UBSan in CI watch the reads). */
static void
test_random(void)
{
	static const char seed[] = "--b1\nContent-Type: multipart/mixed; "
	    "boundary=b2\n\n--b2\nContent-Type: text/plain\n"
	    "Content-Transfer-Encoding: 8bit\n\n\xe9t\xe9\n--b2--\n--b1--\n";
	char	buf[sizeof(seed) + 64];
	unsigned state = 12345, i, k, answered = 0;

	for (i = 0; i < 2000; i++) {
		struct smime_err err;
		size_t	n = sizeof(seed) - 1;
		char	*got;

		memcpy(buf, seed, n);
		for (k = 0; k < 1 + i % 6; k++) {
			state = state * 1103515245 + 12345;
			buf[(state >> 8) % n] = (char)(state >> 20);
		}
		got = canon(h_mixed, buf, n, &err);
		if (got != NULL || (err.status == SMIME_PERM && err.msg[0]))
			answered++;
		free(got);
	}
	is_uint(answered, 2000, "mutated messages: each parsed or refused with a reason");
}

int
main(void)
{
	plan_lazy();
	test_canonical();
	test_long_preamble();
	test_crlf_across_pieces();
	test_drop_list_size();
	test_malformed();
	test_limits();
	test_random();
	return done_testing();
}
