/*
 * sender_login - does the authenticated user own the envelope sender?
 *
 * For sending rules with require_sender_login: a message is signed for
 * its envelope sender only when the client did SMTP AUTH ({auth_type})
 * and its login ({auth_authen}) owns that address. With a sender login
 * map (smime.sender_login_map, conf/load_logins.c) the owners are the
 * logins listed for the exact address, or else for its "@domain"; an
 * address the map does not list has no owner. Without a map a login owns
 * the address it is spelled as. Addresses and logins compare ASCII
 * case-insensitively; address extensions (user+tag@) are not stripped.
 * A null sender ("<>") or one without a domain is owned by nobody.
 *
 * sender_login_reply() gives the SMTP reply that refuses a message for
 * its result (reject mode): "550 5.7.1 sender address not owned by
 * authenticated user", or "... needs SMTP AUTH by its owner".
 *
 * Pure: nothing allocated; strings returned are static.
 */
#ifndef GW_SENDER_LOGIN_H
#define GW_SENDER_LOGIN_H

#include <stdbool.h>

#include "conf/config.h"

enum sender_login_result {
	LOGIN_OWNED,		/* the login owns the sender */
	LOGIN_NOT_AUTHENTICATED,	/* no SMTP AUTH, or no usable login */
	LOGIN_NOT_OWNER,	/* authenticated, but not as an owner */
	LOGIN_NO_SENDER,	/* "<>" or an address without a domain */
};

enum sender_login_result sender_login_check(const struct smime_conf *,
	    const char *envfrom, bool authenticated, const char *login);
/* "owned", "not-authenticated", "not-owner", "no-sender". */
const char *sender_login_result_name(enum sender_login_result);
void	sender_login_reply(enum sender_login_result, const char **rcode,
	    const char **xcode, const char **text);

#endif
