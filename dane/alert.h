/*
 * alert - gatewarden-maps' mail to the administrators when a DANE
 * destination cannot be served ("DANE verification fails to all MX
 * hosts"), rate limited.
 *
 * alert_send() mails text about subject (a domain) to alerts.recipients
 * through alerts.sendmail_command ("-oi -f FROM -- RCPT..."), at most once
 * per alerts.rate_limit for one kind and subject: a stamp file
 * STATEDIR/.alert-KIND-SUBJECT remembers the last one. Returns 1 when
 * sent, 0 when rate limited or nobody is to be told, -1 on failure
 * (logged). The milter rate-limits its own alerts in memory.
 */
#ifndef GW_DANE_ALERT_H
#define GW_DANE_ALERT_H

#include "conf/config.h"

int	alert_send(const struct alerts_conf *, const char *statedir,
	    const char *kind, const char *subject, const char *text);

#endif
