/*
 * hp_legacy - see hp_legacy.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* One line of the element: "Name: value", the value one of the
 * protected ones of that name. */
static bool
display_line(const char *line, size_t len, const struct mime_header *f,
    size_t n, bool qp)
{
	char	name[80], want[LINE_MAX_BYTES + 1], *got;
	const char *colon = memchr(line, ':', len);
	size_t	i, nlen;
	bool	found = false;

	if (colon == NULL || (qp && memchr(line, '=', len) != NULL))
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
	char	line[LINE_MAX_BYTES + 3], buf[16384];
	size_t	len, lines, got;

	rewind(in);
	for (lines = 0;; lines++) {
		if (fgets(line, sizeof(line), in) == NULL)
			return ferror(in) ? io_fail(err, "read") : 0;
		len = strlen(line);
		if (len == 0 || line[len - 1] != '\n')
			return 0;	/* too long, or the last line */
		len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0)
			break;
		if (lines >= HP_LEGACY_LINES ||
		    !display_line(line, len, f, n, qp))
			return 0;
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
