/*
 * input - the lines of a mail log, plain or gzip-compressed (rotated
 * logs: maillog.2.gz), or standard input; zlib tells the two apart, so
 * a file's name does not matter.
 *
 * input_open("-") reads standard input. input_next() returns each line
 * without its newline, NUL-terminated, in a buffer of the input's own
 * (valid until the next call): 1 for a line, 0 at the end, -1 on a read
 * or decompression error (the reason in input_error()). A line longer
 * than INPUT_LINE_MAX is cut there (the rest skipped) and counted in
 * input_long_lines(), so that memory stays bounded. input_close(NULL)
 * is a no-op.
 */
#ifndef GW_REPORT_INPUT_H
#define GW_REPORT_INPUT_H

#include <stddef.h>
#include <stdint.h>

#define INPUT_LINE_MAX	8192

struct input;

/* NULL with the reason in err (size errsz) when the file cannot be
 * opened. */
struct input *input_open(const char *path, char *err, size_t errsz);
int	input_next(struct input *, const char **line, size_t *len);
const char *input_error(const struct input *);
uint64_t input_long_lines(const struct input *);
void	input_close(struct input *);

#endif
