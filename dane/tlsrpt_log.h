/*
 * tlsrpt_log - what Postfix's mail log says of its outbound TLS sessions,
 * for TLS-RPT (RFC 8460): one session per delivery attempt of a message
 * to an MX host, with the TLS Postfix established and what went wrong.
 *
 * The log is read line by line (tlsrpt_log_line()); lines are hostile
 * input: they are bounded (TLSRPT_MAX_LINE; longer ones are passed over)
 * and every field is checked before it is kept. Lines of any Postfix
 * delivery process count ("postfix/smtp[PID]", "postfix/relay[PID]", a
 * multi-instance "postfix-out/smtp[PID]"), told apart by that tag:
 *  - "server certificate verification failed for HOST[IP]:PORT: WHY"
 *    (kept as the reason of that process's connection),
 *  - "Verified|Trusted|Untrusted|Anonymous TLS connection established to
 *    HOST[IP]:PORT" (the TLS of that process's connection),
 *  - "warning: TLS policy lookup for DOMAIN/HOST: WHY" (the MX host of a
 *    delivery that never connected),
 *  - "QUEUEID: to=<ADDR>, relay=HOST[IP]:PORT|none, ..., status=sent|
 *    deferred|bounced (WHY)": a session for ADDR's domain (the policy
 *    domain: gatewarden assumes no relayhost). A failure that is no TLS
 *    matter (connection refused, a 4xx after TLS, ...) is no session
 *    unless TLS was established first (then a TLS success). Recipients of
 *    one message on one connection are one session.
 * Time stamps: "Mmm dd HH:MM:SS" (local time, the year of the day asked
 * for: see tlsrpt_log_new()) or RFC 3339 ("2026-12-02T14:02:36.123+01:00").
 *
 * Failures (Postfix's reason, or the certificate's for "Server
 * certificate not verified") are mapped to RFC 8460's result types:
 * "TLS is required, but was not offered" starttls-not-supported; expired
 * certificate-expired; hostname mismatch certificate-host-mismatch; no
 * matching DANE TLSA records tlsa-invalid; self-signed, unknown issuer,
 * untrusted certificate-not-trusted; "no TLSA records found"
 * dane-required; TLSA or DNSSEC look-up failures dnssec-invalid; other TLS
 * failures (handshake) validation-failure.
 *
 * tlsrpt_log_new(year) makes a reader (year: for time stamps without
 * one); sessions accumulate in it (at most TLSRPT_MAX_SESSIONS; more are
 * counted in dropped). Free with tlsrpt_log_free() (NULL is fine).
 */
#ifndef GW_DANE_TLSRPT_LOG_H
#define GW_DANE_TLSRPT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "dane/dns.h"

#define TLSRPT_MAX_LINE		8192
#define TLSRPT_MAX_SESSIONS	1000000

enum tlsrpt_result {
	TR_SUCCESS,
	TR_STARTTLS_NOT_SUPPORTED,
	TR_CERT_HOST_MISMATCH,
	TR_CERT_EXPIRED,
	TR_CERT_NOT_TRUSTED,
	TR_VALIDATION_FAILURE,
	TR_TLSA_INVALID,
	TR_DNSSEC_INVALID,
	TR_DANE_REQUIRED,
	TR_STS_FETCH_ERROR,
	TR_STS_POLICY_INVALID,
	TR_STS_WEBPKI_INVALID,
	TR_COUNT
};

/* What TLS the session got, weakest first. */
enum tlsrpt_tls { TT_NONE, TT_ANONYMOUS, TT_UNTRUSTED, TT_TRUSTED,
		  TT_VERIFIED };

struct tlsrpt_session {
	char		domain[DNS_MAX_NAME + 1];	/* lower case */
	char		mx[DNS_MAX_NAME + 1];	/* "" when unknown */
	char		ip[48];			/* "" when none */
	time_t		when;
	enum tlsrpt_tls	tls;
	enum tlsrpt_result cert;	/* why the certificate did not verify;
					 * TR_SUCCESS: it did, or no word */
	enum tlsrpt_result failed;	/* Postfix's failure; TR_SUCCESS: the
					 * TLS part succeeded */
};

struct tlsrpt_log {
	struct tlsrpt_session *v;
	size_t		n, cap;
	size_t		dropped;	/* past TLSRPT_MAX_SESSIONS */
	size_t		lines, skipped;	/* read; too long or undated */
	int		year;
	struct proc	*procs;		/* per delivery process (private) */
	size_t		nprocs;
};

struct tlsrpt_log *tlsrpt_log_new(int year);
void	tlsrpt_log_line(struct tlsrpt_log *, const char *line, size_t len);
void	tlsrpt_log_free(struct tlsrpt_log *);

/* "starttls-not-supported" ...; NULL for TR_SUCCESS. */
const char *tlsrpt_result_name(enum tlsrpt_result);

#endif
