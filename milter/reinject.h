/*
 * reinject - hands a copy of a message back to the MTA for some
 * recipients, past gatewarden: the unencrypted copy of `missing_key:
 * split`.
 *
 * reinject_message() sends the message (header fields as the milter got
 * them, then the body as spooled) from sender to rcpts either by SMTP to
 * smime.reinjection.smtp ("IPv4:PORT", "[IPv6]:PORT", numeric: the loader refuses a
 * name, which would never be looked up here; an MTA port that
 * does not run gatewarden) or, when that is not set, through
 * reinjection.sendmail_command ("-oi -f SENDER -- RCPT..."). Every network
 * step is bounded by timeout seconds; dot-stuffing and CRLF line ends are
 * taken care of. Returns true only when the MTA accepted the message for
 * every recipient; otherwise false with a reason in why (static or in
 * buf). The caller then tempfails the whole message, so that nothing is
 * lost and nothing goes out twice.
 */
#ifndef GW_REINJECT_H
#define GW_REINJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "conf/config.h"
#include "milter/session.h"

bool	reinject_message(const struct reinjection_conf *, unsigned timeout,
	    const char *sender, char *const *rcpts, size_t nrcpts,
	    const struct header *headers, size_t nheaders, FILE *body,
	    char *why, size_t whysz);

#endif
