/*
 * session - see session.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "milter/session.h"

static const char *const macro_names[M_COUNT] = {
	[M_MTA_VERSION] = "v",
	[M_DAEMON_NAME] = "{daemon_name}",
	[M_CLIENT_ADDR] = "{client_addr}",
	[M_CLIENT_NAME] = "{client_name}",
	[M_CLIENT_RESOLVE] = "{client_resolve}",
	[M_TLS_VERSION] = "{tls_version}",
	[M_CIPHER] = "{cipher}",
	[M_CIPHER_BITS] = "{cipher_bits}",
	[M_CERT_SUBJECT] = "{cert_subject}",
	[M_CERT_ISSUER] = "{cert_issuer}",
	[M_VERIFY] = "{verify}",
	[M_CN_SUBJECT] = "{cn_subject}",
	[M_CN_ISSUER] = "{cn_issuer}",
	[M_AUTH_TYPE] = "{auth_type}",
	[M_AUTH_AUTHEN] = "{auth_authen}",
	[M_QUEUE_ID] = "i",
};

const char *
macro_name(enum macro_id id)
{
	return macro_names[id];
}

struct session *
session_new(struct config *cfg, unsigned long id)
{
	struct session *s = x_calloc(1, sizeof(*s));

	s->cfg = cfg;
	s->id = id;
	return s;
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	session_end_message(s);
	config_unref(s->cfg);
	free(s);
}

void
session_set_macro(struct session *s, enum macro_id id, const char *value)
{
	if (value == NULL)
		return;
	snprintf(s->macros[id], sizeof(s->macros[id]), "%s", value);
	s->have[id] = true;
}

const char *
session_macro(const struct session *s, enum macro_id id)
{
	return s->have[id] ? s->macros[id] : NULL;
}

struct message *
session_begin_message(struct session *s, const char *sender)
{
	struct message *m;

	session_end_message(s);
	m = x_calloc(1, sizeof(*m));
	m->sender = x_strndup(sender ? sender : "", ADDR_MAX);
	spool_init(&m->body, s->cfg->milter.spool_dir,
	    s->cfg->milter.memory_limit_per_message);
	/* The queue id of an earlier message must not leak into this one. */
	s->have[M_QUEUE_ID] = false;
	s->msg = m;
	s->nmessages++;
	return m;
}

void
session_end_message(struct session *s)
{
	message_free(s->msg);
	s->msg = NULL;
}

const char *
session_log_id(const struct session *s, char *buf, size_t bufsz)
{
	const char *qid = session_macro(s, M_QUEUE_ID);

	if (qid != NULL && *qid != '\0')
		snprintf(buf, bufsz, "%s", qid);
	else
		snprintf(buf, bufsz, "conn#%lu", s->id);
	return buf;
}

bool
message_add_header(struct message *m, const char *name, const char *value)
{
	size_t	len = strlen(name) + strlen(value) + 2;

	if (m->header_bytes + len > HEADERS_MAX)
		return false;
	if (m->nheaders == m->headers_cap) {
		m->headers_cap = m->headers_cap ? m->headers_cap * 2 : 32;
		m->headers = x_reallocarray(m->headers, m->headers_cap,
		    sizeof(*m->headers));
	}
	m->headers[m->nheaders].name = x_strdup(name);
	m->headers[m->nheaders].value = x_strdup(value);
	m->nheaders++;
	m->header_bytes += len;
	return true;
}

void
message_add_rcpt(struct message *m, const char *rcpt)
{
	m->rcpts = x_reallocarray(m->rcpts, m->nrcpts + 1, sizeof(*m->rcpts));
	m->rcpts[m->nrcpts++] = x_strndup(rcpt, ADDR_MAX);
}

void
message_free(struct message *m)
{
	size_t	i;

	if (m == NULL)
		return;
	spool_discard(&m->body);
	for (i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	for (i = 0; i < m->nrcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	free(m->sender);
	free(m);
}
