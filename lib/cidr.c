/*
 * cidr - see cidr.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/cidr.h"

static bool
parse_any_addr(const char *s, unsigned char out[16], bool *v4)
{
	struct in_addr in4;
	char	buf[INET6_ADDRSTRLEN + 8];
	size_t	len = strlen(s);

	if (len >= sizeof(buf))
		return false;
	if (strncasecmp(s, "IPv6:", 5) == 0)
		s += 5, len -= 5;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = '\0';
	} else
		memcpy(buf, s, len + 1);
	if (inet_pton(AF_INET, buf, &in4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &in4, 4);
		*v4 = true;
		return true;
	}
	if (inet_pton(AF_INET6, buf, out) == 1) {
		*v4 = false;
		return true;
	}
	return false;
}

bool
cidr_parse_addr(const char *s, unsigned char out[16])
{
	bool	v4;

	return parse_any_addr(s, out, &v4);
}

static bool
host_bits_clear(const unsigned char a[16], unsigned prefix)
{
	unsigned i;

	for (i = prefix; i < 128; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

bool
cidr_parse(const char *s, struct cidr *c, const char **why)
{
	char	buf[INET6_ADDRSTRLEN + 16];
	char	*slash, *end;
	long	len;
	size_t	n = strlen(s);

	if (n == 0 || n >= sizeof(buf)) {
		*why = "not an IP address or CIDR block";
		return false;
	}
	memcpy(buf, s, n + 1);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (!parse_any_addr(buf, c->addr, &c->v4)) {
		*why = "not an IP address or CIDR block";
		return false;
	}
	if (slash == NULL) {
		c->prefix = 128;
		return true;
	}
	if (*slash < '0' || *slash > '9') {
		*why = "the prefix length after '/' is not a number";
		return false;
	}
	len = strtol(slash, &end, 10);
	if (*end != '\0' || len > (c->v4 ? 32 : 128)) {
		*why = c->v4 ? "an IPv4 prefix length must be 0 to 32"
		    : "an IPv6 prefix length must be 0 to 128";
		return false;
	}
	c->prefix = (unsigned)len + (c->v4 ? 96 : 0);
	if (!host_bits_clear(c->addr, c->prefix)) {
		*why = "address has bits set beyond the prefix length";
		return false;
	}
	return true;
}

bool
cidr_contains(const struct cidr *c, const unsigned char a[16])
{
	unsigned full = c->prefix / 8, rest = c->prefix % 8;

	if (memcmp(c->addr, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((c->addr[full] ^ a[full]) & (0xff00 >> rest)) == 0;
}

bool
cidr_covers(const struct cidr *outer, const struct cidr *inner)
{
	return outer->prefix <= inner->prefix &&
	    cidr_contains(outer, inner->addr);
}
