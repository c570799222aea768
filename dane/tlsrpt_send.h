/*
 * tlsrpt_send - the delivery of one TLS-RPT report (RFC 8460 5) to a
 * rua: gzip-compressed (zlib), mailed through the sendmail command or
 * POSTed over HTTPS (libcurl).
 *
 * tlsrpt_gzip() compresses len bytes into a gzip member, newly allocated
 * (*outlen bytes).
 *
 * tlsrpt_filename() is RFC 8460 5.1's name: "SUBMITTER!POLICY-DOMAIN!
 * BEGIN!END!UNIQUE.json.gz" (begin and end in seconds since the epoch).
 *
 * tlsrpt_mail() writes the report message of RFC 8460 5.3: From, To,
 * Date, Message-ID, "Subject: Report Domain: D Submitter: S Report-ID:
 * <ID>", TLS-Report-Domain, TLS-Report-Submitter, Auto-Submitted, a
 * multipart/report; report-type="tlsrpt" body with a short text part and
 * the gzip report as application/tlsrpt+gzip (base64, OpenSSL's
 * encoder), and hands it to sendmail ("-oi -f FROM -- RCPT", no shell).
 * tlsrpt_message() makes that message without sending it (tests).
 *
 * tlsrpt_post() POSTs the gzip report to an https: URI with Content-Type
 * application/tlsrpt+gzip, the host's addresses from the resolver
 * (curl_resolve.h), WebPKI-validated (ca_file: labs only), no redirect
 * followed, at most timeout seconds; any 2xx is success.
 *
 * tlsrpt_mail() and tlsrpt_post() return 0, or -1 with a reason in *err
 * (the caller frees it).
 */
#ifndef GW_DANE_TLSRPT_SEND_H
#define GW_DANE_TLSRPT_SEND_H

#include <stddef.h>
#include <time.h>

#include "dane/dns.h"

struct tlsrpt_envelope {
	const char	*from;		/* envelope and From: */
	const char	*submitter;	/* TLS-Report-Submitter */
	const char	*domain;	/* TLS-Report-Domain */
	const char	*report_id;
	const char	*filename;	/* of the attachment */
	time_t		date;
};

unsigned char *tlsrpt_gzip(const char *data, size_t len, size_t *outlen);
char	*tlsrpt_filename(const char *submitter, const char *domain,
	    time_t begin, time_t end, const char *unique);

char	*tlsrpt_message(const struct tlsrpt_envelope *, const char *rcpt,
	    const unsigned char *gz, size_t gzlen);
int	tlsrpt_mail(const char *sendmail, const struct tlsrpt_envelope *,
	    const char *rcpt, const unsigned char *gz, size_t gzlen,
	    char **err);
int	tlsrpt_post(const struct dns_source *, const char *uri,
	    const char *ca_file, unsigned timeout, const unsigned char *gz,
	    size_t gzlen, char **err);

#endif
