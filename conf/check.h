/*
 * check - syntax checks of single configuration values.
 *
 * Pure functions over one string: each returns true when the value is
 * acceptable, else false with a static, lower-case reason in *why (for
 * "bad X "value": why"). No allocation, nothing to free.
 */
#ifndef GW_CHECK_H
#define GW_CHECK_H

#include <stdbool.h>

/* "unix:/abs/path", "inet:PORT@HOST", "inet6:PORT@HOST"; port 1..65535. */
bool	check_socket(const char *, const char **why);
/* A domain or host name, lower-case already: letters, digits, '-', '_',
 * dots between labels; at most 253 bytes, labels at most 63. */
bool	check_domain(const char *, const char **why);
/* local@domain, with a domain check_domain() accepts (case aside). */
bool	check_address(const char *, const char **why);
/* "IPv4:PORT" or "[IPv6]:PORT": numeric addresses only, since what
 * connects there (the re-injection) never looks a name up. */
bool	check_addr_port(const char *, const char **why);
/* An IP address with an optional "@PORT" (unbound's forwarder syntax). */
bool	check_ip_port(const char *, const char **why);
/* An absolute path without ".." components gone wrong: starts with '/'. */
bool	check_abs_path(const char *, const char **why);
/* A header field name: printable ASCII without ':' or space. */
bool	check_header_name(const char *, const char **why);
/* A port number written in decimal, 1..65535. */
bool	check_port(const char *, const char **why);

/* true when a certificate subject/issuer pattern is written as a full DN
 * ("/C=DE/O=X/CN=y" or "CN=y,O=X") rather than a common name. */
bool	check_is_dn(const char *);

#endif
