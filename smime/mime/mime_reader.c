/*
 * mime_reader - see mime_reader.h.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "smime/mime/mime_reader.h"

int
mime_reader_init(struct mime_reader *r, FILE *f)
{
	r->f = f;
	r->pos = r->len = 0;
	r->off = 0;
	r->eof = false;
	return fseeko(f, 0, SEEK_SET);
}

/* Makes at least want bytes available when the file has them. */
static int
fill(struct mime_reader *r, size_t want)
{
	size_t	got;

	if (r->len - r->pos >= want || r->eof)
		return 0;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	while (r->len < want && !r->eof) {
		got = fread(r->buf + r->len, 1, sizeof(r->buf) - r->len, r->f);
		r->len += got;
		if (got == 0) {
			if (ferror(r->f)) {
				if (errno == 0)
					errno = EIO;
				return -1;
			}
			r->eof = true;
		}
	}
	return 0;
}

ssize_t
mime_reader_line(struct mime_reader *r, const unsigned char **p)
{
	const unsigned char *nl;
	size_t	avail, n;

	if (fill(r, MIME_READER_LINE) < 0)
		return -1;
	avail = r->len - r->pos;
	if (avail > MIME_READER_LINE)
		avail = MIME_READER_LINE;
	nl = memchr(r->buf + r->pos, '\n', avail);
	n = nl != NULL ? (size_t)(nl - (r->buf + r->pos)) + 1 : avail;
	*p = r->buf + r->pos;
	r->pos += n;
	r->off += (off_t)n;
	return (ssize_t)n;
}

ssize_t
mime_reader_bytes(struct mime_reader *r, const unsigned char **p, size_t max)
{
	size_t	n;

	if (r->pos == r->len && fill(r, 1) < 0)
		return -1;
	n = r->len - r->pos;
	if (n > max)
		n = max;
	*p = r->buf + r->pos;
	r->pos += n;
	r->off += (off_t)n;
	return (ssize_t)n;
}
