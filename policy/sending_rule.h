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
 * Only outgoing mail may be signed: the caller asks only for messages of
 * a sender group with direction outbound. Pure; what it allocates to
 * decode header values is freed before it returns.
 */
#ifndef GW_SENDING_RULE_H
#define GW_SENDING_RULE_H

#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"

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
};

const struct sending_rule *sending_rule_select(const struct config *,
	    const struct rule_message *);

#endif
