/*
 * tlsrpt_log - see tlsrpt_log.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dane/tlsrpt_log.h"
#include "lib/xalloc.h"

#define MAX_PROCS	4096
#define MAX_TAG		64
#define MAX_QID		32

/* What one delivery process last said of its connection. */
struct proc {
	char		tag[MAX_TAG];	/* "postfix/smtp[123]" */
	char		mx[DNS_MAX_NAME + 1];
	char		ip[48];
	enum tlsrpt_tls	tls;
	enum tlsrpt_result cert;
	bool		conn;		/* mx/ip/tls describe a connection */
	bool		cert_pending;	/* a verification failure, its TLS
					 * line not seen yet */
	char		policy_mx[DNS_MAX_NAME + 1];
	char		last[MAX_QID + DNS_MAX_NAME * 2 + 4];
	size_t		seen;		/* line number, for replacement */
};

static const char *const result_names[TR_COUNT] = {
	[TR_SUCCESS] = NULL,
	[TR_STARTTLS_NOT_SUPPORTED] = "starttls-not-supported",
	[TR_CERT_HOST_MISMATCH] = "certificate-host-mismatch",
	[TR_CERT_EXPIRED] = "certificate-expired",
	[TR_CERT_NOT_TRUSTED] = "certificate-not-trusted",
	[TR_VALIDATION_FAILURE] = "validation-failure",
	[TR_TLSA_INVALID] = "tlsa-invalid",
	[TR_DNSSEC_INVALID] = "dnssec-invalid",
	[TR_DANE_REQUIRED] = "dane-required",
	[TR_STS_FETCH_ERROR] = "sts-policy-fetch-error",
	[TR_STS_POLICY_INVALID] = "sts-policy-invalid",
	[TR_STS_WEBPKI_INVALID] = "sts-webpki-invalid",
};

const char *
tlsrpt_result_name(enum tlsrpt_result r)
{
	return r < TR_COUNT ? result_names[r] : NULL;
}

struct tlsrpt_log *
tlsrpt_log_new(int year)
{
	struct tlsrpt_log *l = x_calloc(1, sizeof(*l));

	l->year = year;
	l->procs = x_calloc(MAX_PROCS, sizeof(*l->procs));
	return l;
}

void
tlsrpt_log_free(struct tlsrpt_log *l)
{
	if (l == NULL)
		return;
	free(l->v);
	free(l->procs);
	free(l);
}

/* ---- small readers over [p, end) ---- */

static bool
has(const char *p, const char *end, const char *lit)
{
	size_t	n = strlen(lit);

	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* The first lit in [p, end), or NULL. */
static const char *
find(const char *p, const char *end, const char *lit)
{
	size_t	n = strlen(lit);

	for (; (size_t)(end - p) >= n; p++)
		if (memcmp(p, lit, n) == 0)
			return p;
	return NULL;
}

/* Case-insensitive substring. */
static bool
contains(const char *p, const char *end, const char *lit)
{
	size_t	n = strlen(lit);

	for (; (size_t)(end - p) >= n; p++)
		if (strncasecmp(p, lit, n) == 0)
			return true;
	return false;
}

static bool
digits(const char *p, size_t n, int *out)
{
	int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

/* Copies a host name (letters, digits, '-', '_', '.') lower-cased;
 * false when it is anything else or too long. */
static bool
copy_name(char *out, size_t outsz, const char *p, size_t n)
{
	size_t	i;

	if (n == 0 || n >= outsz)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return false;
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	return true;
}

/* An address inside brackets: hex digits, '.', ':'. */
static bool
copy_ip(char *out, size_t outsz, const char *p, size_t n)
{
	size_t	i;

	if (n == 0 || n >= outsz)
		return false;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)p[i]) && p[i] != '.' &&
		    p[i] != ':')
			return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* "HOST[IP]:PORT" at p (up to end or the first of stops): host and ip;
 * *after points past the port. */
static bool
host_ip_port(const char *p, const char *end, char *host, char *ip,
    size_t ipsz, const char **after)
{
	const char *lb = memchr(p, '[', (size_t)(end - p)), *rb;

	if (lb == NULL || !copy_name(host, DNS_MAX_NAME + 1, p,
	    (size_t)(lb - p)))
		return false;
	if ((rb = memchr(lb, ']', (size_t)(end - lb))) == NULL ||
	    !copy_ip(ip, ipsz, lb + 1, (size_t)(rb - lb - 1)))
		return false;
	p = rb + 1;
	if (p >= end || *p != ':')
		return false;
	for (p++; p < end && isdigit((unsigned char)*p); p++)
		;
	if (p == rb + 2)
		return false;
	*after = p;
	return true;
}

/* ---- time stamps ---- */

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

static bool
tm_ok(int mo, int d, int h, int mi, int s)
{
	return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 &&
	    mi <= 59 && s <= 60;
}

/* "Mmm dd HH:MM:SS[.frac] " or RFC 3339; the time and the rest. */
static bool
timestamp(const struct tlsrpt_log *l, const char *p, const char *end,
    time_t *when, const char **rest)
{
	struct tm tm;
	int	y, mo, d, h, mi, s, oh = 0, om = 0, sign = 0;
	const char *q;

	memset(&tm, 0, sizeof(tm));
	if (end - p >= 20 && p[4] == '-' && p[7] == '-' && p[10] == 'T' &&
	    digits(p, 4, &y) && digits(p + 5, 2, &mo) &&
	    digits(p + 8, 2, &d) && digits(p + 11, 2, &h) && p[13] == ':' &&
	    digits(p + 14, 2, &mi) && p[16] == ':' && digits(p + 17, 2, &s)) {
		for (q = p + 19; q < end && (*q == '.' ||
		    isdigit((unsigned char)*q)); q++)
			;
		if (q < end && (*q == 'Z' || *q == 'z')) {
			q++;
		} else if (end - q >= 6 && (*q == '+' || *q == '-') &&
		    digits(q + 1, 2, &oh) && q[3] == ':' &&
		    digits(q + 4, 2, &om)) {
			sign = *q == '+' ? 1 : -1;
			q += 6;
		} else {
			return false;
		}
		if (!tm_ok(mo, d, h, mi, s) || oh > 23 || om > 59)
			return false;
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = s;
		*when = timegm(&tm) - sign * (oh * 3600 + om * 60);
	} else if (end - p >= 15 && p[3] == ' ') {
		const char *m = NULL;
		size_t	i;

		for (i = 0; i < 12; i++)
			if (strncmp(p, months + 3 * i, 3) == 0)
				m = months + 3 * i;
		if (m == NULL || !digits(p + 4 + (p[4] == ' '),
		    p[4] == ' ' ? 1 : 2, &d) || p[6] != ' ' ||
		    !digits(p + 7, 2, &h) || p[9] != ':' ||
		    !digits(p + 10, 2, &mi) || p[12] != ':' ||
		    !digits(p + 13, 2, &s))
			return false;
		if (!tm_ok(1, d, h, mi, s))
			return false;
		for (q = p + 15; q < end && (*q == '.' ||
		    isdigit((unsigned char)*q)); q++)
			;
		tm.tm_year = l->year - 1900;
		tm.tm_mon = (int)((m - months) / 3);
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = s;
		tm.tm_isdst = -1;
		*when = mktime(&tm);
	} else {
		return false;
	}
	if (q >= end || *q != ' ')
		return false;
	*rest = q + 1;
	return true;
}

/* ---- mapping Postfix's words to RFC 8460's ---- */

static enum tlsrpt_result
cert_reason(const char *p, const char *end)
{
	if (contains(p, end, "expired"))
		return TR_CERT_EXPIRED;
	if (contains(p, end, "hostname mismatch") ||
	    contains(p, end, "num=62:"))
		return TR_CERT_HOST_MISMATCH;
	if (contains(p, end, "no matching dane tlsa") ||
	    contains(p, end, "num=65:"))
		return TR_TLSA_INVALID;
	if (contains(p, end, "self signed") ||
	    contains(p, end, "self-signed") ||
	    contains(p, end, "unable to get local issuer") ||
	    contains(p, end, "unable to get issuer") ||
	    contains(p, end, "untrusted") || contains(p, end, "num=18:") ||
	    contains(p, end, "num=19:") || contains(p, end, "num=20:") ||
	    contains(p, end, "num=21:"))
		return TR_CERT_NOT_TRUSTED;
	return TR_VALIDATION_FAILURE;
}

/* The result of a failed delivery; false when it is no TLS matter. */
static bool
failure_reason(const char *p, const char *end, enum tlsrpt_result cert,
    enum tlsrpt_result *out)
{
	if (contains(p, end, "TLS is required, but was not offered"))
		*out = TR_STARTTLS_NOT_SUPPORTED;
	else if (contains(p, end, "Server certificate not verified"))
		*out = cert != TR_SUCCESS ? cert : TR_CERT_NOT_TRUSTED;
	else if (contains(p, end, "no TLSA records found"))
		*out = TR_DANE_REQUIRED;
	else if (contains(p, end, "TLSA lookup error") ||
	    contains(p, end, "non DNSSEC destination") ||
	    contains(p, end, "DNSSEC"))
		*out = TR_DNSSEC_INVALID;
	else if (contains(p, end, "TLS handshake") ||
	    contains(p, end, "Cannot start TLS") ||
	    contains(p, end, "TLS negotiation") ||
	    contains(p, end, "server certificate"))
		*out = TR_VALIDATION_FAILURE;
	else
		return false;
	return true;
}

/* ---- per process state ---- */

static struct proc *
proc_get(struct tlsrpt_log *l, const char *tag, size_t n)
{
	struct proc *oldest = NULL;
	size_t	i;

	for (i = 0; i < l->nprocs; i++) {
		struct proc *p = &l->procs[i];

		if (strlen(p->tag) == n && memcmp(p->tag, tag, n) == 0) {
			p->seen = l->lines;
			return p;
		}
		if (oldest == NULL || p->seen < oldest->seen)
			oldest = p;
	}
	if (l->nprocs < MAX_PROCS)
		oldest = &l->procs[l->nprocs++];
	memset(oldest, 0, sizeof(*oldest));
	memcpy(oldest->tag, tag, n);
	oldest->seen = l->lines;
	return oldest;
}

static void
add_session(struct tlsrpt_log *l, const struct tlsrpt_session *s)
{
	if (l->n >= TLSRPT_MAX_SESSIONS) {
		l->dropped++;
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = x_realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *s;
}

static const struct {
	const char *word;
	enum tlsrpt_tls tls;
} tls_words[] = {
	{ "Verified TLS connection established to ", TT_VERIFIED },
	{ "Trusted TLS connection established to ", TT_TRUSTED },
	{ "Untrusted TLS connection established to ", TT_UNTRUSTED },
	{ "Anonymous TLS connection established to ", TT_ANONYMOUS },
};

static bool
tls_line(struct proc *pr, const char *p, const char *end)
{
	char	mx[DNS_MAX_NAME + 1], ip[48];
	const char *after;
	size_t	i;

	for (i = 0; i < sizeof(tls_words) / sizeof(tls_words[0]); i++) {
		size_t	n = strlen(tls_words[i].word);

		if (!has(p, end, tls_words[i].word))
			continue;
		if (!host_ip_port(p + n, end, mx, ip, sizeof(ip), &after))
			return true;
		if (!pr->cert_pending || strcmp(pr->mx, mx) != 0 ||
		    tls_words[i].tls == TT_VERIFIED)
			pr->cert = TR_SUCCESS;
		pr->cert_pending = false;
		strcpy(pr->mx, mx);
		strcpy(pr->ip, ip);
		pr->tls = tls_words[i].tls;
		pr->conn = true;
		pr->last[0] = '\0';
		return true;
	}
	return false;
}

/* "QID: to=<ADDR>, relay=R, ... status=S (WHY)". */
static void
delivery_line(struct tlsrpt_log *l, struct proc *pr, time_t when,
    const char *p, const char *end)
{
	struct tlsrpt_session s;
	const char *qid = p, *colon, *to, *at, *gt, *relay, *rend, *st, *why;
	char	key[sizeof(pr->last)];
	bool	sent;

	if ((colon = memchr(p, ':', (size_t)(end - p))) == NULL ||
	    colon - qid > MAX_QID || colon == qid ||
	    !has(colon, end, ": to=<"))
		return;
	to = colon + 6;
	if ((gt = memchr(to, '>', (size_t)(end - to))) == NULL)
		return;
	for (at = gt; at > to && at[-1] != '@'; at--)
		;
	memset(&s, 0, sizeof(s));
	if (at == to || !copy_name(s.domain, sizeof(s.domain), at,
	    (size_t)(gt - at)))
		return;
	if (!has(gt, end, ">, ") || (relay = find(gt, end, ", relay=")) == NULL)
		return;
	relay += 8;
	if ((rend = memchr(relay, ',', (size_t)(end - relay))) == NULL)
		return;
	if ((st = find(rend, end, " status=")) == NULL)
		return;
	st += 8;
	sent = has(st, end, "sent");
	if (!sent && !has(st, end, "deferred") && !has(st, end, "bounced"))
		return;
	why = memchr(st, '(', (size_t)(end - st));
	if (why == NULL)
		why = end;
	if (rend - relay == 4 && memcmp(relay, "none", 4) == 0) {
		strcpy(s.mx, pr->policy_mx);
	} else {
		const char *after;

		if (!host_ip_port(relay, rend, s.mx, s.ip, sizeof(s.ip),
		    &after) || after != rend)
			return;	/* local, lmtp, a unix socket */
		if (pr->conn && strcmp(pr->mx, s.mx) == 0) {
			s.tls = pr->tls;
			s.cert = pr->cert;
		}
	}
	if (!sent && contains(why, end, "delivery temporarily suspended"))
		return;	/* no attempt was made */
	if (!sent && !failure_reason(why, end, s.cert, &s.failed)) {
		if (s.tls == TT_NONE)
			return;	/* not a TLS matter */
		s.failed = TR_SUCCESS;
	}
	/* One session per message and connection. */
	snprintf(key, sizeof(key), "%.*s %s %s", (int)(colon - qid), qid,
	    s.domain, s.mx);
	if (strcmp(key, pr->last) == 0)
		return;
	strcpy(pr->last, key);
	s.when = when;
	add_session(l, &s);
	pr->policy_mx[0] = '\0';
}

void
tlsrpt_log_line(struct tlsrpt_log *l, const char *line, size_t len)
{
	const char *end = line + len, *p, *tag, *tagend;
	struct proc *pr;
	time_t	when;

	l->lines++;
	while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if ((size_t)(end - line) > TLSRPT_MAX_LINE ||
	    memchr(line, '\0', (size_t)(end - line)) != NULL ||
	    !timestamp(l, line, end, &when, &p)) {
		l->skipped++;
		return;
	}
	/* The host, then the tag "postfix.../NAME[PID]:". */
	if ((p = memchr(p, ' ', (size_t)(end - p))) == NULL)
		return;
	tag = p + 1;
	if (!has(tag, end, "postfix") ||
	    (tagend = memchr(tag, ':', (size_t)(end - tag))) == NULL ||
	    tagend - tag >= MAX_TAG || tagend[-1] != ']' ||
	    !has(tagend, end, ": "))
		return;
	pr = proc_get(l, tag, (size_t)(tagend - tag));
	p = tagend + 2;
	if (has(p, end, "server certificate verification failed for ")) {
		const char *after;
		char	mx[DNS_MAX_NAME + 1], ip[48];

		if (!host_ip_port(p + 43, end, mx, ip, sizeof(ip), &after))
			return;
		strcpy(pr->mx, mx);
		strcpy(pr->ip, ip);
		pr->cert = cert_reason(after, end);
		pr->cert_pending = true;
		pr->tls = TT_NONE;
		pr->conn = true;
		return;
	}
	if (tls_line(pr, p, end))
		return;
	if (has(p, end, "warning: TLS policy lookup for ")) {
		const char *slash, *colon;

		p += 31;
		if ((colon = memchr(p, ':', (size_t)(end - p))) != NULL &&
		    (slash = memchr(p, '/', (size_t)(colon - p))) != NULL &&
		    !copy_name(pr->policy_mx, sizeof(pr->policy_mx), slash + 1,
		    (size_t)(colon - slash - 1)))
			pr->policy_mx[0] = '\0';
		return;
	}
	delivery_line(l, pr, when, p, end);
}
