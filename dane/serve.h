/*
 * serve - gatewarden-maps serve: the socketmap server that answers
 * Postfix's smtp_tls_policy_maps (and Sendmail's socket map) from the
 * destinations of the configuration plus live DNS and MTA-STS (see
 * gatewarden-maps(8)).
 *
 * serve_main() is the subcommand (its own options: -c FILE, -f): it loads
 * the configuration, and does as the milter daemon does, each step
 * checked and fatal on failure: resolve the user (socketmap.user, else
 * milter.user), lock the pid file, open the socket as root, go to the
 * background (unless -f), write the pid, drop privileges, then serve.
 *
 * serve_run() is the event loop (libevent) over the listening socket fd:
 *  - connections (at most socketmap.max_clients; more are closed at once)
 *    send netstring requests, any number per connection, answered in
 *    order; a request longer than SOCKMAP_MAX_REQUEST, or bytes that are
 *    not a netstring, get "PERM" and the connection is closed; an idle
 *    connection is closed after a minute;
 *  - an answer in the cache that has not expired is sent at once; else
 *    the request waits for the domain's look-up (one per domain, run by
 *    the pool of socketmap.max_lookups workers) at most
 *    socketmap.query_timeout seconds, then gets "TIMEOUT" while the
 *    look-up goes on and fills the cache; a full queue gets "TEMP";
 *  - every second, the answers of domains asked for within
 *    socketmap.refresh_recent that expire soon (within a fifth of their
 *    TTL, at least 2 s) are looked up again in the background, so the
 *    delivery path never waits on DNS for a known domain; a refresh
 *    that brings the same expiry (a resolver's cache in front) is made
 *    again when that expiry comes, and a good answer that has run out
 *    is sent for at most STALE_GRACE seconds more while its refresh
 *    runs; a failed refresh keeps the answer in force until it expires
 *    (then TEMP);
 *  - one log line per answer that changed (or is new):
 *    "domain=D action=changed policy=P previous=Q policy_type=T ...";
 *  - SIGUSR1 reloads the configuration (a file with errors is logged and
 *    the one in force stays; every answer is then decided again, the
 *    recently used ones at once), SIGTERM, SIGINT and SIGHUP stop.
 * It returns the exit status.
 */
#ifndef GW_DANE_SERVE_H
#define GW_DANE_SERVE_H

#include "dane/serve_answer.h"

int	serve_main(int argc, char **argv);
/* Takes over ctx's reference and fd. */
int	serve_run(struct serve_ctx *ctx, int fd, const char *config_path);

#endif
