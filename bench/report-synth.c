/*
 * report-synth - a synthetic mail log for gatewarden-report's bounds:
 * Postfix smtpd sessions (with and without STARTTLS), gatewarden's TLS
 * decisions for a few sender groups (some refused), outgoing S/MIME,
 * smtp deliveries with their TLS lines (some deferred), alerts, in the
 * forms the real programs write, until BYTES bytes are written.
 *
 *   report-synth BYTES [DOMAINS [DAYS]]
 *
 * Client and destination domains cycle through DOMAINS names (default
 * 1000000: far more than the report keeps, so that its caps are reached);
 * the time stamps run over DAYS days (default 30) from 2026-11-01. The
 * output is the same for the same arguments. Writes to standard output.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t state = 88172645463325252ULL;

static uint64_t
next(void)
{
	state ^= state << 13;	/* xorshift64: the same log every time */
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

int
main(int argc, char **argv)
{
	static const char *const groups[] = { "partners", "internet",
	    "internal", "banks" };
	static const char *const classes[] = { "Verified", "Trusted",
	    "Untrusted", "Anonymous" };
	uint64_t bytes, domains = 1000000, days = 30, written = 0, n = 0;
	int64_t	start = 1793491200;	/* 2026-11-01T00:00:00Z */
	char	stamp[32];
	int	len;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: report-synth BYTES [DOMAINS [DAYS]]\n");
		return 2;
	}
	bytes = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		domains = strtoull(argv[2], NULL, 10);
	if (argc > 3)
		days = strtoull(argv[3], NULL, 10);
	if (domains == 0)
		domains = 1;
	while (written < bytes) {
		/* time runs with the bytes written, over the days asked */
		time_t	t = (time_t)(start + (int64_t)((double)written /
		    (double)bytes * (double)(days * 86400)));
		struct tm tm;
		uint64_t r = next(), d = r % domains;
		unsigned pid = 1000 + (unsigned)(n % 20000);
		const char *g = groups[r % 4];
		int	tls = (r >> 8) % 10 < 7, refused = !tls && g[0] == 'p';

		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm);
		len = printf("%s mx postfix/smtpd[%u]: connect from "
		    "mx%u.client%llu.example[192.0.2.%u]\n", stamp, pid,
		    (unsigned)(r >> 16) % 4, (unsigned long long)d,
		    (unsigned)(r >> 24) % 250 + 1);
		if (tls)
			len += printf("%s mx postfix/smtpd[%u]: Anonymous TLS "
			    "connection established from mx1.client%llu.example"
			    "[192.0.2.1]: TLSv1.3 with cipher "
			    "TLS_AES_256_GCM_SHA384 (256/256 bits)\n", stamp, pid,
			    (unsigned long long)d);
		len += printf("%s mx gatewarden[77]: conn#%llu: group=%s "
		    "policy=%s client=192.0.2.1 tls=%s client_cert=none "
		    "action=%s requirement=%s reason=%s%s\n", stamp,
		    (unsigned long long)n, g, refused ? "required" : "preferred",
		    tls ? "TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256" :
		    "none", refused ? "reject" : "accept", refused ? "tls" :
		    "none", refused ? "no_tls" : "ok", refused ?
		    " code=530 dsn=5.7.0" : "");
		if (!refused && r % 5 == 0)
			len += printf("%s mx gatewarden[77]: %08llX: "
			    "profile=secure mode=sign-encrypt sign_mode=detached "
			    "digest=sha256 signer=ab cipher=aes-256-cbc "
			    "action=replace encrypted_to=<a@dest%llu.example> "
			    "fingerprints=cd missing=- size_in=1000 "
			    "size_out=3000\n", stamp, (unsigned long long)n,
			    (unsigned long long)d);
		len += printf("%s mx postfix/smtpd[%u]: disconnect from "
		    "mx1.client%llu.example[192.0.2.1] ehlo=1 mail=1 rcpt=1 "
		    "data=1 quit=1 commands=5\n", stamp, pid,
		    (unsigned long long)d);
		if (!refused) {
			if ((r >> 32) % 4 != 0)
				len += printf("%s mx postfix/smtp[%u]: %s TLS "
				    "connection established to mx.dest%llu.example"
				    "[198.51.100.1]:25: TLSv1.3 with cipher "
				    "TLS_AES_256_GCM_SHA384 (256/256 bits)\n",
				    stamp, pid + 1, classes[(r >> 40) % 4],
				    (unsigned long long)d);
			len += printf("%s mx postfix/smtp[%u]: %08llX: "
			    "to=<u@dest%llu.example>, relay=mx.dest%llu.example"
			    "[198.51.100.1]:25, delay=0.1, dsn=%s, status=%s\n",
			    stamp, pid + 1, (unsigned long long)n,
			    (unsigned long long)d, (unsigned long long)d,
			    r % 17 == 0 ? "4.7.4" : "2.0.0", r % 17 == 0 ?
			    "deferred (TLS is required, but was not offered by "
			    "host mx.example[198.51.100.1])" : "sent (250 ok)");
		}
		if (r % 1000 == 0)
			len += printf("%s mx gatewarden[77]: alert=tls-required "
			    "action=%s key=\"tls-required group=partners "
			    "client=192.0.2.1\"\n", stamp, r % 3000 == 0 ?
			    "sent" : "rate-limited");
		if (len < 0)
			return 1;
		written += (uint64_t)len;
		n++;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
