/*
 * group_match - which sender group a session belongs to.
 *
 * Sender groups are tried in configuration order; the first group with any
 * matching condition wins. Conditions:
 *  - client_ip: the client address is in one of the CIDR blocks (an IPv4
 *    block also matches the IPv4-mapped IPv6 form, lib/cidr.h);
 *  - client_hostname: the client's VERIFIED name (session_facts.h) equals
 *    a pattern, or for a ".suffix" pattern is a strict subdomain of it;
 *    ASCII case-insensitive, trailing dots ignored;
 *  - sender_domain: the same rules, applied to the envelope sender's
 *    domain ("<>" and addresses without a domain have none);
 *  - authenticated: the client did SMTP AUTH;
 *  - listener: the MTA's listener the client reached ({daemon_name}
 *    equal to a name, ASCII case-insensitive; {daemon_addr} in a block;
 *    {daemon_port} equal to a port; an ADDRESS:PORT item needs both);
 *  - client_cert_subject: the session used TLS with a client certificate
 *    the MTA verified, whose subject matches a pattern (cert_pattern.h:
 *    the CN, or the whole DN for a rule written as one);
 *  - any: always.
 *
 * Stages. At connect the sender and SMTP AUTH are not known yet, so a group
 * that needs them cannot be ruled out. policy_match_group() with
 * at_mail=false walks the groups and returns GROUP_WAIT as soon as it meets
 * a group that has not matched on what is known but has sender_domain,
 * authenticated or client_cert_subject conditions (the TLS facts come at
 * HELO and MAIL): the milter must then ask again at MAIL FROM
 * (at_mail=true, after session_facts_set_sender and the MAIL-stage
 * macros), which always decides. A group matched at connect is the group
 * MAIL FROM would find, since no earlier group could match later.
 *
 * GROUP_NONE means no group matched (a configuration without a catch-all;
 * the loader refuses those, but the caller must still cope).
 *
 * Pure: no allocation, no global state; the returned group points into the
 * config, valid while the caller holds its reference.
 */
#ifndef GW_GROUP_MATCH_H
#define GW_GROUP_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"
#include "policy/session_facts.h"

enum group_result { GROUP_DECIDED, GROUP_WAIT, GROUP_NONE };

struct group_choice {
	enum group_result result;
	const struct sender_group *group;	/* GROUP_DECIDED only; else NULL */
	size_t		index;		/* position in config->groups */
	const char	*matched_by;	/* "client_ip", "client_hostname",
					 * "sender_domain", "authenticated",
					 * "listener", "client_cert_subject",
					 * "any"; static; NULL unless decided */
};

enum group_result policy_match_group(const struct config *,
	    const struct session_facts *, bool at_mail, struct group_choice *);

/* The same walk over a bare array of groups (used by tests). */
enum group_result group_match_list(const struct sender_group *, size_t n,
	    const struct session_facts *, bool at_mail, struct group_choice *);

/* One pattern against one name (both may end in a dot): exact, or strict
 * subdomain when suffix. Case-insensitive. */
bool	name_pattern_match(const struct name_pattern *, const char *name);

#endif
