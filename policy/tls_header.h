/*
 * tls_header - the value of the X-Gatewarden-TLS header.
 *
 * Records for the recipient what the inbound TLS policy saw:
 *   group=partners; policy=required; version=TLSv1.3;
 *   cipher=TLS_AES_256_GCM_SHA384; bits=256; client-cert=verified
 * (one line; the milter may fold it), or "group=X; policy=Y; version=none"
 * when the session did not use TLS. A NULL group is written group=none;
 * policy=none. Unknown values are "unknown". Every value is reduced to
 * printable ASCII without spaces, quotes, ';', '=', '%' (safe_text.h), so a
 * macro cannot add fields, lines or headers.
 *
 * tls_header_value() writes into out (size outsz) and returns false when
 * the value did not fit (out then holds a truncated, still safe, value).
 */
#ifndef GW_TLS_HEADER_H
#define GW_TLS_HEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"
#include "policy/session_facts.h"

#define TLS_HEADER_NAME "X-Gatewarden-TLS"

bool	tls_header_value(char *out, size_t outsz, const struct sender_group *,
	    const struct session_facts *);

#endif
