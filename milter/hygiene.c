/*
 * hygiene - see hygiene.h.
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "milter/hygiene.h"

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

bool
hygiene_is_ours(const char *name, const char *value, const char *authserv_id)
{
	char	id[256];

	if (strncasecmp(name, "X-Gatewarden-", 13) == 0)
		return true;
	if (strcasecmp(name, "Authentication-Results") != 0)
		return false;
	if (!hygiene_authserv_id(value, id, sizeof(id)))
		return false;
	return same_name(id, authserv_id);
}
