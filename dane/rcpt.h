/*
 * rcpt - the milter's RCPT-time DANE check: refuse now a recipient whose
 * mandatory DANE policy cannot be met, instead of letting the mail bounce
 * days later.
 *
 * dane_rcpt_verdict() for a recipient domain and the DANE mode of its
 * destination entry (policy/ decides which entry applies):
 *  - mode other than mandatory: ok, no look-up;
 *  - the MX RRset is secure and some MX host has a secure usable TLSA
 *    RRset: ok (Postfix's dane-only delivers through it);
 *  - the MX RRset is insecure (proven unsigned): 550 5.7.10, whatever
 *    its hosts answered (Postfix's dane-only never delivers there);
 *  - a look-up failed (SERVFAIL, time-out): 450 4.7.10, temporary;
 *  - an answer was bogus: 450 4.7.5, temporary;
 *  - otherwise (no usable TLSA, no such domain, null MX): 550 5.7.10.
 * Look-ups go through the cache (cache.h), keyed by domain, then src,
 * bounded (tlsa.h): they stop at the first usable MX host and examine no
 * new host after DANE_RCPT_BUDGET seconds (hosts left out count as
 * failed: 450), so that the MTA's milter time-out (Postfix: 30 s) is not
 * reached on a domain of many slow MX hosts.
 * The domain is looked up and named in the reply text lower-cased and
 * reduced to letters, digits, '.', '-' and '_' (it comes from the
 * envelope: anything else becomes '?'). alert is set on every refusal, for
 * the "DANE fails for every MX host" alert, which the caller rate limits.
 *
 * Thread-safe when src is (the resolver is). Nothing to free.
 */
#ifndef GW_DANE_RCPT_H
#define GW_DANE_RCPT_H

#include <stdbool.h>

#include "conf/config.h"
#include "dane/cache.h"
#include "dane/dns.h"

#define DANE_RCPT_BUDGET	15	/* seconds */

enum dane_rcpt_result { DANE_RCPT_OK, DANE_RCPT_REFUSE_PERMANENT,
			DANE_RCPT_REFUSE_TEMPORARY };

struct dane_rcpt {
	enum dane_rcpt_result result;
	const char	*rcode;		/* "550", "450"; NULL when ok */
	const char	*xcode;		/* "5.7.10" ...; NULL when ok */
	char		text[400];	/* reply text; "" when ok */
	bool		alert;
	bool		cached;		/* answered from the cache */
};

enum dane_rcpt_result dane_rcpt_verdict(struct dane_cache *,
	    const struct dns_source *, const char *domain, enum dane_mode,
	    struct dane_rcpt *out);

#endif
