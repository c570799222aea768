/*
 * sending_rule - which S/MIME sending rule applies to an outgoing message.
 *
 * sending_rule_select() walks smime.sending_rules in order and returns the
 * first rule whose every condition holds (NULL when none does); within one
 * condition any listed item will do:
 *  - sender_group: the message's sender group is one of the names;
 *  - sender: the envelope sender is one of the addresses
 *    (case-insensitive);
 *  - sender_domain: the sender's domain equals a pattern, or is a strict
 *    subdomain of a ".suffix" one;
 *  - recipient_domain: some recipient's domain matches, the same way;
 *  - header: every listed header condition holds: a field of that name
 *    (case-insensitive) exists and, when `contains` is given, one such
 *    field's value contains it, the value unfolded and its RFC 2047
 *    words decoded to UTF-8 first (header_text.h: ASCII letters
 *    case-insensitive, runs of white space as one space);
 *  - min_size / max_size: the message size (header and body bytes) is at
 *    least min_size and, when max_size is not 0, at most max_size.
 *
 * A rule with require_sender_login holds only when the authenticated user
 * owns the envelope sender (sender_login.h). When every other condition
 * holds but that one does not, smime.sender_login_mismatch decides:
 * reject (the default) stops the walk with RULE_REFUSE, the message to be
 * refused (sender_login_reply()); skip passes over the rule, noting the
 * first one skipped, and tries the next rules.
 *
 * Only outgoing mail may be signed: the caller asks only for messages of
 * a sender group with direction outbound. Pure; what it allocates to
 * decode header values is freed before it returns.
 */
#ifndef GW_SENDING_RULE_H
#define GW_SENDING_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"
#include "policy/sender_login.h"

struct rule_header {
	const char	*name;
	const char	*value;
};

struct rule_message {
	const char	*group;		/* sender group name */
	const char	*sender;	/* envelope sender as given ("<a@b>") */
	const char *const *rcpts;	/* envelope recipients as given */
	size_t		nrcpts;
	const struct rule_header *headers;
	size_t		nheaders;
	uint64_t	size;
	bool		authenticated;	/* the client did SMTP AUTH */
	const char	*login;		/* {auth_authen} as sent; NULL = none */
};

enum rule_verdict { RULE_NONE, RULE_APPLY, RULE_REFUSE };

struct rule_choice {
	enum rule_verdict verdict;
	/* RULE_APPLY: the rule; RULE_REFUSE: the rule whose sender login
	 * failed; NULL for RULE_NONE. */
	const struct sending_rule *rule;
	/* The first rule passed over for its sender login (mismatch skip);
	 * NULL when none was. */
	const struct sending_rule *skipped;
	/* The sender login check of rule (when it requires one) or else of
	 * skipped; LOGIN_OWNED when neither did. */
	enum sender_login_result login;
};

enum rule_verdict sending_rule_choose(const struct config *,
	    const struct rule_message *, struct rule_choice *);

#endif
