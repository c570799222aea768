/*
 * cert_pattern - match a certificate subject or issuer against a rule.
 *
 * A rule (sender group cert_subject / cert_issuer) is a string in which '*'
 * stands for any run of characters, including none and including '/'. The
 * comparison is ASCII case-insensitive: X.520 names (CN, O, ...) compare
 * with caseIgnoreMatch, and DNS names in a CN are case-insensitive too.
 *
 * cert_pattern_match() runs in O(len(pattern) * len(text)) at worst (no
 * exponential backtracking), allocates nothing and accepts NULL for either
 * argument (a NULL text never matches; a NULL pattern matches nothing).
 *
 * cert_rule_match() applies a subject (issuer=false) or issuer rule to
 * the names the MTA sent for the session's client certificate. A rule
 * written as a DN ("/C=DE/O=...", the form Sendmail's X509_NAME_oneline()
 * gives) is compared with the whole DN, which only Sendmail sends. Any
 * other rule is a common name and is compared with the CN alone:
 * Postfix's {cert_subject}/{cert_issuer}, Sendmail's {cn_subject}/
 * {cn_issuer}. A CN rule is never tried against a whole DN:
 * "*.partner.test" would match any DN whose LAST attribute ends so
 * ("/O=Evil/OU=x.partner.test"). It does not ask whether the certificate
 * was verified: the caller does (session_facts_client_cert).
 */
#ifndef GW_CERT_PATTERN_H
#define GW_CERT_PATTERN_H

#include <stdbool.h>

#include "policy/session_facts.h"

bool	cert_pattern_match(const char *pattern, const char *text);
bool	cert_rule_match(const char *pattern, const struct session_facts *,
	    bool issuer);

#endif
