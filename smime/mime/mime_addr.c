/*
 * mime_addr - see mime_addr.h.
 *
 * One pass: quoted strings and comments are skipped as units; text
 * between '<' and '>' is an address; between commas (or ':' and ';' of a
 * group) a piece without angle brackets is a bare addr-spec.
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "smime/mime/mime_addr.h"

struct acc {
	char	(*out)[MIME_ADDR_MAX];
	size_t	n, max;
	char	cur[MIME_ADDR_MAX];
	size_t	len;
	bool	overlong, angle_seen;
};

/* Keeps cur when it is local@domain with a dotted domain. */
static void
take(struct acc *a)
{
	char	*at;
	size_t	i;

	while (a->len > 0 && isspace((unsigned char)a->cur[a->len - 1]))
		a->len--;
	a->cur[a->len] = '\0';
	at = strrchr(a->cur, '@');
	if (!a->overlong && a->n < a->max && at != NULL && at != a->cur &&
	    strchr(at, '.') != NULL && at[1] != '.' && at[strlen(at) - 1] != '.' &&
	    strpbrk(a->cur, " \t\r\n<>()[]\\,;:") == NULL) {
		for (i = 0; a->cur[i] != '\0'; i++)
			a->out[a->n][i] = (char)tolower((unsigned char)a->cur[i]);
		a->out[a->n++][i] = '\0';
	}
	a->len = 0;
	a->overlong = false;
}

static void
put(struct acc *a, char c)
{
	if (a->len == 0 && isspace((unsigned char)c))
		return;
	if (a->len + 1 >= sizeof(a->cur))
		a->overlong = true;
	else
		a->cur[a->len++] = c;
}

/* Skips a quoted string or a (nested) comment starting at *p. */
static const char *
skip_unit(const char *p)
{
	int	depth = 0;
	char	close = *p == '"' ? '"' : ')';

	for (p++; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (close == ')' && *p == '(')
			depth++;
		else if (*p == close && depth-- == 0)
			return p + 1;
	}
	return p;
}

size_t
mime_addr_list(const char *v, char (*out)[MIME_ADDR_MAX], size_t max)
{
	struct acc a = { out, 0, max, { 0 }, 0, false, false };
	bool	in_angle = false;

	for (; *v != '\0';) {
		if (*v == '"' || *v == '(') {
			/* A quoted local part belongs to the address. */
			if (*v == '"' && (in_angle || !a.angle_seen)) {
				const char *end = skip_unit(v);

				for (; v < end; v++)
					put(&a, *v);
				continue;
			}
			v = skip_unit(v);
			continue;
		}
		if (*v == '<') {
			a.len = 0;
			a.overlong = false;
			in_angle = a.angle_seen = true;
		} else if (*v == '>' && in_angle) {
			take(&a);
			in_angle = false;
		} else if (!in_angle && (*v == ',' || *v == ';' || *v == ':')) {
			if (!a.angle_seen && *v != ':')
				take(&a);
			a.len = 0;
			a.angle_seen = false;
		} else
			put(&a, *v);
		v++;
	}
	if (!a.angle_seen && !in_angle)
		take(&a);
	return a.n;
}
