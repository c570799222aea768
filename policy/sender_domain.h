/*
 * sender_domain - the domain of an SMTP envelope sender (MAIL FROM).
 *
 * sender_domain_parse() takes the address as the MTA hands it to the
 * milter's envfrom callback ("<user@example.com>", with or without the
 * angle brackets) and finds the domain after the last '@' that is outside
 * a quoted local part, so "<\"a@b\"@example.com>" has the domain
 * example.com and "<\"user@example.com\">" has none. A source route
 * ("<@relay.test:user@example.com>") is skipped. The domain is written
 * lower-case into out, without a trailing dot.
 *
 * Results: SENDER_NULL for "<>" (bounces: no domain), SENDER_DOMAIN with
 * out filled, SENDER_NO_DOMAIN for an address without a usable domain (no
 * '@', an address literal, a malformed or overlong domain, an unclosed
 * quote or bracket). out is "" unless SENDER_DOMAIN. Nothing is allocated.
 */
#ifndef GW_SENDER_DOMAIN_H
#define GW_SENDER_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 1035: 253 characters without the trailing dot, plus the NUL. */
#define SENDER_DOMAIN_MAX 254

enum sender_kind { SENDER_UNKNOWN, SENDER_NULL, SENDER_DOMAIN,
		   SENDER_NO_DOMAIN };

enum sender_kind sender_domain_parse(const char *envfrom, char *out,
	    size_t outsz);

/* true when an envelope address has no domain gatewarden can read but
 * holds quoting or brackets ("<\"bob@partner.test\">", "<bo\"@partner.test>",
 * "<bob@partner.test") or an '@' followed by no domain name it can read
 * ("<@partner.test>", "<bob@partner..test>"): an MTA may well read a
 * domain there (Postfix's internal form drops the quotes and splits at the
 * last '@'), so a rule keyed on recipient domains cannot be judged and
 * the message must not go out on a guess. So is a local part the MTA
 * may route on when the domain is its own ('%', '!' or '@' in it:
 * "<bob%partner.test@gw.example>", "<partner.test!bob>"), and an address
 * literal that is no IP address ("<bob@[partner.test]>"). A plain local
 * name ("<postmaster>") and an IP address literal are not ambiguous. */
bool	address_is_ambiguous(const char *arg);

/* The address inside an envelope argument, with surrounding spaces and
 * one outer "<...>" removed ("<\"a>b\"@x>" is "\"a>b\"@x"); *start points
 * into arg, the length is returned. */
size_t	envelope_address(const char *arg, const char **start);

#endif
