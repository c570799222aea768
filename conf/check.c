/*
 * check - see check.h.
 */
#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "conf/check.h"
#include "lib/cidr.h"

bool
check_port(const char *s, const char **why)
{
	unsigned long v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9' && v <= 65535; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (p == s || *p != '\0' || v < 1 || v > 65535) {
		*why = "the port must be a number from 1 to 65535";
		return false;
	}
	return true;
}

static bool
check_inet(const char *s, bool v6, const char **why)
{
	const char *at = strchr(s, '@');
	char	port[8];
	size_t	n;

	if (at == NULL) {
		*why = v6 ? "write inet6:PORT@HOST" : "write inet:PORT@HOST";
		return false;
	}
	n = (size_t)(at - s);
	if (n == 0 || n >= sizeof(port)) {
		*why = "the port must be a number from 1 to 65535";
		return false;
	}
	memcpy(port, s, n);
	port[n] = '\0';
	if (!check_port(port, why))
		return false;
	if (at[1] == '\0' || strpbrk(at + 1, " \t@/") != NULL) {
		*why = "missing or bad host after '@'";
		return false;
	}
	return true;
}

bool
check_socket(const char *s, const char **why)
{
	struct sockaddr_un sun;

	if (strncmp(s, "unix:", 5) == 0) {
		if (s[5] != '/') {
			*why = "the unix socket path must be absolute";
			return false;
		}
		if (strlen(s + 5) >= sizeof(sun.sun_path)) {
			*why = "the unix socket path is too long";
			return false;
		}
		return true;
	}
	if (strncmp(s, "inet:", 5) == 0)
		return check_inet(s + 5, false, why);
	if (strncmp(s, "inet6:", 6) == 0)
		return check_inet(s + 6, true, why);
	*why = "use unix:/path, inet:PORT@HOST or inet6:PORT@HOST";
	return false;
}

bool
check_domain(const char *s, const char **why)
{
	size_t	label = 0, len = strlen(s);
	const char *p;

	if (len == 0 || len > 253) {
		*why = len ? "a domain is at most 253 characters" :
		    "empty domain";
		return false;
	}
	for (p = s; *p; p++) {
		if (*p == '.') {
			if (label == 0) {
				*why = "empty label (two dots, or a dot at "
				    "the start)";
				return false;
			}
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')) {
			*why = "a domain holds only letters, digits, '-', '_' "
			    "and dots";
			return false;
		}
		if (++label > 63) {
			*why = "a domain label is at most 63 characters";
			return false;
		}
	}
	if (label == 0) {
		*why = "a domain cannot end with a dot here";
		return false;
	}
	return true;
}

bool
check_address(const char *s, const char **why)
{
	const char *at = strrchr(s, '@');
	const char *p;

	if (at == NULL || at == s) {
		*why = "write local@domain";
		return false;
	}
	for (p = s; p < at; p++)
		if (*p == ' ' || *p == '<' || *p == '>' || *p == ',') {
			*why = "the local part holds a space, '<', '>' or ','";
			return false;
		}
	return check_domain(at + 1, why);
}

bool
check_addr_port(const char *s, const char **why)
{
	const char *colon;
	struct in_addr a4;
	char	host[INET_ADDRSTRLEN];
	size_t	n;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		char	addr[64];
		unsigned char a[16];

		if (end == NULL || end[1] != ':') {
			*why = "write [IPv6]:PORT";
			return false;
		}
		n = (size_t)(end - s - 1);
		if (n == 0 || n >= sizeof(addr)) {
			*why = "not an IPv6 address in the brackets";
			return false;
		}
		memcpy(addr, s + 1, n);
		addr[n] = '\0';
		if (!cidr_parse_addr(addr, a)) {
			*why = "not an IPv6 address in the brackets";
			return false;
		}
		return check_port(end + 2, why);
	}
	colon = strrchr(s, ':');
	if (colon == NULL || colon == s || memchr(s, ':',
	    (size_t)(colon - s)) != NULL) {
		*why = "write HOST:PORT (or [IPv6]:PORT)";
		return false;
	}
	/* inet_pton() takes only the dotted quad: no names, no "127.1". */
	n = (size_t)(colon - s);
	if (n < sizeof(host)) {
		memcpy(host, s, n);
		host[n] = '\0';
	}
	if (n >= sizeof(host) || inet_pton(AF_INET, host, &a4) != 1) {
		*why = "HOST must be a numeric address, as in 127.0.0.1:10026 "
		    "or [::1]:10026 (the re-injection never looks a name up)";
		return false;
	}
	return check_port(colon + 1, why);
}

bool
check_ip_port(const char *s, const char **why)
{
	const char *at = strchr(s, '@');
	char	addr[64];
	unsigned char a[16];
	size_t	n = at ? (size_t)(at - s) : strlen(s);

	if (n == 0 || n >= sizeof(addr)) {
		*why = "not an IP address";
		return false;
	}
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (!cidr_parse_addr(addr, a)) {
		*why = "not an IP address (write 192.0.2.1 or 192.0.2.1@5353)";
		return false;
	}
	return at == NULL || check_port(at + 1, why);
}

bool
check_abs_path(const char *s, const char **why)
{
	if (s[0] != '/') {
		*why = "the path must be absolute (start with /)";
		return false;
	}
	return true;
}

bool
check_header_name(const char *s, const char **why)
{
	const char *p;

	if (*s == '\0') {
		*why = "empty header name";
		return false;
	}
	for (p = s; *p; p++)
		if (*p <= ' ' || *p == ':' || (unsigned char)*p >= 0x7f) {
			*why = "a header name is printable ASCII without ':' "
			    "or spaces";
			return false;
		}
	return true;
}

bool
check_is_dn(const char *s)
{
	const char *slash = strchr(s, '/');

	if (slash && strchr(slash, '=') != NULL)
		return true;
	return strchr(s, '=') != NULL && strchr(s, ',') != NULL;
}
