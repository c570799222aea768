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

bool
hygiene_authserv_id(const char *value, char *out, size_t outsz)
{
	const char *p = skip_cfws(value), *start;
	size_t	len;

	if (outsz == 0)
		return false;
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
	/* An authserv-id may be written with a trailing version "id 1". */
	return strcasecmp(id, authserv_id) == 0;
}
