/*
 * hygiene - see hygiene.h.
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "milter/hygiene.h"
#include "milter/session.h"

#define OURS_PREFIX	"X-Gatewarden-"
#define AR_NAME		"Authentication-Results"

/* Skips folding white space and (nested) comments. */
static const char *
skip_cfws(const char *p)
{
	int	depth = 0;

	for (; *p; p++) {
		if (*p == '\\' && depth > 0 && p[1] != '\0')
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && !isspace((unsigned char)*p))
			break;
	}
	return p;
}

/* Copies a quoted-string's content (escapes undone) from p, just after
 * its opening quote. */
static size_t
copy_quoted(const char *p, char *out, size_t outsz)
{
	size_t	n = 0;

	for (; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		if (n + 1 < outsz)
			out[n++] = *p;
	}
	out[n] = '\0';
	return n;
}

bool
hygiene_authserv_id(const char *value, char *out, size_t outsz)
{
	const char *p = skip_cfws(value), *start;
	size_t	len;

	if (outsz == 0)
		return false;
	/* RFC 8601: authserv-id is a value, a token or a quoted-string. */
	if (*p == '"')
		return copy_quoted(p + 1, out, outsz) > 0;
	start = p;
	while (*p && *p != ';' && *p != '(' && !isspace((unsigned char)*p))
		p++;
	len = (size_t)(p - start);
	if (len == 0)
		return false;
	if (len >= outsz)
		len = outsz - 1;
	memcpy(out, start, len);
	out[len] = '\0';
	return true;
}

/* Compares two host names, ignoring case and one trailing dot. */
static bool
same_name(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* Every header of an X-Gatewarden-* name is ours, whatever its value. */
static bool
ours_by_name(const char *name)
{
	return strncasecmp(name, OURS_PREFIX, sizeof(OURS_PREFIX) - 1) == 0;
}

static bool
is_ar(const char *name)
{
	return strcasecmp(name, AR_NAME) == 0;
}

/* An Authentication-Results value that names authserv_id. */
static bool
ar_is_ours(const char *value, const char *authserv_id)
{
	char	id[256];

	return hygiene_authserv_id(value, id, sizeof(id)) &&
	    same_name(id, authserv_id);
}

bool
hygiene_is_ours(const char *name, const char *value, const char *authserv_id)
{
	if (ours_by_name(name))
		return true;
	return is_ar(name) && ar_is_ours(value, authserv_id);
}

void
hygiene_plan(const struct header *h, size_t n, const char *authserv_id,
    struct hygiene_plan *p)
{
	struct hygiene_removal *r = p->removal, t;
	size_t	i, j, index, ar_seen = 0;

	p->nours = p->nremovals = 0;
	p->compares = 0;
	for (i = 0; i < n; i++) {
		if (ours_by_name(h[i].name)) {
			/* Past the limit the plan is dropped: no index needed. */
			index = 1;
			for (j = 0; p->nours < HYGIENE_REMOVALS_MAX &&
			    j < p->nours; j++) {
				p->compares++;
				if (strcasecmp(r[j].name, h[i].name) == 0)
					index++;
			}
		} else if (is_ar(h[i].name)) {
			/* Every one counts for the index, ours or not. */
			index = ++ar_seen;
			if (!ar_is_ours(h[i].value, authserv_id))
				continue;
		} else
			continue;
		if (p->nours < HYGIENE_REMOVALS_MAX) {
			r[p->nours].name = h[i].name;
			r[p->nours].index = index;
		}
		p->nours++;
	}
	if (p->nours > HYGIENE_REMOVALS_MAX)
		return;
	/* From the last header to the first. */
	for (i = 0, j = p->nours; i + 1 < j; i++, j--) {
		t = r[i];
		r[i] = r[j - 1];
		r[j - 1] = t;
	}
	p->nremovals = p->nours;
}
