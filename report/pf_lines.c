/*
 * pf_lines - Postfix's smtpd and smtp lines into the report's counts.
 *
 * smtpd (inbound), per process (host and pid):
 *   connect from NAME[ADDR]                 a session starts
 *   CLASS TLS connection established from NAME[ADDR]: ...   it uses TLS
 *   disconnect from NAME[ADDR] ...          it ends and is counted
 *   NOQUEUE: reject: ... STARTTLS ...       Postfix's own refusal for
 *                                           want of TLS (a milter's
 *                                           refusal is gatewarden's line)
 * smtp (outbound), per process:
 *   CLASS TLS connection established to HOST[ADDR]:PORT: ...
 *   server certificate verification failed for HOST[ADDR]:PORT: WHY
 *   QID: to=<RCPT>, relay=HOST[ADDR]:PORT, ... status=S (TEXT)
 * A delivery line gets the TLS class of the process's last TLS line for
 * the same relay when that line came since the process's last delivery
 * (or the connection is reused: conn_use=N, N > 1); otherwise it went in
 * plain text. A slot for each process (PENDING_SLOTS, direct-mapped by
 * host and pid) keeps this state; a session whose slot is taken by
 * another process is counted as it stands.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "report/stats.h"

#define MSG_IS(l, s) ((l)->msglen >= sizeof(s) - 1 && \
	memcmp((l)->msg, s, sizeof(s) - 1) == 0)

static uint32_t
host_hash(const struct logline *l)
{
	uint32_t h = 2166136261u;
	size_t	i;

	for (i = 0; l->host != NULL && i < l->hostlen; i++) {
		h ^= (unsigned char)l->host[i];
		h *= 16777619u;
	}
	return h;
}

static size_t
slot_of(const struct logline *l, uint32_t h)
{
	return ((size_t)h ^ (size_t)l->pid) % PENDING_SLOTS;
}

/* The message from offset off on, as a string of at most size - 1. */
static void
msg_copy(const struct logline *l, size_t off, char *out, size_t size)
{
	size_t	n = off < l->msglen ? l->msglen - off : 0;

	if (n >= size)
		n = size - 1;
	memcpy(out, l->msg + off, n);
	out[n] = '\0';
}

/* The client domain of "NAME[ADDR]": NAME less its first label when it
 * has three or more, "[ADDR]" when the name is unknown. */
static void
client_domain(const char *client, char *out, size_t size)
{
	const char *br = strchr(client, '['), *dot;
	size_t	n = br ? (size_t)(br - client) : strlen(client);
	int	dots = 0;
	size_t	i;

	if (n == 0 || (n == 7 && memcmp(client, "unknown", 7) == 0)) {
		const char *end = br ? strchr(br, ']') : NULL;

		snprintf(out, size, "%.*s", end ? (int)(end - br + 1) : (int)n,
		    br ? br : client);
		return;
	}
	for (i = 0; i < n; i++)
		dots += client[i] == '.';
	dot = dots >= 2 ? memchr(client, '.', n) : NULL;
	if (dot != NULL)
		snprintf(out, size, "%.*s", (int)(n - (size_t)(dot + 1 -
		    client)), dot + 1);
	else
		snprintf(out, size, "%.*s", (int)n, client);
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
}

void
stats_close_session(struct stats *st, struct smtpd_slot *s)
{
	struct tally_row *r = tally_row(st->client_domains, s->domain,
	    strlen(s->domain));

	r->c[CD_SESSIONS]++;
	timeline_add(st->tl, r->series, s->t, 0, 1);
	if (s->tls) {
		r->c[CD_TLS]++;
		timeline_add(st->tl, r->series, s->t, 1, 1);
	} else
		r->c[CD_PLAIN]++;
	s->active = false;
}

/* "Anonymous TLS connection established ": the class, and the offset
 * past it; -1 when the line is not one. */
static int
tls_established(const struct logline *l, size_t *off)
{
	static const char *const classes[] = { "Verified", "Trusted",
	    "Untrusted", "Anonymous" };
	static const char tail[] = " TLS connection established ";
	size_t	i, n;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		n = strlen(classes[i]);
		if (l->msglen > n + sizeof(tail) - 1 &&
		    memcmp(l->msg, classes[i], n) == 0 &&
		    memcmp(l->msg + n, tail, sizeof(tail) - 1) == 0) {
			*off = n + sizeof(tail) - 1;
			return (int)i;
		}
	}
	return -1;
}

void
pf_smtpd_line(struct stats *st, const struct logline *l)
{
	uint32_t h = host_hash(l);
	struct smtpd_slot *s = &st->smtpd[slot_of(l, h)];
	bool	mine = s->active && s->pid == l->pid && s->host == h;
	char	client[256];
	size_t	off;

	if (MSG_IS(l, "connect from ")) {
		if (s->active)
			stats_close_session(st, s);
		msg_copy(l, sizeof("connect from ") - 1, client, sizeof(client));
		client_domain(client, s->domain, sizeof(s->domain));
		s->active = true;
		s->tls = false;
		s->pid = l->pid;
		s->host = h;
		s->t = l->t;
	} else if (MSG_IS(l, "disconnect from ")) {
		if (mine)
			stats_close_session(st, s);
	} else if (tls_established(l, &off) >= 0) {
		if (mine)
			s->tls = true;
	} else if (MSG_IS(l, "NOQUEUE: reject: ") &&
	    memmem(l->msg, l->msglen, "STARTTLS", 8) != NULL)
		stats_refusal(st, FLOW_IN, RC_TLS_MISSING,
		    "Postfix: STARTTLS required");
}

/* The text of field key ("relay=") up to the next ", " in the message. */
static bool
field(const struct logline *l, const char *key, char *out, size_t size)
{
	const char *p = memmem(l->msg, l->msglen, key, strlen(key)), *end;
	size_t	n;

	if (p == NULL)
		return false;
	p += strlen(key);
	end = memmem(p, (size_t)(l->msg + l->msglen - p), ", ", 2);
	n = end ? (size_t)(end - p) : (size_t)(l->msg + l->msglen - p);
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* A deferral's or bounce's text into a category and a detail with no
 * host names or addresses in it, so that reasons add up. */
static enum refusal_cat
delivery_reason(const char *text, const struct smtp_slot *s, bool same_relay,
    char *detail, size_t size)
{
	const char *note = same_relay && s->note[0] ? s->note : NULL;
	size_t	n;

	if (strstr(text, "TLS is required, but was not offered")) {
		snprintf(detail, size, "TLS required, not offered");
		return RC_TLS_MISSING;
	}
	if (strstr(text, "Server certificate not")) {
		if (note && (strstr(note, "TLSA") || strstr(note, "DANE"))) {
			snprintf(detail, size, "%s", note);
			return RC_DANE;
		}
		snprintf(detail, size, "%s", note ? note :
		    "server certificate not verified");
		return RC_CERTIFICATE;
	}
	if (strstr(text, "TLSA") || strstr(text, "DANE")) {
		snprintf(detail, size, "%.*s", (int)strcspn(text, "(["), text);
		return RC_DANE;
	}
	if (strstr(text, "Cannot start TLS")) {
		snprintf(detail, size, "TLS handshake failed");
		return RC_HANDSHAKE;
	}
	/* Other reasons: up to the first '.', ':', '(' or '[' (what
	 * follows names hosts and addresses). */
	n = strcspn(text, ".:([");
	if (n > 60)
		n = 60;
	snprintf(detail, size, "%.*s", (int)n, text);
	return strstr(text, "TLS") ? RC_HANDSHAKE : RC_OTHER;
}

/* "num=62:hostname mismatch" -> "hostname mismatch". */
static void
verification_note(const char *why, char *out, size_t size)
{
	const char *p = why;

	if (strncmp(p, "num=", 4) == 0 && (p = strchr(p, ':')) != NULL)
		p++;
	else
		p = why;
	snprintf(out, size, "%s", p);
}

static void
delivery(struct stats *st, const struct logline *l, struct smtp_slot *s,
    bool mine)
{
	char	rcpt[320], relay[RELAY_MAX], status[32], text[512], detail[160],
		use[16];
	const char *at, *paren;
	struct tally_row *r;
	enum tls_class cls = TC_PLAIN;
	bool	same = false;

	if (!field(l, " to=<", rcpt, sizeof(rcpt)) ||
	    !field(l, " relay=", relay, sizeof(relay)) ||
	    !field(l, " status=", status, sizeof(status)))
		return;
	rcpt[strcspn(rcpt, ">")] = '\0';
	at = strrchr(rcpt, '@');
	{
		char	dom[256];
		size_t	i;

		snprintf(dom, sizeof(dom), "%s", at ? at + 1 : "(local)");
		for (i = 0; dom[i] != '\0'; i++)
			if (dom[i] >= 'A' && dom[i] <= 'Z')
				dom[i] = (char)(dom[i] - 'A' + 'a');
		r = tally_row(st->destinations, dom, strlen(dom));
	}
	if (mine && strcmp(s->relay, relay) == 0) {
		same = true;
		if (s->fresh || (field(l, " conn_use=", use, sizeof(use)) &&
		    strcmp(use, "1") != 0))
			cls = s->cls;
		s->fresh = false;
	}
	/* status=sent (250 ...): the word ends at the space */
	status[strcspn(status, " ")] = '\0';
	if (strcmp(status, "sent") == 0 || strcmp(status, "deferred") == 0 ||
	    strcmp(status, "bounced") == 0)
		r->c[DD_TOTAL]++;
	if (strcmp(status, "sent") == 0) {
		r->c[DD_SENT]++;
		if (strcmp(relay, "none") != 0)
			r->c[cls]++;
		return;
	}
	if (strcmp(status, "deferred") == 0)
		r->c[DD_DEFERRED]++;
	else if (strcmp(status, "bounced") == 0)
		r->c[DD_BOUNCED]++;
	else
		return;
	paren = memchr(l->msg, '(', l->msglen);
	snprintf(text, sizeof(text), "%.*s", paren ? (int)(l->msg +
	    l->msglen - paren - 1) : 0, paren ? paren + 1 : "");
	if (text[0] != '\0' && text[strlen(text) - 1] == ')')
		text[strlen(text) - 1] = '\0';
	stats_refusal(st, FLOW_OUT, delivery_reason(text, s, same, detail,
	    sizeof(detail)), detail);
}

void
pf_smtp_line(struct stats *st, const struct logline *l)
{
	uint32_t h = host_hash(l);
	struct smtp_slot *s = &st->smtp[slot_of(l, h)];
	bool	mine = s->active && s->pid == l->pid && s->host == h;
	char	relay[RELAY_MAX], why[512];
	size_t	off, n;
	const char *colon;
	int	cls;

	if ((cls = tls_established(l, &off)) >= 0 &&
	    l->msglen > off + 3 && memcmp(l->msg + off, "to ", 3) == 0) {
		msg_copy(l, off + 3, relay, sizeof(relay));
		/* "HOST[ADDR]:PORT: TLSv1.3 with ..." */
		if ((colon = strstr(relay, "]:")) != NULL)
			relay[strcspn(colon + 2, ":") + (size_t)(colon + 2 -
			    relay)] = '\0';
		if (!mine)
			s->note[0] = '\0';
		else if (strcmp(s->relay, relay) != 0)
			s->note[0] = '\0';
		s->active = true;
		s->pid = l->pid;
		s->host = h;
		s->cls = (enum tls_class)cls;
		s->fresh = true;
		snprintf(s->relay, sizeof(s->relay), "%s", relay);
		return;
	}
	if (MSG_IS(l, "server certificate verification failed for ")) {
		msg_copy(l, sizeof("server certificate verification failed "
		    "for ") - 1, why, sizeof(why));
		if ((colon = strstr(why, "]:")) == NULL ||
		    (colon = strstr(colon + 2, ": ")) == NULL)
			return;
		n = (size_t)(colon - why);
		if (!mine || strncmp(s->relay, why, n) != 0 ||
		    s->relay[n] != '\0') {
			memset(s, 0, sizeof(*s));
			s->active = true;
			s->pid = l->pid;
			s->host = h;
			s->cls = TC_PLAIN;
			snprintf(s->relay, sizeof(s->relay), "%.*s", (int)n, why);
		}
		verification_note(colon + 2, s->note, sizeof(s->note));
		return;
	}
	if (memmem(l->msg, l->msglen, ": to=<", 6) != NULL)
		delivery(st, l, s, mine);
}
