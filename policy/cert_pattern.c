/*
 * cert_pattern - see cert_pattern.h.
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>

#include "policy/cert_pattern.h"

static bool
same(char a, char b)
{
	return tolower((unsigned char)a) == tolower((unsigned char)b);
}

/*
 * The classic greedy glob with one back-track point: on a mismatch after a
 * '*', let that star swallow one more character and retry. Only the last
 * star needs remembering, which keeps the run time polynomial.
 */
bool
cert_pattern_match(const char *pat, const char *text)
{
	const char *star = NULL, *resume = NULL;

	if (pat == NULL || text == NULL)
		return false;
	while (*text) {
		if (*pat == '*') {
			star = pat++;
			resume = text;
		} else if (*pat && same(*pat, *text)) {
			pat++;
			text++;
		} else if (star) {
			pat = star + 1;
			text = ++resume;
		} else
			return false;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

bool
cert_rule_match(const char *pattern, const struct session_facts *f,
    bool issuer)
{
	const struct fact_dn *full = issuer ? &f->cert_issuer : &f->cert_subject;
	const struct fact_dn *cn = issuer ? &f->cn_issuer : &f->cn_subject;
	const struct fact_dn *target;

	if (pattern == NULL)
		return false;
	if (pattern[0] == '/')
		target = f->mta == MTA_POSTFIX ? NULL : full;
	else
		target = f->mta == MTA_POSTFIX ? full : cn;
	return target != NULL && target->state == DN_OK &&
	    cert_pattern_match(pattern, target->v);
}
