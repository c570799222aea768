/*
 * sender_domain - see sender_domain.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "policy/sender_domain.h"

/* Characters of a host name as seen in mail; '_' occurs in the wild. */
static bool
domain_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_';
}

/* Copies the domain [s, s+len) lower-case into out after checking that it
 * is a sequence of non-empty labels; one trailing dot is dropped. */
static bool
copy_domain(const char *s, size_t len, char *out, size_t outsz)
{
	size_t	i, label = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len + 1 > outsz || len + 1 > SENDER_DOMAIN_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (domain_char(c)) {
			if (++label > 63)
				return false;
		} else
			return false;
		out[i] = (char)tolower(c);
	}
	if (label == 0)
		return false;
	out[len] = '\0';
	return true;
}

enum sender_kind
sender_domain_parse(const char *in, char *out, size_t outsz)
{
	const char *p, *end, *at = NULL;
	bool	quoted = false;

	if (outsz > 0)
		out[0] = '\0';
	if (in == NULL)
		return SENDER_UNKNOWN;
	while (*in == ' ' || *in == '\t')
		in++;
	end = in + strlen(in);
	while (end > in && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end > in && *in == '<') {
		if (end[-1] != '>')
			return SENDER_NO_DOMAIN;
		in++;
		end--;
	}
	if (end == in)
		return SENDER_NULL;
	/* A source route "@a,@b:" ends at the first ':'. */
	if (*in == '@') {
		p = memchr(in, ':', (size_t)(end - in));
		if (p == NULL)
			return SENDER_NO_DOMAIN;
		in = p + 1;
		if (end == in)
			return SENDER_NO_DOMAIN;
	}
	for (p = in; p < end; p++) {
		if (quoted && *p == '\\') {
			if (++p == end)
				return SENDER_NO_DOMAIN;
		} else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '@')
			at = p;
	}
	if (quoted || at == NULL)
		return SENDER_NO_DOMAIN;
	if (!copy_domain(at + 1, (size_t)(end - at - 1), out, outsz)) {
		if (outsz > 0)
			out[0] = '\0';
		return SENDER_NO_DOMAIN;
	}
	return SENDER_DOMAIN;
}

size_t
envelope_address(const char *arg, const char **start)
{
	size_t	len;

	while (*arg == ' ')
		arg++;
	len = strlen(arg);
	while (len > 0 && arg[len - 1] == ' ')
		len--;
	if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>') {
		arg++;
		len -= 2;
	}
	*start = arg;
	return len;
}

/* An address literal gatewarden can read: "[192.0.2.1]" or "[IPv6:...]";
 * Sendmail resolves "[partner.test]" as a host name. */
static bool
address_literal(const char *s, size_t len)
{
	char	buf[64];
	unsigned char addr[16];

	if (len < 3 || s[0] != '[' || s[len - 1] != ']' ||
	    len - 2 >= sizeof(buf))
		return false;
	memcpy(buf, s + 1, len - 2);
	buf[len - 2] = '\0';
	if (strncasecmp(buf, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, buf + 5, addr) == 1;
	return inet_pton(AF_INET, buf, addr) == 1;
}

bool
address_is_ambiguous(const char *arg)
{
	char	domain[SENDER_DOMAIN_MAX];
	enum sender_kind kind;
	const char *a, *at;
	size_t	len, i, local;

	kind = sender_domain_parse(arg, domain, sizeof(domain));
	if (kind == SENDER_NULL || kind == SENDER_UNKNOWN)
		return false;
	len = envelope_address(arg, &a);
	/* A source route ("@a,@b:") names relays, not the recipient. */
	if (len > 0 && a[0] == '@' && (at = memchr(a, ':', len)) != NULL) {
		len -= (size_t)(at + 1 - a);
		a = at + 1;
	}
	at = NULL;
	for (i = 0; i < len; i++) {
		if (kind != SENDER_DOMAIN && (a[i] == '"' || a[i] == '\\' ||
		    a[i] == '<' || a[i] == '>'))
			return true;
		if (a[i] == '@')
			at = a + i;
	}
	/* A local part the MTA may route on when the domain is its own:
	 * "bob%partner.test@gw", "partner.test!bob", "bob@partner.test@gw"
	 * (Postfix's percent hack, bang paths, a local part resolved again),
	 * quoted or not, as the MTA's internal form has no quotes. */
	local = at != NULL ? (size_t)(at - a) : len;
	for (i = 0; i < local; i++)
		if (a[i] == '%' || a[i] == '!' || a[i] == '@')
			return true;
	if (kind == SENDER_DOMAIN || at == NULL)
		return false;	/* a domain, or a local name */
	return !address_literal(at + 1, len - local - 1);
}
