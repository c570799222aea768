/*
 * tcp_nodelay - see tcp_nodelay.h.
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "milter/tcp_nodelay.h"

/* Descriptors looked at: libmilter opens its socket early, among the
 * first few; the bound keeps the scan short whatever RLIMIT_NOFILE is. */
#define FD_SCAN_MAX	4096

unsigned
tcp_spec_port(const char *spec)
{
	const char *p;
	char	*end;
	unsigned long port;

	if (strncmp(spec, "inet:", 5) == 0)
		p = spec + 5;
	else if (strncmp(spec, "inet6:", 6) == 0)
		p = spec + 6;
	else
		return 0;
	port = strtoul(p, &end, 10);
	if (end == p || (*end != '@' && *end != '\0') || port == 0 ||
	    port > 65535)
		return 0;
	return (unsigned)port;
}

/* The local port of fd when it is a listening TCP socket, else 0. */
static unsigned
listening_tcp_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int	val, type;
	socklen_t vlen = sizeof(val);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &val, &vlen) == -1 ||
	    val == 0)
		return 0;
	vlen = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &vlen) == -1 ||
	    type != SOCK_STREAM)
		return 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

bool
tcp_listener_nodelay(const char *spec)
{
	unsigned port = tcp_spec_port(spec);
	struct rlimit rl;
	int	fd, nfd = FD_SCAN_MAX, one = 1;
	bool	done = false;

	if (strncmp(spec, "inet", 4) != 0)
		return true;
	if (port == 0)
		return false;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nfd)
		nfd = (int)rl.rlim_cur;
	for (fd = 0; fd < nfd; fd++)
		if (listening_tcp_port(fd) == port &&
		    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one)) == 0)
			done = true;
	return done;
}
