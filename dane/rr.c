/*
 * rr - see rr.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <string.h>
#include <stdlib.h>

#include "dane/rr.h"
#include "lib/xalloc.h"

static bool
label_char_ok(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_';
}

bool
rr_name(const unsigned char *data, size_t len, size_t *off, char *out,
    size_t outsz)
{
	size_t	p = *off, o = 0;

	if (outsz == 0)
		return false;
	for (;;) {
		size_t	ll, i;

		if (p >= len)
			return false;
		ll = data[p++];
		if (ll == 0)
			break;
		if (ll > 63)	/* compression pointer or reserved */
			return false;
		if (p + ll > len)
			return false;
		if (o + ll + 1 >= outsz || o + ll + 1 > DNS_MAX_NAME)
			return false;
		if (o > 0)
			out[o++] = '.';
		for (i = 0; i < ll; i++) {
			if (!label_char_ok(data[p + i]))
				return false;
			out[o++] = (char)tolower(data[p + i]);
		}
		p += ll;
	}
	out[o] = '\0';
	*off = p;
	return true;
}

bool
rr_mx(const unsigned char *data, size_t len, struct dns_mx *mx)
{
	char	name[DNS_MAX_NAME + 1];
	size_t	off = 2;

	if (len < 3)
		return false;
	if (!rr_name(data, len, &off, name, sizeof(name)) || off != len)
		return false;
	mx->pref = (unsigned)data[0] << 8 | data[1];
	mx->host = x_strdup(name);
	return true;
}

bool
rr_tlsa(const unsigned char *data, size_t len, struct dns_tlsa *t)
{
	if (len < 4 || len - 3 > DNS_MAX_TLSA_DATA)
		return false;
	t->usage = data[0];
	t->selector = data[1];
	t->mtype = data[2];
	t->len = len - 3;
	t->data = x_malloc(t->len);
	memcpy(t->data, data + 3, t->len);
	return true;
}

bool
rr_addr(const unsigned char *data, size_t len, char **out)
{
	char	buf[INET6_ADDRSTRLEN];
	int	af;

	if (len == 4)
		af = AF_INET;
	else if (len == 16)
		af = AF_INET6;
	else
		return false;
	if (inet_ntop(af, data, buf, sizeof(buf)) == NULL)
		return false;
	*out = x_strdup(buf);
	return true;
}

bool
rr_cname(const unsigned char *data, size_t len, char **out)
{
	char	name[DNS_MAX_NAME + 1];
	size_t	off = 0;

	if (!rr_name(data, len, &off, name, sizeof(name)) || off != len)
		return false;
	*out = x_strdup(name);
	return true;
}

bool
rr_txt(const unsigned char *data, size_t len, char **out)
{
	char	buf[DNS_MAX_TXT + 1];
	size_t	p = 0, o = 0, i;

	while (p < len) {
		size_t	sl = data[p++];

		if (p + sl > len || o + sl > DNS_MAX_TXT)
			return false;
		for (i = 0; i < sl; i++) {
			if (data[p + i] < 0x20 || data[p + i] > 0x7e)
				return false;
			buf[o++] = (char)data[p + i];
		}
		p += sl;
	}
	buf[o] = '\0';
	*out = x_strdup(buf);
	return true;
}
