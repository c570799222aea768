/*
 * sbuf - see sbuf.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "lib/sbuf.h"
#include "lib/xalloc.h"

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL,
		    b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->s != NULL && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 64) * 2;
		b->s = x_realloc(b->s, b->cap);
		if (b->len == 0)
			b->s[0] = '\0';
	}
}
