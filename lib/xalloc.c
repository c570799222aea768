/*
 * xalloc - see xalloc.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xalloc.h"

void *
x_malloc(size_t n)
{
	void	*p = malloc(n ? n : 1);

	if (p == NULL)
		log_panic("out of memory allocating %zu bytes", n);
	return p;
}

void *
x_calloc(size_t n, size_t size)
{
	void	*p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		log_panic("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *
x_realloc(void *old, size_t n)
{
	void	*p = realloc(old, n ? n : 1);

	if (p == NULL)
		log_panic("out of memory reallocating %zu bytes", n);
	return p;
}

void *
x_reallocarray(void *old, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		log_panic("allocation of %zu x %zu bytes overflows", n, size);
	return x_realloc(old, n * size);
}

char *
x_strdup(const char *s)
{
	return x_strndup(s, strlen(s));
}

char *
x_strndup(const char *s, size_t n)
{
	char	*p;
	size_t	len = strnlen(s, n);

	p = x_malloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
x_asprintf(const char *fmt, ...)
{
	va_list	ap;
	int	n;
	char	*p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		log_panic("x_asprintf: bad format \"%s\"", fmt);
	p = x_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
