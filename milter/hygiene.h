/*
 * hygiene - which incoming headers gatewarden must remove because it writes
 * them itself.
 *
 * A sender must not be able to forge a result of ours: every header named
 * X-Gatewarden-* and every Authentication-Results header whose authserv-id
 * is ours is removed before gatewarden adds its own. Pure functions; no
 * allocation.
 *
 * hygiene_plan() says which smfi_chgheader() deletions remove them: a
 * header is named by its name and its index among the headers of that
 * name (1-based, case-insensitive), counted in the message as received,
 * and the deletions are listed from the last header to the first, so
 * that each index still holds whether the MTA renumbers after a deletion
 * (Postfix) or keeps deleted headers in the count (Sendmail). It makes
 * one pass over the headers, and plans at most HYGIENE_REMOVALS_MAX
 * deletions: each costs the MTA a walk over the headers (Postfix reads
 * its queue file again), so a message with more headers of ours is
 * refused rather than cleaned. Work: one look at each header, plus for a
 * planned X-Gatewarden-* deletion a comparison of its name with each
 * earlier planned one (every header of such a name is ours, so those are
 * all the earlier headers of its name; Authentication-Results needs just
 * a counter): linear in n, with at most MAX * (MAX - 1) / 2 comparisons
 * between names whatever the headers are.
 */
#ifndef GW_HYGIENE_H
#define GW_HYGIENE_H

#include <stdbool.h>
#include <stddef.h>

#define HYGIENE_REMOVALS_MAX	100

struct header;		/* milter/session.h */

struct hygiene_removal {
	const char	*name;		/* the header's name as received */
	size_t		index;		/* among the headers of that name */
};

struct hygiene_plan {
	size_t		nours;		/* headers of ours in the message */
	size_t		nremovals;	/* nours, or 0 when nours passes MAX */
	struct hygiene_removal removal[HYGIENE_REMOVALS_MAX];	/* in order */
	unsigned long	compares;	/* between two names (for tests) */
};

/* Plans the removal of the headers of ours among the n headers, for
 * authserv_id; names point into the headers. */
void	hygiene_plan(const struct header *, size_t n, const char *authserv_id,
	    struct hygiene_plan *);

/* true when the header (name, value) must be removed for authserv_id, at
 * most AUTHSERV_ID_MAX (conf/config.h) characters long: a longer one
 * (which the configuration refuses) would not be found. */
bool	hygiene_is_ours(const char *name, const char *value,
	    const char *authserv_id);

/* The authserv-id that starts an Authentication-Results value, skipping
 * CFWS (RFC 8601 section 2.2), a token or a quoted-string (copied without
 * its quotes and escapes), into out (NUL-terminated, truncated to
 * outsz - 1). Returns false when there is none. A trailing dot and case
 * do not matter when hygiene_is_ours() compares it. */
bool	hygiene_authserv_id(const char *value, char *out, size_t outsz);

#endif
