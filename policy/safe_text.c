/*
 * safe_text - see safe_text.h.
 */
#include "config.h"

#include <string.h>

#include "policy/safe_text.h"

char *
safe_text_copy(char *out, size_t outsz, const char *in, const char *extra_bad)
{
	const unsigned char *p;
	size_t	o = 0;

	if (outsz == 0)
		return out;
	if (in == NULL)
		in = "";
	if (extra_bad == NULL)
		extra_bad = "";
	for (p = (const unsigned char *)in; *p && o + 1 < outsz; p++) {
		if (*p < 0x20 || *p > 0x7e || strchr(extra_bad, *p) != NULL)
			out[o++] = '?';
		else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
	return out;
}
