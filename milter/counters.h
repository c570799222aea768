/*
 * counters - the daemon's Prometheus metrics: each decision that is
 * logged is also counted here, with a one-line call beside its log line,
 * and metrics.listen serves the lot (metrics/http.h).
 *
 * Families (label values come from the configuration's names and fixed
 * words only, so the number of series is bounded):
 *   gatewarden_sessions_total{group,tls,verdict}       sessions, by the
 *       sender group and TLS verdict of their first MAIL FROM
 *   gatewarden_tls_verdicts_total{group,verdict,reason} every MAIL FROM
 *   gatewarden_messages_total{action}    accept, reject, tempfail, discard
 *   gatewarden_smime_operations_total{operation,result}  operation: the
 *       profile's mode; result: the log's action (replace, reject,
 *       discard, clear) or tempfail, error
 *   gatewarden_smime_unusable_keys_total{reason}  expired, not-yet-valid ...
 *   gatewarden_dane_rcpt_verdicts_total{verdict}  accept, reject, tempfail
 *   gatewarden_alerts_total{kind,result}  sent, rate-limited, failed
 *   gatewarden_sessions_in_flight, gatewarden_keystore_certificates,
 *   gatewarden_keystore_bytes, gatewarden_spool_bytes (gauges; the last
 *       three measured at each scrape), gatewarden_build_info{version}
 *   gatewarden_stage_duration_seconds{stage}  time in each milter callback
 *
 * counters_init() makes the families (metrics on or off: updates are
 * cheap); counters_listen() binds metrics.listen, before the privilege
 * drop and daemon(3) so that a bad address stops the start with a message
 * on the terminal; counters_serve() starts the server's thread once the
 * signal mask is set; counters_shutdown() stops it; a reload does not
 * move it (counters_reloaded()). Every update is
 * thread-safe. The registry lives until the process ends: alert threads
 * may count after the server stopped.
 */
#ifndef GW_COUNTERS_H
#define GW_COUNTERS_H

#include <stdbool.h>
#include <time.h>

#include "conf/config.h"
#include "milter/session.h"
#include "policy/tls_verdict.h"

enum counter_stage { STAGE_CONNECT, STAGE_HELO, STAGE_MAIL, STAGE_RCPT,
		     STAGE_DATA, STAGE_HEADER, STAGE_EOH, STAGE_BODY,
		     STAGE_EOM, STAGE_ABORT, STAGE_CLOSE };

void	counters_init(void);
/* false (logged) when metrics.listen cannot be bound. */
bool	counters_listen(const struct config *);
bool	counters_serve(void);
void	counters_shutdown(void);
/* After a reload: says (a warning) that a new metrics.listen waits for
 * the next start; the server stays where it was. */
void	counters_reloaded(const struct config *old, const struct config *fresh);

void	counters_tls_verdict(const struct session *, const struct sender_group *,
	    const struct tls_verdict *);
void	counters_message(const char *action);
void	counters_smime(const char *operation, const char *result);
void	counters_unusable_key(const char *reason);
void	counters_dane_rcpt(const char *verdict);
void	counters_alert(const char *kind, const char *result);
void	counters_session_open(int delta);	/* +1 opened, -1 closed */

void	counters_clock(struct timespec *);
void	counters_stage(enum counter_stage, const struct timespec *start);

#endif
