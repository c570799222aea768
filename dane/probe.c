/*
 * probe - see probe.h.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "dane/probe.h"
#include "dane/report.h"
#include "dane/tlsa.h"
#include "lib/xalloc.h"

#define LINE_MAX_SMTP	1000
#define REPLY_MAX_LINES	100

struct verdict {
	const char	*word;		/* "Verified" ... */
	char		detail[512];
	bool		dane_ok, dane_expected;
};

static int
connect_to(const char *addr, unsigned port, unsigned timeout)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct timeval tv = { (time_t)timeout, 0 };
	socklen_t len;
	int	fd;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		len = sizeof(*s6);
	} else {
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	/* SO_SNDTIMEO bounds connect() as well on Linux. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one reply; returns its code (0 on error) and whether a line of it
 * announced STARTTLS. */
static int
read_reply(int fd, bool *starttls)
{
	char	line[LINE_MAX_SMTP + 1];
	size_t	n = 0, lines = 0;
	int	code = 0;

	if (starttls)
		*starttls = false;
	for (;;) {
		char	c;
		ssize_t	r = read(fd, &c, 1);

		if (r != 1)
			return 0;
		if (c != '\n') {
			if (n >= LINE_MAX_SMTP)
				return 0;
			line[n++] = c;
			continue;
		}
		if (n > 0 && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		if (n < 3 || ++lines > REPLY_MAX_LINES)
			return 0;
		code = atoi(line);
		if (starttls && n >= 12 && strncasecmp(line + 4, "STARTTLS", 8) == 0)
			*starttls = true;
		if (n == 3 || line[3] == ' ')
			return code;
		n = 0;
	}
}

static bool
say(int fd, const char *s)
{
	size_t	len = strlen(s);

	return write(fd, s, len) == (ssize_t)len;
}

static void
dane_setup(SSL *ssl, const char *domain, const struct dane_host *h)
{
	size_t	i;
	const char *base = h->tlsa_base ? h->tlsa_base : h->name;

	SSL_dane_enable(ssl, base);
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	/* Reference identifiers for DANE-TA: the TLSA base domain (set by
	 * SSL_dane_enable), the MX host name and the next-hop domain. */
	SSL_add1_host(ssl, h->name);
	SSL_add1_host(ssl, domain);
	for (i = 0; i < h->ntlsa; i++) {
		const struct dns_tlsa *t = &h->tlsa[i];

		if (dane_tlsa_usable(t))
			SSL_dane_tlsa_add(ssl, t->usage, t->selector, t->mtype,
			    t->data, t->len);
	}
}

static void
tls_verdict(SSL *ssl, bool dane, bool have_ca, struct verdict *v)
{
	long	vr = SSL_get_verify_result(ssl);
	uint8_t	u, s, m;
	unsigned const char *data;
	size_t	dlen;
	char	how[64] = "";

	if (dane) {
		if (vr == X509_V_OK && SSL_get0_dane_tlsa(ssl, &u, &s, &m,
		    &data, &dlen) >= 0) {
			v->word = "Verified";
			v->dane_ok = true;
			snprintf(how, sizeof(how), "DANE %u %u %u", u, s, m);
		} else {
			v->word = "DANE failed";
			snprintf(how, sizeof(how), "%s",
			    X509_verify_cert_error_string(vr));
		}
	} else if (have_ca && vr == X509_V_OK) {
		/* As posttls-finger says it: the chain verifies, no name
		 * was matched. */
		v->word = "Trusted";
		snprintf(how, sizeof(how), "no usable TLSA; chain only, name "
		    "not checked");
	} else {
		v->word = "Untrusted";
		snprintf(how, sizeof(how), "no usable TLSA%s%s",
		    have_ca ? ": " : "", have_ca ?
		    X509_verify_cert_error_string(vr) : "");
	}
	snprintf(v->detail, sizeof(v->detail), "TLS connection (%s), %s with "
	    "cipher %s", how, SSL_get_version(ssl), SSL_get_cipher_name(ssl));
}

static void
probe_addr(const char *domain, const struct dane_host *h, const char *addr,
    unsigned port, unsigned timeout, const char *cafile, struct verdict *v)
{
	bool	dane = h->state == HOST_USABLE, tls;
	SSL_CTX	*ctx = NULL;
	SSL	*ssl = NULL;
	int	fd;

	v->dane_expected = dane;
	if ((fd = connect_to(addr, port, timeout)) < 0) {
		v->word = "unreachable";
		snprintf(v->detail, sizeof(v->detail), "%s", strerror(errno));
		return;
	}
	if (read_reply(fd, NULL) != 220 || !say(fd, "EHLO gatewarden-maps\r\n") ||
	    read_reply(fd, &tls) != 250) {
		v->word = "unreachable";
		snprintf(v->detail, sizeof(v->detail), "SMTP dialogue failed");
		goto out;
	}
	if (!tls || !say(fd, "STARTTLS\r\n") || read_reply(fd, NULL) != 220) {
		v->word = "no STARTTLS";
		snprintf(v->detail, sizeof(v->detail), "the server did not "
		    "offer or accept STARTTLS");
		goto out;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL || SSL_CTX_dane_enable(ctx) <= 0)
		goto tls_error;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (!dane && cafile)
		SSL_CTX_load_verify_locations(ctx, cafile, NULL);
	if ((ssl = SSL_new(ctx)) == NULL)
		goto tls_error;
	SSL_set_tlsext_host_name(ssl, h->tlsa_base ? h->tlsa_base : h->name);
	if (dane)
		dane_setup(ssl, domain, h);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1)
		goto tls_error;
	tls_verdict(ssl, dane, cafile != NULL, v);
	SSL_shutdown(ssl);
	goto out;
tls_error:
	v->word = dane ? "DANE failed" : "TLS failed";
	snprintf(v->detail, sizeof(v->detail), "TLS handshake failed: %s",
	    ERR_reason_error_string(ERR_peek_last_error()) ?
	    ERR_reason_error_string(ERR_peek_last_error()) : "unknown");
	ERR_clear_error();
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
}

static void
print_line(FILE *out, bool json, bool *first, const struct dane_host *h,
    const char *addr, unsigned port, const struct verdict *v)
{
	if (!json) {
		bool	tls = strncmp(v->detail, "TLS ", 4) == 0;

		fprintf(out, "%s[%s]:%u: %s %s%s%s\n", h->name,
		    addr ? addr : "-", port, v->word, tls ? "" : "(",
		    v->detail, tls ? "" : ")");
		return;
	}
	fputs(*first ? "{" : ",{", out);
	*first = false;
	fputs("\"host\":", out);
	report_json_string(out, h->name);
	fputs(",\"address\":", out);
	report_json_string(out, addr);
	fprintf(out, ",\"port\":%u,\"state\":", port);
	report_json_string(out, dane_host_state_name(h->state));
	fputs(",\"verdict\":", out);
	report_json_string(out, v->word);
	fputs(",\"detail\":", out);
	report_json_string(out, v->detail);
	fputc('}', out);
}

int
probe_domain(const struct dns_source *src, const char *domain, unsigned port,
    unsigned timeout, const char *cafile, bool json, FILE *out)
{
	struct dane_domain *d = dane_lookup(src, domain);
	size_t	i, j, expected = 0, verified = 0;
	bool	first = true, failed = false;

	if (json) {
		fputs("{\"domain\":", out);
		report_json_string(out, domain);
		fprintf(out, ",\"mx_status\":\"%s\",\"hosts\":[",
		    dns_sec_name(d->mx_sec));
	} else {
		fprintf(out, "%s: MX %s%s%s\n", domain, dns_sec_name(d->mx_sec),
		    d->why ? ": " : "", d->why ? d->why : "");
	}
	if (d->mx_sec == DNS_SEC_BOGUS || d->mx_sec == DNS_SEC_FAILED)
		failed = true;
	for (i = 0; i < d->nhosts; i++) {
		const struct dane_host *h = &d->hosts[i];
		struct verdict v;

		memset(&v, 0, sizeof(v));
		if (h->state == HOST_USABLE)
			expected++;
		if (h->state == HOST_BOGUS || h->state == HOST_FAILED ||
		    h->naddr == 0) {
			v.word = h->naddr == 0 && h->state != HOST_BOGUS &&
			    h->state != HOST_FAILED ? "unreachable" : "deferred";
			snprintf(v.detail, sizeof(v.detail), "%s",
			    h->why ? h->why : dane_host_state_name(h->state));
			print_line(out, json, &first, h, NULL, port, &v);
			failed |= h->state == HOST_BOGUS ||
			    h->state == HOST_FAILED;
			continue;
		}
		for (j = 0; j < h->naddr; j++) {
			memset(&v, 0, sizeof(v));
			probe_addr(domain, h, h->addr[j], port, timeout,
			    cafile, &v);
			print_line(out, json, &first, h, h->addr[j], port, &v);
			if (v.dane_expected && v.dane_ok)
				verified++;
			else if (v.dane_expected)
				failed = true;
		}
	}
	if (json)
		fprintf(out, "],\"verified\":%zu}\n", verified);
	dane_domain_free(d);
	return !failed && expected > 0 && verified > 0 ? 0 : 1;
}
