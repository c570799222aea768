/*
 * received - see received.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "milter/received.h"
#include "policy/sender_domain.h"

/* A copy of s fit for the field: bounded, every unexpected byte "_". */
static void
clean(char *out, size_t outsz, const char *s, const char *fallback)
{
	size_t	i;

	if (s == NULL || *s == '\0')
		s = fallback;
	for (i = 0; s[i] != '\0' && i + 1 < outsz; i++)
		out[i] = strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]", s[i]) ?
		    s[i] : '_';
	out[i] = '\0';
}

/* true when the first len bytes of a are printable, with no space or
 * angle bracket: an address that can go into "for <...>" as it is. */
static bool
plain_address(const char *a, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (a[i] <= ' ' || a[i] > '~' || a[i] == '<' || a[i] == '>')
			return false;
	return len > 0;
}

static bool
spoke_esmtp(const struct session *s)
{
	const struct mail_params *p = &s->msg->mail;

	return s->facts.tls || s->facts.authenticated ||
	    p->body != BODY_UNSAID || p->smtputf8 || p->ret[0] != '\0' ||
	    p->envid[0] != '\0';
}

char *
received_value(const struct session *s, const char *by, const char *rcpt,
    time_t now)
{
	const struct session_facts *f = &s->facts;
	char	helo[256], name[FACT_NAME_MAX], addr[80], host[256], ip[64];
	char	tls[256] = "", with[32] = "", forr[ADDR_MAX + 16] = "";
	char	date[64], tmp[256];
	const char *a;
	size_t	len;
	struct tm tm;

	clean(helo, sizeof(helo), s->helo, "unknown");
	clean(name, sizeof(name), f->name_verified ? f->client_name : NULL,
	    "unknown");
	session_facts_addr_text(f, ip, sizeof(ip));
	snprintf(addr, sizeof(addr), "%s%s", strchr(ip, ':') ? "IPv6:" : "",
	    ip);
	if (by == NULL || *by == '\0') {
		if (gethostname(tmp, sizeof(tmp)) != 0)
			tmp[0] = '\0';
		tmp[sizeof(tmp) - 1] = '\0';
		by = tmp;
	}
	clean(host, sizeof(host), by, "localhost");
	if (f->tls) {
		char	version[FACT_TOKEN_MAX], cipher[FACT_TOKEN_MAX];
		char	bits[16] = "";

		clean(version, sizeof(version), f->tls_version_name, "TLS");
		clean(cipher, sizeof(cipher), f->cipher, "unknown");
		if (f->cipher_bits_known)
			snprintf(bits, sizeof(bits), " (%u bits)",
			    f->cipher_bits);
		snprintf(tls, sizeof(tls), "\n\t(using %s with cipher %s%s)",
		    version, cipher, bits);
	}
	if (spoke_esmtp(s))
		snprintf(with, sizeof(with), " with ESMTP%s%s",
		    f->tls ? "S" : "", f->authenticated ? "A" : "");
	if (rcpt != NULL && (len = envelope_address(rcpt, &a)) > 0 &&
	    plain_address(a, len))
		snprintf(forr, sizeof(forr), "\n\tfor <%.*s>", (int)len, a);
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %e %b %Y %H:%M:%S %z", &tm);
	return x_asprintf("from %s (%s [%s])%s\n\tby %s (gatewarden split "
	    "copy)%s%s%s%s; %s", helo, name, addr, tls, host, with,
	    s->msg->queue_id[0] ? " id " : "", s->msg->queue_id, forr, date);
}
