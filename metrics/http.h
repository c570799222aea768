/*
 * http - serves a metrics registry to Prometheus over HTTP, through
 * libmicrohttpd (no HTTP code of ours).
 *
 * GET (or HEAD) /metrics answers 200 with the registry's exposition
 * (Content-Type: text/plain; version=0.0.4; charset=utf-8); any other
 * path is 404, any other method 405. The server runs in libmicrohttpd's
 * own thread with bounded resources: 16 connections (4 per client
 * address), 10 s of idle time, 32 KiB of memory per connection. It never
 * reads a request body.
 *
 * Two steps, so that a program can bind while it is still root (and
 * report a bad address before it forks) and serve after it dropped its
 * privileges and set its signal mask, which the server's thread inherits:
 *   fd = metrics_http_listen("127.0.0.1:9155", err, sizeof(err));
 *   srv = metrics_http_start(fd, reg, err, sizeof(err));
 *   ...
 *   metrics_http_stop(srv);	(closes the socket; NULL is a no-op)
 * The address is numeric: "IPv4:PORT" or "[IPv6]:PORT" (conf/check.h's
 * check_addr_port()). Errors: -1 or NULL with the reason in err. The
 * registry must outlive the server.
 */
#ifndef GW_METRICS_HTTP_H
#define GW_METRICS_HTTP_H

#include <stddef.h>

#include "metrics/registry.h"

struct metrics_http;

int	metrics_http_listen(const char *addr, char *err, size_t errsz);
struct metrics_http *metrics_http_start(int fd, struct metrics *,
	    char *err, size_t errsz);
void	metrics_http_stop(struct metrics_http *);
/* The port fd listens on (for a listen address with port 0). */
unsigned metrics_http_port(int fd);

#endif
