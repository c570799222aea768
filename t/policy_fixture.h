/*
 * policy_fixture - helpers for the policy/ unit tests.
 *
 * Macro tables stand in for the MTA: a struct macro array ends with
 * { NULL, NULL }; fixture_lookup() is a macro_lookup_fn over it.
 * fixture_facts() builds session facts from one or two such tables (as
 * if sent at connect and at HELO/MAIL) and an envelope sender (NULL: not
 * at MAIL yet).
 *
 * fixture_group() fills a struct sender_group from a compact match spec,
 * conditions separated by spaces: "ip=192.0.2.0/24", "host=.partner.test",
 * "domain=example.com", "auth", "any" (a leading dot means suffix),
 * "cert=PATTERN" (client_cert_subject), "lname=NAME", "lport=PORT",
 * "laddr=BLOCK" and "laddr=BLOCK@PORT" (listener). It
 * bails out of the test on a bad spec. fixture_group_free() frees what
 * fixture_group() allocated; NULL is fine.
 */
#ifndef GW_POLICY_FIXTURE_H
#define GW_POLICY_FIXTURE_H

#include "conf/config.h"
#include "policy/session_facts.h"

struct macro {
	const char	*name;
	const char	*value;
};

const char *fixture_lookup(void *arg, const char *name);
void	fixture_facts(struct session_facts *, const struct macro *connect,
	    const struct macro *later, const char *envfrom);
void	fixture_group(struct sender_group *, const char *name,
	    const char *spec);
void	fixture_group_free(struct sender_group *);

#endif
