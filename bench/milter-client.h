/*
 * milter-client - the MTA's side of the milter protocol (version 6), as
 * much of it as the benchmarks need to drive a milter without an MTA:
 * one message per connection, with the macros Postfix sends.
 *
 * mc_send() connects to SPEC (unix:/path or inet:PORT@HOST), negotiates
 * offering every action and step, then sends connect information, HELO,
 * MAIL, each RCPT, DATA, each header, end of headers, the body in chunks
 * of at most 65535 bytes and end of message, each stage only when the
 * milter did not decline it and reading a reply only where it did not
 * ask for none (SMFIP_NO*, SMFIP_NR_*); a skip reply to a body chunk
 * ends the body. Then QUIT.
 *
 * The result says how the milter ended the message (its final reply
 * code: 'a' accept, 'c' continue, 'r' reject, 't' tempfail, 'd' discard,
 * 'y' a reply text, which is kept), and counts what it asked to change:
 * header changes and additions, recipient removals, body replacement
 * bytes (the new body itself is read and dropped). Returns 0 when the
 * protocol ran to its end, -1 with err set on a connection or protocol
 * error, a time-out (every read and write is bounded by timeout
 * seconds) or a refusal before end of message. Thread-safe: no state
 * outside the call.
 */
#ifndef GW_BENCH_MILTER_CLIENT_H
#define GW_BENCH_MILTER_CLIENT_H

#include <stddef.h>

struct mc_header {
	const char	*name, *value;
};

struct mc_message {
	const char	*client_addr;	/* {client_addr}, dotted quad */
	const char	*client_name;
	const char	*helo;
	const char	*queue_id;	/* "i" */
	const char	*sender;	/* "<a@b>" */
	const char *const *rcpts;	/* "<c@d>" each */
	size_t		nrcpts;
	const struct mc_header *headers;
	size_t		nheaders;
	const unsigned char *body;	/* CRLF lines */
	size_t		body_len;
};

struct mc_result {
	char		verdict;	/* SMFIR_* of the final reply */
	char		reply[256];	/* the text of a 'y' reply */
	unsigned	header_changes, header_adds, rcpt_dels;
	size_t		replbody_bytes;
	size_t		body_sent;	/* body bytes sent before a skip */
};

int	mc_send(const char *spec, int timeout, const struct mc_message *,
	    struct mc_result *, char *err, size_t errsz);

#endif
