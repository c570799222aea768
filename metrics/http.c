/*
 * http - see http.h.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "metrics/http.h"

#define HTTP_CONNECTIONS	16
#define HTTP_PER_CLIENT		4
#define HTTP_IDLE_SECONDS	10
#define HTTP_MEMORY		(32 * 1024)
#define CONTENT_TYPE		"text/plain; version=0.0.4; charset=utf-8"

struct metrics_http {
	struct MHD_Daemon *mhd;
	struct metrics	*reg;
	int		fd;
};

/* "127.0.0.1:9155" or "[::1]:9155" into host and port strings. */
static int
split_addr(const char *addr, char *host, size_t hostsz, const char **port)
{
	const char *colon;
	size_t	n;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (end == NULL || end[1] != ':')
			return -1;
		n = (size_t)(end - addr - 1);
		if (n == 0 || n >= hostsz)
			return -1;
		memcpy(host, addr + 1, n);
		*port = end + 2;
	} else {
		if ((colon = strrchr(addr, ':')) == NULL ||
		    (n = (size_t)(colon - addr)) == 0 || n >= hostsz)
			return -1;
		memcpy(host, addr, n);
		*port = colon + 1;
	}
	host[n] = '\0';
	return **port != '\0' ? 0 : -1;
}

int
metrics_http_listen(const char *addr, char *err, size_t errsz)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	char	host[64];
	const char *port;
	int	fd, on = 1, rc;

	if (split_addr(addr, host, sizeof(host), &port) != 0) {
		snprintf(err, errsz, "%s: write IPv4:PORT or [IPv6]:PORT", addr);
		return -1;
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errsz, "%s: %s", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errsz, "%s: socket: %s", addr, strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ai->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, HTTP_CONNECTIONS) == -1) {
		snprintf(err, errsz, "%s: %s", addr, strerror(errno));
		close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

unsigned
metrics_http_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type,
    char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	if ((r = MHD_create_response_from_buffer(len, body, mode)) == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW,
		    "GET, HEAD");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	static char not_found[] = "not found: the metrics are at /metrics\n";
	static char not_allowed[] = "method not allowed\n";
	struct metrics_http *h = cls;
	char	*text;
	size_t	len;

	(void)version, (void)upload, (void)upload_size, (void)state;
	/* Answered at the first call, before any body is read: a body is
	 * never wanted, and the connection is closed after it. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
		    not_allowed, sizeof(not_allowed) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found,
		    sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	text = metrics_expose(h->reg, &len);
	return reply(c, MHD_HTTP_OK, CONTENT_TYPE, text, len,
	    MHD_RESPMEM_MUST_FREE);
}

static void
mhd_log(void *arg, const char *fmt, va_list ap)
{
	char	msg[512];

	(void)arg;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("metrics: http: %s", msg);
}

struct metrics_http *
metrics_http_start(int fd, struct metrics *reg, char *err, size_t errsz)
{
	struct metrics_http *h = x_calloc(1, sizeof(*h));

	h->reg = reg;
	h->fd = fd;
	h->mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, answer, h,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTP_PER_CLIENT,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_SECONDS,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_END);
	if (h->mhd == NULL) {
		snprintf(err, errsz, "libmicrohttpd did not start");
		close(fd);
		free(h);
		return NULL;
	}
	return h;
}

void
metrics_http_stop(struct metrics_http *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->mhd);	/* closes the listening socket */
	free(h);
}
