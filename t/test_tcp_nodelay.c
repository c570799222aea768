/*
 * test_tcp_nodelay - milter/tcp_nodelay: the port of a socket spec, and
 * Nagle's algorithm turned off on the listening socket of an inet spec
 * (found among the descriptors as libmilter leaves it), inherited by
 * the connections it accepts; unix specs and other ports left alone.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "milter/tcp_nodelay.h"
#include "t/tap.h"

static void
test_spec_port(void)
{
	static const struct {
		const char	*spec;
		unsigned	want;
	} cases[] = {
		{ "inet:10025@127.0.0.1", 10025 },
		{ "inet:8891", 8891 },
		{ "inet6:10025@[::1]", 10025 },
		{ "inet:0@127.0.0.1", 0 },
		{ "inet:65536@127.0.0.1", 0 },
		{ "inet:x@127.0.0.1", 0 },
		{ "inet:25x@127.0.0.1", 0 },
		{ "unix:/run/gw.sock", 0 },
		{ "local:/run/gw.sock", 0 },
		{ "", 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(tcp_spec_port(cases[i].spec), cases[i].want,
		    "port of \"%s\"", cases[i].spec);
}

/* A listening socket on 127.0.0.1, its port in *port. */
static int
listener(unsigned *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int	fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

static int
nodelay(int fd)
{
	int	v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) < 0)
		return -1;
	return v != 0;
}

static void
test_listener(void)
{
	unsigned port = 0, other_port = 0;
	int	fd = listener(&port), other = listener(&other_port), c, a;
	char	spec[64];
	struct sockaddr_in sa;

	if (fd < 0 || other < 0)
		bail("no loopback TCP socket");
	is_int(nodelay(fd), 0, "a new listening socket has Nagle on");
	snprintf(spec, sizeof(spec), "inet:%u@127.0.0.1", port);
	ok(tcp_listener_nodelay(spec), "the listener of %s is found", spec);
	is_int(nodelay(fd), 1, "its TCP_NODELAY is set");
	is_int(nodelay(other), 0, "another port's listener is left alone");

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c >= 0 && connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    (a = accept(fd, NULL, NULL)) >= 0) {
		is_int(nodelay(a), 1, "an accepted connection inherits it");
		close(a);
	} else
		ok(0, "connect and accept on loopback");
	if (c >= 0)
		close(c);
	close(fd);
	snprintf(spec, sizeof(spec), "inet:%u@127.0.0.1", port);
	ok(!tcp_listener_nodelay(spec), "no listener on %s: false", spec);
	ok(tcp_listener_nodelay("unix:/nonexistent/gw.sock"),
	    "a unix socket needs nothing");
	close(other);
}

int
main(void)
{
	plan_lazy();
	test_spec_port();
	test_listener();
	return done_testing();
}
