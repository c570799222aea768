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
 */
#ifndef GW_CERT_PATTERN_H
#define GW_CERT_PATTERN_H

#include <stdbool.h>

bool	cert_pattern_match(const char *pattern, const char *text);

#endif
