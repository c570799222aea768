/*
 * session - see session.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "milter/session.h"

struct session *
session_new(struct config *cfg, unsigned long id)
{
	struct session *s = x_calloc(1, sizeof(*s));

	s->cfg = cfg;
	s->id = id;
	session_facts_init(&s->facts);
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

struct message *
session_begin_message(struct session *s, const char *sender,
    char *const *args)
{
	struct message *m;

	session_end_message(s);
	m = x_calloc(1, sizeof(*m));
	m->sender = x_strndup(sender ? sender : "", ADDR_MAX);
	mail_params_parse(&m->mail, args);
	spool_init(&m->body, s->cfg->milter.spool_dir,
	    s->cfg->milter.memory_limit_per_message);
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
	if (s->msg != NULL && s->msg->queue_id[0] != '\0')
		snprintf(buf, bufsz, "%s", s->msg->queue_id);
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
message_set_queue_id(struct message *m, const char *qid)
{
	size_t	i, n = 0;

	if (qid == NULL)
		return;
	/* Queue ids are short tokens; keep nothing that could break a log
	 * line. */
	for (i = 0; qid[i] != '\0' && n < sizeof(m->queue_id) - 1; i++)
		if (qid[i] > ' ' && qid[i] < 0x7f && qid[i] != '"')
			m->queue_id[n++] = qid[i];
	if (n > 0)
		m->queue_id[n] = '\0';
}

void
message_add_rcpt(struct message *m, const char *rcpt, char *const *args)
{
	if (m->nrcpts >= RCPTS_MAX) {
		m->failed = true;
		m->failure = "more recipients than gatewarden keeps";
		return;
	}
	m->rcpts = x_reallocarray(m->rcpts, m->nrcpts + 1, sizeof(*m->rcpts));
	m->rcpt_params = x_reallocarray(m->rcpt_params, m->nrcpts + 1,
	    sizeof(*m->rcpt_params));
	rcpt_params_parse(&m->rcpt_params[m->nrcpts], args);
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
	free(m->rcpt_params);
	free(m->sender);
	free(m);
}
