/*
 * netstring - see netstring.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dane/netstring.h"
#include "lib/xalloc.h"

enum ns_result
netstring_parse(const char *buf, size_t len, size_t max, const char **data,
    size_t *dlen, size_t *used)
{
	size_t	i, n = 0;

	for (i = 0; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		if (i == 1 && buf[0] == '0')
			return NS_BAD;	/* leading zero */
		n = n * 10 + (size_t)(buf[i] - '0');
		if (n > max)
			return NS_TOO_LONG;
	}
	if (i == len)
		return NS_MORE;
	if (i == 0 || buf[i] != ':')
		return NS_BAD;
	if (len - i - 1 < n + 1)
		return NS_MORE;
	if (buf[i + 1 + n] != ',')
		return NS_BAD;
	*data = buf + i + 1;
	*dlen = n;
	*used = i + 1 + n + 1;
	return NS_OK;
}

char *
netstring_encode(const char *data, size_t len, size_t *outlen)
{
	char	head[32];
	int	h = snprintf(head, sizeof(head), "%zu:", len);
	char	*out = x_malloc((size_t)h + len + 2);

	memcpy(out, head, (size_t)h);
	memcpy(out + h, data, len);
	out[(size_t)h + len] = ',';
	out[(size_t)h + len + 1] = '\0';
	*outlen = (size_t)h + len + 1;
	return out;
}
