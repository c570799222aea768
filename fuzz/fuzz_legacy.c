/*
 * fuzz_legacy - the reader's side of the RFC 9788 legacy display
 * (smime/hp_legacy.h) over any body, text/plain or text/html, as it is
 * or quoted-printable. When a display is taken out, what is left must be
 * the body with one range of it gone, and shorter: a reader may lose the
 * display, never text around it.
 *
 * Input: one flags byte (bit 0: text/html, bit 1: quoted-printable),
 * then the body. The protected fields are fixed (below), so that the
 * seeds can hold displays that match.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "smime/hp_legacy.h"

#define FUZZ_LEGACY_MAX	(64u << 10)

static const struct mime_header fields[] = {
	{ "Subject", "Lunch on Friday" },
	{ "From", "Erin <erin@c.test>" },
	{ "To", "Bob <bob@b.test>" },
};

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smime_err err = { 0 };
	FILE	*in, *out;
	unsigned char *got;
	size_t	len, n;
	long	end;
	int	rc, html, qp;

	if (size < 1 || size > FUZZ_LEGACY_MAX)
		return 0;
	html = data[0] & 1;
	qp = (data[0] & 2) != 0;
	data++;
	len = size - 1;
	if ((in = tmpfile()) == NULL || (out = tmpfile()) == NULL)
		fuzz_fail("legacy", "tmpfile");
	if (fwrite(data, 1, len, in) != len || fflush(in) != 0)
		fuzz_fail("legacy", "write");
	rc = (html ? hp_legacy_strip_html : hp_legacy_strip)(in, out, fields,
	    sizeof(fields) / sizeof(fields[0]), qp, &err);
	if (rc < 0)
		fuzz_fail("legacy", "error on a file that reads: %s", err.msg);
	if (rc == 1) {
		if (fseek(out, 0, SEEK_END) != 0 || (end = ftell(out)) < 0)
			fuzz_fail("legacy", "seek");
		n = (size_t)end;
		rewind(out);
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
