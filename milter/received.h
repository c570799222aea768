/*
 * received - the Received: field of a copy gatewarden hands back to the
 * MTA (the clear copy of `missing_key: split`).
 *
 * The MTA does not show a milter the Received: field it adds itself, so a
 * copy made from what the milter saw would lack the trace of the hop the
 * message came in by. received_value() writes that trace again, from the
 * session's facts, marked as gatewarden's hand-off:
 *
 *   from HELO (NAME [ADDR])
 *   	(using TLSv1.3 with cipher C (256 bits))
 *   	by HOST (gatewarden split copy) with ESMTPS id QUEUEID
 *   	for <RCPT>; Wed,  2 Dec 2026 10:02:31 +0000
 *
 * HELO is what the client said, bounded and with anything but letters,
 * digits and ".-_:[]" replaced by "_"; NAME is "unknown" unless the MTA
 * verified it; HOST is the MTA's name (macro j) or, without it, this
 * host's; "with" says ESMTP, ESMTPS, ESMTPA or ESMTPSA only when TLS, AUTH
 * or ESMTP parameters show that the client spoke ESMTP; "for" only when
 * the copy has one recipient. The result has folded lines ("\n\t") and
 * must be freed by the caller.
 */
#ifndef GW_RECEIVED_H
#define GW_RECEIVED_H

#include <time.h>

#include "milter/session.h"

char	*received_value(const struct session *, const char *by,
	    const char *rcpt, time_t now);

#endif
