/*
 * ytree - see ytree.h.
 *
 * The event parser is used rather than libyaml's document loader so that
 * aliases can be refused where they are written (the loader would expand
 * them silently, the classic way to blow up memory) and so that every
 * bound holds while the tree grows, not after.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "conf/ytree.h"
#include "lib/xalloc.h"

struct builder {
	const char	*file;
	struct diags	*d;
	struct ynode	*root;
	struct ynode	*stack[YTREE_MAX_DEPTH];
	unsigned	depth;
	size_t		nodes;
	unsigned	docs;
	bool		fatal;
};

const char *
ytree_type_name(const struct ynode *n)
{
	switch (n->type) {
	case YN_SCALAR:	return "scalar";
	case YN_MAP:	return "mapping";
	case YN_SEQ:	return "sequence";
	default:	return "value";
	}
}

void
ytree_free(struct ynode *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		ytree_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

/* Reads the whole file into *bufp (NUL-terminated); false after an error
 * was added. */
static bool
read_file(const char *path, struct diags *d, char **bufp, size_t *lenp)
{
	struct stat st;
	char	*buf;
	size_t	len = 0, cap;
	ssize_t	r;
	int	fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		diags_add(d, DIAG_ERROR, path, 0, 0, "cannot open: %s",
		    strerror(errno));
		return false;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		diags_add(d, DIAG_ERROR, path, 0, 0, "not a regular file");
		close(fd);
		return false;
	}
	/* Read up to one byte past the bound: the size from fstat may be
	 * stale, so the buffer grows when the file did. */
	cap = st.st_size < YTREE_MAX_FILE ? (size_t)st.st_size + 2 :
	    YTREE_MAX_FILE + 2;
	buf = x_malloc(cap);
	while (len <= YTREE_MAX_FILE) {
		if (len + 1 == cap) {
			cap = cap * 2 > YTREE_MAX_FILE + 2 ?
			    YTREE_MAX_FILE + 2 : cap * 2;
			buf = x_realloc(buf, cap);
		}
		r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			diags_add(d, DIAG_ERROR, path, 0, 0, "cannot read: %s",
			    strerror(errno));
			free(buf);
			close(fd);
			return false;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len > YTREE_MAX_FILE) {
		diags_add(d, DIAG_ERROR, path, 0, 0,
		    "the file is larger than %u MiB", YTREE_MAX_FILE >> 20);
		free(buf);
		return false;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return true;
}

/* Length of the UTF-8 sequence at s (at most n bytes) and its code point;
 * 0 when it is not valid UTF-8 (overlong, surrogate, beyond U+10FFFF). */
static size_t
utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t	len, i;
	unsigned long c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Advances line/col (1-based, columns in characters as libyaml counts
 * them) over the character at s of length len. */
static void
advance(const unsigned char *s, size_t len, unsigned *line, unsigned *col)
{
	if (s[0] == '\n' || (s[0] == '\r' && s[1] != '\n')) {
		(*line)++;
		*col = 1;
	} else if (len > 0 && s[0] != '\r')
		(*col)++;
}

/* Refuses bytes that are not UTF-8 text: NUL, control characters other
 * than tab and line breaks, invalid sequences. Reports only the first:
 * a binary file would otherwise give one error per byte. */
static bool
check_text(const char *file, const char *buf, size_t len, struct diags *d)
{
	const unsigned char *s = (const unsigned char *)buf;
	unsigned line = 1, col = 1;
	unsigned long cp;
	size_t	i = 0, n;

	/* libyaml skips a byte order mark without counting a column. */
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len) {
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			diags_add(d, DIAG_ERROR, file, line, col,
			    "not valid UTF-8 (byte 0x%02x): the file must be "
			    "UTF-8 text", s[i]);
			return false;
		}
		if (cp == 0) {
			diags_add(d, DIAG_ERROR, file, line, col,
			    "NUL byte in the file");
			return false;
		}
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    cp == 0x7f || (cp >= 0x80 && cp < 0xa0 && cp != 0x85)) {
			diags_add(d, DIAG_ERROR, file, line, col,
			    "control character U+%04lX in the file", cp);
			return false;
		}
		/* YAML 1.1 breaks lines at these too, which no editor shows:
		 * a line could hide in what looks like one value. */
		if (cp == 0x85 || cp == 0x2028 || cp == 0x2029) {
			diags_add(d, DIAG_ERROR, file, line, col,
			    "line separator U+%04lX in the file (use a plain "
			    "newline)", cp);
			return false;
		}
		advance(s + i, n, &line, &col);
		i += n;
	}
	return true;
}

/* Position of byte offset off, for libyaml's reader errors. */
static void
position_of(const char *buf, size_t len, size_t off, unsigned *line,
    unsigned *col)
{
	const unsigned char *s = (const unsigned char *)buf;
	unsigned long cp;
	size_t	i = 0, n;

	*line = 1, *col = 1;
	while (i < off && i < len) {
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0)
			n = 1;
		advance(s + i, n, line, col);
		i += n;
	}
}

/* The byte at a 0-based libyaml mark, or 0 when out of range. */
static char
char_at(const char *buf, size_t len, const yaml_mark_t *m)
{
	unsigned line = 1, col = 1;
	size_t	i = 0, n;
	unsigned long cp;

	while (i < len && (line != m->line + 1 || col != m->column + 1)) {
		n = utf8_decode((const unsigned char *)buf + i, len - i, &cp);
		if (n == 0)
			n = 1;
		advance((const unsigned char *)buf + i, n, &line, &col);
		i += n;
	}
	return i < len ? buf[i] : 0;
}

static void
syntax_error(struct builder *b, const yaml_parser_t *p, const char *buf,
    size_t len)
{
	unsigned line, col;
	const char *problem = p->problem ? p->problem : "unknown problem";

	/* libyaml's words for a tab are obscure; tabs are a common slip. */
	if (p->error == YAML_SCANNER_ERROR &&
	    char_at(buf, len, &p->problem_mark) == '\t') {
		diags_add(b->d, DIAG_ERROR, b->file,
		    (unsigned)p->problem_mark.line + 1,
		    (unsigned)p->problem_mark.column + 1,
		    "syntax error: a tab character (YAML is indented with "
		    "spaces only)");
		b->fatal = true;
		return;
	}

	if (p->error == YAML_READER_ERROR) {
		position_of(buf, len, p->problem_offset, &line, &col);
		diags_add(b->d, DIAG_ERROR, b->file, line, col,
		    "cannot read the file: %s", problem);
	} else if (p->context)
		diags_add(b->d, DIAG_ERROR, b->file,
		    (unsigned)p->problem_mark.line + 1,
		    (unsigned)p->problem_mark.column + 1,
		    "syntax error: %s (%s at %u:%u)", problem, p->context,
		    (unsigned)p->context_mark.line + 1,
		    (unsigned)p->context_mark.column + 1);
	else
		diags_add(b->d, DIAG_ERROR, b->file,
		    (unsigned)p->problem_mark.line + 1,
		    (unsigned)p->problem_mark.column + 1,
		    "syntax error: %s", problem);
	b->fatal = true;
}

static void
error_at(struct builder *b, const yaml_event_t *ev, const char *msg)
{
	diags_add(b->d, DIAG_ERROR, b->file,
	    (unsigned)ev->start_mark.line + 1,
	    (unsigned)ev->start_mark.column + 1, "%s", msg);
}

static struct ynode *
new_node(struct builder *b, const yaml_event_t *ev, enum ynode_type type,
    const yaml_char_t *anchor, const yaml_char_t *tag, bool implicit)
{
	struct ynode *n;

	if (++b->nodes > YTREE_MAX_NODES) {
		diags_add(b->d, DIAG_ERROR, b->file,
		    (unsigned)ev->start_mark.line + 1,
		    (unsigned)ev->start_mark.column + 1,
		    "more than %u values in the file", YTREE_MAX_NODES);
		b->fatal = true;
		return NULL;
	}
	if (anchor)
		error_at(b, ev, "anchors and aliases are not supported");
	if (tag && !implicit)
		error_at(b, ev, "tags are not supported");
	n = x_calloc(1, sizeof(*n));
	n->type = type;
	n->line = (unsigned)ev->start_mark.line + 1;
	n->col = (unsigned)ev->start_mark.column + 1;
	return n;
}

/* Hangs n under the open collection (or makes it the root). */
static void
attach(struct builder *b, struct ynode *n, const yaml_event_t *ev)
{
	struct ynode *parent;
	size_t	max;

	if (b->depth == 0) {
		if (b->root == NULL)
			b->root = n;
		else
			ytree_free(n);
		return;
	}
	parent = b->stack[b->depth - 1];
	max = parent->type == YN_MAP ? 2 * YTREE_MAX_ITEMS : YTREE_MAX_ITEMS;
	if (parent->nkids >= max) {
		error_at(b, ev, parent->type == YN_MAP ?
		    "too many keys in one mapping (at most 10000)" :
		    "too many items in one sequence (at most 10000)");
		b->fatal = true;
		ytree_free(n);
		return;
	}
	if (parent->nkids == parent->cap) {
		parent->cap = parent->cap ? parent->cap * 2 : 8;
		parent->kids = x_reallocarray(parent->kids, parent->cap,
		    sizeof(*parent->kids));
	}
	parent->kids[parent->nkids++] = n;
}

static bool
is_null_word(const char *s, size_t len)
{
	return len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static void
on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t	len = ev->data.scalar.length, i;
	struct ynode *n;

	n = new_node(b, ev, YN_SCALAR, ev->data.scalar.anchor,
	    ev->data.scalar.tag, ev->data.scalar.plain_implicit ||
	    ev->data.scalar.quoted_implicit);
	if (n == NULL)
		return;
	if (len > YTREE_MAX_SCALAR) {
		error_at(b, ev, "value is too long (at most 4096 bytes)");
		n->type = YN_BAD;
		attach(b, n, ev);
		return;
	}
	/* Escapes in quoted scalars can produce any byte, NUL included. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c == 0x7f) {
			error_at(b, ev, c == 0 ? "NUL byte in a value" :
			    "control character in a value");
			n->type = YN_BAD;
			attach(b, n, ev);
			return;
		}
	}
	n->str = x_strndup(v, len);
	n->null = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    is_null_word(v, len);
	attach(b, n, ev);
}

static void
on_collection_start(struct builder *b, const yaml_event_t *ev, bool map)
{
	struct ynode *n;

	if (b->depth == YTREE_MAX_DEPTH) {
		error_at(b, ev, "nesting is deeper than 16 levels");
		b->fatal = true;
		return;
	}
	if (map)
		n = new_node(b, ev, YN_MAP, ev->data.mapping_start.anchor,
		    ev->data.mapping_start.tag,
		    ev->data.mapping_start.implicit);
	else
		n = new_node(b, ev, YN_SEQ, ev->data.sequence_start.anchor,
		    ev->data.sequence_start.tag,
		    ev->data.sequence_start.implicit);
	if (n == NULL)
		return;
	attach(b, n, ev);
	if (b->fatal)
		return;
	b->stack[b->depth++] = n;
}

static void
on_event(struct builder *b, const yaml_event_t *ev)
{
	struct ynode *n;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->docs > 1) {
			error_at(b, ev, "more than one YAML document in the "
			    "file");
			b->fatal = true;
		}
		break;
	case YAML_SCALAR_EVENT:
		on_scalar(b, ev);
		break;
	case YAML_ALIAS_EVENT:
		error_at(b, ev, "aliases are not supported");
		n = new_node(b, ev, YN_BAD, NULL, NULL, true);
		if (n)
			attach(b, n, ev);
		break;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		on_collection_start(b, ev,
		    ev->type == YAML_MAPPING_START_EVENT);
		break;
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		if (b->depth > 0)
			b->depth--;
		break;
	default:
		break;
	}
}

struct ynode *
ytree_load(const char *path, struct diags *d)
{
	struct builder b;
	yaml_parser_t p;
	yaml_event_t ev;
	char	*buf;
	size_t	len;
	bool	done = false;

	if (!read_file(path, d, &buf, &len))
		return NULL;
	if (!check_text(path, buf, len, d)) {
		free(buf);
		return NULL;
	}
	memset(&b, 0, sizeof(b));
	b.file = path;
	b.d = d;
	if (!yaml_parser_initialize(&p)) {
		diags_add(d, DIAG_ERROR, path, 0, 0,
		    "cannot initialise the YAML parser");
		free(buf);
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	/* No yaml_parser_set_encoding(): detecting the encoding is what
	 * makes libyaml drop a byte order mark without counting it as a
	 * column; anything but UTF-8 was refused by check_text(). */
	while (!done && !b.fatal) {
		if (!yaml_parser_parse(&p, &ev)) {
			syntax_error(&b, &p, buf, len);
			break;
		}
		on_event(&b, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	free(buf);
	if (b.fatal) {
		ytree_free(b.root);
		return NULL;
	}
	if (b.root == NULL || (b.root->type == YN_SCALAR && b.root->null)) {
		diags_add(d, DIAG_ERROR, path, 1, 1, "the file is empty");
		ytree_free(b.root);
		return NULL;
	}
	return b.root;
}
