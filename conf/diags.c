/*
 * diags - the list of problems found while loading a configuration (see
 * config.h). Messages are formatted once, at the place that found them.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf/config.h"
#include "lib/xalloc.h"

void
diags_add(struct diags *d, enum diag_severity sev, const char *file,
    unsigned line, unsigned col, const char *fmt, ...)
{
	struct diag *g;
	va_list	ap;
	char	*msg;
	int	n;

	if (sev == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
	if (d->n >= DIAGS_MAX)
		return;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = x_reallocarray(d->v, d->cap, sizeof(*d->v));
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	msg = x_malloc((size_t)n + 1);
	va_start(ap, fmt);
	if (vsnprintf(msg, (size_t)n + 1, fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	g = &d->v[d->n++];
	g->severity = sev;
	g->file = x_strdup(file ? file : "");
	g->line = line;
	g->col = col;
	g->msg = msg;
}

void
diags_print(const struct diags *d, FILE *fp)
{
	size_t	i;

	for (i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		const char *sev = g->severity == DIAG_WARNING ?
		    "warning: " : "";

		if (g->line)
			fprintf(fp, "%s:%u:%u: %s%s\n", g->file, g->line,
			    g->col, sev, g->msg);
		else
			fprintf(fp, "%s: %s%s\n", g->file, sev, g->msg);
	}
	if (d->errors + d->warnings > d->n)
		fprintf(fp, "(%zu more not shown)\n",
		    (size_t)(d->errors + d->warnings) - d->n);
}

void
diags_free(struct diags *d)
{
	size_t	i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
	d->errors = d->warnings = 0;
}
