/*
 * tls_log - the log line and the alert key of an inbound TLS decision.
 *
 * tls_log_line() formats one key=value line (without the queue id, which
 * the milter puts first), e.g.
 *   group=partners policy=required client=192.0.2.1 tls=TLSv1.3
 *   cipher=TLS_AES_256_GCM_SHA384 bits=256 client_cert=verified
 *   action=accept requirement=none reason=ok
 * and for a refusal also code=550 dsn=5.7.1. tls=none when the session
 * did not use TLS (then no cipher/bits); unknown values are "unknown";
 * cert_subject= and cert_issuer= follow client_cert when the MTA sent them.
 * Every value that came from outside (and group names) goes through
 * log_value() (lib/log.h), so the line stays one line with one meaning.
 * A NULL group is written group=none policy=none.
 *
 * tls_facts_line() formats the first part of that line alone, group= to
 * cert_issuer=, with the client certificate as the session proved it: the
 * facts a message's own log line repeats, since the TLS decision at MAIL
 * FROM may come before the MTA has a queue id.
 *
 * tls_alert_key() formats the rate-limiter key for "required TLS missing":
 * "tls-required group=NAME client=ADDR", the address in canonical form so
 * that 192.0.2.1 and ::ffff:192.0.2.1 share one key.
 *
 * Both write into out (size outsz) and return false when truncated.
 */
#ifndef GW_TLS_LOG_H
#define GW_TLS_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"
#include "policy/session_facts.h"
#include "policy/tls_verdict.h"

bool	tls_log_line(char *out, size_t outsz, const struct sender_group *,
	    const struct session_facts *, const struct tls_verdict *);
bool	tls_facts_line(char *out, size_t outsz, const struct sender_group *,
	    const struct session_facts *);
bool	tls_alert_key(char *out, size_t outsz, const struct sender_group *,
	    const struct session_facts *);

#endif
