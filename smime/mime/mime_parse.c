/*
 * mime_parse - see mime_parse.h.
 *
 * One pass, one line at a time, with a stack of the open multiparts'
 * boundaries. A line starting with "--" is compared with every open
 * boundary, innermost first; matching an outer one while an inner
 * multipart is still open means the inner one was never closed.
 *
 * The reader hands a long line over in pieces, so every decision about a
 * line is taken on the whole line: a CR that ends one piece and the LF
 * that starts the next are one CRLF (prev_cr), and a preamble or epilogue
 * line is kept or left out when its end is seen (line_off, line_dirty).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/sbuf.h"
#include "lib/xalloc.h"
#include "smime/mime/mime_parse.h"
#include "smime/mime/mime_reader.h"

enum pstate { ST_HEADERS, ST_BODY, ST_SKIP };

struct parser {
	struct mime_reader rd;
	struct mime_tree *t;
	size_t		cap, dropcap;
	int		stack[MIME_MAX_DEPTH];	/* open multiparts (part index) */
	size_t		depth;
	enum pstate	st;
	int		cur;		/* part whose headers or body we read */
	size_t		prev_eol;	/* 0, 1 (LF) or 2 (CRLF) */
	bool		line_start;
	bool		prev_cr;	/* the last piece ended in CR */
	size_t		line_len;
	off_t		line_off;	/* where the current line starts */
	bool		line_dirty;	/* preamble/epilogue line not 7-bit clean */
	bool		line_open;	/* ... and not ended yet */
	off_t		skip_from;	/* where this preamble/epilogue starts */
	bool		skip_signed;	/* ... and a signature covers it */
	char		*field;		/* current header field, raw */
	size_t		nfield;
	size_t		nfields;
	struct smime_err *err;
};

bool
mime_name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/* Skips white space, folding and (nested) comments. */
static const char *
skip_cfws(const char *s)
{
	int	level;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (*s != '(')
			return s;
		for (level = 0; *s != '\0'; s++) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			else if (*s == '(')
				level++;
			else if (*s == ')' && --level == 0) {
				s++;
				break;
			}
		}
	}
}

static bool
is_tspecial(int c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* Copies an RFC 2045 token, lower-cased, into out; returns the rest. */
static const char *
get_token(const char *s, char *out, size_t outsz, bool lower)
{
	size_t	n = 0;

	while (*s != '\0' && (unsigned char)*s > ' ' && (unsigned char)*s < 127 &&
	    !is_tspecial(*s)) {
		if (n + 1 < outsz)
			out[n++] = lower ? (char)tolower((unsigned char)*s) : *s;
		s++;
	}
	out[n] = '\0';
	return s;
}

static const char *
get_quoted(const char *s, char *out, size_t outsz)
{
	size_t	n = 0;

	for (s++; *s != '\0' && *s != '"'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		if (*s == '\r' || *s == '\n')
			continue;
		if (n + 1 < outsz)
			out[n++] = *s;
	}
	out[n] = '\0';
	return *s == '"' ? s + 1 : s;
}

/* The type and subtype (lower case) of a Content-Type value; returns
 * the rest, or NULL when they are unparsable. */
static const char *
get_type(const char *v, char *type, size_t typesz)
{
	char	t[64], sub[64];

	v = skip_cfws(v);
	v = get_token(v, t, sizeof(t), true);
	v = skip_cfws(v);
	if (t[0] == '\0' || *v != '/')
		return NULL;
	v = skip_cfws(v + 1);
	v = get_token(v, sub, sizeof(sub), true);
	if (sub[0] == '\0')
		return NULL;
	snprintf(type, typesz, "%s/%s", t, sub);
	return v;
}

/* The next parameter (name lower-cased); NULL at the end or when the
 * rest is unparsable. */
static const char *
next_param(const char *v, char *pname, size_t pnsz, char *pval, size_t pvsz)
{
	v = skip_cfws(v);
	if (*v != ';')
		return NULL;
	v = skip_cfws(v + 1);
	v = get_token(v, pname, pnsz, true);
	v = skip_cfws(v);
	if (*v != '=')
		return NULL;
	v = skip_cfws(v + 1);
	if (*v == '"')
		return get_quoted(v, pval, pvsz);
	return get_token(v, pval, pvsz, false);
}

void
mime_content_type(const char *v, char *type, size_t typesz, char *boundary,
    size_t bsz)
{
	char	pname[64], pval[MIME_BOUNDARY_MAX + 2];

	boundary[0] = '\0';
	if ((v = get_type(v, type, typesz)) == NULL) {
		snprintf(type, typesz, "text/plain");
		return;
	}
	while ((v = next_param(v, pname, sizeof(pname), pval,
	    sizeof(pval))) != NULL)
		/* A boundary longer than RFC 2046 allows is left out, so
		 * that the multipart is refused rather than half-parsed. */
		if (strcmp(pname, "boundary") == 0 && strlen(pval) <= bsz - 1 &&
		    strlen(pval) <= MIME_BOUNDARY_MAX)
			snprintf(boundary, bsz, "%s", pval);
}

bool
mime_content_param(const char *v, const char *name, char *out, size_t outsz)
{
	char	type[MIME_TYPE_MAX], pname[64];

	out[0] = '\0';
	if ((v = get_type(v, type, sizeof(type))) == NULL)
		return false;
	while ((v = next_param(v, pname, sizeof(pname), out, outsz)) != NULL)
		if (strcmp(pname, name) == 0)
			return true;
	out[0] = '\0';
	return false;
}

char *
mime_content_without_param(const char *v, const char *name)
{
	char	type[MIME_TYPE_MAX], pname[64], pval[256];
	const char *rest, *next, *keep, *after;
	struct sbuf b = { 0 };

	if ((rest = get_type(v, type, sizeof(type))) == NULL)
		return x_strdup(v);
	sbuf_printf(&b, "%.*s", (int)(rest - v), v);
	for (keep = rest; (next = next_param(rest, pname, sizeof(pname), pval,
	    sizeof(pval))) != NULL; rest = next) {
		if (strcmp(pname, name) != 0)
			continue;
		/* the text from the last kept place to this ';' stays */
		sbuf_printf(&b, "%.*s", (int)(rest - keep), keep);
		/* junk glued to the parameter must not join what came
		 * before it (the type, or another value) */
		after = skip_cfws(next);
		if (*after != ';' && *after != '\0')
			sbuf_printf(&b, " ");
		keep = next;
	}
	sbuf_printf(&b, "%s", keep);
	return b.s != NULL ? b.s : x_strdup("");
}

size_t
mime_content_type_len(const char *v)
{
	char	type[MIME_TYPE_MAX];
	const char *rest = get_type(v, type, sizeof(type));

	return rest != NULL ? (size_t)(rest - v) : 0;
}

size_t
mime_content_readable_len(const char *v)
{
	char	type[MIME_TYPE_MAX], pname[64], pval[256];
	const char *rest, *next;

	if ((rest = get_type(v, type, sizeof(type))) == NULL)
		return strlen(v);
	while ((next = next_param(rest, pname, sizeof(pname), pval,
	    sizeof(pval))) != NULL)
		rest = next;
	return (size_t)(rest - v);
}

enum mime_cte
mime_cte_parse(const char *v)
{
	char	tok[32];

	v = skip_cfws(v);
	get_token(v, tok, sizeof(tok), true);
	if (tok[0] == '\0')
		return CTE_NONE;
	if (strcmp(tok, "7bit") == 0)
		return CTE_7BIT;
	if (strcmp(tok, "8bit") == 0)
		return CTE_8BIT;
	if (strcmp(tok, "binary") == 0)
		return CTE_BINARY;
	if (strcmp(tok, "quoted-printable") == 0)
		return CTE_QP;
	if (strcmp(tok, "base64") == 0)
		return CTE_BASE64;
	return CTE_OTHER;
}

const char *
mime_conv_name(enum mime_conv c)
{
	switch (c) {
	case CONV_NONE:
		return "none";
	case CONV_QP:
		return "quoted-printable";
	case CONV_BASE64:
		return "base64";
	case CONV_7BIT_LABEL:
		return "7bit-label";
	}
	return "unknown";
}

static const char *
cte_name(enum mime_cte c)
{
	static const char *names[] = { "none", "7bit", "8bit", "binary",
	    "quoted-printable", "base64", "unknown" };

	return names[c];
}

/* ---- parts -------------------------------------------------------------- */

/* Whether the next part of multipart mp is a main body part. */
static bool
main_child(const struct mime_part *mp)
{
	if (!mp->main_body || strcmp(mp->type, "multipart/signed") == 0)
		return false;
	return !mp->has_child ||
	    strcmp(mp->type, "multipart/alternative") == 0;
}

/* A Content-Disposition of type "attachment" (RFC 2183). */
static bool
is_attachment(const char *v)
{
	static const char want[] = "attachment";
	size_t	k = sizeof(want) - 1;

	v += strspn(v, " \t\r\n");
	return strncasecmp(v, want, k) == 0 &&
	    (v[k] == '\0' || strchr(" \t\r\n;(", v[k]) != NULL);
}

static int
new_part(struct parser *p, int parent, unsigned depth)
{
	struct mime_part *m;

	if (p->t->nparts >= MIME_MAX_PARTS) {
		smime_err_set(p->err, SMIME_PERM, "more than %d MIME parts",
		    MIME_MAX_PARTS);
		return -1;
	}
	if (p->t->nparts == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->t->parts = x_reallocarray(p->t->parts, p->cap,
		    sizeof(*p->t->parts));
	}
	m = &p->t->parts[p->t->nparts];
	memset(m, 0, sizeof(*m));
	m->parent = parent;
	m->depth = depth;
	snprintf(m->type, sizeof(m->type), "text/plain");
	m->hdr_start = m->hdr_end = -1;
	m->main_body = parent < 0 || main_child(&p->t->parts[parent]);
	if (parent >= 0)
		p->t->parts[parent].has_child = true;
	return (int)p->t->nparts++;
}

/* A Content-Type value whose type can be read and is followed by
 * parameters or nothing: one where a parameter can be added that a
 * reader will find. */
static bool
takes_params(const char *v)
{
	size_t	k = mime_content_type_len(v);

	if (k == 0)
		return false;
	v = skip_cfws(v + k);
	return *v == '\0' || *v == ';';
}

/* Applies one header field (name, unfolded value) to part i. */
static void
part_field(struct parser *p, int i, const char *name, size_t nlen,
    const char *value)
{
	struct mime_part *m = &p->t->parts[i];
	char	flag[4];

	if (mime_name_is(name, nlen, "content-type")) {
		mime_content_type(value, m->type, sizeof(m->type), m->boundary,
		    sizeof(m->boundary));
		m->bad_type = !takes_params(value);
		m->legacy_display = mime_content_param(value,
		    "hp-legacy-display", flag, sizeof(flag)) &&
		    strcmp(flag, "1") == 0;
		if (m->ntypes < 2)
			m->ntypes++;
	} else if (mime_name_is(name, nlen, "content-transfer-encoding"))
		m->cte = mime_cte_parse(value);
	else if (mime_name_is(name, nlen, "content-disposition"))
		m->attachment = is_attachment(value);
}

/* Inside a multipart/signed every byte is covered by the sender's own
 * signature: converting anything there would break it. */
static bool
under_signature(const struct parser *p, int i)
{
	for (i = p->t->parts[i].parent; i >= 0; i = p->t->parts[i].parent)
		if (strcmp(p->t->parts[i].type, "multipart/signed") == 0)
			return true;
	return false;
}

/* Decides a leaf's conversion from what its content held. */
static int
leaf_done(struct parser *p, int i)
{
	struct mime_part *m = &p->t->parts[i];
	bool	text = strncmp(m->type, "text/", 5) == 0;

	if (under_signature(p, i)) {
		m->conv = CONV_NONE;
		return 0;
	}

	switch (m->cte) {
	case CTE_QP:
	case CTE_BASE64:
	case CTE_OTHER:
		if (m->has_8bit || m->has_nul) {
			smime_err_set(p->err, SMIME_PERM,
			    "%s in a part encoded %s (part %d)",
			    m->has_nul ? "NUL byte" : "8-bit data",
			    cte_name(m->cte), i + 1);
			return -1;
		}
		m->conv = CONV_NONE;
		break;
	default:
		if (m->cte == CTE_BINARY || m->has_8bit || m->has_nul ||
		    m->has_bare_cr || m->long_line)
			m->conv = text && !m->has_nul ? CONV_QP : CONV_BASE64;
		else
			m->conv = CONV_NONE;
	}
	return 0;
}

/* The preamble or epilogue of multipart mp starts at offset from. */
static void
begin_skip(struct parser *p, int mp, off_t from)
{
	p->st = ST_SKIP;
	p->cur = -1;
	p->skip_from = from;
	p->skip_signed = under_signature(p, mp);
	p->line_open = false;
}

/* The headers of part i are complete: open its body or its multipart. */
static int
headers_done(struct parser *p, int i, off_t body_start)
{
	struct mime_part *m = &p->t->parts[i];

	m->body_start = m->body_end = body_start;
	m->multipart = strncmp(m->type, "multipart/", 10) == 0;
	if (!m->multipart) {
		p->st = ST_BODY;
		p->cur = i;
		p->line_len = 0;
		return 0;
	}
	if (m->boundary[0] == '\0') {
		smime_err_set(p->err, SMIME_PERM,
		    "%s without a usable boundary parameter (part %d)",
		    m->type, i + 1);
		return -1;
	}
	if (m->cte == CTE_QP || m->cte == CTE_BASE64 || m->cte == CTE_OTHER) {
		smime_err_set(p->err, SMIME_PERM,
		    "%s with transfer encoding %s (part %d)", m->type,
		    cte_name(m->cte), i + 1);
		return -1;
	}
	if ((m->cte == CTE_8BIT || m->cte == CTE_BINARY) &&
	    !under_signature(p, i))
		m->conv = CONV_7BIT_LABEL;
	if (p->depth >= MIME_MAX_DEPTH) {
		smime_err_set(p->err, SMIME_PERM,
		    "MIME nesting deeper than %d", MIME_MAX_DEPTH);
		return -1;
	}
	p->stack[p->depth++] = i;
	begin_skip(p, i, body_start);
	return 0;
}

/* Ends the field collected in p->field: unfolds and applies it. */
static int
field_done(struct parser *p)
{
	char	*colon, *s, *d;

	if (p->nfield == 0)
		return 0;
	p->field[p->nfield] = '\0';
	colon = memchr(p->field, ':', p->nfield);
	if (colon == NULL) {	/* header_chunk() lets none through */
		p->nfield = 0;
		return 0;
	}
	/* Unfold: line breaks inside a field are folding white space. */
	for (s = d = colon + 1; *s != '\0'; s++)
		if (*s != '\r' && *s != '\n')
			*d++ = *s;
	*d = '\0';
	part_field(p, p->cur, p->field, (size_t)(colon - p->field), colon + 1);
	p->nfield = 0;
	return 0;
}

/* The line break ending piece c: 0 (none), 1 (LF) or 2 (CRLF, its CR
 * perhaps the last byte of the piece before). */
static size_t
eol_len(const struct parser *p, const unsigned char *c, size_t n)
{
	if (c[n - 1] != '\n')
		return 0;
	return (n >= 2 ? c[n - 2] == '\r' : p->prev_cr) ? 2 : 1;
}

/* Whether piece c holds a bare CR, a CR ending the piece before included
 * (a CR ending c is judged with the next piece). */
static bool
has_bare_cr(const struct parser *p, const unsigned char *c, size_t n)
{
	const unsigned char *cr, *end = c + n;

	if (p->prev_cr && c[0] != '\n')
		return true;
	for (cr = memchr(c, '\r', n); cr != NULL;
	    cr = memchr(cr + 1, '\r', (size_t)(end - cr - 1)))
		if (cr + 1 < end && cr[1] != '\n')
			return true;
	return false;
}

/* Eight bytes at a time: this runs over every byte of the body, and a
 * byte-wise loop cost as much as a quarter of a 1 MB signature. */
static bool
has_8bit(const unsigned char *c, size_t n)
{
	uint64_t high = 0, w;
	size_t	k;

	for (k = 0; k + 8 <= n; k += 8) {
		memcpy(&w, c + k, 8);
		high |= w;
	}
	for (; k < n; k++)
		high |= c[k];
	return (high & UINT64_C(0x8080808080808080)) != 0;
}

/* What one pass over a piece of content finds: an 8-bit byte, a NUL, a
 * CR (to be looked at closer). Eight bytes at a time; three memchr-like
 * passes a line cost a sixth of a 1 MB signature. */
struct scan {
	bool	high, nul, cr;
};

#define ONES	UINT64_C(0x0101010101010101)
#define HIGHS	UINT64_C(0x8080808080808080)
/* Non-zero exactly when some byte of w is zero. */
#define ZERO_BYTE(w)	(((w) - ONES) & ~(w) & HIGHS)

static void
scan_piece(const unsigned char *c, size_t n, struct scan *sc)
{
	uint64_t high = 0, nul = 0, cr = 0, w;
	size_t	k;

	for (k = 0; k + 8 <= n; k += 8) {
		memcpy(&w, c + k, 8);
		high |= w;
		nul |= ZERO_BYTE(w);
		cr |= ZERO_BYTE(w ^ (ONES * '\r'));
	}
	sc->high = (high & HIGHS) != 0;
	sc->nul = nul != 0;
	sc->cr = cr != 0;
	for (; k < n; k++) {
		sc->high |= c[k] >= 0x80;
		sc->nul |= c[k] == '\0';
		sc->cr |= c[k] == '\r';
	}
}

static int
header_chunk(struct parser *p, const unsigned char *c, size_t n, bool start,
    off_t off)
{
	if (memchr(c, '\0', n) != NULL) {
		smime_err_set(p->err, SMIME_PERM,
		    "NUL byte in a header at offset %lld", (long long)off);
		return -1;
	}
	if (has_bare_cr(p, c, n)) {
		smime_err_set(p->err, SMIME_PERM,
		    "bare CR in a header at offset %lld", (long long)off);
		return -1;
	}
	if (start && (c[0] == '\n' || (n == 2 && c[0] == '\r'))) {
		field_done(p);
		p->t->parts[p->cur].hdr_end = off + (off_t)n;
		return headers_done(p, p->cur, off + (off_t)n);
	}
	if (start && (c[0] == ' ' || c[0] == '\t') && p->nfield == 0) {
		smime_err_set(p->err, SMIME_PERM,
		    "folded header line without a field at offset %lld",
		    (long long)off);
		return -1;
	}
	if (start && c[0] != ' ' && c[0] != '\t') {
		const unsigned char *colon = memchr(c, ':', n);

		field_done(p);
		if (colon == NULL || colon == c) {
			smime_err_set(p->err, SMIME_PERM,
			    "malformed header line at offset %lld (no field "
			    "name and colon)", (long long)off);
			return -1;
		}
		if (++p->nfields > MIME_MAX_FIELDS) {
			smime_err_set(p->err, SMIME_PERM,
			    "more than %d header fields in part %d",
			    MIME_MAX_FIELDS, p->cur + 1);
			return -1;
		}
	}
	if (p->nfield + n > MIME_MAX_HEADER) {
		smime_err_set(p->err, SMIME_PERM,
		    "header field longer than %d bytes at offset %lld",
		    MIME_MAX_HEADER, (long long)off);
		return -1;
	}
	memcpy(p->field + p->nfield, c, n);
	p->nfield += n;
	return 0;
}

/* One line (or piece of a long line) of a leaf's content. The reader
 * cuts pieces at LF, so an LF can only be the last byte. */
static void
body_chunk(struct parser *p, const unsigned char *c, size_t n)
{
	struct mime_part *m = &p->t->parts[p->cur];
	size_t	eol = eol_len(p, c, n);

	struct scan sc;

	scan_piece(c, n, &sc);
	if (!m->has_bare_cr && (sc.cr || p->prev_cr) && has_bare_cr(p, c, n))
		m->has_bare_cr = true;
	if (sc.nul)
		m->has_nul = true;
	if (sc.high)
		m->has_8bit = true;
	/* A CR ending a piece may be the first half of a CRLF: it is not
	 * counted as line content either way (998 is far from 1024); the
	 * CR of a CRLF split so was not counted with the piece before. */
	p->line_len += n - (eol < n ? eol : n) - (c[n - 1] == '\r');
	if (p->line_len > 998)
		m->long_line = true;
	if (eol > 0)
		p->line_len = 0;
}

/* The preamble or epilogue line that started at p->line_off ended at end
 * (its line break included): listed for dropping when it is not 7-bit
 * clean. One range per preamble or epilogue, from its first such line to
 * its last, keeps the list bounded by the number of parts. */
static void
skip_line_done(struct parser *p, off_t end, size_t eol)
{
	struct mime_tree *t = p->t;

	p->line_open = false;
	if (end - p->line_off - (off_t)eol > 998)
		p->line_dirty = true;
	if (!p->line_dirty || p->skip_signed)
		return;
	if (t->ndrops > 0 && t->drops[t->ndrops - 1].start >= p->skip_from) {
		t->drops[t->ndrops - 1].end = end;
		return;
	}
	if (t->ndrops == p->dropcap) {
		p->dropcap = p->dropcap ? p->dropcap * 2 : 4;
		t->drops = x_reallocarray(t->drops, p->dropcap,
		    sizeof(*t->drops));
	}
	t->drops[t->ndrops].start = p->line_off;
	t->drops[t->ndrops++].end = end;
}

/* A piece of a preamble or epilogue line (see mime_parse.h). */
static void
skip_chunk(struct parser *p, const unsigned char *c, size_t n, bool start,
    off_t off)
{
	size_t	eol = eol_len(p, c, n);

	if (start)
		p->line_dirty = false;
	p->line_open = true;
	if (!p->line_dirty)
		p->line_dirty = has_8bit(c, n) || memchr(c, '\0', n) != NULL ||
		    has_bare_cr(p, c, n);
	if (eol > 0)
		skip_line_done(p, off + (off_t)n, eol);
}

/* 0: not a delimiter of boundary b; 1: a delimiter; 2: the close one. */
static int
delimiter(const unsigned char *c, size_t n, const char *b, bool at_eof)
{
	size_t	bl = strlen(b), k;
	int	kind = 1;

	if (n < 2 + bl || memcmp(c + 2, b, bl) != 0)
		return 0;
	k = 2 + bl;
	if (n >= k + 2 && c[k] == '-' && c[k + 1] == '-') {
		kind = 2;
		k += 2;
	}
	/* Transport padding, then the end of the line. */
	while (k < n && (c[k] == ' ' || c[k] == '\t'))
		k++;
	if (k == n)
		return at_eof ? kind : 0;
	if (c[k] == '\n' || (c[k] == '\r' && k + 2 == n && c[k + 1] == '\n'))
		return k + 1 == n || k + 2 == n ? kind : 0;
	return 0;
}

static int
on_delimiter(struct parser *p, size_t level, int kind, off_t off, size_t n)
{
	int	mp = p->stack[level], i;

	if (level + 1 != p->depth) {
		smime_err_set(p->err, SMIME_PERM,
		    "unterminated multipart: no closing --%s-- (part %d)",
		    p->t->parts[p->stack[p->depth - 1]].boundary,
		    p->stack[p->depth - 1] + 1);
		return -1;
	}
	if (p->st == ST_HEADERS) {
		smime_err_set(p->err, SMIME_PERM,
		    "part %d: headers not ended by an empty line", p->cur + 1);
		return -1;
	}
	if (p->st == ST_BODY) {
		struct mime_part *m = &p->t->parts[p->cur];
		off_t	end = off - (off_t)p->prev_eol;

		m->body_end = end > m->body_start ? end : m->body_start;
		if (leaf_done(p, p->cur) < 0)
			return -1;
	}
	if (kind == 2) {
		p->t->parts[mp].body_end = off + (off_t)n;
		p->depth--;
		begin_skip(p, mp, off + (off_t)n);
		return 0;
	}
	if ((i = new_part(p, mp, (unsigned)p->depth)) < 0)
		return -1;
	p->t->parts[i].hdr_start = off + (off_t)n;
	p->st = ST_HEADERS;
	p->cur = i;
	p->nfield = 0;
	p->nfields = 0;
	return 0;
}

static int
chunk(struct parser *p, const unsigned char *c, size_t n, off_t off)
{
	bool	start = p->line_start;
	bool	ends = c[n - 1] == '\n';
	size_t	lvl;
	int	kind, r = 0;

	p->line_start = ends;
	if (start)
		p->line_off = off;
	if (start && p->depth > 0 && n >= 2 && c[0] == '-' && c[1] == '-') {
		for (lvl = p->depth; lvl-- > 0;) {
			kind = delimiter(c, n, p->t->parts[p->stack[lvl]].boundary,
			    !ends && p->rd.eof && p->rd.pos == p->rd.len);
			if (kind != 0) {
				r = on_delimiter(p, lvl, kind, off, n);
				goto out;
			}
		}
	}
	switch (p->st) {
	case ST_HEADERS:
		r = header_chunk(p, c, n, start, off);
		break;
	case ST_BODY:
		body_chunk(p, c, n);
		break;
	case ST_SKIP:
		skip_chunk(p, c, n, start, off);
		break;
	}
out:
	p->prev_eol = eol_len(p, c, n);
	p->prev_cr = c[n - 1] == '\r';
	return r;
}

static int
top_headers(struct parser *p, const struct mime_header *h, size_t nh)
{
	size_t	i;
	char	seen_ct = 0, seen_cte = 0, seen_cd = 0;

	/* The first Content-Type, Content-Transfer-Encoding and
	 * Content-Disposition count. */
	for (i = 0; i < nh; i++) {
		if (h[i].name == NULL || h[i].value == NULL)
			continue;
		if (strcasecmp(h[i].name, "content-type") == 0 && !seen_ct++)
			part_field(p, 0, h[i].name, strlen(h[i].name),
			    h[i].value);
		if (strcasecmp(h[i].name, "content-transfer-encoding") == 0 &&
		    !seen_cte++)
			part_field(p, 0, h[i].name, strlen(h[i].name),
			    h[i].value);
		if (strcasecmp(h[i].name, "content-disposition") == 0 &&
		    !seen_cd++)
			part_field(p, 0, h[i].name, strlen(h[i].name),
			    h[i].value);
	}
	return headers_done(p, 0, 0);
}

static int
run(struct parser *p, FILE *body, const struct mime_header *h, size_t nh)
{
	const unsigned char *c;
	ssize_t	n;
	off_t	off;

	if (mime_reader_init(&p->rd, body) < 0) {
		smime_err_set(p->err, SMIME_TEMP, "body file: seek: %s",
		    strerror(errno));
		return -1;
	}
	if (new_part(p, -1, 0) < 0 || top_headers(p, h, nh) < 0)
		return -1;
	for (;;) {
		off = p->rd.off;
		n = mime_reader_line(&p->rd, &c);
		if (n < 0) {
			smime_err_set(p->err, SMIME_TEMP, "body file: read: %s",
			    strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		if (chunk(p, c, (size_t)n, off) < 0)
			return -1;
	}
	p->t->size = p->rd.off;
	if (p->st == ST_SKIP && p->line_open) {
		/* The last line has no line break; a CR ending it is bare. */
		if (p->prev_cr)
			p->line_dirty = true;
		skip_line_done(p, p->t->size, 0);
	}
	if (p->depth > 0) {
		smime_err_set(p->err, SMIME_PERM,
		    "unterminated multipart: no closing --%s-- (part %d)",
		    p->t->parts[p->stack[p->depth - 1]].boundary,
		    p->stack[p->depth - 1] + 1);
		return -1;
	}
	if (p->t->parts[0].multipart) {
		/* The top's epilogue runs to the end of the file. */
		p->t->parts[0].body_end = p->t->size;
		return 0;
	}
	p->t->parts[0].body_end = p->t->size;
	if (p->prev_cr)		/* no LF will follow */
		p->t->parts[0].has_bare_cr = true;
	return leaf_done(p, 0);
}

int
mime_parse(FILE *body, const struct mime_header *h, size_t nh,
    struct mime_tree **tree, struct smime_err *err)
{
	struct parser *p = x_calloc(1, sizeof(*p));
	int	r;

	p->t = x_calloc(1, sizeof(*p->t));
	p->field = x_malloc(MIME_MAX_HEADER + 1);
	p->err = err;
	p->line_start = true;
	r = run(p, body, h, nh);
	if (r < 0) {
		mime_tree_free(p->t);
		*tree = NULL;
	} else
		*tree = p->t;
	free(p->field);
	free(p);
	return r;
}

void
mime_tree_free(struct mime_tree *t)
{
	if (t == NULL)
		return;
	free(t->drops);
	free(t->parts);
	free(t);
}
