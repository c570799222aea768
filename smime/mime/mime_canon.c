/*
 * mime_canon - see mime_canon.h.
 *
 * The tree's parts are in document order and their header and content
 * ranges do not overlap, so one sequential read of the body file serves:
 * copy (canonical line ends) up to the next range that needs work, do that
 * range, go on.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/sbuf.h"
#include "lib/xalloc.h"
#include "smime/mime/b64.h"
#include "smime/mime/mime_canon.h"
#include "smime/mime/mime_legacy.h"
#include "smime/mime/mime_reader.h"

struct cout {
	BIO		*bio;
	unsigned char	buf[16384];
	size_t		n;
	unsigned long long total;
	int		failed;
};

struct canon {
	const struct mime_tree *t;
	size_t		drop;		/* next entry of t->drops */
	struct mime_reader rd;
	struct cout	out;
	struct smime_err *err;
	const struct mime_header *extra;	/* written before Content-* */
	size_t		nextra;
	const char	*hp;		/* Content-Type parameter; NULL */
	const char	*legacy;	/* the legacy display's text; NULL */
	struct mime_legacy_place *places;	/* per part; NULL: none */
	size_t		nplaces;	/* parts that get one */
};

static void
out_flush(struct cout *o)
{
	size_t	done = 0;
	int	w;

	while (!o->failed && done < o->n) {
		w = BIO_write(o->bio, o->buf + done, (int)(o->n - done));
		if (w <= 0)
			o->failed = 1;
		else
			done += (size_t)w;
	}
	o->total += done;
	o->n = 0;
}

static void
out_put(struct cout *o, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t	take;

	while (n > 0) {
		if (o->n == sizeof(o->buf))
			out_flush(o);
		take = sizeof(o->buf) - o->n;
		if (take > n)
			take = n;
		memcpy(o->buf + o->n, s, take);
		o->n += take;
		s += take;
		n -= take;
	}
}

static void
out_str(struct cout *o, const char *s)
{
	out_put(o, s, strlen(s));
}

/* Copies s with every lone LF made CRLF; *prev carries the last byte. */
static void
out_canon(struct cout *o, const unsigned char *s, size_t n, int *prev)
{
	const unsigned char *nl, *from = s, *end = s + n;

	if (n == 0)
		return;
	for (nl = memchr(s, '\n', n); nl != NULL;
	    nl = memchr(nl + 1, '\n', (size_t)(end - nl - 1))) {
		if ((nl > s ? nl[-1] : *prev) != '\r') {
			out_put(o, from, (size_t)(nl - from));
			out_put(o, "\r\n", 2);
			from = nl + 1;
		}
		if (nl + 1 == end)
			break;
	}
	out_put(o, from, (size_t)(end - from));
	*prev = end[-1];
}

static int
read_fail(struct canon *c)
{
	/* The first pass read further: the file changed or failed. */
	smime_err_set(c->err, SMIME_TEMP, "body file: read: %s",
	    ferror(c->rd.f) ? strerror(errno) : "unexpected end of file");
	return -1;
}

/* Copies the body file up to offset end, canonical line ends. */
static int
copy_plain(struct canon *c, off_t end)
{
	const unsigned char *p;
	ssize_t	n;
	int	prev = 0;

	while (c->rd.off < end) {
		n = mime_reader_bytes(&c->rd, &p, (size_t)(end - c->rd.off));
		if (n <= 0)
			return read_fail(c);
		out_canon(&c->out, p, (size_t)n, &prev);
	}
	return 0;
}

/* The same, leaving out the preamble and epilogue lines in t->drops. */
static int
copy_to(struct canon *c, off_t end)
{
	const struct mime_range *d;
	const unsigned char *p;
	ssize_t	n;

	while (c->drop < c->t->ndrops &&
	    (d = &c->t->drops[c->drop])->start < end) {
		if (copy_plain(c, d->start) < 0)
			return -1;
		while (c->rd.off < d->end) {
			n = mime_reader_bytes(&c->rd, &p,
			    (size_t)(d->end - c->rd.off));
			if (n <= 0)
				return read_fail(c);
		}
		c->drop++;
	}
	return copy_plain(c, end);
}

static const char *
conv_label(enum mime_conv conv)
{
	switch (conv) {
	case CONV_QP:
		return "quoted-printable";
	case CONV_BASE64:
		return "base64";
	default:
		return "7bit";
	}
}

/* A header line of field name; with ws, white space may come before
 * the colon. */
static bool
is_field(const unsigned char *s, size_t n, const char *name, bool ws)
{
	size_t	k = strlen(name);

	if (n < k || strncasecmp((const char *)s, name, k) != 0)
		return false;
	while (ws && k < n && (s[k] == ' ' || s[k] == '\t'))
		k++;
	return k < n && s[k] == ':';
}

static void	put_type(struct canon *, const char *, bool, const char *);

/* The Content-Type field collected in f (its name, colon and folded
 * lines), written with hp-legacy-display="1". */
static void
put_type_field(struct canon *c, struct sbuf *f)
{
	put_type(c, strchr(f->s, ':') + 1, true, NULL);
	free(f->s);
	memset(f, 0, sizeof(*f));
}

/* A nested part's header block, its transfer encoding replaced when the
 * part is converted, its Content-Type marked when it gets a legacy
 * display (one is written for a part that has none: text/plain). */
static int
rewrite_headers(struct canon *c, const struct mime_part *m, bool legacy)
{
	const unsigned char *p;
	ssize_t	n;
	bool	start = true, skipping = false, typing = false;
	bool	typed = false;
	struct sbuf type = { 0 };
	int	prev = 0;

	while (c->rd.off < m->hdr_end) {
		n = mime_reader_line(&c->rd, &p);
		if (n <= 0) {
			free(type.s);
			return read_fail(c);
		}
		if (start && p[0] != ' ' && p[0] != '\t') {
			if (typing)
				put_type_field(c, &type);
			/* the Content-Type mime_parse read: "Content-Type :"
			 * is not one to it */
			typing = legacy && is_field(p, (size_t)n,
			    "content-type", false);
			typed |= typing;
			skipping = m->conv != CONV_NONE &&
			    is_field(p, (size_t)n, "content-transfer-encoding",
			    true);
			if (p[0] == '\n' || (n == 2 && p[0] == '\r')) {
				if (legacy && !typed)
					put_type(c, "text/plain", true, NULL);
				if (m->conv != CONV_NONE) {
					out_str(&c->out,
					    "Content-Transfer-Encoding: ");
					out_str(&c->out, conv_label(m->conv));
					out_str(&c->out, "\r\n");
				}
			}
		}
		if (typing)
			sbuf_printf(&type, "%.*s", (int)n, (const char *)p);
		else if (!skipping)
			out_canon(&c->out, p, (size_t)n, &prev);
		start = p[n - 1] == '\n';
	}
	if (typing)
		put_type_field(c, &type);
	return 0;
}

/* ---- quoted-printable ------------------------------------------------- */

struct qp {
	struct cout	*o;
	unsigned	col;
	int		pend_ws;	/* a space or tab not yet written */
	bool		pend_cr;
};

/* Bytes that must not start an encoded line, hard or soft: '-' could make
 * a delimiter line, '.' a line that ends SMTP data where a relay forgets to
 * dot-stuff, 'F' an mbox "From " line that gets a '>' (RFC 2049 section 3). */
static bool
qp_unsafe_first(unsigned char b)
{
	return b == '-' || b == '.' || b == 'F';
}

/* Writes byte b, as =XX when hex is set or when b ends up first on a line:
 * that is known only once the soft break, if any, is written. */
static void
qp_put(struct qp *q, unsigned char b, bool hex)
{
	static const char digits[] = "0123456789ABCDEF";
	char	t[3] = { '=', digits[b >> 4], digits[b & 15] };

	if (q->col + (hex ? 3 : 1) > 75) {
		out_put(q->o, "=\r\n", 3);
		q->col = 0;
	}
	if (q->col == 0 && qp_unsafe_first(b))
		hex = true;
	if (hex)
		out_put(q->o, t, 3);
	else
		out_put(q->o, &b, 1);
	q->col += hex ? 3 : 1;
}

static void
qp_hex(struct qp *q, unsigned char b)
{
	qp_put(q, b, true);
}

static void
qp_flush_ws(struct qp *q, bool at_line_end)
{
	unsigned char b = (unsigned char)q->pend_ws;

	if (b == 0)
		return;
	q->pend_ws = 0;
	qp_put(q, b, at_line_end);
}

static void
qp_byte(struct qp *q, unsigned char b)
{
	if (q->pend_cr && b != '\n') {
		qp_flush_ws(q, false);
		qp_hex(q, '\r');
	}
	q->pend_cr = false;
	if (b == '\r') {
		q->pend_cr = true;
		return;
	}
	if (b == '\n') {
		qp_flush_ws(q, true);
		out_put(q->o, "\r\n", 2);
		q->col = 0;
		return;
	}
	qp_flush_ws(q, false);
	if (b == ' ' || b == '\t')
		q->pend_ws = b;
	else
		qp_put(q, b, b < 33 || b > 126 || b == '=');
}

static void
qp_end(struct qp *q)
{
	if (q->pend_cr) {
		qp_flush_ws(q, false);
		qp_hex(q, '\r');
		q->pend_cr = false;
	}
	qp_flush_ws(q, true);
}

/* Where part i's legacy display goes; -1 when it gets none. */
static off_t
legacy_at(const struct canon *c, size_t i)
{
	return c->places != NULL ? c->places[i].at : -1;
}

/* Part i's legacy display as written into it (the caller frees it). */
static char *
legacy_text(const struct canon *c, size_t i)
{
	return mime_legacy_text(c->legacy, &c->t->parts[i], c->places[i].nl);
}

/* Part i's legacy display, for a part written as it is. */
static void
put_legacy(struct canon *c, size_t i)
{
	char	*shown = legacy_text(c, i);
	int	prev = 0;

	out_canon(&c->out, (const unsigned char *)shown, strlen(shown), &prev);
	free(shown);
}

/* ---- ranges ----------------------------------------------------------- */

static int
encode_range(struct canon *c, size_t part)
{
	const struct mime_part *m = &c->t->parts[part];
	const unsigned char *p;
	ssize_t	n, i;
	struct qp q = { &c->out, 0, 0, false };
	unsigned char grp[B64_LINE_IN];
	size_t	ng = 0;
	char	line[80], *shown;
	off_t	at = m->conv == CONV_QP ? legacy_at(c, part) : -1, upto;

	for (;;) {
		/* The legacy display goes through the same encoder. */
		if (at >= 0 && c->rd.off == at) {
			shown = legacy_text(c, part);
			for (p = (const unsigned char *)shown; *p != '\0'; p++)
				qp_byte(&q, *p);
			free(shown);
			at = -1;
		}
		if (c->rd.off >= m->body_end)
			break;
		upto = at > c->rd.off ? at : m->body_end;
		n = mime_reader_bytes(&c->rd, &p, (size_t)(upto - c->rd.off));
		if (n <= 0)
			return read_fail(c);
		for (i = 0; i < n; i++) {
			if (m->conv == CONV_QP) {
				qp_byte(&q, p[i]);
				continue;
			}
			grp[ng++] = p[i];
			if (ng == B64_LINE_IN) {
				size_t	len = b64_encode_block(grp, ng, line);

				out_put(&c->out, line, len);
				ng = 0;
				/* No CRLF after the last line: the break
				 * before the delimiter follows. */
				if (c->rd.off - (n - i - 1) < m->body_end)
					out_put(&c->out, "\r\n", 2);
			}
		}
	}
	if (m->conv == CONV_QP)
		qp_end(&q);
	else if (ng > 0)
		out_put(&c->out, line, b64_encode_block(grp, ng, line));
	if (part == 0 && m->conv == CONV_BASE64 && m->body_end > m->body_start)
		out_put(&c->out, "\r\n", 2);
	return 0;
}

/* One header field, CRLF line ends. */
static void
put_field(struct canon *c, const char *name, const char *value)
{
	int	prev = 0;

	out_str(&c->out, name);
	out_str(&c->out, ":");
	if (value[0] != ' ' && value[0] != '\t')
		out_str(&c->out, " ");
	out_canon(&c->out, (const unsigned char *)value, strlen(value), &prev);
	out_str(&c->out, "\r\n");
}

/* v with our parameters before tail (a place in v), the white space
 * before that place left out. */
static char *
with_params(const char *v, const char *tail, bool legacy, const char *hp)
{
	struct sbuf b = { 0 };
	const char *w = tail;

	while (w > v && strchr(" \t\r\n", w[-1]) != NULL)
		w--;
	sbuf_printf(&b, "%.*s", (int)(w - v), v);
	if (legacy)
		sbuf_printf(&b, ";\r\n\thp-legacy-display=\"1\"");
	if (hp != NULL)
		sbuf_printf(&b, ";\r\n\thp=\"%s\"", hp);
	sbuf_printf(&b, "%s", tail);
	return b.s;
}

/* A reader of value finds our parameters in it. */
static bool
reads_back(const char *value, bool legacy, const char *hp)
{
	char	got[64];

	if (legacy && (!mime_content_param(value, "hp-legacy-display", got,
	    sizeof(got)) || strcmp(got, "1") != 0))
		return false;
	return hp == NULL || (mime_content_param(value, "hp", got,
	    sizeof(got)) && strcmp(got, hp) == 0);
}

/* A Content-Type (the payload's, or a part's that gets a legacy
 * display): the header protection parameters it may hold already (a
 * message protected before, a client that wrote them) replaced by ours,
 * each written once, where a reader finds them: after the parameters it
 * reads (a trailing ';' dropped), or, when a reader would not find them
 * there (junk in a parameter, a quote left open), right after the
 * type. */
static void
put_type(struct canon *c, const char *value, bool legacy, const char *hp)
{
	char	*v = mime_content_without_param(value, "hp"), *w, *tail;
	char	*out;
	int	prev = 0;

	w = mime_content_without_param(v, "hp-legacy-display");
	free(v);
	v = w;
	w = v + strlen(v);
	while (w > v && strchr(" \t\r\n", w[-1]) != NULL)
		*--w = '\0';
	tail = v + mime_content_readable_len(v);
	if (tail[strspn(tail, "; \t\r\n")] == '\0')
		*tail = '\0';		/* nothing but separators */
	else if (tail[strspn(tail, " \t\r\n")] != ';')
		tail = v + mime_content_type_len(v); /* junk in a value */
	out = with_params(v, tail, legacy, hp);
	if (!reads_back(out, legacy, hp)) {
		free(out);
		out = with_params(v, v + mime_content_type_len(v), legacy, hp);
	}
	out_str(&c->out, "Content-Type:");
	if (out[0] != ' ' && out[0] != '\t')
		out_str(&c->out, " ");
	out_canon(&c->out, (const unsigned char *)out, strlen(out), &prev);
	out_str(&c->out, "\r\n");
	free(out);
	free(v);
}

/* The extra fields, the top-level Content-* fields, CRLF line ends,
 * then the empty line. */
static void
top_headers(struct canon *c, const struct mime_header *h, size_t nh,
    const struct mime_part *top)
{
	size_t	i;
	bool	have_type = false, type;

	for (i = 0; i < c->nextra; i++)
		if (c->extra[i].name != NULL && c->extra[i].value != NULL)
			put_field(c, c->extra[i].name, c->extra[i].value);
	for (i = 0; i < nh; i++) {
		if (h[i].name == NULL || h[i].value == NULL ||
		    strncasecmp(h[i].name, "content-", 8) != 0)
			continue;
		if (top->conv != CONV_NONE &&
		    strcasecmp(h[i].name, "content-transfer-encoding") == 0)
			continue;
		/* the first Content-Type is the one readers take */
		type = !have_type && strcasecmp(h[i].name, "content-type") == 0;
		have_type |= type;
		if (type && c->hp != NULL)
			put_type(c, h[i].value, legacy_at(c, 0) >= 0, c->hp);
		else
			put_field(c, h[i].name, h[i].value);
	}
	if (!have_type && c->hp != NULL)
		put_type(c, "text/plain", legacy_at(c, 0) >= 0, c->hp);
	else if (!have_type)
		put_field(c, "Content-Type", "text/plain");
	if (top->conv != CONV_NONE) {
		out_str(&c->out, "Content-Transfer-Encoding: ");
		out_str(&c->out, conv_label(top->conv));
		out_str(&c->out, "\r\n");
	}
	out_str(&c->out, "\r\n");
}

static int
run(struct canon *c, FILE *body, const struct mime_tree *t,
    const struct mime_header *h, size_t nh)
{
	size_t	i;
	const struct mime_part *m;
	off_t	at;

	if (mime_reader_init(&c->rd, body) < 0) {
		smime_err_set(c->err, SMIME_TEMP, "body file: seek: %s",
		    strerror(errno));
		return -1;
	}
	top_headers(c, h, nh, &t->parts[0]);
	for (i = 0; i < t->nparts; i++) {
		m = &t->parts[i];
		at = legacy_at(c, i);
		if (m->conv == CONV_NONE && at < 0)
			continue;
		if (i > 0) {
			if (copy_to(c, m->hdr_start) < 0 ||
			    rewrite_headers(c, m, at >= 0) < 0)
				return -1;
		}
		if (m->conv == CONV_7BIT_LABEL)
			continue;
		if (m->conv == CONV_NONE) {
			if (copy_to(c, at) < 0)
				return -1;
			put_legacy(c, i);
			continue;
		}
		if (copy_to(c, m->body_start) < 0 || encode_range(c, i) < 0)
			return -1;
	}
	return copy_to(c, t->size);
}

int
mime_canon_write(FILE *body, const struct mime_tree *t,
    const struct mime_header *h, size_t nh, BIO *out,
    unsigned long long *written, struct smime_err *err)
{
	return mime_canon_write_hp(body, t, h, nh, NULL, 0, NULL, NULL, out,
	    written, NULL, err);
}

int
mime_canon_write_hp(FILE *body, const struct mime_tree *t,
    const struct mime_header *h, size_t nh, const struct mime_header *extra,
    size_t nextra, const char *hp, const char *legacy, BIO *out,
    unsigned long long *written, bool *wrote_legacy, struct smime_err *err)
{
	struct canon *c = x_calloc(1, sizeof(*c));
	int	r;

	c->out.bio = out;
	c->t = t;
	c->err = err;
	c->extra = extra;
	c->nextra = nextra;
	c->hp = hp;
	c->legacy = legacy;
	if (hp != NULL && legacy != NULL)
		c->nplaces = mime_legacy_plan(body, t, &c->places);
	r = run(c, body, t, h, nh);
	out_flush(&c->out);
	if (r == 0 && c->out.failed) {
		smime_err_ssl(err, SMIME_TEMP, "writing the inner entity failed");
		r = -1;
	}
	if (written != NULL)
		*written = c->out.total;
	if (wrote_legacy != NULL)
		*wrote_legacy = r == 0 && c->nplaces > 0;
	free(c->places);
	free(c);
	return r;
}
