/*
 * mime_reader - buffered reading of a seekable body file in lines or in
 * raw blocks, with the file offset of every piece returned.
 *
 * mime_reader_line() returns the next line including its LF, but never
 * more than MIME_READER_LINE bytes: a longer line comes back in several
 * pieces, and only the first one starts a line. It handles NUL bytes.
 * mime_reader_bytes() returns up to max raw bytes. Both return the number
 * of bytes (the pointer stays valid until the next call), 0 at end of file,
 * -1 on a read error (errno set). The reader owns no memory beyond itself.
 */
#ifndef GW_SMIME_MIME_READER_H
#define GW_SMIME_MIME_READER_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define MIME_READER_LINE	1024
#define MIME_READER_BUF		65536

struct mime_reader {
	FILE		*f;
	unsigned char	buf[MIME_READER_BUF];
	size_t		pos, len;
	off_t		off;		/* file offset of buf[pos] */
	bool		eof;
};

/* Positions the reader at offset 0 of f; -1 when f cannot seek. */
int	mime_reader_init(struct mime_reader *, FILE *);
ssize_t	mime_reader_line(struct mime_reader *, const unsigned char **);
ssize_t	mime_reader_bytes(struct mime_reader *, const unsigned char **,
	    size_t max);

#endif
