/*
 * fuzz_legacy - the reader's side of the RFC 9788 legacy display
 * (smime/hp_legacy.h) over any body, text/plain or text/html, as it is
 * or quoted-printable. When a display is taken out, what is left must be
 * the body with one range of it gone, and shorter: a reader may lose the
 * display, never text around it.
 *
 * With bit 2 set the body is a multipart/mixed payload (bit 3:
 * multipart/alternative) of boundary "b", read by mime_parse and
 * stripped part by part (hp_legacy_strip_parts): a body that parses
 * gives no error, and one that loses displays gets shorter (unless a
 * part is base64, whose lines are written anew).
 *
 * With bit 4 set the input is a whole message, and the writer's side
 * goes first: mime_canon_write_hp() with a legacy display writes the
 * payload, which must parse again, and from which the reader must take
 * out every display the writer put in (mime_legacy_plan() says how
 * many): a display a receiving gatewarden leaves in is one its reader
 * sees twice.
 *
 * Input: one flags byte (bit 0: text/html, bit 1: quoted-printable,
 * bits 2 and 3: multipart, bit 4: writer), then the body. The protected
 * fields are fixed (below), so that the seeds can hold displays that
 * match.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "smime/hp_legacy.h"
#include "smime/mime/mime_canon.h"
#include "smime/mime/mime_entity.h"
#include "smime/mime/mime_legacy.h"
#include "smime/mime/mime_parse.h"
#include "t/mime_roundtrip.h"

#define FUZZ_LEGACY_MAX	(64u << 10)

static const struct mime_header fields[] = {
	{ "Subject", "Lunch on Friday" },
	{ "From", "Erin <erin@c.test>" },
	{ "To", "Bob <bob@b.test>" },
};
#define DISPLAY	"Subject: Lunch on Friday\nFrom: Erin <erin@c.test>\n\n"

/* out (n bytes) is in (len bytes) with one range taken out. */
static int
one_range_gone(const unsigned char *in, size_t len, const unsigned char *out,
    size_t n)
{
	size_t	pre = 0;

	if (n >= len)
		return 0;
	while (pre < n && in[pre] == out[pre])
		pre++;
	return memcmp(out + pre, in + len - (n - pre), n - pre) == 0;
}

static long
file_size(FILE *f)
{
	long	end;

	if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0)
		fuzz_fail("legacy", "seek");
	rewind(f);
	return end;
}

static bool
any_base64(const struct mime_tree *t)
{
	size_t	i;

	for (i = 0; i < t->nparts; i++)
		if (t->parts[i].cte == CTE_BASE64)
			return true;
	return false;
}

/* The multipart reader's side: in holds len bytes. */
static void
strip_parts(FILE *in, size_t len, bool alternative)
{
	const struct mime_header top[] = {
		{ "Content-Type", alternative ?
		    "multipart/alternative; boundary=b" :
		    "multipart/mixed; boundary=b" },
		fields[0], fields[1], fields[2],
	};
	struct smime_err err = { 0 };
	struct mime_tree *t = NULL;
	FILE	*out, *work[2];
	int	rc;

	if (mime_parse(in, top, sizeof(top) / sizeof(top[0]), &t, &err) < 0)
		return;
	if ((out = tmpfile()) == NULL || (work[0] = tmpfile()) == NULL ||
	    (work[1] = tmpfile()) == NULL)
		fuzz_fail("legacy", "tmpfile");
	rc = hp_legacy_strip_parts(in, t, out, work, top,
	    sizeof(top) / sizeof(top[0]), &err);
	if (rc < 0)
		fuzz_fail("legacy", "parts: error on a file that reads: %s",
		    err.msg);
	if (rc > MIME_LEGACY_TEXTS)
		fuzz_fail("legacy", "parts: %d displays taken out", rc);
	if (rc > 0 && !any_base64(t) && (size_t)file_size(out) >= len)
		fuzz_fail("legacy", "parts: %d displays taken out, the body "
		    "not shorter (%ld bytes of %zu)", rc, file_size(out), len);
	mime_tree_free(t);
	fclose(out);
	fclose(work[0]);
	fclose(work[1]);
}

/* A header an MTA passes on: field names of RFC 5322 ftext (with a
 * space or a control byte in it, Postfix and Sendmail take the line for
 * the body), values without a bare CR (the writer copies the payload's
 * Content-* values as they are, and a reader refuses a bare CR in a
 * header: that is not the legacy display's to check). */
static bool
header_ok(const struct rt_msg *m)
{
	const unsigned char *c;
	size_t	i;

	for (i = 0; i < m->nh; i++) {
		for (c = (const unsigned char *)m->h[i].name; *c != '\0'; c++)
			if (*c <= ' ' || *c >= 0x7f || *c == ':')
				return false;
		for (c = (const unsigned char *)m->h[i].value; *c != '\0'; c++)
			if (*c == '\r' && c[1] != '\n')
				return false;
	}
	return true;
}

/* The payload written for message msg, read back: every display out. */
static void
write_and_read(const unsigned char *msg, size_t len)
{
	struct rt_msg m = { 0 };
	struct mime_entity e = { 0 };
	struct mime_legacy_place *places = NULL;
	struct smime_err err = { 0 };
	struct mime_tree *t = NULL;
	char	why[256], *data;
	size_t	planned;
	long	n;
	BIO	*mem, *sink;
	FILE	*out, *work[2];
	int	rc;

	if (rt_msg_open(&m, msg, len, why, sizeof(why)) != 0 ||
	    !header_ok(&m)) {
		rt_msg_close(&m);
		return;
	}
	planned = mime_legacy_plan(m.f, m.t, &places);
	free(places);
	if ((mem = BIO_new(BIO_s_mem())) == NULL ||
	    (out = tmpfile()) == NULL || (work[0] = tmpfile()) == NULL ||
	    (work[1] = tmpfile()) == NULL ||
	    (sink = mime_entity_sink(tmpfile())) == NULL)
		fuzz_fail("legacy", "out of memory or tmpfile");
	if (mime_canon_write_hp(m.f, m.t, m.h, m.nh, fields,
	    sizeof(fields) / sizeof(fields[0]), "cipher", DISPLAY, mem, NULL,
	    NULL, &err) < 0)
		fuzz_fail("legacy", "writer: %s", err.msg);
	n = BIO_get_mem_data(mem, &data);
	if (BIO_write(sink, data, (int)n) != (int)n ||
	    mime_entity_finish(sink, &e, &err) < 0 ||
	    mime_parse(e.body, e.fields, e.nfields, &t, &err) < 0)
		fuzz_fail("legacy", "writer: the payload does not parse: %s",
		    err.msg);
	rc = hp_legacy_strip_parts(e.body, t, out, work, e.fields, e.nfields,
	    &err);
	if (rc < 0 || (size_t)rc < planned)
		fuzz_fail("legacy", "writer: %zu displays written, the reader "
		    "took out %d (%s)", planned, rc, err.msg);
	mime_tree_free(t);
	mime_entity_clear(&e);
	BIO_free(sink);
	BIO_free(mem);
	fclose(out);
	fclose(work[0]);
	fclose(work[1]);
	rt_msg_close(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smime_err err = { 0 };
	FILE	*in, *out;
	unsigned char *got;
	size_t	len, n;
	int	rc, html, qp;

	if (size < 1 || size > FUZZ_LEGACY_MAX)
		return 0;
	if (data[0] & 16) {
		write_and_read(data + 1, size - 1);
		return 0;
	}
	html = data[0] & 1;
	qp = (data[0] & 2) != 0;
	data++;
	len = size - 1;
	if ((in = tmpfile()) == NULL || (out = tmpfile()) == NULL)
		fuzz_fail("legacy", "tmpfile");
	if (fwrite(data, 1, len, in) != len || fflush(in) != 0)
		fuzz_fail("legacy", "write");
	if (data[-1] & 12) {
		strip_parts(in, len, (data[-1] & 8) != 0);
		fclose(in);
		fclose(out);
		return 0;
	}
	rc = (html ? hp_legacy_strip_html : hp_legacy_strip)(in, out, fields,
	    sizeof(fields) / sizeof(fields[0]), qp, &err);
	if (rc < 0)
		fuzz_fail("legacy", "error on a file that reads: %s", err.msg);
	if (rc == 1) {
		n = (size_t)file_size(out);
		got = malloc(n + 1);
		if (got == NULL || fread(got, 1, n, out) != n)
			fuzz_fail("legacy", "read");
		if (!one_range_gone(data, len, got, n))
			fuzz_fail("legacy", "%s%s: %zu bytes left of %zu, not "
			    "the body with one range taken out", html ? "html" :
			    "text", qp ? ", quoted-printable" : "", n, len);
		free(got);
	} else if (rc != 0)
		fuzz_fail("legacy", "result %d", rc);
	fclose(in);
	fclose(out);
	return 0;
}
