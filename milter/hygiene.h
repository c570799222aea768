/*
 * hygiene - which incoming headers gatewarden must remove because it writes
 * them itself.
 *
 * A sender must not be able to forge a result of ours: every header named
 * X-Gatewarden-* and every Authentication-Results header whose authserv-id
 * is ours is removed before gatewarden adds its own. Pure functions; no
 * allocation.
 */
#ifndef GW_HYGIENE_H
#define GW_HYGIENE_H

#include <stdbool.h>

/* true when the header (name, value) must be removed for authserv_id. */
bool	hygiene_is_ours(const char *name, const char *value,
	    const char *authserv_id);

/* The authserv-id that starts an Authentication-Results value, skipping
 * CFWS (RFC 8601 section 2.2), a token or a quoted-string (copied without
 * its quotes and escapes), into out (NUL-terminated, truncated to
 * outsz - 1). Returns false when there is none. A trailing dot and case
 * do not matter when hygiene_is_ours() compares it. */
bool	hygiene_authserv_id(const char *value, char *out, size_t outsz);

#endif
