/*
 * hp_legacy - see hp_legacy.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "lib/xalloc.h"
#include "smime/hp.h"
#include "smime/hp_legacy.h"

#define LINE_MAX_BYTES	998

/* s (len bytes) with runs of white space made one space, trimmed, into
 * out (at least len + 1 bytes). */
static void
squeeze(const char *s, size_t len, char *out)
{
	size_t	i;
	char	*o = out;
	bool	space = false;

	for (i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n') {
			space = o != out;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = false;
		*o++ = s[i];
	}
	*o = '\0';
}

/* One physical line of quoted-printable (len bytes, no line break)
 * decoded onto the end of text (*tlen bytes so far, room for
 * LINE_MAX_BYTES); *soft when it ends in a soft line break. false when it
 * is not quoted-printable, the decoded line grows too long or holds a
 * NUL, CR or LF (no display line does). */
static bool
qp_decode_line(const char *s, size_t len, char *text, size_t *tlen,
    bool *soft)
{
	size_t	i;
	int	hi, lo;
	unsigned char b;

	/* Trailing white space is the transport's (RFC 2045 6.7). */
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	*soft = len > 0 && s[len - 1] == '=';
	if (*soft)
		len--;
	for (i = 0; i < len; i++) {
		b = (unsigned char)s[i];
		if (b == '=') {
			if (i + 2 >= len)
				return false;
			hi = OPENSSL_hexchar2int((unsigned char)s[i + 1]);
			lo = OPENSSL_hexchar2int((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			b = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (b == '\0' || b == '\r' || b == '\n' ||
		    *tlen >= LINE_MAX_BYTES)
			return false;
		text[(*tlen)++] = (char)b;
	}
	return true;
}

/* One line of the element: "Name: value", the value one of the
 * protected ones of that name. */
static bool
display_line(const char *line, size_t len, const struct mime_header *f,
    size_t n)
{
	char	name[80], want[LINE_MAX_BYTES + 1], *got;
	const char *colon = memchr(line, ':', len);
	size_t	i, nlen;
	bool	found = false;

	if (colon == NULL)
		return false;
	nlen = (size_t)(colon - line);
	if (nlen == 0 || nlen >= sizeof(name))
		return false;
	memcpy(name, line, nlen);
	name[nlen] = '\0';
	if (!hp_user_facing(name))
		return false;
	got = x_malloc(len + 1);
	squeeze(colon + 1, len - nlen - 1, got);
	for (i = 0; i < n && !found; i++) {
		if (f[i].name == NULL || f[i].value == NULL ||
		    strcasecmp(f[i].name, name) != 0 ||
		    strlen(f[i].value) > LINE_MAX_BYTES)
			continue;
		squeeze(f[i].value, strlen(f[i].value), want);
		found = strcmp(want, got) == 0;
	}
	free(got);
	return found;
}

static int
io_fail(struct smime_err *err, const char *what)
{
	smime_err_set(err, SMIME_TEMP, "legacy display: %s: %s", what,
	    strerror(errno ? errno : EIO));
	return -1;
}

int
hp_legacy_strip(FILE *in, FILE *out, const struct mime_header *f, size_t n,
    bool qp, struct smime_err *err)
{
	char	line[LINE_MAX_BYTES + 3], text[LINE_MAX_BYTES + 1], buf[16384];
	const char *logical;
	size_t	len, lines = 0, phys, tlen = 0, llen, got;
	bool	soft;

	rewind(in);
	for (phys = 0;; phys++) {
		if (fgets(line, sizeof(line), in) == NULL)
			return ferror(in) ? io_fail(err, "read") : 0;
		len = strlen(line);
		if (len == 0 || line[len - 1] != '\n')
			return 0;	/* too long, or the last line */
		len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		logical = line;
		llen = len;
		if (qp) {
			/* A display line may take several encoded ones. */
			if (phys >= HP_LEGACY_LINES * 8 ||
			    !qp_decode_line(line, len, text, &tlen, &soft))
				return 0;
			if (soft)
				continue;
			logical = text;
			llen = tlen;
			tlen = 0;
		}
		if (llen == 0)
			break;
		if (lines >= HP_LEGACY_LINES ||
		    !display_line(logical, llen, f, n))
			return 0;
		lines++;
	}
	if (lines == 0)
		return 0;
	while ((got = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, got, out) != got)
			return io_fail(err, "write");
	if (ferror(in))
		return io_fail(err, "read");
	if (fflush(out) != 0)
		return io_fail(err, "write");
	rewind(out);
	return 1;
}
