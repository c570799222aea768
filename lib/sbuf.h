/*
 * sbuf - a growing string built with printf-style appends.
 *
 * A zeroed struct sbuf is an empty string; sbuf_printf() appends and
 * never fails (allocation goes through xalloc). b->s is NUL-terminated
 * once anything was appended (NULL before): the caller takes it and
 * frees it with free().
 */
#ifndef GW_SBUF_H
#define GW_SBUF_H

#include <stddef.h>

struct sbuf {
	char	*s;
	size_t	len, cap;
};

void	sbuf_printf(struct sbuf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
