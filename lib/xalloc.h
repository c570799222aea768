/*
 * xalloc - allocation that cannot return NULL.
 *
 * Out of memory is not a condition gatewarden can handle mail under: these
 * wrappers log a panic and abort, and the MTA's milter_default_action
 * (tempfail) keeps the mail. x_free() and free() accept NULL.
 */
#ifndef GW_XALLOC_H
#define GW_XALLOC_H

#include <stddef.h>

void	*x_malloc(size_t);
void	*x_calloc(size_t, size_t);
void	*x_realloc(void *, size_t);
/* realloc for n elements of size each, checking n * size for overflow. */
void	*x_reallocarray(void *, size_t n, size_t size);
char	*x_strdup(const char *);
char	*x_strndup(const char *, size_t);
/* asprintf that cannot fail. */
char	*x_asprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
