/*
 * mime_legacy - see mime_legacy.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/xalloc.h"
#include "smime/mime/mime_legacy.h"

#define HTML_BODY_SCAN	8192

static bool
is_body_tag(const unsigned char *s, size_t n)
{
	return n > 5 && s[0] == '<' && strncasecmp((const char *)s + 1, "body",
	    4) == 0 && strchr(" \t\r\n>/", s[5]) != NULL;
}

static size_t
lines_before(const unsigned char *buf, size_t n)
{
	const unsigned char *p = buf, *end = buf + n;
	size_t	k = 0;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

/* Where the legacy display goes in a part: the start of a
 * text/plain; in a text/html, after its <body> tag, found in the first
 * HTML_BODY_SCAN bytes: at the start of the next line, or (*nl) on a
 * line of its own when more follows the tag on its line, so that a
 * reader can take out the display's lines and nothing else. -1 for an
 * HTML part without such a tag (before it the display could come ahead
 * of a <!DOCTYPE> or the <head>), or with the tag further down than a
 * reader looks. */
static off_t
legacy_offset(FILE *body, const struct mime_part *m, bool *nl)
{
	unsigned char buf[HTML_BODY_SCAN];
	size_t	n, i;
	unsigned char quote = 0;

	*nl = false;
	if (strcmp(m->type, "text/html") != 0)
		return m->body_start;
	n = m->body_end - m->body_start < (off_t)sizeof(buf) ?
	    (size_t)(m->body_end - m->body_start) : sizeof(buf);
	if (fseeko(body, m->body_start, SEEK_SET) != 0 ||
	    fread(buf, 1, n, body) != n)
		return -1;
	for (i = 0; i < n && !is_body_tag(buf + i, n - i); i++)
		;
	for (i += 5; i < n; i++) {
		if (quote != 0) {
			quote = buf[i] == quote ? 0 : quote;
			continue;
		}
		if (buf[i] == '"' || buf[i] == '\'')
			quote = buf[i];
		else if (buf[i] == '>')
			break;
	}
	if (i >= n)
		return -1;
	if (++i < n && buf[i] == '\r' && i + 1 < n && buf[i + 1] == '\n')
		i += 2;
	else if (i < n && buf[i] == '\n')
		i++;
	else
		*nl = true;
	if (lines_before(buf, i) + *nl >= MIME_LEGACY_HTML_LINES)
		return -1;
	return m->body_start + (off_t)i;
}

/* A part of a shape that takes a legacy display: a text/plain or
 * text/html written as it is or quoted-printable by us. */
static bool
legacy_shape(const struct mime_part *m)
{
	if (m->multipart || (strcmp(m->type, "text/plain") != 0 &&
	    strcmp(m->type, "text/html") != 0))
		return false;
	return m->conv == CONV_QP || (m->conv == CONV_NONE &&
	    (m->cte == CTE_NONE || m->cte == CTE_7BIT || m->cte == CTE_8BIT));
}

/* The display for an HTML part: its lines (the empty one that ends them
 * left out) in a <div> of the class RFC 9788 gives it, escaped. */
static char *
legacy_html(const char *text, bool nl)
{
	static const char head[] =
	    "<div class=\"header-protection-legacy-display\"><pre>";
	static const char tail[] = "</pre></div>\n";
	size_t	len = strlen(text);
	char	*out, *o;

	while (len > 0 && text[len - 1] == '\n')
		len--;
	o = out = x_malloc(1 + sizeof(head) + 6 * len + sizeof(tail));
	if (nl)
		*o++ = '\n';
	o = stpcpy(o, head);
	for (; len > 0; len--, text++) {
		if (*text == '<')
			o = stpcpy(o, "&lt;");
		else if (*text == '>')
			o = stpcpy(o, "&gt;");
		else if (*text == '&')
			o = stpcpy(o, "&amp;");
		else if (*text == '"')
			o = stpcpy(o, "&quot;");
		else
			*o++ = *text;
	}
	stpcpy(o, tail);
	return out;
}

char *
mime_legacy_text(const char *text, const struct mime_part *m, bool nl)
{
	if (strcmp(m->type, "text/html") == 0)
		return legacy_html(text, nl);
	return x_strdup(text);
}

/* A main body text, not an attachment, of a shape that takes a display;
 * not one of two Content-Types (read two ways), one that takes no
 * parameter (nor would the mark be read), one without in a
 * multipart/digest (a message/rfc822 there), or an empty nested one. */
static bool
gets_legacy(const struct mime_tree *t, const struct mime_part *m)
{
	if (!m->main_body || m->attachment || m->ntypes > 1 || m->bad_type)
		return false;
	/* In an empty nested text the display's empty line would be the
	 * delimiter's line break, and a reader would not find the display. */
	if (m->parent >= 0 && m->body_end == m->body_start)
		return false;
	if (m->ntypes == 0 && m->parent >= 0 &&
	    strcmp(t->parts[m->parent].type, "multipart/digest") == 0)
		return false;
	return legacy_shape(m);
}

/* At most MIME_LEGACY_TEXTS: a message of many alternatives does not
 * grow by a display for each. */
size_t
mime_legacy_plan(FILE *body, const struct mime_tree *t,
    struct mime_legacy_place **places)
{
	struct mime_legacy_place *pl;
	const struct mime_part *m;
	size_t	i, n = 0;
	off_t	at;
	bool	nl;

	pl = x_reallocarray(NULL, t->nparts, sizeof(*pl));
	for (i = 0; i < t->nparts; i++) {
		pl[i].at = -1;
		m = &t->parts[i];
		if (n == MIME_LEGACY_TEXTS || !gets_legacy(t, m) ||
		    (at = legacy_offset(body, m, &nl)) < 0)
			continue;
		pl[i].at = at;
		pl[i].nl = nl;
		n++;
	}
	if (n == 0) {
		free(pl);
		pl = NULL;
	}
	*places = pl;
	return n;
}
