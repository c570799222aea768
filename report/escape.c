/*
 * escape - see escape.h.
 */
#include "config.h"

#include <string.h>

#include "report/escape.h"

#define REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD */

/* The length of the valid UTF-8 sequence at s (1..4), 0 when it is not
 * one (stray continuation, overlong, surrogate, beyond U+10FFFF, cut). */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned c = s[0], cp;
	size_t	n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void
put_json(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	n;

	fputc('"', out);
	while (*p != '\0') {
		if ((n = utf8_len(p)) == 0) {
			fputs("\\ufffd", out);
			p++;
			continue;
		}
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fwrite(p, 1, n, out);
		p += n;
	}
	fputc('"', out);
}

void
put_html(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	n;

	while (*p != '\0') {
		if ((n = utf8_len(p)) == 0 || *p < 0x20 || *p == 0x7f) {
			fputs(REPLACEMENT, out);
			p += n ? n : 1;
			continue;
		}
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fwrite(p, 1, n, out);
		}
		p += n;
	}
}

void
put_text(FILE *out, const char *s, int width)
{
	const unsigned char *p = (const unsigned char *)s;
	int	w = 0;
	size_t	n;

	while (*p != '\0') {
		if ((n = utf8_len(p)) == 0 || *p < 0x20 || *p == 0x7f) {
			fputc('?', out);
			p += n ? n : 1;
		} else {
			fwrite(p, 1, n, out);
			p += n;
		}
		w++;
	}
	for (; w < width; w++)
		fputc(' ', out);
}
