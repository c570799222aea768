/*
 * tlsrpt_report - one RFC 8460 aggregate report: the sessions of one
 * policy domain over one UTC day (tlsrpt_log.h), judged against the
 * policy in force, written as the JSON of RFC 8460 section 4.
 *
 * The policy (tlsrpt_policy_from_plan(), from the one decision,
 * plan_lookup()):
 *  - "tlsa" (DANE decided): policy-string the TLSA records of the MX
 *    hosts in presentation form; a session succeeds when TLS was
 *    established and Postfix did not fail it;
 *  - "sts" (an MTA-STS policy in enforce or testing mode): policy-string
 *    the policy file's lines, mx-host its MX patterns; a session succeeds
 *    only with a certificate Postfix verified (under testing Postfix
 *    delivered anyway: the report says what would have failed: Trusted
 *    (no name check) certificate-host-mismatch, Untrusted or Anonymous the
 *    certificate's own failure, else certificate-not-trusted);
 *  - a published MTA-STS policy that could not be fetched: "sts" without
 *    policy-string, every session a failure of the fetch's result type
 *    (sts-policy-fetch-error, sts-webpki-invalid, sts-policy-invalid);
 *  - "no-policy-found": a session succeeds when TLS was established.
 * A delivery without TLS is starttls-not-supported under every type;
 * Postfix's own failures keep their result type. Failure details are
 * grouped by result type, MX host and address (sending-mta-ip is the
 * one given), sorted, so that the same log gives the same report.
 *
 * tlsrpt_report_json() returns the report, newly allocated, and the
 * counts in *ok and *failed. tlsrpt_policy_clear() frees what
 * tlsrpt_policy_from_plan() filled (a zeroed one is fine).
 */
#ifndef GW_DANE_TLSRPT_REPORT_H
#define GW_DANE_TLSRPT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "dane/plan.h"
#include "dane/tlsrpt_log.h"

struct tlsrpt_meta {
	const char	*organization;	/* organization-name */
	const char	*contact;	/* contact-info */
	const char	*report_id;
	const char	*sending_ip;	/* sending-mta-ip */
	time_t		day;		/* 00:00:00 UTC of the day */
};

struct tlsrpt_policy {
	const char	*type;		/* "tlsa", "sts", "no-policy-found" */
	char		**strings;	/* policy-string */
	size_t		nstrings;
	char		**mx;		/* mx-host (sts) */
	size_t		nmx;
	bool		verified_only;	/* sts: only Verified succeeds */
	enum tlsrpt_result fetch_failure;	/* TR_SUCCESS: none */
};

void	tlsrpt_policy_from_plan(const struct plan_entry *,
	    struct tlsrpt_policy *);
void	tlsrpt_policy_clear(struct tlsrpt_policy *);

/* What a session counts as under the policy. */
enum tlsrpt_result tlsrpt_judge(const struct tlsrpt_policy *,
	    const struct tlsrpt_session *);

char	*tlsrpt_report_json(const struct tlsrpt_meta *, const char *domain,
	    const struct tlsrpt_policy *, const struct tlsrpt_session *v,
	    size_t n, unsigned long *ok, unsigned long *failed);

#endif
