/*
 * tcp_nodelay - turns Nagle's algorithm off on the milter's TCP listening
 * socket, which the connections it accepts inherit (Linux and the BSDs).
 *
 * At end of message a milter answers with several packets in a row
 * (header changes, then the verdict). With Nagle on, the kernel holds
 * each small packet back until the MTA acknowledges the one before, and
 * the MTA, which only reads, acknowledges late (delayed ACK, 40 ms on
 * Linux): about 40 ms per message on a loopback inet socket. libmilter
 * opens the listening socket but offers no call to set its options, so
 * tcp_listener_nodelay() finds it among the process's descriptors: a
 * listening TCP socket bound to the configured port.
 *
 * tcp_listener_nodelay(spec) does nothing for unix sockets and returns
 * true; for inet: and inet6: specs it returns true when it set
 * TCP_NODELAY on such a socket, false when it found none or the option
 * was refused (the caller warns: mail still flows, only slower).
 */
#ifndef GW_TCP_NODELAY_H
#define GW_TCP_NODELAY_H

#include <stdbool.h>

/* The port of an inet: or inet6: socket spec ("inet:PORT@HOST"); 0 for
 * anything else. */
unsigned	tcp_spec_port(const char *spec);
bool	tcp_listener_nodelay(const char *spec);

#endif
