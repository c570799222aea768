/*
 * serve_answer - what gatewarden-maps serve answers for one domain, made
 * by the one decision (plan_lookup(), plan.h) that also writes the static
 * maps, so that live answers and files agree; and the snapshot it is made
 * under.
 *
 * struct serve_ctx is one configuration in force with its resolver and
 * MTA-STS context, reference counted: every look-up pins the one it
 * started under, and a reload swaps in a new one; the last reference
 * frees them (never while a look-up runs on them).
 *
 * answer_make() runs in a worker thread: the entry that governs domain
 * (plan_destination()), its look-ups, the decision. OK carries the
 * Postfix policy and the Sendmail access entry; TEMP a failed look-up
 * (never a weaker policy); PERM an entry that cannot be written as a
 * policy (a configuration mistake). ttl is how long the answer stands: the
 * smallest TTL of what was looked up (dns.cache_max_ttl when nothing was,
 * or at most that), STS_FAIL_TTL after a failure. answer_same() says
 * whether two answers would make the MTA do the same; the change log is
 * written from answer_log(). answer_free(NULL) is fine.
 */
#ifndef GW_DANE_SERVE_ANSWER_H
#define GW_DANE_SERVE_ANSWER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/config.h"
#include "dane/dns.h"
#include "dane/resolver.h"
#include "dane/sts_lookup.h"

struct serve_ctx {
	unsigned	refs;		/* atomic */
	struct config	*cfg;
	struct resolver	*resolver;
	struct sts_ctx	*sts;		/* NULL when no entry asks for MTA-STS */
};

/* Takes over the caller's reference to cfg; NULL and *err (the caller
 * frees it) when the resolver or the MTA-STS cache cannot be set up.
 * owner, group: given the MTA-STS cache file when made by root
 * ((uid_t)-1: leave it; see serve_cache_owner()). */
struct serve_ctx *serve_ctx_new(struct config *cfg, uid_t owner,
	    gid_t group, char **err);
/* The user the server runs as (socketmap.user, else milter.user; the
 * group socketmap.group, else that user's), for the root commands (the
 * map writer, report, tlsrpt) that may create the MTA-STS cache first:
 * the file must stay writable for the server. (uid_t)-1 when not root,
 * or no such user is configured or known. */
void	serve_cache_owner(const struct config *, uid_t *owner, gid_t *group);
struct serve_ctx *serve_ctx_ref(struct serve_ctx *);
void	serve_ctx_unref(struct serve_ctx *);

enum answer_status { ANSWER_OK, ANSWER_TEMP, ANSWER_PERM };

struct answer {
	enum answer_status status;
	char		*postfix;	/* OK: the Postfix policy */
	const char	*sm_key;	/* OK: "TLS_Rcpt", "Try_TLS", NULL */
	char		*sm_value;	/* OK: the Sendmail value; NULL: none */
	char		*text;		/* TEMP, PERM: why */
	char		*log;		/* key=value details for the log */
	uint32_t	ttl;
};

struct answer *answer_make(const struct config *, const struct dns_source *,
	    struct sts_ctx *, const char *domain);
bool	answer_same(const struct answer *, const struct answer *);
/* "dane-only", or "TEMP" / "PERM": the policy, for the log. */
const char *answer_policy(const struct answer *);
void	answer_free(struct answer *);

#endif
