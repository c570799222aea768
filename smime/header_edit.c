/*
 * header_edit - see header_edit.h.
 */
#include "config.h"

#include <stdlib.h>
#include <strings.h>

#include "lib/xalloc.h"
#include "smime/header_edit.h"

bool
header_is_mime(const char *name)
{
	return strncasecmp(name, "content-", 8) == 0 ||
	    strcasecmp(name, "mime-version") == 0;
}

void
header_edits_mime(struct header_edits *e, const struct mime_header *h,
    size_t n)
{
	size_t	i, j;
	unsigned count;

	e->del = x_reallocarray(e->del, e->ndel + n + 1, sizeof(*e->del));
	for (i = 0; i < n; i++) {
		const char *name = h[i].name;
		bool	first = true;

		if (name == NULL || !header_is_mime(name))
			continue;
		for (j = 0; j < i && first; j++)
			if (h[j].name != NULL && strcasecmp(h[j].name, name) == 0)
				first = false;
		if (!first)
			continue;
		count = 0;
		for (j = i; j < n; j++)
			if (h[j].name != NULL && strcasecmp(h[j].name, name) == 0)
				count++;
		for (; count > 0; count--) {
			e->del[e->ndel].name = x_strdup(name);
			e->del[e->ndel++].index = count;
		}
	}
}

void
header_edits_del_name(struct header_edits *e, const struct mime_header *h,
    size_t n, const char *name)
{
	const char *as = NULL;	/* the message's own spelling */
	size_t	i;
	unsigned count = 0;

	for (i = 0; i < n; i++)
		if (h[i].name != NULL && strcasecmp(h[i].name, name) == 0) {
			if (as == NULL)
				as = h[i].name;
			count++;
		}
	if (count == 0)
		return;
	e->del = x_reallocarray(e->del, e->ndel + count, sizeof(*e->del));
	for (; count > 0; count--) {
		e->del[e->ndel].name = x_strdup(as);
		e->del[e->ndel++].index = count;
	}
}

void
header_edits_add(struct header_edits *e, const char *name, const char *value)
{
	e->add = x_reallocarray(e->add, e->nadd + 1, sizeof(*e->add));
	e->add[e->nadd].name = x_strdup(name);
	e->add[e->nadd++].value = x_strdup(value);
}

void
header_edits_clear(struct header_edits *e)
{
	size_t	i;

	for (i = 0; i < e->ndel; i++)
		free(e->del[i].name);
	free(e->del);
	for (i = 0; i < e->nadd; i++) {
		free(e->add[i].name);
		free(e->add[i].value);
	}
	free(e->add);
	e->del = NULL;
	e->add = NULL;
	e->ndel = e->nadd = 0;
}
