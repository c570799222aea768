/*
 * serve_socket - the listening socket of gatewarden-maps serve, made while
 * still root: "unix:/path" (a stale socket left by a dead server is
 * replaced; a live one, or anything else at the path, is an error; the
 * socket gets mode and, when privileges will be dropped, the user and
 * group as owner) or "inet:HOST:PORT" / "inet:[IPv6]:PORT" (numeric
 * addresses; SO_REUSEADDR).
 *
 * serve_listen() returns a listening, non-blocking, close-on-exec
 * descriptor, or -1 with a message in *err (the caller frees it).
 * serve_unlink() removes a unix socket's path at stop.
 */
#ifndef GW_DANE_SERVE_SOCKET_H
#define GW_DANE_SERVE_SOCKET_H

#include "lib/privdrop.h"

int	serve_listen(const char *spec, unsigned mode,
	    const struct run_identity *, char **err);
void	serve_unlink(const char *spec);

#endif
