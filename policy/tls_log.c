/*
 * tls_log - see tls_log.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf/words.h"
#include "lib/log.h"
#include "policy/tls_log.h"

#define VALUE_MAX 256

struct line {
	char	*out;
	size_t	size, len;
	bool	truncated;
};

static void
add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct line *l, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (l->truncated)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->out + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= l->size - l->len) {
		l->truncated = true;
		l->len = strlen(l->out);
	} else
		l->len += (size_t)n;
}

/* key=value with value escaped; a space before every pair but the first. */
static void
add_value(struct line *l, const char *key, const char *value)
{
	char	v[VALUE_MAX];

	add(l, "%s%s=%s", l->len ? " " : "", key,
	    log_value(v, sizeof(v), value));
}

/* group= ... client_cert= [cert_subject= cert_issuer=] */
static void
add_facts(struct line *l, const struct sender_group *g,
    const struct session_facts *f, enum ccert_state client_cert)
{
	char	addr[64], bits[16];

	add_value(l, "group", g && g->name ? g->name : "none");
	add_value(l, "policy", g ? word_name(words_tls_level, g->tls) : "none");
	add_value(l, "client", session_facts_addr_text(f, addr, sizeof(addr)));
	if (!f->tls)
		add_value(l, "tls", "none");
	else {
		add_value(l, "tls", f->tls_version_name[0] ?
		    f->tls_version_name : "unknown");
		add_value(l, "cipher", f->cipher[0] ? f->cipher : "unknown");
		if (f->cipher_bits_known)
			snprintf(bits, sizeof(bits), "%u", f->cipher_bits);
		else
			snprintf(bits, sizeof(bits), "unknown");
		add_value(l, "bits", bits);
	}
	add_value(l, "client_cert", ccert_state_name(client_cert));
	if (f->tls && f->cert_subject.state != DN_ABSENT)
		add_value(l, "cert_subject", f->cert_subject.state == DN_OK ?
		    f->cert_subject.v : "invalid");
	if (f->tls && f->cert_issuer.state != DN_ABSENT)
		add_value(l, "cert_issuer", f->cert_issuer.state == DN_OK ?
		    f->cert_issuer.v : "invalid");
}

bool
tls_log_line(char *out, size_t outsz, const struct sender_group *g,
    const struct session_facts *f, const struct tls_verdict *v)
{
	struct line l = { out, outsz, 0, false };

	if (outsz == 0)
		return false;
	out[0] = '\0';
	add_facts(&l, g, f, v->client_cert);
	add_value(&l, "action", tls_verdict_action(v));
	add_value(&l, "requirement", v->requirement ? v->requirement : "none");
	add_value(&l, "reason", v->reason ? v->reason : "unknown");
	if (!v->accept) {
		add_value(&l, "code", v->rcode);
		add_value(&l, "dsn", v->xcode);
	}
	return !l.truncated;
}

bool
tls_facts_line(char *out, size_t outsz, const struct sender_group *g,
    const struct session_facts *f)
{
	struct line l = { out, outsz, 0, false };

	if (outsz == 0)
		return false;
	out[0] = '\0';
	add_facts(&l, g, f, f->tls ? session_facts_client_cert(f) : CCS_NONE);
	return !l.truncated;
}

bool
tls_alert_key(char *out, size_t outsz, const struct sender_group *g,
    const struct session_facts *f)
{
	char	name[VALUE_MAX], addr[64];
	int	n;

	if (outsz == 0)
		return false;
	n = snprintf(out, outsz, "tls-required group=%s client=%s",
	    log_value(name, sizeof(name), g && g->name ? g->name : "none"),
	    session_facts_addr_text(f, addr, sizeof(addr)));
	return n >= 0 && (size_t)n < outsz;
}
