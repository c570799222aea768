/*
 * reinject - hands a copy of a message back to the MTA for some
 * recipients, past gatewarden: the unencrypted copy of `missing_key:
 * split`.
 *
 * reinject_message() sends the message (header fields as the milter got
 * them, then the body as spooled) with the envelope e either by SMTP to
 * smime.reinjection.smtp ("IPv4:PORT" or "[IPv6]:PORT", numeric: the
 * loader refuses a name, which would never be looked up here; an MTA port
 * that does not run gatewarden) or, when that is not set, through
 * reinjection.sendmail_command ("-oi -f SENDER [OPTIONS] -- RCPT...").
 * The copy keeps what the original envelope said, as far as the way in
 * takes it (milter/esmtp_params.h: BODY=8BITMIME, SMTPUTF8 and the DSN
 * parameters by SMTP as the EHLO reply allows; -B, -R, -V and -N for the
 * command), declares 8-bit text when it carries some, and starts with
 * e->received as a Received: field when given. Every network step is
 * bounded by timeout seconds; dot-stuffing and CRLF line ends are taken
 * care of. Returns true only when the MTA accepted the message for every
 * recipient; otherwise false with a reason in why (static or in buf). The
 * caller then tempfails the whole message, so that nothing is lost and
 * nothing goes out twice.
 */
#ifndef GW_REINJECT_H
#define GW_REINJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "conf/config.h"
#include "milter/esmtp_params.h"
#include "milter/session.h"

struct reinject_envelope {
	const char	*sender;	/* as given at MAIL FROM */
	const struct mail_params *mail;
	char *const	*rcpts;
	const struct rcpt_params *const *rcpt_params;	/* one per rcpt, or NULL */
	size_t		nrcpts;
	bool		eightbit;	/* the copy carries bytes above 0x7f */
	bool		utf8;		/* ... in its header or addresses */
	const char	*received;	/* a Received: value to put first, or NULL */
};

bool	reinject_message(const struct reinjection_conf *, unsigned timeout,
	    const struct reinject_envelope *e, const struct header *headers,
	    size_t nheaders, FILE *body, char *why, size_t whysz);

#endif
