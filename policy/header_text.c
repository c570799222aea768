/*
 * header_text - see header_text.h.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "lib/xalloc.h"
#include "policy/header_text.h"

/* Longer charset names are no charset iconv knows. */
#define CHARSET_MAX	64

struct buf {
	char	*p;
	size_t	len, cap;
};

/* The converter of the last charset, kept for the next word: a value is
 * usually in one charset, and opening one costs more than a word. */
struct conv {
	iconv_t	cd;
	char	charset[CHARSET_MAX + 1];
};

static void
buf_reserve(struct buf *b, size_t more)
{
	size_t	want;

	if (more <= b->cap - b->len)
		return;
	want = b->len + more;
	if (want < b->len)
		abort();	/* cannot happen below SIZE_MAX / 2 inputs */
	if (want < b->cap * 2)
		want = b->cap * 2;
	b->p = x_realloc(b->p, want);
	b->cap = want;
}

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static bool
is_space(unsigned char c)
{
	return c <= ' ' || c == 0x7f;
}

/* Adds s[0..n) with every run of white space or control characters made
 * one space, also across the end of what is already in b. */
static void
buf_add_text(struct buf *b, const char *s, size_t n)
{
	size_t	i;

	buf_reserve(b, n);
	for (i = 0; i < n; i++) {
		if (!is_space((unsigned char)s[i]))
			b->p[b->len++] = s[i];
		else if (b->len == 0 || b->p[b->len - 1] != ' ')
			b->p[b->len++] = ' ';
	}
}

static int
hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
decode_q(const char *s, size_t n, struct buf *out)
{
	size_t	i;

	buf_reserve(out, n);
	for (i = 0; i < n; i++) {
		if (s[i] == '_')
			out->p[out->len++] = ' ';
		else if (s[i] != '=')
			out->p[out->len++] = s[i];
		else if (i + 2 < n && hex(s[i + 1]) >= 0 &&
		    hex(s[i + 2]) >= 0) {
			out->p[out->len++] = (char)(hex(s[i + 1]) * 16 +
			    hex(s[i + 2]));
			i += 2;
		} else
			return false;
	}
	return true;
}

/* Base64 through OpenSSL. A missing final '=' padding, which some mailers
 * leave out, is added; anything else wrong fails. */
static bool
decode_b(const char *s, size_t n, struct buf *out)
{
	EVP_ENCODE_CTX *ctx;
	int	got = 0, fin = 0, rc;
	size_t	pad = (4 - n % 4) % 4;
	static const char pads[] = "==";

	if (n == 0 || pad == 3 || n > (size_t)(INT32_MAX / 2))
		return false;
	if ((ctx = EVP_ENCODE_CTX_new()) == NULL)
		return false;
	buf_reserve(out, (n + pad) / 4 * 3 + 3);
	EVP_DecodeInit(ctx);
	rc = EVP_DecodeUpdate(ctx, (unsigned char *)out->p + out->len, &got,
	    (const unsigned char *)s, (int)n);
	if (rc >= 0 && pad > 0) {
		int	more = 0;

		rc = EVP_DecodeUpdate(ctx, (unsigned char *)out->p + out->len +
		    got, &more, (const unsigned char *)pads, (int)pad);
		got += more;
	}
	if (rc >= 0)
		rc = EVP_DecodeFinal(ctx, (unsigned char *)out->p + out->len +
		    got, &fin);
	EVP_ENCODE_CTX_free(ctx);
	if (rc < 0)
		return false;
	out->len += (size_t)got + (size_t)fin;
	return true;
}

/* The converter from charset to UTF-8, in its initial state; NULL when
 * iconv knows no such charset. */
static iconv_t
converter(struct conv *cv, const char *charset)
{
	if (cv->cd != (iconv_t)-1 && strcasecmp(cv->charset, charset) == 0) {
		(void)iconv(cv->cd, NULL, NULL, NULL, NULL);
		return cv->cd;
	}
	if (cv->cd != (iconv_t)-1)
		iconv_close(cv->cd);
	cv->charset[0] = '\0';
	if ((cv->cd = iconv_open("UTF-8", charset)) == (iconv_t)-1)
		return NULL;
	snprintf(cv->charset, sizeof(cv->charset), "%s", charset);
	return cv->cd;
}

/* Converts n bytes of charset into UTF-8 at the end of out. */
static bool
to_utf8(struct conv *cv, const char *charset, const char *s, size_t n,
    struct buf *out)
{
	iconv_t	cd = converter(cv, charset);
	char	*in = (char *)(uintptr_t)s, *o;
	size_t	inleft = n, outleft, start = out->len;
	bool	good = true;

	if (cd == NULL)
		return false;
	for (;;) {
		buf_reserve(out, inleft * 2 + 16);
		o = out->p + out->len;
		outleft = out->cap - out->len;
		if (iconv(cd, inleft ? &in : NULL, &inleft, &o, &outleft) !=
		    (size_t)-1) {
			out->len = (size_t)(o - out->p);
			if (inleft == 0)
				break;
			continue;
		}
		out->len = (size_t)(o - out->p);
		if (errno != E2BIG) {
			good = false;
			break;
		}
	}
	/* The shift sequence that ends a stateful charset's text. */
	if (good) {
		buf_reserve(out, 16);
		o = out->p + out->len;
		outleft = out->cap - out->len;
		good = iconv(cd, NULL, NULL, &o, &outleft) != (size_t)-1;
		out->len = (size_t)(o - out->p);
	}
	if (!good)
		out->len = start;
	return good;
}

static bool
charset_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("-_.:+()", c) != NULL;
}

/*
 * An encoded word at s: "=?charset?X?text?=". Returns its length and
 * appends its text, as UTF-8, to out; 0 (out unchanged) when it is none or
 * cannot be decoded.
 */
static size_t
encoded_word(const char *s, struct conv *cv, struct buf *out)
{
	char	charset[CHARSET_MAX + 1];
	const char *p = s + 2, *q, *text;
	struct buf raw = { 0 };
	size_t	n;
	bool	good;

	if (s[0] != '=' || s[1] != '?')
		return 0;
	for (q = p; *q && *q != '?' && q - p <= CHARSET_MAX; q++)
		if (!charset_char(*q) && *q != '*')
			return 0;
	if (*q != '?' || q == p || (size_t)(q - p) > CHARSET_MAX)
		return 0;
	memcpy(charset, p, (size_t)(q - p));
	charset[q - p] = '\0';
	/* RFC 2231: "charset*language". */
	if (strchr(charset, '*') != NULL)
		*strchr(charset, '*') = '\0';
	if (charset[0] == '\0' || strchr("BbQq", q[1]) == NULL || q[1] == '\0' ||
	    q[2] != '?')
		return 0;
	text = q + 3;
	for (q = text; *q && *q != '?' && !is_space((unsigned char)*q); q++)
		;
	if (q[0] != '?' || q[1] != '=')
		return 0;
	n = (size_t)(q - text);
	good = (text[-2] == 'B' || text[-2] == 'b') ? decode_b(text, n, &raw) :
	    decode_q(text, n, &raw);
	if (good)
		good = to_utf8(cv, charset, raw.p ? raw.p : "", raw.len, out);
	free(raw.p);
	return good ? (size_t)(q + 2 - s) : 0;
}

char *
header_text_decode(const char *raw)
{
	struct buf out = { 0 }, word = { 0 };
	struct conv cv = { (iconv_t)-1, "" };
	const char *p = raw ? raw : "", *plain = p;
	size_t	n, last_word_end = 0;
	bool	after_word = false;

	while (*p) {
		if (p[0] != '=' || p[1] != '?') {
			p++;
			continue;
		}
		word.len = 0;
		if ((n = encoded_word(p, &cv, &word)) == 0) {
			p += 2;		/* stays raw, with the plain text */
			continue;
		}
		buf_add_text(&out, plain, (size_t)(p - plain));
		/* Only white space since the previous word: it goes. */
		if (after_word && (out.len == last_word_end ||
		    (out.len == last_word_end + 1 &&
		    out.p[last_word_end] == ' ')))
			out.len = last_word_end;
		buf_add_text(&out, word.p, word.len);
		last_word_end = out.len;
		after_word = true;
		p += n;
		plain = p;
	}
	buf_add_text(&out, plain, (size_t)(p - plain));
	free(word.p);
	if (cv.cd != (iconv_t)-1)
		iconv_close(cv.cd);
	buf_add(&out, "", 1);
	return out.p;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool
header_text_contains(const char *text, const char *needle)
{
	struct buf n = { 0 };
	size_t	i, j, tlen;
	bool	found = false;

	buf_add_text(&n, needle, strlen(needle));
	if (n.len == 0) {
		free(n.p);
		return true;
	}
	tlen = strlen(text);
	for (i = 0; !found && i + n.len <= tlen; i++) {
		for (j = 0; j < n.len && lower(text[i + j]) == lower(n.p[j]);
		    j++)
			;
		found = j == n.len;
	}
	free(n.p);
	return found;
}
