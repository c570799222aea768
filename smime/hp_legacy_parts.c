/*
 * hp_legacy_parts - the legacy displays of a multipart payload's main body
 * texts taken out; see hp_legacy.h.
 *
 * Each marked text is copied to a work file and read there by the same
 * strip that serves a single-part payload: one rule for the element
 * whatever the payload's shape. A base64 text (as clients that write
 * the display into UTF-8 text send it) is decoded there first
 * (part_read) and encoded again after (b64), in 76-character lines. The body is then written
 * once, in order, each changed part's header and text in place of the
 * old ones.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/bio.h>

#include "lib/sbuf.h"
#include "smime/hp_legacy.h"
#include "smime/mime/b64.h"
#include "smime/mime/part_read.h"

/* A part whose display a reader may take out: a main body text marked
 * by the sender, on one Content-Type, in an encoding read line by line. */
static bool
strippable(const struct mime_part *m)
{
	if (m->multipart || !m->main_body || m->attachment ||
	    !m->legacy_display || m->ntypes != 1)
		return false;
	if (strcmp(m->type, "text/plain") != 0 &&
	    strcmp(m->type, "text/html") != 0)
		return false;
	return m->cte == CTE_NONE || m->cte == CTE_7BIT ||
	    m->cte == CTE_8BIT || m->cte == CTE_QP || m->cte == CTE_BASE64;
}

static int
write_fail(struct smime_err *err)
{
	smime_err_set(err, SMIME_TEMP, "legacy display: writing a work "
	    "file failed");
	return -1;
}

/* in [from, to), base64, decoded onto out (part_read): 0, 1 when it is
 * not valid base64 (nothing to take out then), -1. */
static int
b64_decode_range(FILE *in, off_t from, off_t to, FILE *out,
    struct smime_err *err)
{
	BIO	*fp = BIO_new_fp(out, BIO_NOCLOSE);
	size_t	written;
	int	rc;

	if (fp == NULL) {
		smime_err_set(err, SMIME_TEMP, "out of memory");
		return -1;
	}
	rc = part_read(in, from, to, CTE_BASE64, fp, (size_t)(to - from),
	    &written, err);
	if (BIO_flush(fp) != 1 && rc == 0)
		rc = write_fail(err);
	BIO_free(fp);
	if (rc < 0 && err->status == SMIME_PERM) {
		smime_err_clear(err);
		return 1;
	}
	return rc;
}

/* in from its start, base64 onto out in MIME lines (b64.h), a line
 * break after the last only with end_crlf (the one before a delimiter
 * is the delimiter's). */
static int
b64_encode_file(FILE *in, FILE *out, bool end_crlf, struct smime_err *err)
{
	BIO	*fp = BIO_new_fp(out, BIO_NOCLOSE), *b64;
	char	buf[12288];
	size_t	got;
	int	ok;

	if (fp == NULL || (b64 = b64_bio_new(fp)) == NULL) {
		BIO_free(fp);
		smime_err_set(err, SMIME_TEMP, "out of memory");
		return -1;
	}
	rewind(in);
	ok = 1;
	while (ok && (got = fread(buf, 1, sizeof(buf), in)) > 0)
		ok = BIO_write(b64, buf, (int)got) == (int)got;
	ok = ok && !ferror(in) && b64_bio_finish(b64, end_crlf) &&
	    BIO_flush(fp) == 1;
	BIO_free(b64);
	BIO_free(fp);
	return ok ? 0 : write_fail(err);
}

/* Whether in [from, to) ends in a line break. */
static bool
ends_in_lf(FILE *in, off_t from, off_t to)
{
	return to > from && fseeko(in, to - 1, SEEK_SET) == 0 &&
	    getc(in) == '\n';
}

static int
work_reset(FILE *f, struct smime_err *err)
{
	if (fflush(f) != 0 || ftruncate(fileno(f), 0) != 0 ||
	    fseeko(f, 0, SEEK_SET) != 0) {
		smime_err_set(err, SMIME_TEMP, "work file: cannot empty it");
		return -1;
	}
	return 0;
}

/* Part m's text without its display into work[1]: 1, 0 (none), -1. */
static int
strip_part(FILE *in, const struct mime_part *m, FILE *work[2],
    const struct mime_header *f, size_t n, struct smime_err *err)
{
	bool	html = strcmp(m->type, "text/html") == 0;
	int	rc;

	if (work_reset(work[0], err) < 0 || work_reset(work[1], err) < 0)
		return -1;
	if (m->cte == CTE_BASE64) {
		if ((rc = b64_decode_range(in, m->body_start, m->body_end,
		    work[0], err)) != 0)
			return rc < 0 ? -1 : 0;
	} else if (hp_legacy_copy(in, m->body_start, m->body_end, work[0],
	    err) < 0)
		return -1;
	if (fflush(work[0]) != 0)
		return write_fail(err);
	return (html ? hp_legacy_strip_html : hp_legacy_strip)(work[0],
	    work[1], f, n, m->cte == CTE_QP, err);
}

static bool
is_content_type(const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	size_t	k;

	if (colon == NULL)
		return false;
	for (k = (size_t)(colon - line); k > 0 &&
	    (line[k - 1] == ' ' || line[k - 1] == '\t'); k--)
		;
	return mime_name_is(line, k, "content-type");
}

/* The Content-Type collected in field, written without the mark. */
static int
put_unmarked(struct sbuf *field, FILE *out)
{
	char	*colon = strchr(field->s, ':'), *v;
	int	rc;

	v = mime_content_without_param(colon + 1, "hp-legacy-display");
	rc = fprintf(out, "%.*s%s", (int)(colon + 1 - field->s), field->s,
	    v) < 0 ? -1 : 0;
	free(v);
	free(field->s);
	memset(field, 0, sizeof(*field));
	return rc;
}

/* Part m's header block, its Content-Type without hp-legacy-display (the
 * display it marked is gone), everything else byte for byte. */
static int
copy_header(FILE *in, const struct mime_part *m, FILE *out,
    struct smime_err *err)
{
	struct sbuf field = { 0 };
	char	*line = NULL;
	size_t	cap = 0;
	ssize_t	len;
	off_t	left = m->hdr_end - m->hdr_start;
	bool	typing = false;
	int	rc = 0;

	if (fseeko(in, m->hdr_start, SEEK_SET) != 0)
		left = -1;
	while (rc == 0 && left > 0 && (len = getline(&line, &cap, in)) > 0) {
		if (len > left)
			len = left;
		left -= len;
		if (line[0] != ' ' && line[0] != '\t') {
			if (typing)
				rc = put_unmarked(&field, out);
			typing = is_content_type(line, (size_t)len);
		}
		if (typing)
			sbuf_printf(&field, "%.*s", (int)len, line);
		else if (fwrite(line, 1, (size_t)len, out) != (size_t)len)
			rc = -1;
	}
	if (rc == 0 && typing)
		rc = put_unmarked(&field, out);
	free(field.s);
	free(line);
	if (left != 0 || rc < 0) {
		smime_err_set(err, SMIME_TEMP, "legacy display: %s failed",
		    left != 0 ? "reading the body" : "writing the body");
		return -1;
	}
	return 0;
}

int
hp_legacy_strip_parts(FILE *in, const struct mime_tree *t, FILE *out,
    FILE *work[2], const struct mime_header *f, size_t n,
    struct smime_err *err)
{
	const struct mime_part *m;
	off_t	done = 0;
	size_t	i;
	int	removed = 0, rc;

	/* Every marked part is read, however many there are: each only
	 * once in a pass, so the work stays linear in the body's size. */
	for (i = 0; i < t->nparts && removed < MIME_LEGACY_TEXTS; i++) {
		m = &t->parts[i];
		if (!strippable(m))
			continue;
		if ((rc = strip_part(in, m, work, f, n, err)) < 0)
			return -1;
		if (rc == 0)
			continue;
		/* the top part's header is the payload's, not in the file */
		if (hp_legacy_copy(in, done, m->hdr_start >= 0 ? m->hdr_start :
		    m->body_start, out, err) < 0 || (m->hdr_start >= 0 &&
		    copy_header(in, m, out, err) < 0))
			return -1;
		if (m->cte == CTE_BASE64 ? b64_encode_file(work[1], out,
		    ends_in_lf(in, m->body_start, m->body_end), err) < 0 :
		    hp_legacy_copy(work[1], 0, -1, out, err) < 0)
			return -1;
		done = m->body_end;
		removed++;
	}
	if (removed == 0)
		return 0;
	if (hp_legacy_copy(in, done, -1, out, err) < 0 || fflush(out) != 0) {
		smime_err_set(err, SMIME_TEMP, "legacy display: writing the "
		    "body failed");
		return -1;
	}
	rewind(out);
	return removed;
}
