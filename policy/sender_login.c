/*
 * sender_login - see sender_login.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/sender_domain.h"
#include "policy/sender_login.h"

/* Longer envelope senders are owned by nobody (RFC 5321: 256). */
#define ADDRESS_MAX	512

static int
cmp_key(const void *key, const void *entry)
{
	return strcmp(key, ((const struct sender_login *)entry)->address);
}

static const struct sender_login *
lookup(const struct smime_conf *s, const char *key)
{
	return bsearch(key, s->sender_logins, s->nsender_logins,
	    sizeof(*s->sender_logins), cmp_key);
}

static bool
listed(const struct sender_login *e, const char *login)
{
	size_t	i;

	for (i = 0; e != NULL && i < e->nlogins; i++)
		if (strcasecmp(e->logins[i], login) == 0)
			return true;
	return false;
}

enum sender_login_result
sender_login_check(const struct smime_conf *s, const char *envfrom,
    bool authenticated, const char *login)
{
	char	addr[ADDRESS_MAX], domain[SENDER_DOMAIN_MAX];
	const char *start, *at, *colon;
	const struct sender_login *e;
	size_t	len, local, i;

	if (sender_domain_parse(envfrom, domain, sizeof(domain)) !=
	    SENDER_DOMAIN)
		return LOGIN_NO_SENDER;
	len = envelope_address(envfrom, &start);
	/* A source route ("@relay:user@example.com") is not the address. */
	if (len > 0 && start[0] == '@' &&
	    (colon = memchr(start, ':', len)) != NULL) {
		len -= (size_t)(colon + 1 - start);
		start = colon + 1;
	}
	for (at = NULL, i = 0; i < len; i++)
		if (start[i] == '@')
			at = start + i;
	if (at == NULL)
		return LOGIN_NO_SENDER;
	local = (size_t)(at - start);
	if (local + 1 + strlen(domain) >= sizeof(addr))
		return LOGIN_NO_SENDER;
	if (!authenticated || login == NULL || login[0] == '\0')
		return LOGIN_NOT_AUTHENTICATED;
	/* The local part lower-cased (as the loader does the map's keys);
	 * the domain comes lower-case without a trailing dot. */
	for (i = 0; i < local; i++)
		addr[i] = (char)(start[i] >= 'A' && start[i] <= 'Z' ?
		    start[i] - 'A' + 'a' : start[i]);
	snprintf(addr + local, sizeof(addr) - local, "@%s", domain);
	if (s->sender_login_map == NULL)
		return strcasecmp(addr, login) == 0 ? LOGIN_OWNED :
		    LOGIN_NOT_OWNER;
	if ((e = lookup(s, addr)) == NULL)
		e = lookup(s, addr + local);
	return listed(e, login) ? LOGIN_OWNED : LOGIN_NOT_OWNER;
}

const char *
sender_login_result_name(enum sender_login_result r)
{
	switch (r) {
	case LOGIN_OWNED:
		return "owned";
	case LOGIN_NOT_AUTHENTICATED:
		return "not-authenticated";
	case LOGIN_NOT_OWNER:
		return "not-owner";
	case LOGIN_NO_SENDER:
		break;
	}
	return "no-sender";
}

void
sender_login_reply(enum sender_login_result r, const char **rcode,
    const char **xcode, const char **text)
{
	*rcode = "550";
	*xcode = "5.7.1";
	*text = r == LOGIN_NOT_AUTHENTICATED ?
	    "sender address needs SMTP AUTH by its owner" :
	    "sender address not owned by authenticated user";
}
