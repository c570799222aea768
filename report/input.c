/*
 * input - see input.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "lib/xalloc.h"
#include "report/input.h"

#define READ_BUFFER	(256 * 1024)

struct input {
	gzFile		gz;
	char		line[INPUT_LINE_MAX + 2];
	uint64_t	long_lines;
	char		error[256];
};

struct input *
input_open(const char *path, char *err, size_t errsz)
{
	struct input *in;
	int	fd;

	if (strcmp(path, "-") == 0)
		fd = dup(STDIN_FILENO);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	in = x_calloc(1, sizeof(*in));
	if ((in->gz = gzdopen(fd, "rb")) == NULL) {
		snprintf(err, errsz, "%s: cannot read (zlib)", path);
		close(fd);
		free(in);
		return NULL;
	}
	(void)gzbuffer(in->gz, READ_BUFFER);
	return in;
}

/* Reads on to the end of a line that did not fit. */
static int
skip_rest(struct input *in)
{
	char	buf[4096];
	size_t	n;

	do {
		if (gzgets(in->gz, buf, sizeof(buf)) == NULL)
			return 0;
		n = strlen(buf);
	} while (n > 0 && buf[n - 1] != '\n');
	return 0;
}

int
input_next(struct input *in, const char **line, size_t *len)
{
	size_t	n;
	int	zerr;

	if (gzgets(in->gz, in->line, sizeof(in->line) - 1) == NULL) {
		const char *msg = gzerror(in->gz, &zerr);

		if (zerr != Z_OK) {
			snprintf(in->error, sizeof(in->error), "%s",
			    zerr == Z_ERRNO ? strerror(errno) :
			    zerr == Z_BUF_ERROR ? "compressed data cut short" :
			    msg);
			return -1;
		}
		return 0;
	}
	n = strlen(in->line);
	if (n > 0 && in->line[n - 1] == '\n')
		in->line[--n] = '\0';
	else if (n >= INPUT_LINE_MAX) {
		in->long_lines++;
		(void)skip_rest(in);
	}
	if (n > 0 && in->line[n - 1] == '\r')
		in->line[--n] = '\0';
	*line = in->line;
	*len = n;
	return 1;
}

const char *
input_error(const struct input *in)
{
	return in->error;
}

uint64_t
input_long_lines(const struct input *in)
{
	return in->long_lines;
}

void
input_close(struct input *in)
{
	if (in == NULL)
		return;
	gzclose(in->gz);
	free(in);
}
