/*
 * sts - MTA-STS (RFC 8461) as text: the _mta-sts TXT record, the policy
 * file and its MX patterns. Pure functions over strings; the look-up, the
 * HTTPS fetch and the cache are sts_lookup.h, sts_fetch.h, sts_cache.h.
 *
 * sts_txt_parse() reads the TXT records of _mta-sts.DOMAIN (RFC 8461
 * 3.1): records that do not begin with "v=STSv1" then ";" are discarded;
 * when not exactly one is left, or it is not valid (an "id" of 1 to 32
 * letters and digits is required; other fields must be name=value), the
 * domain has no usable record (STS_TXT_NONE with a reason in *why). Of a
 * field written twice the first counts.
 *
 * sts_policy_parse() reads a policy file (RFC 8461 3.2): lines "key:
 * value" ended by LF or CRLF (blank lines are passed over); "version"
 * must be STSv1, "mode" enforce, testing or none, "max_age" 1 to 10
 * digits (above 31557600 it is capped there), "mx" an FQDN or "*." and an
 * FQDN, at least one for enforce and testing, at most STS_MAX_MX; unknown
 * keys are ignored, of other keys written twice the first counts;
 * anything else (a line without ':', a control character, a bad value,
 * a required key missing) makes the policy invalid: false and a static
 * reason in *why. The policy keeps the text it was read from (the
 * TLS-RPT policy-string) as its lines.
 *
 * sts_mx_match(): RFC 8461 4.1, case-insensitive, "*." matches exactly
 * one leftmost label. sts_postfix_match() gives the patterns as Postfix's
 * match= list ("*.example.com" becomes ".example.com", which Postfix
 * matches at any depth: a little wider than RFC 8461; the host names of
 * the MX RRset are checked against the exact rule by the callers).
 *
 * sts_policy_clear() frees what a policy holds (a zeroed one is fine);
 * strings returned by sts_postfix_match() are the caller's to free.
 */
#ifndef GW_DANE_STS_H
#define GW_DANE_STS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STS_MAX_AGE	31557600	/* RFC 8461 3.2 */
#define STS_MAX_POLICY	65536		/* bytes: RFC 8461 3.3's 64 KiB */
#define STS_MAX_MX	64
#define STS_MAX_ID	32

enum sts_mode { STS_MODE_NONE, STS_MODE_TESTING, STS_MODE_ENFORCE };

enum sts_txt_result { STS_TXT_NONE, STS_TXT_OK };

struct sts_policy {
	enum sts_mode	mode;
	uint32_t	max_age;	/* seconds, at most STS_MAX_AGE */
	char		**mx;		/* lower-case patterns */
	size_t		nmx;
	char		**lines;	/* the file's non-blank lines, without
					 * their line ends */
	size_t		nlines;
};

enum sts_txt_result sts_txt_parse(char *const *txt, size_t n,
	    char id[STS_MAX_ID + 1], const char **why);

bool	sts_policy_parse(const char *body, size_t len, struct sts_policy *,
	    const char **why);
void	sts_policy_clear(struct sts_policy *);
/* Deep copy of in into *out. */
void	sts_policy_copy(struct sts_policy *out, const struct sts_policy *in);

bool	sts_mx_match(const char *pattern, const char *host);
/* Whether host matches any pattern of the policy. */
bool	sts_policy_allows(const struct sts_policy *, const char *host);
char	*sts_postfix_match(const struct sts_policy *);

const char *sts_mode_name(enum sts_mode);	/* "enforce", "testing", "none" */

#endif
