/*
 * mime_entity - see mime_entity.h.
 *
 * The sink is an OpenSSL BIO of our own type: bytes up to the empty line
 * go to a growing buffer, the rest straight to the body file.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "smime/mime/mime_entity.h"

struct sink {
	FILE		*body;
	unsigned char	*hdr;
	size_t		nhdr, cap;
	size_t		line;		/* offset of the current line in hdr */
	bool		in_body;
	bool		too_big;
	bool		write_failed;
	unsigned long long body_size;
};

static BIO_METHOD *sink_method;
static pthread_once_t sink_once = PTHREAD_ONCE_INIT;

/* One header byte; true when it ended the header block. */
static bool
header_byte(struct sink *s, unsigned char c)
{
	size_t	len;

	if (s->nhdr == s->cap) {
		if (s->cap >= MIME_ENTITY_HEADER_MAX) {
			s->too_big = true;
			return false;
		}
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->hdr = x_realloc(s->hdr, s->cap);
	}
	s->hdr[s->nhdr++] = c;
	if (c != '\n')
		return false;
	len = s->nhdr - s->line;
	s->line = s->nhdr;
	return len == 1 || (len == 2 && s->hdr[s->nhdr - 2] == '\r');
}

static int
sink_write(BIO *b, const char *in, int inl)
{
	struct sink *s = BIO_get_data(b);
	size_t	i = 0, n = inl > 0 ? (size_t)inl : 0;

	while (!s->in_body && i < n && !s->too_big)
		if (header_byte(s, (unsigned char)in[i++]))
			s->in_body = true;
	if (s->too_big)
		return -1;
	if (i < n) {
		if (fwrite(in + i, 1, n - i, s->body) != n - i) {
			s->write_failed = true;
			return -1;
		}
		s->body_size += n - i;
	}
	return inl;
}

static int
sink_puts(BIO *b, const char *str)
{
	return sink_write(b, str, (int)strlen(str));
}

static long
sink_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b, (void)num, (void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int
sink_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static int
sink_destroy(BIO *b)
{
	struct sink *s = BIO_get_data(b);

	if (s != NULL) {
		free(s->hdr);
		free(s);
	}
	BIO_set_data(b, NULL);
	return 1;
}

static void
sink_method_make(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
	    "gatewarden MIME entity");

	if (m == NULL)
		return;
	BIO_meth_set_write(m, sink_write);
	BIO_meth_set_puts(m, sink_puts);
	BIO_meth_set_ctrl(m, sink_ctrl);
	BIO_meth_set_create(m, sink_create);
	BIO_meth_set_destroy(m, sink_destroy);
	sink_method = m;
}

BIO *
mime_entity_sink(FILE *body)
{
	struct sink *s;
	BIO	*b;

	pthread_once(&sink_once, sink_method_make);
	if (sink_method == NULL || (b = BIO_new(sink_method)) == NULL)
		return NULL;
	s = x_calloc(1, sizeof(*s));
	s->body = body;
	BIO_set_data(b, s);
	return b;
}

/* ---- the header block ------------------------------------------------- */

static bool
field_name_ok(const unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] >= 127)
			return false;
	return n > 0;
}

static void
add_field(struct mime_entity *e, size_t *cap, const unsigned char *name,
    size_t nlen)
{
	if (e->nfields == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		e->fields = x_reallocarray(e->fields, *cap, sizeof(*e->fields));
	}
	e->fields[e->nfields].name = x_strndup((const char *)name, nlen);
	e->fields[e->nfields++].value = x_strdup("");
}

/* Appends a value piece; folded lines are joined with "\n". */
static void
add_value(struct mime_entity *e, const unsigned char *p, size_t n, bool fold)
{
	struct mime_header *f = &e->fields[e->nfields - 1];
	size_t	old = strlen(f->value);
	char	*v = x_malloc(old + n + 2);

	memcpy(v, f->value, old);
	if (fold)
		v[old++] = '\n';
	memcpy(v + old, p, n);
	v[old + n] = '\0';
	free((char *)f->value);
	f->value = v;
}

static int
split_fields(const struct sink *s, struct mime_entity *e,
    struct smime_err *err)
{
	const unsigned char *p = s->hdr, *end, *nl, *colon;
	size_t	cap = 0, n;

	if (s->nhdr == 0)
		return 0;	/* nothing came: no fields, no body */
	end = s->hdr + s->nhdr;	/* hdr may be NULL when nhdr is 0 */
	if (memchr(p, '\0', s->nhdr) != NULL) {
		smime_err_set(err, SMIME_PERM, "NUL byte in a header block");
		return -1;
	}
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;	/* header block without its empty line */
		n = (size_t)(nl - p);
		if (n > 0 && nl < end && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if (memchr(p, '\r', n) != NULL) {
			smime_err_set(err, SMIME_PERM, "bare CR in a header");
			return -1;
		}
		if (p[0] == ' ' || p[0] == '\t') {
			if (e->nfields == 0)
				goto malformed;
			add_value(e, p, n, true);
			continue;
		}
		if (e->nfields >= MIME_MAX_FIELDS) {
			smime_err_set(err, SMIME_PERM, "more than %d header "
			    "fields", MIME_MAX_FIELDS);
			return -1;
		}
		colon = memchr(p, ':', n);
		if (colon == NULL || !field_name_ok(p, (size_t)(colon - p)))
			goto malformed;
		add_field(e, &cap, p, (size_t)(colon - p));
		for (colon++; colon < p + n && (*colon == ' ' || *colon == '\t');)
			colon++;
		add_value(e, colon, (size_t)(p + n - colon), false);
	}
	return 0;
malformed:
	smime_err_set(err, SMIME_PERM, e->nfields == 0 ?
	    "the content is not a MIME entity (no header fields)" :
	    "malformed header line in the content (no field name and colon)");
	return -1;
}

int
mime_entity_finish(BIO *b, struct mime_entity *e, struct smime_err *err)
{
	struct sink *s = BIO_get_data(b);

	memset(e, 0, sizeof(*e));
	if (s->too_big) {
		smime_err_set(err, SMIME_PERM, "header block of the content "
		    "larger than %u bytes", MIME_ENTITY_HEADER_MAX);
		return -1;
	}
	if (s->write_failed || fflush(s->body) != 0 ||
	    fseeko(s->body, 0, SEEK_SET) != 0) {
		smime_err_set(err, SMIME_TEMP, "writing the content: %s",
		    strerror(errno ? errno : EIO));
		return -1;
	}
	if (split_fields(s, e, err) < 0) {
		mime_entity_clear(e);
		return -1;
	}
	e->body = s->body;
	e->body_size = s->body_size;
	return 0;
}

void
mime_entity_clear(struct mime_entity *e)
{
	size_t	i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nfields; i++) {
		free((char *)e->fields[i].name);
		free((char *)e->fields[i].value);
	}
	free(e->fields);
	if (e->body != NULL)
		fclose(e->body);
	memset(e, 0, sizeof(*e));
}
