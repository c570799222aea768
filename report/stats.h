/*
 * stats - what gatewarden-report counts from a mail log, in bounded
 * memory: every table is a tally (tally.h) with a fixed cap, every time
 * series lives on one timeline (timeline.h), and what is pending between
 * lines (an smtpd session until its disconnect, an smtp client's TLS
 * state until its delivery line) sits in fixed slot arrays.
 *
 * stats_new() makes the counts for the range [since, until) (INT64_MIN
 * and INT64_MAX when open); stats_line() feeds one parsed line (lines
 * outside the range are only counted); stats_finish() closes what is
 * still pending at the end of the input. The line handlers are in
 * gw_lines.c (gatewarden's key=value lines) and pf_lines.c (Postfix's
 * smtpd and smtp lines); the key store's part in keys.c.
 *
 * What each table holds:
 *   groups          per sender group: gatewarden's TLS decisions at MAIL
 *                   FROM (GRP_*), series: decisions, those over TLS
 *   client_domains  per client domain (the client's name less its first
 *                   label, "[address]" for an unknown name): Postfix smtpd
 *                   sessions (CD_*), series: sessions, those over TLS
 *   destinations    per recipient domain: Postfix smtp deliveries (DD_*):
 *                   status, and the TLS of those sent by class
 *   refusals        per "direction|category|detail": refused and deferred
 *                   mail (count in column 0); by_category sums them
 *   smime_failures, smime_results, alerts: counts in column 0
 *   harvest_days    harvested keys per "YYYY-MM-DD" (from the key store)
 *
 * stats_free(NULL) is a no-op; everything belongs to the struct stats.
 */
#ifndef GW_REPORT_STATS_H
#define GW_REPORT_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "report/logline.h"
#include "report/tally.h"
#include "report/timeline.h"

enum { GRP_TOTAL, GRP_TLS, GRP_ACCEPT, GRP_REJECT, GRP_TEMPFAIL, GRP_NCOLS };
enum { CD_SESSIONS, CD_TLS, CD_PLAIN, CD_NCOLS };
/* Outbound TLS as Postfix's smtp(8) logs it; PLAIN: no TLS line. */
enum tls_class { TC_VERIFIED, TC_TRUSTED, TC_UNTRUSTED, TC_ANONYMOUS,
		 TC_PLAIN, TC_NCLASSES };
enum { DD_SENT = TC_NCLASSES, DD_DEFERRED, DD_BOUNCED, DD_TOTAL, DD_NCOLS };
enum refusal_cat { RC_TLS_MISSING, RC_CERTIFICATE, RC_DANE, RC_WEAK_TLS,
		   RC_HANDSHAKE, RC_OTHER, RC_NCATS };
enum flow { FLOW_IN, FLOW_OUT, FLOW_N };
enum { SM_SIGNED, SM_ENCRYPTED, SM_BOUNCED, SM_DROPPED, SM_SPLIT,
       SM_CLEAR, SM_MISSING_RCPTS, SM_UNUSABLE, SM_ERRORS, SM_DECRYPTED,
       SM_VERIFIED, SM_NCOLS };

#define CAP_GROUPS	256
#define CAP_DOMAINS	2000
#define CAP_REASONS	500
#define CAP_SMALL	200
#define PENDING_SLOTS	4096
#define RELAY_MAX	160
#define NOTE_MAX	96

struct smtpd_slot {
	bool		active, tls;
	long		pid;
	uint32_t	host;		/* hash of the log's host name */
	int64_t		t;
	char		domain[128];
};

struct smtp_slot {
	bool		active, fresh;
	long		pid;
	uint32_t	host;
	enum tls_class	cls;
	char		relay[RELAY_MAX];	/* "mx.example[192.0.2.1]:25" */
	char		note[NOTE_MAX];	/* the last verification failure */
};

struct cert_entry {
	bool		organisation;	/* ours (smime.certificates) or a partner's */
	char		name[128];	/* configuration name or key store label */
	char		subject[256];
	char		email[128];
	int64_t		not_after;
};

struct stats {
	int64_t		since, until;
	struct timeline	*tl;
	struct tally	*groups, *client_domains, *destinations, *refusals,
			*smime_failures, *smime_results, *alerts, *harvest_days;
	uint64_t	by_category[FLOW_N][RC_NCATS];
	uint64_t	smime[SM_NCOLS];
	uint64_t	churn_alerts;
	struct cert_entry *certs;
	size_t		ncerts, certs_dropped;
	const char	*keystore_note;	/* why the key store was not read */
	/* the input */
	uint64_t	lines, unparsed, out_of_range, gatewarden, postfix,
			long_lines, input_errors;
	int64_t		first, last;	/* of the lines in range; 0: none */
	/* pending between lines */
	struct smtpd_slot *smtpd;
	struct smtp_slot *smtp;
};

struct stats *stats_new(int64_t since, int64_t until);
void	stats_free(struct stats *);
void	stats_line(struct stats *, const struct logline *);
void	stats_finish(struct stats *);

/* For the line handlers. */
void	gw_line(struct stats *, const struct logline *);
void	pf_smtpd_line(struct stats *, const struct logline *);
void	pf_smtp_line(struct stats *, const struct logline *);
void	stats_refusal(struct stats *, enum flow, enum refusal_cat,
	    const char *detail);
void	stats_close_session(struct stats *, struct smtpd_slot *);
const char *refusal_cat_name(enum refusal_cat);
const char *tls_class_name(enum tls_class);
const char *flow_name(enum flow);

#endif
