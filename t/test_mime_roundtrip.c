/*
 * test_mime_roundtrip - a property test of smime/mime over generated
 * messages. Each message is valid MIME whose tree and leaf contents the
 * generator knows: mime_parse must find exactly that tree and those
 * contents, and the round trip of t/mime_roundtrip.h (parse, canonicalise,
 * parse again: same parts, same decoded content, nothing left to convert,
 * canonicalising again changes nothing) must hold.
 *
 * What the generator aims at: lines of every length around the reader's
 * piece size (MIME_READER_LINE, 1024, and its multiples) and around the
 * 998-octet limit, in contents, header fields, preambles and epilogues, so
 * that CR and LF fall on both sides of a piece end; 8-bit data, NUL and
 * bare CR; text that quoted-printable must protect ('-', '.', "From " and
 * the message's own boundaries at every column around the soft breaks);
 * nested multiparts, a multipart/signed among them (never converted
 * inside); LF, CRLF and mixed line ends; messages larger than the
 * reader's 64 KiB buffer. A content line is never a delimiter line of a
 * boundary of the message (that would change the tree).
 *
 * MIME_ROUNDTRIP_SEED (default 20240610) and MIME_ROUNDTRIP_COUNT (default
 * 2000) choose the messages. Message i is built from seed + i alone, so a
 * failure replays with MIME_ROUNDTRIP_SEED=<seed+i> MIME_ROUNDTRIP_COUNT=1;
 * with MIME_ROUNDTRIP_DUMP=DIR each failing message is written to DIR.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "smime/mime/mime_reader.h"
#include "t/mime_roundtrip.h"
#include "t/tap.h"

#define GEN_MAXPARTS	40
#define GEN_MAXDEPTH	4
#define GEN_MAXBND	GEN_MAXPARTS

struct gpart {
	int		parent;
	bool		multipart;
	char		type[MIME_TYPE_MAX];
	char		boundary[MIME_BOUNDARY_MAX + 1];
	size_t		cstart, cend;	/* a leaf's content, offsets in the message */
};

struct stats {
	unsigned	messages, big, signed_mp, header_cr_split, body_cr_split;
	unsigned	qp, b64, drops, near_soft_break;
};

struct gen {
	uint64_t	s;
	struct rt_buf	m;
	size_t		body;		/* where the body starts in m */
	int		eolmode;	/* 0 LF, 1 CRLF, 2 either, line by line */
	bool		big, big_done;
	struct gpart	parts[GEN_MAXPARTS];
	size_t		nparts;
	char		bnd[GEN_MAXBND][MIME_BOUNDARY_MAX + 1];
	size_t		nbnd;
	struct stats	*st;
};

/* ---- randomness (splitmix64: small, fixed, the same everywhere) --------- */

static uint64_t
next(struct gen *g)
{
	uint64_t z = (g->s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static size_t
rnd(struct gen *g, size_t n)
{
	return n > 0 ? (size_t)(next(g) % n) : 0;
}

static bool
chance(struct gen *g, unsigned pct)
{
	return rnd(g, 100) < pct;
}

static const char *
pick(struct gen *g, const char *const *v, size_t n)
{
	return v[rnd(g, n)];
}

#define PICK(g, v)	pick((g), (v), sizeof(v) / sizeof((v)[0]))

/* ---- lines -------------------------------------------------------------- */

static const char *
eol(struct gen *g)
{
	if (g->eolmode == 2)
		return chance(g, 50) ? "\r\n" : "\n";
	return g->eolmode == 1 ? "\r\n" : "\n";
}

/* The line break before a delimiter: CRLF when the content ends in CR,
 * else that CR would be read as part of the break. */
static void
put_eol_before_delim(struct gen *g)
{
	rt_puts(&g->m, g->m.n > 0 && g->m.p[g->m.n - 1] == '\r' ? "\r\n" :
	    eol(g));
}

/* Lengths near the reader's pieces and the 998-octet limit, often. */
static size_t
line_len(struct gen *g)
{
	static const size_t around[] = { 998, 1024, 2048, 3072 };
	size_t	r = rnd(g, 100);

	if (r < 62)
		return rnd(g, 90);
	if (r < 66)
		return 4000 + rnd(g, 3000);
	return around[rnd(g, 4)] - 8 + rnd(g, 16);
}

/* Counts a line break whose CR ends one of the reader's pieces. */
static void
count_split(const char *brk, size_t len, unsigned *counter)
{
	if (brk[0] == '\r' && (len + 1) % MIME_READER_LINE == 0)
		(*counter)++;
}

/* A line that every MIME reader would take for a delimiter of one of the
 * message's boundaries: "--" boundary ["--"] then only white space. */
static bool
delimiter_like(const struct gen *g, const unsigned char *l, size_t n)
{
	size_t	i, bl, k;

	if (n < 2 || l[0] != '-' || l[1] != '-')
		return false;
	for (i = 0; i < g->nbnd; i++) {
		bl = strlen(g->bnd[i]);
		if (n < 2 + bl || memcmp(l + 2, g->bnd[i], bl) != 0)
			continue;
		k = 2 + bl;
		if (k + 1 < n && l[k] == '-' && l[k + 1] == '-')
			k += 2;
		while (k < n && (l[k] == ' ' || l[k] == '\t' || l[k] == '\r'))
			k++;
		if (k == n)
			return true;
	}
	return false;
}

enum { A_8BIT = 1, A_NUL = 2, A_CR = 4 };

/* One piece of text for a line, dirty ones only when allowed. */
static void
atom(struct gen *g, struct rt_buf *l, unsigned allow)
{
	static const char *const words[] = { "the", "Gateway", "x", "mail",
	    "=", "==", "=3D", "=C3=A9", " ", "\t", "  ", "-", "--", ".", "..",
	    "From ", "F", ";", "_", "0123456789" };
	unsigned char c;

	switch (rnd(g, 12)) {
	case 0:
		if (g->nbnd > 0) {
			rt_puts(l, "--");
			rt_puts(l, g->bnd[rnd(g, g->nbnd)]);
			break;
		}
		/* FALLTHROUGH */
	case 1:
		if (allow & A_8BIT) {
			if (chance(g, 50))
				rt_puts(l, "\xc3\xa9");
			else {
				c = (unsigned char)(0x80 + rnd(g, 128));
				rt_put(l, &c, 1);
			}
			break;
		}
		/* FALLTHROUGH */
	case 2:
		if ((allow & A_CR) && chance(g, 20)) {
			rt_puts(l, "\ry");
			break;
		}
		if ((allow & A_NUL) && chance(g, 10)) {
			rt_put(l, "\0", 1);
			break;
		}
		/* FALLTHROUGH */
	default:
		rt_puts(l, PICK(g, words));
	}
}

/* A line of text of about len bytes, without its line break. Some put a
 * byte that quoted-printable must protect where a soft break falls. */
static void
text_line(struct gen *g, struct rt_buf *l, size_t len, unsigned allow)
{
	static const char *const starts[] = { "-", "--", ".", ".\t", "From ",
	    "F", "=", " ", "\t" };
	static const char *const after[] = { "-", ".", "From me", "F", "-x",
	    ". ", "--" };
	bool	dirty = allow != 0 && chance(g, 40);
	size_t	k;

	l->n = 0;
	if (chance(g, 15)) {
		/* Letters up to around column 75, then the byte. */
		k = 70 + rnd(g, 12) + (chance(g, 30) ? 75 * rnd(g, 3) : 0);
		if (dirty)
			atom(g, l, allow & A_8BIT);
		while (l->n < k)
			rt_put(l, "abcdefghij" + rnd(g, 10), 1);
		if (g->nbnd > 0 && chance(g, 50)) {
			rt_puts(l, "--");
			rt_puts(l, g->bnd[rnd(g, g->nbnd)]);
		} else
			rt_puts(l, PICK(g, after));
		g->st->near_soft_break++;
	} else {
		if (chance(g, 20))
			rt_puts(l, PICK(g, starts));
		while (l->n < len)
			atom(g, l, dirty ? allow : 0);
		if (l->n > len && len > 0)
			l->n = len;
	}
	if (delimiter_like(g, l->p, l->n))
		l->p[0] = 'x';
}

/* Lines of text (nlines of them), joined by line breaks, no break after
 * the last. */
static void
text_lines(struct gen *g, size_t nlines, unsigned allow)
{
	struct rt_buf l = { 0 };
	const char *brk;
	size_t	i;

	for (i = 0; i < nlines; i++) {
		if (i > 0) {
			brk = eol(g);
			count_split(brk, l.n, &g->st->body_cr_split);
			rt_puts(&g->m, brk);
		}
		text_line(g, &l, g->big && !g->big_done ? 900 + rnd(g, 300) :
		    line_len(g), allow);
		rt_put(&g->m, l.p, l.n);
	}
	/* A CR at the very end: before a delimiter's CRLF, or at the end of
	 * the file. */
	if (nlines > 0 && (allow & A_CR) && chance(g, 10))
		rt_puts(&g->m, "\r");
	rt_buf_free(&l);
}

static void
base64_lines(struct gen *g, size_t nbytes)
{
	static const size_t widths[] = { 76, 76, 76, 64, 1020, 1024, 1028,
	    2044, 2048, 4 };
	unsigned char in[3072], out[4100];
	size_t	w = widths[rnd(g, sizeof(widths) / sizeof(widths[0]))];
	size_t	i, take, first = 1;
	int	n;

	while (nbytes > 0) {
		take = w / 4 * 3 < nbytes ? w / 4 * 3 : nbytes;
		for (i = 0; i < take; i++)
			in[i] = (unsigned char)next(g);
		n = EVP_EncodeBlock(out, in, (int)take);
		if (!first)
			rt_puts(&g->m, eol(g));
		rt_put(&g->m, out, (size_t)n);
		first = 0;
		nbytes -= take;
	}
}

/* ---- header fields ------------------------------------------------------ */

static void
field(struct gen *g, const char *name, const char *value)
{
	rt_puts(&g->m, name);
	rt_puts(&g->m, ": ");
	rt_puts(&g->m, value);
	rt_puts(&g->m, eol(g));
}

/* An X- field whose first line (and folded lines) are of the lengths the
 * reader cuts at. */
static void
long_field(struct gen *g)
{
	const char *brk;
	size_t	len = line_len(g), start, folds = rnd(g, 3);

	if (len < 12)	/* room for the name */
		len = 12;
	start = g->m.n;
	rt_puts(&g->m, "X-Filler: ");
	do {
		while (g->m.n - start < len)
			rt_puts(&g->m, chance(g, 10) ? " " : "abcdefgh" +
			    rnd(g, 8));
		g->m.n = start + len;
		brk = eol(g);
		count_split(brk, len, &g->st->header_cr_split);
		rt_puts(&g->m, brk);
		start = g->m.n;
		len = 1 + line_len(g);
		rt_puts(&g->m, chance(g, 50) ? " " : "\t");
	} while (folds-- > 0);
	g->m.n--;	/* the last fold's white space */
}

static void
new_boundary(struct gen *g, char *b)
{
	static const char *const prefixes[] = { "b", "=_gw", "----=_Part_",
	    "x.y-z", "'+_", "-" };
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
	    "OPQRSTUVWXYZ0123456789'+_-.=";
	int	n;
	size_t	len;

	/* The index then '_' keeps any boundary from being the prefix of
	 * another. */
	n = snprintf(b, MIME_BOUNDARY_MAX + 1, "%s%zu_", PICK(g, prefixes),
	    g->nbnd);
	len = (size_t)n + rnd(g, chance(g, 20) ? MIME_BOUNDARY_MAX + 1 -
	    (size_t)n : 12);
	while ((size_t)n < len)
		b[n++] = set[rnd(g, sizeof(set) - 1)];
	b[n] = '\0';
	snprintf(g->bnd[g->nbnd++], MIME_BOUNDARY_MAX + 1, "%s", b);
}

static void
lower(char *dst, size_t sz, const char *src)
{
	size_t	i;

	for (i = 0; i + 1 < sz && src[i] != '\0'; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 :
		    src[i]);
	dst[i] = '\0';
}

/* ---- parts -------------------------------------------------------------- */

enum gcte { G_NONE, G_7BIT, G_8BIT, G_BINARY, G_QP, G_BASE64 };

static const char *
cte_word(struct gen *g, enum gcte c)
{
	static const char *const w[][2] = { { "", "" }, { "7bit", "7BIT" },
	    { "8bit", "8Bit" }, { "binary", "Binary" },
	    { "quoted-printable", "Quoted-Printable" }, { "base64", "BASE64" } };

	return w[c][rnd(g, 2)];
}

static void	gen_part(struct gen *, int parent, unsigned depth, bool sig);

static void
gen_leaf_content(struct gen *g, struct gpart *p, enum gcte cte, bool text)
{
	size_t	nlines = g->big && !g->big_done ? 80 + rnd(g, 40) : rnd(g, 7);

	p->cstart = g->m.n;
	switch (cte) {
	case G_BASE64:
		base64_lines(g, g->big && !g->big_done ? 70000 : rnd(g, 3000));
		break;
	case G_QP:
		text_lines(g, nlines, A_CR);
		break;
	default:
		text_lines(g, nlines, text ? A_8BIT | A_CR | (chance(g, 5) ?
		    A_NUL : 0) : A_8BIT | A_CR | A_NUL);
	}
	p->cend = g->m.n;
	if (g->big)
		g->big_done = true;
}

/* Preamble lines (each with its break) or epilogue lines (joined). */
static void
skip_text(struct gen *g, bool epilogue)
{
	struct rt_buf l = { 0 };
	size_t	i, n = rnd(g, 4);

	for (i = 0; i < n; i++) {
		if (epilogue)
			rt_puts(&g->m, eol(g));
		text_line(g, &l, line_len(g), A_8BIT | A_NUL | A_CR);
		rt_put(&g->m, l.p, l.n);
		if (!epilogue)
			rt_puts(&g->m, eol(g));
	}
	rt_buf_free(&l);
}

static void
delimiter(struct gen *g, const char *b, bool close)
{
	static const char *const pads[] = { "", "", "", " ", "\t", "  \t" };

	rt_puts(&g->m, "--");
	rt_puts(&g->m, b);
	if (close)
		rt_puts(&g->m, "--");
	rt_puts(&g->m, PICK(g, pads));
}

static void
gen_multipart_body(struct gen *g, int self, unsigned depth, bool top)
{
	struct gpart *p = &g->parts[self];
	bool	sig = strcmp(p->type, "multipart/signed") == 0;
	size_t	i, n = sig ? 2 : 1 + rnd(g, 4);

	skip_text(g, false);
	for (i = 0; i < n && (i == 0 || sig || g->nparts < GEN_MAXPARTS - 8);
	    i++) {
		if (i > 0)
			put_eol_before_delim(g);
		delimiter(g, p->boundary, false);
		rt_puts(&g->m, eol(g));
		gen_part(g, self, depth + 1, sig && i == 1);
		p = &g->parts[self];
	}
	put_eol_before_delim(g);
	delimiter(g, p->boundary, true);
	if (!top || chance(g, 70))
		skip_text(g, true);
	if (top && chance(g, 60))
		rt_puts(&g->m, eol(g));
}

/* The type of a new part and its Content-Type value. */
static void
choose_type(struct gen *g, struct gpart *p, unsigned depth, bool sig,
    char *ct, size_t ctsz)
{
	static const char *const multis[] = { "multipart/mixed",
	    "Multipart/Alternative", "multipart/related", "multipart/signed" };
	static const char *const leaves[] = { "text/plain",
	    "text/plain; charset=utf-8", "Text/HTML; charset=\"iso-8859-1\"",
	    "application/octet-stream", "image/png; name=\"a.png\"",
	    "message/rfc822", "text/x-Weird (comment)" };
	const char *t, *q;
	char	b[MIME_BOUNDARY_MAX + 1];
	size_t	tl;

	if (sig)
		t = "application/pkcs7-signature; name=smime.p7s";
	else if (depth < GEN_MAXDEPTH && g->nparts < GEN_MAXPARTS - 10 &&
	    chance(g, depth == 0 ? 75 : 35))
		t = PICK(g, multis);
	else
		t = PICK(g, leaves);
	tl = strcspn(t, "; (");
	lower(p->type, tl + 1 < sizeof(p->type) ? tl + 1 : sizeof(p->type), t);
	p->multipart = strncmp(p->type, "multipart/", 10) == 0;
	if (!p->multipart) {
		snprintf(ct, ctsz, "%s", t);
		return;
	}
	new_boundary(g, b);
	snprintf(p->boundary, sizeof(p->boundary), "%s", b);
	if (strcmp(p->type, "multipart/signed") == 0)
		g->st->signed_mp++;
	/* '=' is the only byte of set[] that a token cannot hold. */
	q = strchr(b, '=') != NULL || chance(g, 50) ? "\"" : "";
	snprintf(ct, ctsz, "%s;%s%sboundary=%s%s%s%s", t,
	    chance(g, 30) ? eol(g) : "", chance(g, 50) ? "\t" : " ", q, b, q,
	    strcmp(p->type, "multipart/signed") == 0 ?
	    "; protocol=\"application/pkcs7-signature\"; micalg=sha-256" : "");
}

static void
gen_part(struct gen *g, int parent, unsigned depth, bool sig)
{
	static const char *const names[] = { "Content-Type", "content-type",
	    "CONTENT-TYPE" };
	int	self = (int)g->nparts++;
	struct gpart *p = &g->parts[self];
	char	ct[256];
	enum gcte cte;
	bool	text, has_ct;

	if (g->nparts > GEN_MAXPARTS)
		bail("generator: more than %d parts", GEN_MAXPARTS);
	memset(p, 0, sizeof(*p));
	p->parent = parent;
	choose_type(g, p, depth, sig, ct, sizeof(ct));
	has_ct = p->multipart || sig || chance(g, 92);
	if (!has_ct)
		snprintf(p->type, sizeof(p->type), "text/plain");
	text = strncmp(p->type, "text/", 5) == 0;
	if (sig)
		cte = G_BASE64;
	else if (p->multipart)
		cte = (enum gcte)rnd(g, 4);
	else
		cte = (enum gcte)rnd(g, 6);

	if (depth == 0) {
		rt_puts(&g->m, "MIME-Version: 1.0");
		rt_puts(&g->m, eol(g));
		field(g, "Subject", "generated");
	}
	if (depth > 0 && chance(g, 30))
		long_field(g);
	if (has_ct)
		field(g, PICK(g, names), ct);
	if (depth > 0 && chance(g, 20))
		long_field(g);
	if (cte != G_NONE)
		field(g, chance(g, 50) ? "Content-Transfer-Encoding" :
		    "content-transfer-encoding", cte_word(g, cte));
	rt_puts(&g->m, eol(g));
	if (depth == 0)
		g->body = g->m.n;

	if (p->multipart)
		gen_multipart_body(g, self, depth, depth == 0);
	else
		gen_leaf_content(g, p, cte, text);
}

/* ---- one message -------------------------------------------------------- */

static void
generate(struct gen *g, uint64_t seed, struct stats *st)
{
	rt_buf_free(&g->m);
	memset(g, 0, sizeof(*g));
	g->s = seed;
	g->st = st;
	g->eolmode = (int)rnd(g, 3);
	g->big = chance(g, 4);
	st->big += g->big;
	gen_part(g, -1, 0, false);
	/* A top-level leaf's content is the whole body. */
	if (!g->parts[0].multipart)
		g->parts[0].cend = g->m.n;
}

static int
fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The parser found what the generator wrote. */
static int
check_model(const struct gen *g, const struct rt_msg *m, char *why,
    size_t whylen)
{
	const struct mime_tree *t = m->t;
	const struct gpart *q;
	const struct mime_part *p;
	size_t	i, n, wn;

	if (t->nparts != g->nparts)
		return fail(why, whylen, "%zu parts parsed, %zu generated",
		    t->nparts, g->nparts);
	for (i = 0; i < t->nparts; i++) {
		p = &t->parts[i];
		q = &g->parts[i];
		if (p->parent != q->parent || p->multipart != q->multipart ||
		    strcmp(p->type, q->type) != 0 ||
		    strcmp(p->boundary, q->boundary) != 0)
			return fail(why, whylen, "part %zu: parsed %s \"%s\" "
			    "under %d, generated %s \"%s\" under %d", i + 1,
			    p->type, p->boundary, p->parent, q->type,
			    q->boundary, q->parent);
		if (p->multipart)
			continue;
		n = (size_t)(p->body_end - p->body_start);
		wn = q->cend - q->cstart;
		if (n != wn || memcmp(m->body + p->body_start,
		    g->m.p + q->cstart, n) != 0)
			return fail(why, whylen, "part %zu (%s): parsed content "
			    "[%lld, %lld) of %zu bytes, generated [%zu, %zu)",
			    i + 1, p->type, (long long)p->body_start,
			    (long long)p->body_end, n, q->cstart - g->body,
			    q->cend - g->body);
	}
	return 0;
}

static void
count_tree(const struct mime_tree *t, struct stats *st)
{
	size_t	i;

	for (i = 0; i < t->nparts; i++) {
		st->qp += t->parts[i].conv == CONV_QP;
		st->b64 += t->parts[i].conv == CONV_BASE64;
	}
	st->drops += t->ndrops > 0;
}

static void
dump(const char *dir, uint64_t seed, const struct rt_buf *m)
{
	char	path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/mime-roundtrip-%" PRIu64 ".eml", dir,
	    seed);
	if ((f = fopen(path, "wb")) == NULL)
		return;
	fwrite(m->p, 1, m->n, f);
	fclose(f);
	diag("written to %s", path);
}

static uint64_t
env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? strtoull(v, NULL, 0) : dflt;
}

int
main(void)
{
	uint64_t seed = env_u64("MIME_ROUNDTRIP_SEED", 20240610);
	uint64_t count = env_u64("MIME_ROUNDTRIP_COUNT", 2000), i;
	const char *dir = getenv("MIME_ROUNDTRIP_DUMP");
	struct stats st = { 0 };
	struct gen g = { 0 };
	struct rt_msg m;
	unsigned bad_model = 0, bad_trip = 0, refused = 0, shown = 0;
	char	why[512];
	int	r;

	plan_lazy();
	diag("MIME_ROUNDTRIP_SEED=%" PRIu64 " MIME_ROUNDTRIP_COUNT=%" PRIu64,
	    seed, count);
	for (i = 0; i < count; i++) {
		generate(&g, seed + i, &st);
		st.messages++;
		r = rt_msg_open(&m, g.m.p, g.m.n, why, sizeof(why));
		if (r == 0) {
			count_tree(m.t, &st);
			if (check_model(&g, &m, why, sizeof(why)) != 0) {
				bad_model++;
				r = -1;
			}
		} else
			refused++;
		rt_msg_close(&m);
		if (r == 0 && mime_roundtrip_check(g.m.p, g.m.n, why,
		    sizeof(why)) != 0) {
			bad_trip++;
			r = -1;
		}
		if (r != 0 && shown++ < 8) {
			diag("message %" PRIu64 " (MIME_ROUNDTRIP_SEED=%" PRIu64
			    ", %zu bytes): %s", i, seed + i, g.m.n, why);
			if (dir != NULL)
				dump(dir, seed + i, &g.m);
		}
	}
	rt_buf_free(&g.m);

	is_uint(refused, 0, "%" PRIu64 " generated messages: none refused",
	    count);
	is_uint(bad_model, 0, "parsed trees and leaf contents are the "
	    "generated ones");
	is_uint(bad_trip, 0, "parse, canonicalise, parse again: same parts, "
	    "same decoded content, nothing left to convert, canonical twice "
	    "is canonical once");
	diag("%u messages (%u over 64 KiB, %u multipart/signed); %u CRLF "
	    "split at a piece end in headers, %u in contents; %u lines with "
	    "a byte near a soft break; %u parts made quoted-printable, %u "
	    "base64; %u messages with preamble/epilogue lines left out",
	    st.messages, st.big, st.signed_mp, st.header_cr_split,
	    st.body_cr_split, st.near_soft_break, st.qp, st.b64, st.drops);
	/* The generator must reach what it aims at; a short replay cannot. */
	if (count >= 1000) {
		ok(st.big >= 10 && st.signed_mp >= 50,
		    "large messages (%u) and multipart/signed (%u) generated",
		    st.big, st.signed_mp);
		ok(st.header_cr_split >= 20 && st.body_cr_split >= 20,
		    "CRLF split across the reader's pieces: %u in headers, %u "
		    "in contents", st.header_cr_split, st.body_cr_split);
		ok(st.qp >= 500 && st.b64 >= 200 && st.drops >= 200,
		    "conversions (%u quoted-printable, %u base64) and dropped "
		    "preamble/epilogue lines (%u messages)", st.qp, st.b64,
		    st.drops);
	}
	return done_testing();
}
