/*
 * mime_roundtrip - see mime_roundtrip.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/xalloc.h"
#include "smime/mime/mime_canon.h"
#include "t/mime_roundtrip.h"

void
rt_put(struct rt_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->n + n > b->cap) {
		b->cap = b->cap * 2 > b->n + n ? b->cap * 2 : b->n + n + 256;
		b->p = x_realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

void
rt_puts(struct rt_buf *b, const char *s)
{
	rt_put(b, s, strlen(s));
}

void
rt_buf_free(struct rt_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

static int
say(int r, char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
say(int r, char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return r;
}

/* ---- the message as a milter gives it ---------------------------------- */

static void
add_field(struct rt_msg *m, const unsigned char *name, size_t nlen,
    const unsigned char *value, size_t vlen)
{
	/* The field's own line break is not part of its value. */
	if (vlen > 0 && value[vlen - 1] == '\n')
		vlen--;
	if (vlen > 0 && value[vlen - 1] == '\r')
		vlen--;
	m->h = x_reallocarray(m->h, m->nh + 1, sizeof(*m->h));
	m->h[m->nh].name = x_strndup((const char *)name, nlen);
	m->h[m->nh].value = x_strndup((const char *)value, vlen);
	m->nh++;
}

static int
split_headers(struct rt_msg *m, const unsigned char *msg, size_t len,
    char *why, size_t whylen)
{
	const unsigned char *line, *nl, *colon, *name = NULL, *value = NULL;
	size_t	pos = 0, ll, nlen = 0;

	while (pos < len) {
		line = msg + pos;
		nl = memchr(line, '\n', len - pos);
		ll = nl != NULL ? (size_t)(nl - line) + 1 : len - pos;
		pos += ll;
		if (memchr(line, '\0', ll) != NULL)
			return say(1, why, whylen, "NUL in the header block");
		if (line[0] == '\n' || (ll == 2 && line[0] == '\r')) {
			if (name != NULL)
				add_field(m, name, nlen, value,
				    (size_t)(line - value));
			name = NULL;
			break;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			if (name == NULL)
				return say(1, why, whylen,
				    "folded line before any header field");
			continue;
		}
		if (name != NULL)
			add_field(m, name, nlen, value, (size_t)(line - value));
		colon = memchr(line, ':', ll);
		if (colon == NULL || colon == line)
			return say(1, why, whylen,
			    "header line without a field name");
		name = line;
		nlen = (size_t)(colon - line);
		value = colon + 1;
	}
	if (name != NULL)	/* no empty line: no body */
		add_field(m, name, nlen, value, (size_t)(msg + len - value));
	m->body = pos > 0 ? msg + pos : msg;	/* msg may be NULL when empty */
	m->blen = len - pos;
	return 0;
}

int
rt_msg_open(struct rt_msg *m, const unsigned char *msg, size_t len,
    char *why, size_t whylen)
{
	struct smime_err err;
	int	r;

	memset(m, 0, sizeof(*m));
	if ((r = split_headers(m, msg, len, why, whylen)) != 0)
		return r;
	/* fmemopen() wants a size of at least one byte. */
	m->f = m->blen > 0 ? fmemopen((void *)(uintptr_t)m->body, m->blen, "r") :
	    tmpfile();
	if (m->f == NULL)
		return say(-1, why, whylen, "cannot open the body as a file");
	smime_err_clear(&err);
	if (mime_parse(m->f, m->h, m->nh, &m->t, &err) < 0)
		return say(err.status == SMIME_PERM ? 1 : -1, why, whylen,
		    "mime_parse: %s: %s", smime_status_name(err.status),
		    err.msg);
	return 0;
}

void
rt_msg_close(struct rt_msg *m)
{
	size_t	i;

	for (i = 0; i < m->nh; i++) {
		free((char *)m->h[i].name);
		free((char *)m->h[i].value);
	}
	free(m->h);
	m->h = NULL;
	m->nh = 0;
	if (m->f != NULL)
		fclose(m->f);
	m->f = NULL;
	mime_tree_free(m->t);
	m->t = NULL;
}

static int
canon(struct rt_msg *m, struct rt_buf *out, char *why, size_t whylen)
{
	BIO	*mem = BIO_new(BIO_s_mem());
	struct smime_err err;
	char	*p;
	long	n;

	if (mem == NULL)
		return say(-1, why, whylen, "BIO_new failed");
	smime_err_clear(&err);
	if (mime_canon_write(m->f, m->t, m->h, m->nh, mem, NULL, &err) < 0) {
		BIO_free(mem);
		return say(-1, why, whylen, "mime_canon_write: %s", err.msg);
	}
	n = BIO_get_mem_data(mem, &p);
	rt_put(out, p, (size_t)n);
	BIO_free(mem);
	return 0;
}

/* ---- decoders ----------------------------------------------------------- */

/* Every LF not after a CR becomes CRLF, as mime_canon promises. */
static void
to_crlf(const unsigned char *s, size_t n, struct rt_buf *out)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			rt_put(out, "\r", 1);
		rt_put(out, s + i, 1);
	}
}

/* RFC 2045 6.7, as a lenient reader does it: trailing white space of an
 * encoded line is removed, "=" at its end is a soft break, a line break
 * is CRLF, =XX a byte, any other "=" itself. */
static void
qp_decode(const unsigned char *s, size_t n, struct rt_buf *out)
{
	const unsigned char *line = s, *end = s + n, *nl;
	size_t	ll, k;
	int	hi, lo;
	bool	hard;

	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		hard = nl != NULL;
		ll = hard ? (size_t)(nl - line) : (size_t)(end - line);
		if (hard && ll > 0 && line[ll - 1] == '\r')
			ll--;
		while (ll > 0 && (line[ll - 1] == ' ' || line[ll - 1] == '\t'))
			ll--;
		if (ll > 0 && line[ll - 1] == '=') {
			ll--;
			hard = false;
		}
		for (k = 0; k < ll; k++) {
			unsigned char b = line[k];

			if (b == '=' && k + 2 < ll &&
			    (hi = OPENSSL_hexchar2int(line[k + 1])) >= 0 &&
			    (lo = OPENSSL_hexchar2int(line[k + 2])) >= 0) {
				b = (unsigned char)(hi * 16 + lo);
				k += 2;
			}
			rt_put(out, &b, 1);
		}
		if (hard)
			rt_put(out, "\r\n", 2);
		line = nl != NULL ? nl + 1 : end;
	}
}

/* Base64 with OpenSSL's decoder; -1 when it calls the input invalid. */
static int
b64_decode(const unsigned char *s, size_t n, struct rt_buf *out)
{
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	unsigned char tmp[(8192 + 80) / 4 * 3 + 8];
	size_t	take;
	int	outl, r = 0;

	if (ctx == NULL)
		return -1;
	EVP_DecodeInit(ctx);
	while (n > 0 && r >= 0) {
		take = n > 8192 ? 8192 : n;
		if (EVP_DecodeUpdate(ctx, tmp, &outl, s, (int)take) < 0)
			r = -1;
		else
			rt_put(out, tmp, (size_t)outl);
		s += take;
		n -= take;
	}
	if (r == 0 && EVP_DecodeFinal(ctx, tmp, &outl) < 0)
		r = -1;
	else if (r == 0)
		rt_put(out, tmp, (size_t)outl);
	EVP_ENCODE_CTX_free(ctx);
	return r;
}

/* ---- the checks --------------------------------------------------------- */

static bool
overlaps(off_t a, off_t b, off_t c, off_t d)
{
	return a < d && c < b;
}

static int
check_drops(const struct rt_msg *m, char *why, size_t whylen)
{
	const struct mime_tree *t = m->t;
	const struct mime_part *p;
	size_t	i, k, nmulti = 0;

	for (i = 0; i < t->nparts; i++)
		nmulti += t->parts[i].multipart;
	if (t->ndrops > 2 * nmulti)
		return say(-1, why, whylen, "%zu drop ranges for %zu multiparts",
		    t->ndrops, nmulti);
	for (k = 0; k < t->ndrops; k++) {
		off_t	s = t->drops[k].start, e = t->drops[k].end;

		if (s >= e || s < 0 || e > (off_t)m->blen ||
		    (k > 0 && s <= t->drops[k - 1].end))
			return say(-1, why, whylen, "drop %zu [%lld, %lld) out of "
			    "order or empty", k, (long long)s, (long long)e);
		if ((s > 0 && m->body[s - 1] != '\n') ||
		    (e < (off_t)m->blen && m->body[e - 1] != '\n'))
			return say(-1, why, whylen, "drop %zu [%lld, %lld) is not "
			    "whole lines", k, (long long)s, (long long)e);
		for (i = 1; i < t->nparts; i++) {
			p = &t->parts[i];
			if (overlaps(s, e, p->hdr_start, p->hdr_end) ||
			    (!p->multipart &&
			    overlaps(s, e, p->body_start, p->body_end)))
				return say(-1, why, whylen, "drop %zu [%lld, "
				    "%lld) cuts into part %zu", k, (long long)s,
				    (long long)e, i + 1);
		}
	}
	return 0;
}

static int
check_line_ends(const struct rt_buf *e, char *why, size_t whylen)
{
	const unsigned char *nl;

	for (nl = memchr(e->p, '\n', e->n); nl != NULL;
	    nl = memchr(nl + 1, '\n', e->n - (size_t)(nl + 1 - e->p)))
		if (nl == e->p || nl[-1] != '\r')
			return say(-1, why, whylen, "the entity has a bare LF at "
			    "offset %zu", (size_t)(nl - e->p));
	return 0;
}

/* The quoted-printable mime_canon wrote: short lines, and no line that
 * starts with a byte a transport or a MIME reader could act on. */
static int
check_qp_lines(const unsigned char *s, size_t n, size_t part, char *why,
    size_t whylen)
{
	const unsigned char *line = s, *end = s + n, *nl;
	size_t	ll;

	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		ll = nl != NULL ? (size_t)(nl - line) : (size_t)(end - line);
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll > 76)
			return say(-1, why, whylen, "part %zu: quoted-printable "
			    "line of %zu characters", part, ll);
		if (ll > 0 && strchr("-.F", line[0]) != NULL)
			return say(-1, why, whylen, "part %zu: quoted-printable "
			    "line starts with '%c': \"%.*s\"", part, line[0],
			    (int)(ll > 40 ? 40 : ll), (const char *)line);
		line = nl != NULL ? nl + 1 : end;
	}
	return 0;
}

static enum mime_cte
announced(const struct mime_part *p)
{
	switch (p->conv) {
	case CONV_QP:
		return CTE_QP;
	case CONV_BASE64:
		return CTE_BASE64;
	case CONV_7BIT_LABEL:
		return CTE_7BIT;
	default:
		return p->cte;
	}
}

static int
check_shape(const struct mime_tree *a, const struct mime_tree *b, char *why,
    size_t whylen)
{
	const struct mime_part *p, *q;
	size_t	i;

	if (a->nparts != b->nparts)
		return say(-1, why, whylen, "the entity has %zu parts, the "
		    "message %zu", b->nparts, a->nparts);
	if (b->ndrops != 0)
		return say(-1, why, whylen, "the entity still has %zu "
		    "preamble/epilogue ranges to drop", b->ndrops);
	for (i = 0; i < a->nparts; i++) {
		p = &a->parts[i];
		q = &b->parts[i];
		if (p->parent != q->parent || p->depth != q->depth ||
		    p->multipart != q->multipart ||
		    strcmp(p->type, q->type) != 0 ||
		    strcmp(p->boundary, q->boundary) != 0)
			return say(-1, why, whylen, "part %zu: %s \"%s\" under "
			    "%d in the entity, %s \"%s\" under %d in the "
			    "message", i + 1, q->type, q->boundary, q->parent,
			    p->type, p->boundary, p->parent);
		if (q->cte != announced(p))
			return say(-1, why, whylen, "part %zu: transfer "
			    "encoding %d in the entity, want %d", i + 1,
			    (int)q->cte, (int)announced(p));
		if (q->conv != CONV_NONE)
			return say(-1, why, whylen, "part %zu: the entity "
			    "still needs %s", i + 1, mime_conv_name(q->conv));
	}
	return 0;
}

static bool
same(const struct rt_buf *x, const unsigned char *s, size_t n)
{
	return x->n == n && (n == 0 || memcmp(x->p, s, n) == 0);
}

/* Where two byte strings first differ, for the reason. */
static size_t
first_diff(const unsigned char *x, size_t xn, const unsigned char *y,
    size_t yn)
{
	size_t	k;

	for (k = 0; k < xn && k < yn && x[k] == y[k]; k++)
		;
	return k;
}

static int
check_leaf(const struct rt_msg *a, const struct rt_msg *b, size_t i,
    char *why, size_t whylen)
{
	const struct mime_part *p = &a->t->parts[i], *q = &b->t->parts[i];
	const unsigned char *s = a->body + p->body_start;
	const unsigned char *d = b->body + q->body_start;
	size_t	sn = (size_t)(p->body_end - p->body_start);
	size_t	dn = (size_t)(q->body_end - q->body_start);
	struct rt_buf want = { 0 }, got = { 0 };
	int	r = 0;

	switch (p->conv) {
	case CONV_BASE64:
		rt_put(&want, s, sn);
		if (b64_decode(d, dn, &got) < 0)
			r = say(-1, why, whylen, "part %zu: the base64 written "
			    "does not decode", i + 1);
		break;
	case CONV_QP:
		to_crlf(s, sn, &want);
		qp_decode(d, dn, &got);
		r = check_qp_lines(d, dn, i + 1, why, whylen);
		break;
	default:
		to_crlf(s, sn, &want);
		rt_put(&got, d, dn);
	}
	if (r == 0 && !same(&got, want.p, want.n))
		r = say(-1, why, whylen, "part %zu (%s, %s): content differs "
		    "(%zu bytes, want %zu; first difference at %zu)", i + 1,
		    p->type, mime_conv_name(p->conv), got.n, want.n,
		    first_diff(got.p, got.n, want.p, want.n));
	rt_buf_free(&want);
	rt_buf_free(&got);
	return r;
}

/* What the signature of a multipart/signed covers, its first part (with
 * that part's epilogue when it is a multipart), must stay as it was but for
 * LF made CRLF. The range checked runs to the headers of the second part:
 * the delimiter line before them may only change its line end too. */
static void
signed_range(const struct mime_tree *t, size_t i, off_t *s, off_t *e)
{
	size_t	c, k;

	*s = *e = -1;
	for (c = i + 1; c < t->nparts && t->parts[c].parent != (int)i; c++)
		;
	if (c == t->nparts)
		return;
	for (k = c + 1; k < t->nparts && t->parts[k].parent != (int)i; k++)
		;
	*s = t->parts[c].hdr_start;
	*e = k < t->nparts ? t->parts[k].hdr_start : t->parts[c].body_end;
}

static int
check_signed(const struct rt_msg *a, const struct rt_msg *b, size_t i,
    char *why, size_t whylen)
{
	struct rt_buf want = { 0 };
	off_t	s, e, s2, e2;
	int	r = 0;

	signed_range(a->t, i, &s, &e);
	signed_range(b->t, i, &s2, &e2);
	if (s < 0)
		return 0;
	to_crlf(a->body + s, (size_t)(e - s), &want);
	if (!same(&want, b->body + s2, (size_t)(e2 - s2)))
		r = say(-1, why, whylen, "part %zu (multipart/signed): signed "
		    "bytes changed (first difference at %zu of %zu)", i + 1,
		    first_diff(want.p, want.n, b->body + s2, (size_t)(e2 - s2)),
		    want.n);
	rt_buf_free(&want);
	return r;
}

static bool
inside_signed(const struct mime_tree *t, size_t i)
{
	int	k;

	for (k = t->parts[i].parent; k >= 0; k = t->parts[k].parent)
		if (strcmp(t->parts[k].type, "multipart/signed") == 0)
			return true;
	return false;
}

static void
mark(unsigned char *ok, off_t s, off_t e, unsigned char what)
{
	for (; s >= 0 && s < e; s++)
		ok[s] |= what;
}

/* The entity is canonical: 8-bit bytes and NUL only in header blocks and
 * inside a multipart/signed (never converted); a CR not before an LF only
 * inside a multipart/signed or in a leaf labelled quoted-printable, base64
 * or unknown (copied as is). */
static int
check_clean(const struct rt_msg *b, char *why, size_t whylen)
{
	const struct mime_tree *t = b->t;
	const struct mime_part *p;
	unsigned char *ok = x_calloc(b->blen + 1, 1);	/* 1: 8-bit, 2: CR */
	size_t	i, k;
	off_t	s, e;
	int	r = 0;

	for (i = 0; i < t->nparts; i++) {
		p = &t->parts[i];
		mark(ok, p->hdr_start, p->hdr_end, 1);
		if (inside_signed(t, i))
			mark(ok, p->hdr_start, p->body_end, 3);
		else if (!p->multipart && (p->cte == CTE_QP ||
		    p->cte == CTE_BASE64 || p->cte == CTE_OTHER))
			mark(ok, p->body_start, p->body_end, 2);
	}
	/* From the first part to the end, the epilogue of a first part that
	 * is a multipart included (and what follows when the second part's
	 * delimiter is missing). */
	for (i = 0; i < t->nparts; i++)
		if (strcmp(t->parts[i].type, "multipart/signed") == 0) {
			signed_range(t, i, &s, &e);
			mark(ok, s, t->parts[i].body_end, 3);
		}
	for (k = 0; k < b->blen && r == 0; k++) {
		unsigned char c = b->body[k];

		if ((c >= 0x80 || c == '\0') && !(ok[k] & 1))
			r = say(-1, why, whylen, "the entity has byte 0x%02x at "
			    "body offset %zu", c, k);
		else if (c == '\r' && (k + 1 == b->blen ||
		    b->body[k + 1] != '\n') && !(ok[k] & 2))
			r = say(-1, why, whylen, "the entity has a bare CR at "
			    "body offset %zu", k);
	}
	free(ok);
	return r;
}

static int
check_pair(struct rt_msg *a, struct rt_buf *e1, char *why, size_t whylen)
{
	struct rt_msg b;
	struct rt_buf e2 = { 0 };
	char	inner[256];
	size_t	i;
	int	r;

	if ((r = check_drops(a, why, whylen)) != 0 ||
	    (r = check_line_ends(e1, why, whylen)) != 0)
		return r;
	if (rt_msg_open(&b, e1->p, e1->n, inner, sizeof(inner)) != 0) {
		rt_msg_close(&b);
		return say(-1, why, whylen, "the entity does not parse: %s",
		    inner);
	}
	if ((r = check_shape(a->t, b.t, why, whylen)) == 0)
		r = check_clean(&b, why, whylen);
	for (i = 0; r == 0 && i < a->t->nparts; i++) {
		if (!a->t->parts[i].multipart)
			r = check_leaf(a, &b, i, why, whylen);
		else if (strcmp(a->t->parts[i].type, "multipart/signed") == 0)
			r = check_signed(a, &b, i, why, whylen);
	}
	if (r == 0 && (r = canon(&b, &e2, why, whylen)) == 0 &&
	    !same(&e2, e1->p, e1->n))
		r = say(-1, why, whylen, "canonicalising the entity changes it "
		    "(%zu bytes, was %zu; first difference at %zu)", e2.n,
		    e1->n, first_diff(e2.p, e2.n, e1->p, e1->n));
	rt_buf_free(&e2);
	rt_msg_close(&b);
	return r;
}

int
mime_roundtrip_check(const unsigned char *msg, size_t len, char *why,
    size_t whylen)
{
	struct rt_msg a;
	struct rt_buf e1 = { 0 };
	int	r;

	why[0] = '\0';
	r = rt_msg_open(&a, msg, len, why, whylen);
	if (r == 0 && (r = canon(&a, &e1, why, whylen)) == 0)
		r = check_pair(&a, &e1, why, whylen);
	rt_buf_free(&e1);
	rt_msg_close(&a);
	return r;
}
