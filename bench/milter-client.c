/*
 * milter-client - see milter-client.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#include "bench/milter-client.h"

#define CHUNK		65535		/* MILTER_CHUNK_SIZE */
#define REPLY_MAX	(128u << 10)	/* a reply packet we accept (64 KiB + ...) */
#define PKT_MAX		8192		/* a command packet we build */

/* Every step the protocol has, without header values' leading space and
 * rejected recipients: what Postfix offers. */
#define OFFER_STEPS	(0x000FFFFFUL & ~SMFIP_RCPT_REJ)
#define OFFER_ACTIONS	0x000001FFUL

struct mc {
	int		fd;
	unsigned long	steps;		/* what the milter asked for */
	unsigned char	*rbuf;		/* the last reply's data */
	char		*err;
	size_t		errsz;
};

static int
fail(struct mc *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errsz, fmt, ap);
	va_end(ap);
	return -1;
}

static int
write_all(struct mc *c, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t	k = writev(c->fd, iov, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return fail(c, "write: %s", k < 0 ? strerror(errno) :
			    "nothing written");
		while (n > 0 && (size_t)k >= iov->iov_len) {
			k -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + k;
			iov->iov_len -= (size_t)k;
		}
	}
	return 0;
}

static int
read_all(struct mc *c, void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t	k = read(c->fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return fail(c, "read: %s", k < 0 ? strerror(errno) :
			    "the milter closed the connection");
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* One packet: command cmd, then data of len bytes (may be NULL/0). */
static int
packet(struct mc *c, char cmd, const void *data, size_t len)
{
	unsigned char hdr[5];
	uint32_t nlen = htonl((uint32_t)(len + 1));
	struct iovec iov[2];

	memcpy(hdr, &nlen, 4);
	hdr[4] = (unsigned char)cmd;
	iov[0].iov_base = hdr;
	iov[0].iov_len = 5;
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = len;
	return write_all(c, iov, len ? 2 : 1);
}

/* Reads one reply: its code in *code, its data in c->rbuf (*len). */
static int
reply(struct mc *c, char *code, size_t *len)
{
	uint32_t nlen;
	unsigned char cmd;

	if (read_all(c, &nlen, 4) < 0)
		return -1;
	nlen = ntohl(nlen);
	if (nlen == 0 || nlen > REPLY_MAX)
		return fail(c, "reply of %u bytes", (unsigned)nlen);
	if (read_all(c, &cmd, 1) < 0 || read_all(c, c->rbuf, nlen - 1) < 0)
		return -1;
	*code = (char)cmd;
	*len = nlen - 1;
	return 0;
}

/* Appends a NUL-terminated string to a packet being built. */
static int
put(unsigned char *buf, size_t *n, const char *s)
{
	size_t	l = strlen(s) + 1;

	if (*n + l > PKT_MAX)
		return -1;
	memcpy(buf + *n, s, l);
	*n += l;
	return 0;
}

/* SMFIC_MACRO for stage: name, value, name, value ..., NULL. */
static int
macros(struct mc *c, char stage, ...)
{
	unsigned char buf[PKT_MAX];
	size_t	n = 1;
	const char *s;
	va_list	ap;
	int	bad = 0;

	buf[0] = (unsigned char)stage;
	va_start(ap, stage);
	while ((s = va_arg(ap, const char *)) != NULL)
		bad |= put(buf, &n, s);
	va_end(ap);
	if (bad)
		return fail(c, "macros too long");
	return packet(c, SMFIC_MACRO, buf, n);
}

/* Sends a stage (unless declined with no_flag) and reads its reply
 * (unless nr_flag); *code is 'c' for a stage not sent or not answered. */
static int
stage(struct mc *c, char cmd, const void *data, size_t len,
    unsigned long no_flag, unsigned long nr_flag, char *code)
{
	size_t	rlen;

	*code = SMFIR_CONTINUE;
	if (c->steps & no_flag)
		return 0;
	if (packet(c, cmd, data, len) < 0)
		return -1;
	if (c->steps & nr_flag)
		return 0;
	do {
		if (reply(c, code, &rlen) < 0)
			return -1;
	} while (*code == SMFIR_PROGRESS);
	return 0;
}

static int
negotiate(struct mc *c)
{
	uint32_t v[3] = { htonl(6), htonl(OFFER_ACTIONS), htonl(OFFER_STEPS) };
	char	code;
	size_t	len;

	if (packet(c, SMFIC_OPTNEG, v, sizeof(v)) < 0 ||
	    reply(c, &code, &len) < 0)
		return -1;
	if (code != SMFIC_OPTNEG || len < 12)
		return fail(c, "negotiation: reply '%c' of %zu bytes", code, len);
	memcpy(v, c->rbuf, sizeof(v));
	c->steps = ntohl(v[2]);
	return 0;
}

static int
open_socket(struct mc *c, const char *spec, int timeout)
{
	struct timeval tv = { timeout, 0 };

	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(spec + 5) >= sizeof(sun.sun_path))
			return fail(c, "socket path too long");
		strcpy(sun.sun_path, spec + 5);
		if ((c->fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			return fail(c, "connect %s: %s", spec, strerror(errno));
	} else if (strncmp(spec, "inet:", 5) == 0) {
		struct sockaddr_in sin;
		const char *at = strchr(spec, '@');
		int	one = 1;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((unsigned short)atoi(spec + 5));
		if (at == NULL || inet_pton(AF_INET, at + 1, &sin.sin_addr) != 1)
			return fail(c, "bad socket %s (inet:PORT@ADDRESS)", spec);
		if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			return fail(c, "connect %s: %s", spec, strerror(errno));
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	} else
		return fail(c, "bad socket %s", spec);
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

/* A verdict before end of message ends the message early. */
static int
refused(struct mc *c, char code, const char *what)
{
	if (code == SMFIR_CONTINUE)
		return 0;
	return fail(c, "%s: reply '%c'", what, code);
}

static int
envelope(struct mc *c, const struct mc_message *m)
{
	unsigned char buf[PKT_MAX];
	size_t	n = 0, i;
	char	code;

	if (macros(c, SMFIC_CONNECT, "j", "mx.bench.gatewarden.test",
	    "{daemon_name}", "smtpd", "{daemon_addr}", "127.0.0.1",
	    "{daemon_port}", "25", "{client_addr}", m->client_addr,
	    "{client_name}", m->client_name, "{client_port}", "40000",
	    "v", "Postfix 3.7.11", (char *)NULL) < 0)
		return -1;
	if (put(buf, &n, m->client_name) < 0)
		return fail(c, "client name too long");
	buf[n++] = '4';
	buf[n++] = 40000 >> 8;
	buf[n++] = 40000 & 0xff;
	if (put(buf, &n, m->client_addr) < 0 ||
	    stage(c, SMFIC_CONNECT, buf, n, SMFIP_NOCONNECT, SMFIP_NR_CONN,
	    &code) < 0 || refused(c, code, "connect") < 0)
		return -1;
	n = 0;
	if (put(buf, &n, m->helo) < 0 ||
	    stage(c, SMFIC_HELO, buf, n, SMFIP_NOHELO, SMFIP_NR_HELO,
	    &code) < 0 || refused(c, code, "HELO") < 0)
		return -1;
	if (macros(c, SMFIC_MAIL, "i", m->queue_id, "{mail_addr}", m->sender,
	    (char *)NULL) < 0)
		return -1;
	n = 0;
	if (put(buf, &n, m->sender) < 0 ||
	    stage(c, SMFIC_MAIL, buf, n, SMFIP_NOMAIL, SMFIP_NR_MAIL,
	    &code) < 0 || refused(c, code, "MAIL") < 0)
		return -1;
	for (i = 0; i < m->nrcpts; i++) {
		if (macros(c, SMFIC_RCPT, "i", m->queue_id, "{rcpt_addr}",
		    m->rcpts[i], (char *)NULL) < 0)
			return -1;
		n = 0;
		if (put(buf, &n, m->rcpts[i]) < 0 ||
		    stage(c, SMFIC_RCPT, buf, n, SMFIP_NORCPT, SMFIP_NR_RCPT,
		    &code) < 0 || refused(c, code, "RCPT") < 0)
			return -1;
	}
	if (macros(c, SMFIC_DATA, "i", m->queue_id, (char *)NULL) < 0 ||
	    stage(c, SMFIC_DATA, NULL, 0, SMFIP_NODATA, SMFIP_NR_DATA,
	    &code) < 0 || refused(c, code, "DATA") < 0)
		return -1;
	return 0;
}

static int
content(struct mc *c, const struct mc_message *m, struct mc_result *r)
{
	unsigned char buf[PKT_MAX];
	size_t	n, i, off;
	char	code;

	for (i = 0; i < m->nheaders; i++) {
		n = 0;
		if (macros(c, SMFIC_HEADER, "i", m->queue_id, (char *)NULL) < 0)
			return -1;
		if (put(buf, &n, m->headers[i].name) < 0 ||
		    put(buf, &n, m->headers[i].value) < 0)
			return fail(c, "header too long");
		if (stage(c, SMFIC_HEADER, buf, n, SMFIP_NOHDRS, SMFIP_NR_HDR,
		    &code) < 0 || refused(c, code, "header") < 0)
			return -1;
	}
	if (stage(c, SMFIC_EOH, NULL, 0, SMFIP_NOEOH, SMFIP_NR_EOH, &code) < 0 ||
	    refused(c, code, "end of headers") < 0)
		return -1;
	for (off = 0; off < m->body_len; off += n) {
		n = m->body_len - off < CHUNK ? m->body_len - off : CHUNK;
		if (stage(c, SMFIC_BODY, m->body + off, n, SMFIP_NOBODY,
		    SMFIP_NR_BODY, &code) < 0)
			return -1;
		if (c->steps & SMFIP_NOBODY)
			break;
		r->body_sent += n;
		if (code == SMFIR_SKIP)
			break;
		if (refused(c, code, "body") < 0)
			return -1;
	}
	return 0;
}

/* End of message: modifications, then the verdict. */
static int
eom(struct mc *c, const struct mc_message *m, struct mc_result *r)
{
	char	code;
	size_t	len;

	if (macros(c, SMFIC_BODYEOB, "i", m->queue_id, (char *)NULL) < 0 ||
	    packet(c, SMFIC_BODYEOB, NULL, 0) < 0)
		return -1;
	for (;;) {
		if (reply(c, &code, &len) < 0)
			return -1;
		switch (code) {
		case SMFIR_ADDHEADER:
		case SMFIR_INSHEADER:
			r->header_adds++;
			continue;
		case SMFIR_CHGHEADER:
			r->header_changes++;
			continue;
		case SMFIR_DELRCPT:
			r->rcpt_dels++;
			continue;
		case SMFIR_REPLBODY:
			r->replbody_bytes += len;
			continue;
		case SMFIR_PROGRESS:
		case SMFIR_ADDRCPT:
		case SMFIR_ADDRCPT_PAR:
		case SMFIR_CHGFROM:
		case SMFIR_QUARANTINE:
			continue;
		case SMFIR_REPLYCODE:
			snprintf(r->reply, sizeof(r->reply), "%.*s",
			    (int)(len > 0 ? len - 1 : 0), (char *)c->rbuf);
			/* FALLTHROUGH */
		default:
			r->verdict = code;
			return 0;
		}
	}
}

int
mc_send(const char *spec, int timeout, const struct mc_message *m,
    struct mc_result *r, char *err, size_t errsz)
{
	struct mc c = { .fd = -1, .err = err, .errsz = errsz };
	int	rc = -1;

	memset(r, 0, sizeof(*r));
	if ((c.rbuf = malloc(REPLY_MAX)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (open_socket(&c, spec, timeout) == 0 && negotiate(&c) == 0 &&
	    envelope(&c, m) == 0 && content(&c, m, r) == 0 &&
	    eom(&c, m, r) == 0) {
		(void)packet(&c, SMFIC_QUIT, NULL, 0);
		rc = 0;
	}
	if (c.fd >= 0)
		close(c.fd);
	free(c.rbuf);
	return rc;
}
