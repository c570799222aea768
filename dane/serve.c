/*
 * serve - the event loop of gatewarden-maps serve (see serve.h).
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "dane/netstring.h"
#include "dane/serve.h"
#include "dane/serve_cache.h"
#include "dane/serve_pool.h"
#include "dane/serve_socket.h"
#include "dane/sockmap.h"
#include "lib/log.h"
#include "lib/pidfile.h"
#include "lib/xalloc.h"

#define IDLE_TIMEOUT	120		/* above any query_timeout */
#define IO_HIGH		(64 * 1024)	/* bytes buffered per direction */
#define REFRESH_RETRY	5		/* seconds after a failed refresh */
#define STALE_GRACE	5		/* seconds an expired good answer may
					 * be sent while it is refreshed */
#define STOP_WAIT	5		/* seconds for the look-ups in flight */

struct server;

struct conn {
	struct server	*srv;
	struct bufferevent *bev;
	struct waiter	*w;		/* the request waiting, if any */
	struct sockmap_request req;	/* that request */
	bool		closing;
	struct conn	*prev, *next;
};

struct waiter {
	struct conn	*conn;
	struct entry	*entry;
	struct event	*deadline;
	struct waiter	*next;
};

struct server {
	struct event_base *base;
	struct evconnlistener *lis;
	struct serve_ctx *ctx;
	struct pool	*pool;
	struct cache	*cache;
	struct event	*done_ev, *tick_ev, *sigs[4];
	struct conn	*conns;
	unsigned	nconns;
	const char	*config_path;
	time_t		last_refused_log;
	unsigned long	answered, hits, lookups, refreshes, timeouts;
};

static const struct socketmap_conf *
smconf(const struct server *s)
{
	return &s->ctx->cfg->socketmap;
}

/* ---- replies ---- */

static void
send_reply(struct conn *c, const char *status, const char *text)
{
	size_t	len;
	char	*r = sockmap_reply(status, text, &len);

	bufferevent_write(c->bev, r, len);
	free(r);
	c->srv->answered++;
}

static void
reply_answer(struct conn *c, const struct sockmap_request *req,
    const struct answer *a)
{
	switch (a->status) {
	case ANSWER_TEMP:
		send_reply(c, "TEMP", a->text);
		return;
	case ANSWER_PERM:
		send_reply(c, "PERM", a->text);
		return;
	case ANSWER_OK:
		break;
	}
	if (req->kind == SM_KIND_POSTFIX)
		send_reply(c, "OK", a->postfix);
	else if (a->sm_value && a->sm_key && strcmp(a->sm_key, req->tag) == 0)
		send_reply(c, "OK", a->sm_value);
	else
		send_reply(c, "NOTFOUND", NULL);
}

static void
waiter_detach(struct waiter *w)
{
	struct waiter **pp;

	for (pp = &w->entry->waiters; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	event_free(w->deadline);
	w->conn->w = NULL;
	free(w);
}

static void
conn_free(struct conn *c)
{
	struct server *s = c->srv;

	if (c->w)
		waiter_detach(c->w);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	bufferevent_free(c->bev);
	free(c);
}

/* Answers the MTA's mistake and hangs up once the reply is out. */
static void
close_with(struct conn *c, const char *status, const char *text)
{
	send_reply(c, status, text);
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
}

/* ---- look-ups ---- */

static bool
submit(struct server *s, struct entry *e, bool refresh)
{
	struct job *j = job_new(e->domain, serve_ctx_ref(s->ctx), refresh);

	if (!pool_submit(s->pool, j)) {
		job_free(j);
		return false;
	}
	e->busy = true;
	if (refresh)
		s->refreshes++;
	else
		s->lookups++;
	if (refresh)
		log_debug("domain=%s action=refresh expires_in=%lds",
		    e->domain, (long)(e->expires - time(NULL)));
	else
		log_debug("domain=%s action=lookup", e->domain);
	return true;
}

static void process_input(struct conn *);

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;
	struct conn *c = w->conn;
	char	text[400];

	(void)fd, (void)what;
	snprintf(text, sizeof(text), "the look-up of %s did not finish "
	    "within %llus; it goes on and its answer will be kept",
	    w->entry->domain,
	    (unsigned long long)smconf(c->srv)->query_timeout);
	waiter_detach(w);
	c->srv->timeouts++;
	send_reply(c, "TIMEOUT", text);
	process_input(c);
}

static void
handle_request(struct conn *c, const struct sockmap_request *req)
{
	struct server *s = c->srv;
	struct timeval tv = { 0, 0 };
	struct waiter *w;
	struct entry *e;
	time_t	now = time(NULL);

	if (req->type == SM_REQ_NOTFOUND) {
		send_reply(c, "NOTFOUND", NULL);
		return;
	}
	if (req->type == SM_REQ_PERM) {
		send_reply(c, "PERM", req->why);
		return;
	}
	e = cache_get(s->cache, req->domain, now);
	e->last_used = now;
	if (e->ans && e->expires > now) {
		s->hits++;
		reply_answer(c, req, e->ans);
		return;
	}
	/*
	 * A resolver in front of us answers from its own cache with the
	 * TTL left, so a refresh cannot outlive that cache: the good answer
	 * that has just run out is sent once more while its refresh runs,
	 * for a few seconds at most. A failed refresh ends this at once.
	 */
	if (e->ans && e->ans->status == ANSWER_OK && !e->refresh_failed &&
	    now - e->expires < STALE_GRACE && (e->busy || submit(s, e, true))) {
		s->hits++;
		reply_answer(c, req, e->ans);
		return;
	}
	if (!e->busy && !submit(s, e, false)) {
		send_reply(c, "TEMP", "too many look-ups queued; try again");
		return;
	}
	w = x_calloc(1, sizeof(*w));
	w->conn = c;
	w->entry = e;
	w->next = e->waiters;
	e->waiters = w;
	c->w = w;
	c->req = *req;
	w->deadline = evtimer_new(s->base, on_deadline, w);
	tv.tv_sec = (time_t)smconf(s)->query_timeout;
	evtimer_add(w->deadline, &tv);
}

/* Requests in the input, one at a time: a connection waiting for an
 * answer reads on (to see a hang-up) but processes nothing more. */
static void
process_input(struct conn *c)
{
	while (!c->closing && c->w == NULL) {
		struct evbuffer *in = bufferevent_get_input(c->bev);
		size_t	len = evbuffer_get_length(in), look, dlen, used;
		struct sockmap_request req;
		const char *buf, *data;
		enum ns_result r;

		if (len == 0)
			return;
		/* A client that does not read its replies gets no more
		 * until it does (on_write resumes). */
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
		    IO_HIGH)
			return;
		look = len < SOCKMAP_MAX_REQUEST + 16 ? len :
		    SOCKMAP_MAX_REQUEST + 16;
		buf = (const char *)evbuffer_pullup(in, (ev_ssize_t)look);
		r = netstring_parse(buf, look, SOCKMAP_MAX_REQUEST, &data,
		    &dlen, &used);
		if (r == NS_MORE)
			return;
		if (r == NS_BAD) {
			close_with(c, "PERM", "malformed netstring");
			return;
		}
		if (r == NS_TOO_LONG) {
			close_with(c, "PERM", "request longer than 2048 bytes");
			return;
		}
		sockmap_parse(data, dlen, &req);
		evbuffer_drain(in, used);
		handle_request(c, &req);
	}
}

static void
log_change(const struct entry *e, const struct answer *a)
{
	char	pol[300], prev[300], text[400];

	if (e->ans && answer_same(e->ans, a))
		return;
	log_value(pol, sizeof(pol), answer_policy(a));
	if (e->ans)
		log_value(prev, sizeof(prev), answer_policy(e->ans));
	if (a->text)
		log_value(text, sizeof(text), a->text);
	log_info("domain=%s action=%s policy=%s%s%s ttl=%u %s%s%s", e->domain,
	    e->ans ? "changed" : "new", pol, e->ans ? " previous=" : "",
	    e->ans ? prev : "", a->ttl, a->log, a->text ? " text=" : "",
	    a->text ? text : "");
}

/* Answers every request waiting on e, then lets each connection go on
 * with its input (which may evict entries, e among them: e and a are
 * not touched after the first pass). */
static void
reply_waiters(struct entry *e, const struct answer *a)
{
	struct conn *conns[64];
	size_t	n = 0, i;

	while (e->waiters) {
		struct waiter *w = e->waiters;
		struct conn *c = w->conn;
		struct sockmap_request req = c->req;

		waiter_detach(w);
		reply_answer(c, &req, a);
		if (n < sizeof(conns) / sizeof(conns[0]))
			conns[n++] = c;
		else
			process_input(c);
	}
	for (i = 0; i < n; i++)
		process_input(conns[i]);
}

static void
finish_job(struct server *s, struct job *j)
{
	static const struct answer busy = { ANSWER_TEMP, NULL, NULL, NULL,
	    (char *)"too many look-ups queued; try again", NULL, 0 };
	struct entry *e = cache_find(s->cache, j->domain);
	const struct answer *a = j->result;
	time_t	now = time(NULL);

	if (e == NULL)
		return;
	e->busy = false;
	if (j->ctx != s->ctx) {
		/* Decided under a configuration replaced since: again (a
		 * refresh is made again by the tick). */
		if (e->waiters == NULL || submit(s, e, false))
			return;
		a = &busy;
	} else if (a->status == ANSWER_TEMP && e->ans &&
	    e->ans->status == ANSWER_OK && e->expires > now) {
		char	text[400];

		/* A failed refresh: the answer in force stands until it
		 * expires. */
		log_value(text, sizeof(text), a->text);
		log_warn("domain=%s action=refresh-failed keeps_until=%lds "
		    "text=%s", e->domain, (long)(e->expires - now), text);
		e->next_try = now + REFRESH_RETRY;
		e->refresh_failed = true;
	} else {
		time_t	before = e->expires;

		log_change(e, a);
		answer_free(e->ans);
		e->ans = j->result;
		j->result = NULL;
		e->expires = now + (time_t)e->ans->ttl;
		/* The same expiry again: the answer came from a cache that
		 * runs out then, and asking before that gets it again. */
		e->next_try = j->refresh && e->expires <= before ? before : 0;
		e->refresh_failed = false;
	}
	if (e->ans && a != &busy)
		a = e->ans;
	reply_waiters(e, a);
}

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	struct job *j = pool_take_done(s->pool), *next;

	(void)fd, (void)what;
	for (; j; j = next) {
		next = j->next;
		finish_job(s, j);
		job_free(j);
	}
}

/* ---- the refresh tick ---- */

struct tick {
	struct server	*s;
	time_t		now;
};

static void
tick_entry(struct entry *e, void *arg)
{
	struct tick *t = arg;
	struct server *s = t->s;
	uint64_t recent = smconf(s)->refresh_recent;
	bool	used = recent > 0 && (uint64_t)(t->now - e->last_used) <= recent;

	if (e->busy || e->waiters)
		return;
	if (used && e->ans && t->now >= e->next_try) {
		time_t	ahead = (time_t)(e->ans->ttl / 5);

		if (ahead < 2)
			ahead = 2;
		if (ahead > 300)
			ahead = 300;
		if (e->expires - t->now <= ahead &&
		    pool_queued(s->pool) < smconf(s)->max_lookups)
			(void)submit(s, e, true);
		return;
	}
	if (!used && e->expires <= t->now)
		cache_remove(s->cache, e);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct tick t = { arg, time(NULL) };

	(void)fd, (void)what;
	cache_each(t.s->cache, tick_entry, &t);
}

/* ---- connections ---- */

static void
on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	process_input(arg);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			conn_free(c);
		return;
	}
	process_input(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		conn_free(arg);
}

static void
on_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct server *s = arg;
	struct timeval idle = { IDLE_TIMEOUT, 0 };
	struct conn *c;

	(void)lis, (void)sa, (void)salen;
	if (s->nconns >= smconf(s)->max_clients) {
		time_t	now = time(NULL);

		evutil_closesocket(fd);
		if (now != s->last_refused_log) {
			log_warn("client: action=refused reason=max_clients "
			    "max_clients=%u", smconf(s)->max_clients);
			s->last_refused_log = now;
		}
		return;
	}
	c = x_calloc(1, sizeof(*c));
	c->srv = s;
	c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, IO_HIGH);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ---- signals: reload and stop ---- */

static void
expire_entry(struct entry *e, void *arg)
{
	(void)arg;
	e->expires = 0;
	e->next_try = 0;
}

static void
reload(struct server *s)
{
	struct diags d = { 0 };
	struct config *cfg = config_load(s->config_path, &d);
	struct serve_ctx *x;
	char	*err = NULL;
	size_t	i;

	for (i = 0; i < d.n; i++) {
		if (d.v[i].severity == DIAG_ERROR)
			log_error("%s:%u:%u: %s", d.v[i].file, d.v[i].line,
			    d.v[i].col, d.v[i].msg);
		else
			log_warn("%s:%u:%u: warning: %s", d.v[i].file,
			    d.v[i].line, d.v[i].col, d.v[i].msg);
	}
	diags_free(&d);
	if (cfg == NULL) {
		log_error("reload: action=refused reason=\"the configuration "
		    "has errors; the one in force stays\"");
		return;
	}
	if (strcmp(cfg->socketmap.socket, smconf(s)->socket) != 0 ||
	    cfg->socketmap.max_lookups != smconf(s)->max_lookups)
		log_warn("reload: socketmap.socket and max_lookups change "
		    "only at a restart");
	/* Running as the server's user already: files it makes are its. */
	if ((x = serve_ctx_new(cfg, (uid_t)-1, (gid_t)-1, &err)) == NULL) {
		log_error("reload: action=refused reason=\"%s\"", err);
		free(err);
		return;
	}
	serve_ctx_unref(s->ctx);
	s->ctx = x;
	/* Every answer is decided again; the recently used ones at the
	 * next tick. */
	cache_each(s->cache, expire_entry, NULL);
	log_info("reload: action=done config=%s", s->config_path);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *s = arg;

	(void)what;
	if (sig == SIGUSR1) {
		log_info("reload: signal=USR1");
		reload(s);
		return;
	}
	log_info("stop: signal=%s", sig == SIGTERM ? "TERM" :
	    sig == SIGINT ? "INT" : "HUP");
	event_base_loopbreak(s->base);
}

/* ---- the whole ---- */

static void
stop(struct server *s)
{
	struct job *j, *next;
	bool	all;
	size_t	i;

	evconnlistener_free(s->lis);
	while (s->conns)
		conn_free(s->conns);
	log_info("stop: answers=%lu from_cache=%lu lookups=%lu refreshes=%lu "
	    "timeouts=%lu", s->answered, s->hits, s->lookups, s->refreshes,
	    s->timeouts);
	all = pool_stop(s->pool, STOP_WAIT);
	if (!all) {
		/* A look-up stuck in DNS still holds the context: leave it
		 * to the exit. */
		log_warn("stop: look-ups still running after %us; leaving "
		    "them", STOP_WAIT);
		serve_unlink(smconf(s)->socket);
		pidfile_remove();
		log_close();
		_exit(0);
	}
	for (j = pool_take_done(s->pool); j; j = next) {
		next = j->next;
		job_free(j);
	}
	pool_free(s->pool);
	cache_free(s->cache);
	for (i = 0; i < 4; i++)
		event_free(s->sigs[i]);
	event_free(s->tick_ev);
	event_free(s->done_ev);
	serve_ctx_unref(s->ctx);
	event_base_free(s->base);
	libevent_global_shutdown();
}

int
serve_run(struct serve_ctx *ctx, int fd, const char *config_path)
{
	static const int sigs[4] = { SIGUSR1, SIGTERM, SIGINT, SIGHUP };
	struct server s;
	struct timeval second = { 1, 0 };
	size_t	i;

	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.config_path = config_path;
	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() != 0 ||
	    (s.base = event_base_new()) == NULL)
		log_fatal("libevent: cannot make an event base");
	s.lis = evconnlistener_new(s.base, on_accept, &s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (s.lis == NULL)
		log_fatal("libevent: cannot listen on %s", smconf(&s)->socket);
	s.done_ev = event_new(s.base, -1, 0, on_done, &s);
	s.tick_ev = event_new(s.base, -1, EV_PERSIST, on_tick, &s);
	event_add(s.tick_ev, &second);
	for (i = 0; i < 4; i++) {
		s.sigs[i] = evsignal_new(s.base, sigs[i], on_signal, &s);
		event_add(s.sigs[i], NULL);
	}
	s.cache = cache_new(smconf(&s)->cache_size);
	s.pool = pool_new(smconf(&s)->max_lookups, s.done_ev);
	log_info("start: version=%s socket=%s config=%s max_lookups=%u "
	    "query_timeout=%llus", PACKAGE_VERSION, smconf(&s)->socket,
	    config_path, smconf(&s)->max_lookups,
	    (unsigned long long)smconf(&s)->query_timeout);
	event_base_dispatch(s.base);
	stop(&s);
	return 0;
}
