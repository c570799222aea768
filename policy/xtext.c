/*
 * xtext - see xtext.h.
 */
#include "config.h"

#include "policy/xtext.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool
xtext_decode(const char *in, char *out, size_t outsz)
{
	size_t	o = 0;
	int	hi, lo;
	unsigned char c;

	if (outsz == 0)
		return false;
	out[0] = '\0';
	while (*in) {
		if (*in == '+') {
			if ((hi = hexval(in[1])) < 0 || (lo = hexval(in[2])) < 0)
				goto bad;
			c = (unsigned char)(hi * 16 + lo);
			in += 3;
		} else
			c = (unsigned char)*in++;
		/* Control characters have no place in a DN we compare. */
		if (c < 0x20 || c == 0x7f)
			goto bad;
		if (o + 1 >= outsz)
			goto bad;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
bad:
	out[0] = '\0';
	return false;
}
