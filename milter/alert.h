/*
 * alert - mail to the administrators about an event of the milter
 * ("required TLS missing"), rate limited and sent in the background.
 *
 * alert_init() makes the daemon's limiter (one alert per key per
 * alerts.rate_limit, bounded memory: policy/ratelimit.h; and at most 20
 * alerts of one kind per rate_limit window, whatever their keys). alert_raise()
 * returns at once: when the key may alert now, a detached thread runs
 * alerts.sendmail_command ("-oi -f FROM -- RCPT...") with the message, so
 * no SMTP reply waits for it; a command still running after
 * alerts.sendmail_timeout is killed (its thread and process never pile
 * up behind a hung MTA); the outcome is logged as
 * "alert=KIND action=sent|failed|rate-limited key=..." (failed with
 * reason="... did not finish within N s: killed"). Nothing happens
 * when no recipient is configured. Thread-safe.
 */
#ifndef GW_ALERT_H
#define GW_ALERT_H

#include "conf/config.h"

void	alert_init(uint64_t rate_limit);
void	alert_shutdown(void);
/* kind: a word ("tls-required"); key: what the rate limit is per; subject
 * and text: the mail's subject line tail and body. */
void	alert_raise(const struct alerts_conf *, const char *kind,
	    const char *key, const char *subject, const char *text);

#endif
