/*
 * session - see session.h.
 */
#include "config.h"

#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif
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
	m->max_header_fields = s->cfg->milter.max_header_fields;
	spool_init(&m->body, s->cfg->milter.spool_dir,
	    s->cfg->milter.memory_limit_per_message,
	    s->cfg->milter.memory_limit_total);
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

/* What malloc holds for one request, as glibc (like most allocators)
 * does it: a size_t header, rounded up to two words, at least four; big
 * requests in whole pages. It may also hand out a free chunk up to four
 * words larger than asked. The limits check the most it may hold before
 * allocating and count what it holds after (what the allocator reports,
 * if more), so the count never passes HEADERS_MAX. */
#define MALLOC_ALIGN	(2 * sizeof(size_t))
#define MALLOC_MIN	(4 * sizeof(size_t))
#define MALLOC_PAGE	4096

static size_t
round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

static size_t
alloc_usual(size_t req)
{
	size_t	n = round_up(req + sizeof(size_t), MALLOC_ALIGN);

	if (req >= MALLOC_PAGE)
		n = round_up(req + 3 * sizeof(size_t), MALLOC_PAGE);
	return n < MALLOC_MIN ? MALLOC_MIN : n;
}

static size_t
alloc_most(size_t req)
{
	return alloc_usual(req) + MALLOC_MIN;
}

/* What the allocator holds for p, asked for req bytes. */
static size_t
alloc_held(void *p, size_t req)
{
	size_t	n = alloc_usual(req);

#ifdef HAVE_MALLOC_USABLE_SIZE
	if (malloc_usable_size(p) + sizeof(size_t) > n)
		n = malloc_usable_size(p) + sizeof(size_t);
#else
	(void)p;
#endif
	return n;
}

size_t
header_alloc_cost(size_t namelen, size_t valuelen)
{
	return alloc_most(namelen + valuelen + 2);
}

/* Room for one more header in the array, counted in header_bytes; false
 * when the larger array could pass HEADERS_MAX. The array never grows
 * past max_header_fields slots. */
static bool
headers_room(struct message *m, size_t cost)
{
	size_t	cap, held;

	if (m->nheaders < m->headers_cap)
		return true;
	cap = m->headers_cap ? m->headers_cap * 2 : 32;
	if (cap > m->max_header_fields)
		cap = m->max_header_fields;
	if (alloc_most(cap * sizeof(*m->headers)) >
	    HEADERS_MAX - (m->header_bytes - m->headers_held) - cost)
		return false;
	m->headers = x_reallocarray(m->headers, cap, sizeof(*m->headers));
	held = alloc_held(m->headers, cap * sizeof(*m->headers));
	m->header_bytes = m->header_bytes - m->headers_held + held;
	m->headers_held = held;
	m->headers_cap = cap;
	return true;
}

bool
message_add_header(struct message *m, const char *name, const char *value)
{
	size_t	nlen = strlen(name), vlen = strlen(value);
	size_t	cost = header_alloc_cost(nlen, vlen);
	char	*p;

	if (m->header_limit != HLIMIT_NONE)
		return false;
	if (m->nheaders >= m->max_header_fields) {
		m->header_limit = HLIMIT_FIELDS;
		return false;
	}
	if (cost > HEADERS_MAX - m->header_bytes || !headers_room(m, cost)) {
		m->header_limit = HLIMIT_BYTES;
		return false;
	}
	p = x_malloc(nlen + vlen + 2);
	cost = alloc_held(p, nlen + vlen + 2);
	memcpy(p, name, nlen + 1);
	memcpy(p + nlen + 1, value, vlen + 1);
	m->headers[m->nheaders].name = p;
	m->headers[m->nheaders].value = p + nlen + 1;
	m->nheaders++;
	m->header_bytes += cost;
	m->header_text_bytes += nlen + vlen + 2;
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
	if (m->nrcpts == m->rcpts_cap) {
		m->rcpts_cap = m->rcpts_cap ? m->rcpts_cap * 2 : 8;
		m->rcpts = x_reallocarray(m->rcpts, m->rcpts_cap,
		    sizeof(*m->rcpts));
		m->rcpt_params = x_reallocarray(m->rcpt_params, m->rcpts_cap,
		    sizeof(*m->rcpt_params));
	}
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
	for (i = 0; i < m->nheaders; i++)
		free(m->headers[i].name);	/* the value is in it */
	free(m->headers);
	for (i = 0; i < m->nrcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	free(m->rcpt_params);
	free(m->sender);
	free(m);
}
