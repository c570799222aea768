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

/* line (a piece fgets read) ends a logical line: it ends in a line
 * break that is not, under quoted-printable, a soft one. */
static bool
ends_logical(const char *line, bool qp)
{
	size_t	len = strlen(line);

	if (len == 0 || line[len - 1] != '\n')
		return false;
	while (qp && len > 0 && strchr(" \t\r\n", line[len - 1]) != NULL)
		len--;
	return !qp || len == 0 || line[len - 1] != '=';
}

/* The next logical line of in, without its line break, into text
 * (LINE_MAX_BYTES + 1 bytes; *tlen bytes): quoted-printable decoded when
 * qp, its soft line breaks joined, at most *phys pieces read in all
 * (counted down). 1 for a line; 2 for one that no display line could be
 * (too long, not valid quoted-printable), read to its end; 0 at the end
 * of the file (or of *phys); -1 on a read error. */
static int
next_line(FILE *in, bool qp, char *text, size_t *tlen, size_t *phys)
{
	char	line[LINE_MAX_BYTES + 3];
	size_t	len;
	bool	soft, bad = false;

	*tlen = 0;
	for (;;) {
		if (*phys == 0)
			return 0;
		(*phys)--;
		if (fgets(line, sizeof(line), in) == NULL)
			return ferror(in) ? -1 : 0;
		if (bad) {
			if (ends_logical(line, qp))
				return 2;
			continue;
		}
		len = strlen(line);
		if (len == 0 || line[len - 1] != '\n') {
			if (feof(in))
				return 0;	/* the last line */
			bad = true;		/* too long */
			continue;
		}
		len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len > LINE_MAX_BYTES)
			return 2;
		if (!qp) {
			memcpy(text, line, len);
			*tlen = len;
			text[len] = '\0';
			return 1;
		}
		if (!qp_decode_line(line, len, text, tlen, &soft)) {
			if (ends_logical(line, qp))
				return 2;
			bad = true;
			continue;
		}
		if (!soft) {
			text[*tlen] = '\0';
			return 1;
		}
	}
}

int
hp_legacy_copy(FILE *in, off_t from, off_t to, FILE *out,
    struct smime_err *err)
{
	char	buf[16384];
	size_t	want, got;

	if (fseeko(in, from, SEEK_SET) != 0)
		return io_fail(err, "seek");
	while (to < 0 || from < to) {
		want = to < 0 || to - from > (off_t)sizeof(buf) ? sizeof(buf) :
		    (size_t)(to - from);
		if ((got = fread(buf, 1, want, in)) == 0)
			break;
		if (fwrite(buf, 1, got, out) != got)
			return io_fail(err, "write");
		from += (off_t)got;
	}
	if (ferror(in) || (to >= 0 && from < to))
		return io_fail(err, "read");
	return 0;
}

static int
finish(FILE *out, struct smime_err *err)
{
	if (fflush(out) != 0)
		return io_fail(err, "write");
	rewind(out);
	return 1;
}

int
hp_legacy_strip(FILE *in, FILE *out, const struct mime_header *f, size_t n,
    bool qp, struct smime_err *err)
{
	char	text[LINE_MAX_BYTES + 1];
	size_t	lines = 0, tlen, phys = qp ? HP_LEGACY_LINES * 8 :
		    HP_LEGACY_LINES + 1;
	int	rc;

	rewind(in);
	for (;;) {
		if ((rc = next_line(in, qp, text, &tlen, &phys)) != 1)
			return rc < 0 ? io_fail(err, "read") : 0;
		if (tlen == 0)
			break;
		if (lines >= HP_LEGACY_LINES || !display_line(text, tlen, f, n))
			return 0;
		lines++;
	}
	if (lines == 0)
		return 0;
	if (hp_legacy_copy(in, ftello(in), -1, out, err) < 0)
		return -1;
	return finish(out, err);
}

/* ---- text/html ---------------------------------------------------------- */

#define HTML_CLASS	"header-protection-legacy-display"
/* What is read at most looking for the element: 4 MiB. */
#define HTML_PIECES	4096

/* s starts the name of a tag (after '<' or "</"): "div" and then white
 * space, '>' or '/'. */
static bool
is_div(const char *s)
{
	return strncasecmp(s, "div", 3) == 0 &&
	    (s[3] == '\0' || strchr(" \t\r\n>/", s[3]) != NULL);
}

/* The start tag at s ("<div ...>") has the class of a legacy display
 * among its classes (white-space separated, case matters: HTML class
 * names are case-sensitive). */
static bool
legacy_class(const char *s)
{
	const char *end = strchr(s, '>'), *p, *v, *ve;
	char	q;
	size_t	k = sizeof(HTML_CLASS) - 1;

	if (end == NULL)
		return false;
	for (p = s + 4; p < end; p++) {
		if (strncasecmp(p, "class", 5) != 0 || !strchr(" \t", p[-1]))
			continue;
		v = p + 5;
		v += strspn(v, " \t");
		if (*v++ != '=')
			continue;
		v += strspn(v, " \t");
		q = (*v == '"' || *v == '\'') ? *v++ : '\0';
		ve = q ? strchr(v, q) : v + strcspn(v, " \t>");
		if (ve == NULL || ve > end)
			return false;
		while (v < ve) {
			v += strspn(v, " \t");
			if ((size_t)(ve - v) >= k && strncmp(v, HTML_CLASS, k) ==
			    0 && (v + k == ve || v[k] == ' ' || v[k] == '\t'))
				return true;
			v += strcspn(v, " \t");
		}
		return false;
	}
	return false;
}

/* Counts the <div> opened and closed in line onto *depth; when the
 * element closes, *rest is what follows its "</div>". */
static void
div_depth(const char *line, int *depth, const char **rest)
{
	const char *p, *gt;

	*rest = NULL;
	for (p = strchr(line, '<'); p != NULL; p = strchr(p + 1, '<')) {
		if (p[1] == '/' && is_div(p + 2)) {
			if (--*depth == 0) {
				gt = strchr(p, '>');
				*rest = gt != NULL ? gt + 1 : p + strlen(p);
				return;
			}
		} else if (is_div(p + 1))
			++*depth;
	}
}

/* One character reference at s ('&'), decoded into *c; its length, 0
 * when it is not one a display of ASCII text would hold. */
static size_t
html_entity(const char *s, char *c)
{
	static const struct { const char *name; char c; } named[] = {
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
		{ "&quot;", '"' }, { "&apos;", '\'' }, { "&nbsp;", ' ' },
	};
	size_t	i;
	char	*end;
	long	v;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strncasecmp(s, named[i].name, strlen(named[i].name)) == 0) {
			*c = named[i].c;
			return strlen(named[i].name);
		}
	if (s[1] != '#')
		return 0;
	errno = 0;
	if (s[2] == 'x' || s[2] == 'X')
		v = strtol(s + 3, &end, 16);
	else
		v = strtol(s + 2, &end, 10);
	if (errno != 0 || end == s + 2 || *end != ';' || v < 32 || v > 126)
		return 0;
	*c = (char)v;
	return (size_t)(end - s) + 1;
}

/* The element's text (markup removed, references decoded), each of its
 * lines that is not empty a display line; at least one. */
static bool
html_display_ok(const char *html, const struct mime_header *f, size_t n)
{
	char	*text = x_malloc(strlen(html) + 1), *t = text, *line, *nl;
	const char *p;
	size_t	k, lines = 0;
	bool	ok = true;

	for (p = html; ok && *p != '\0'; ) {
		if (*p == '<') {
			if ((p = strchr(p, '>')) == NULL)
				ok = false;
			else
				p++;
		} else if (*p == '&') {
			if ((k = html_entity(p, t)) == 0)
				ok = false;
			t++;
			p += k;
		} else
			*t++ = *p++;
	}
	*t = '\0';
	/* A folded field is one display line. */
	for (t = text; (t = strchr(t, '\n')) != NULL; t++)
		if (t[1] == ' ' || t[1] == '\t')
			*t = ' ';
	for (line = text; ok && line != NULL; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		line += strspn(line, " \t\r");
		k = strlen(line);
		while (k > 0 && strchr(" \t\r", line[k - 1]) != NULL)
			line[--k] = '\0';
		if (k == 0)
			continue;
		ok = ++lines <= HP_LEGACY_LINES && display_line(line, k, f, n);
	}
	free(text);
	return ok && lines > 0;
}

/* rest, what followed the element on the line that ends at offset at,
 * with that line's break. */
static int
put_rest(FILE *in, off_t at, const char *rest, FILE *out,
    struct smime_err *err)
{
	bool	crlf = at >= 2 && fseeko(in, at - 2, SEEK_SET) == 0 &&
	    getc(in) == '\r';

	if (fputs(rest, out) == EOF || fputs(crlf ? "\r\n" : "\n", out) ==
	    EOF)
		return io_fail(err, "write");
	return 0;
}

/* The candidate element being read: where it started, its text. */
struct html_elem {
	off_t	from;		/* -1: none yet */
	off_t	next;		/* the line after its first */
	size_t	first;		/* its first line's number */
	int	depth;
	char	*text;
};

static void
elem_clear(struct html_elem *el)
{
	free(el->text);
	el->text = NULL;
	el->from = -1;
	el->depth = 0;
}

/* A candidate that is no display: the search goes on from the line
 * after its first, so that a display inside it (a look-alike left open
 * around it) is still found. *lines gets the number of its first line,
 * which the caller's loop counts on from. */
static int
elem_drop(struct html_elem *el, FILE *in, size_t *lines)
{
	off_t	next = el->next;

	*lines = el->first;
	elem_clear(el);
	return fseeko(in, next, SEEK_SET);
}

int
hp_legacy_strip_html(FILE *in, FILE *out, const struct mime_header *f,
    size_t n, bool qp, struct smime_err *err)
{
	struct html_elem el = { -1, -1, 0, 0, NULL };
	char	text[LINE_MAX_BYTES + 1];
	const char *s, *rest = NULL;
	size_t	tlen, lines, phys = HTML_PIECES;
	off_t	at;
	int	rc;

	rewind(in);
	for (lines = 0;; lines++) {
		at = ftello(in);
		if (at < 0 || (rc = next_line(in, qp, text, &tlen, &phys)) < 0) {
			elem_clear(&el);
			return io_fail(err, "read");
		}
		/* A candidate that does not close soon is no display. */
		if (el.from >= 0 && (rc != 1 ||
		    lines - el.first > HP_LEGACY_LINES + 8)) {
			if (elem_drop(&el, in, &lines) != 0)
				return io_fail(err, "seek");
			continue;
		}
		if (rc == 0 || (el.from < 0 && lines >= HP_HTML_SCAN_LINES))
			return 0;
		if (rc == 2)
			continue;	/* long, and not the element's */
		s = text + strspn(text, " \t");
		if (el.from < 0) {
			if (s[0] != '<' || !is_div(s + 1) || !legacy_class(s))
				continue;
			el.from = at;
			el.first = lines;
			el.text = x_strdup("");
			if ((el.next = ftello(in)) < 0) {
				elem_clear(&el);
				return io_fail(err, "read");
			}
		}
		div_depth(s, &el.depth, &rest);
		el.text = x_reallocarray(el.text, strlen(el.text) + tlen + 2,
		    1);
		strcat(el.text, text);
		if (rest == NULL) {
			strcat(el.text, "\n");
			continue;
		}
		/* What follows the element on its last line stays, on a
		 * line of its own; under quoted-printable it is decoded
		 * text, which could not be written back as it was: such an
		 * element stays. */
		el.text[strlen(el.text) - strlen(rest)] = '\0';
		rest += strspn(rest, " \t");
		if ((*rest == '\0' || !qp) && html_display_ok(el.text, f, n))
			break;
		if (elem_drop(&el, in, &lines) != 0)
			return io_fail(err, "seek");
	}
	free(el.text);
	if ((at = ftello(in)) < 0)
		return io_fail(err, "read");
	if (hp_legacy_copy(in, 0, el.from, out, err) < 0 ||
	    (*rest != '\0' && put_rest(in, at, rest, out, err) < 0) ||
	    hp_legacy_copy(in, at, -1, out, err) < 0)
		return -1;
	return finish(out, err);
}
