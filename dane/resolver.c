/*
 * resolver - see resolver.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unbound.h>

#include "dane/resolver.h"
#include "dane/rr.h"
#include "lib/xalloc.h"

struct resolver {
	struct ub_ctx	*ctx;
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	bool		polling;	/* a thread is in poll() on ub_fd */
	unsigned	timeout;	/* seconds */
};

struct pending {
	bool		done;
	int		err;
	struct ub_result *result;
	struct resolver	*r;
};

static char *
ub_err(const char *what, const char *arg, int rc)
{
	return x_asprintf("libunbound %s%s%s: %s", what, arg ? " " : "",
	    arg ? arg : "", ub_strerror(rc));
}

static int
configure(struct ub_ctx *ctx, const struct dns_conf *c, char **err)
{
	size_t	i, j;
	int	rc;

	if ((rc = ub_ctx_async(ctx, 1)) != 0) {
		*err = ub_err("async", NULL, rc);
		return -1;
	}
	if (c->unbound_config &&
	    (rc = ub_ctx_config(ctx, c->unbound_config)) != 0) {
		*err = ub_err("config", c->unbound_config, rc);
		return -1;
	}
	if ((rc = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no")) != 0) {
		*err = ub_err("set_option", "do-not-query-localhost", rc);
		return -1;
	}
	if (c->mode == DNS_FORWARD) {
		for (i = 0; i < c->nforwarders; i++)
			if ((rc = ub_ctx_set_fwd(ctx, c->forwarders[i])) != 0) {
				*err = ub_err("forwarder", c->forwarders[i], rc);
				return -1;
			}
		if (c->nforwarders == 0 && (rc = ub_ctx_resolvconf(ctx,
		    c->resolv_conf ? c->resolv_conf : "/etc/resolv.conf")) != 0) {
			*err = ub_err("resolv.conf", c->resolv_conf, rc);
			return -1;
		}
	}
	if (c->trust_anchor_file &&
	    (rc = ub_ctx_add_ta_file(ctx, c->trust_anchor_file)) != 0) {
		*err = ub_err("trust anchor", c->trust_anchor_file, rc);
		return -1;
	}
	for (i = 0; i < c->nstub_zones; i++)
		for (j = 0; j < c->stub_zones[i].naddresses; j++)
			if ((rc = ub_ctx_set_stub(ctx, c->stub_zones[i].name,
			    c->stub_zones[i].addresses[j], 0)) != 0) {
				*err = ub_err("stub zone",
				    c->stub_zones[i].name, rc);
				return -1;
			}
	/* Last: this finalises the context. A zone that is not a local zone
	 * is no error. */
	if ((rc = ub_ctx_zone_remove(ctx, "test.")) != 0) {
		*err = ub_err("zone_remove", "test.", rc);
		return -1;
	}
	for (i = 0; i < c->nstub_zones; i++)
		(void)ub_ctx_zone_remove(ctx, c->stub_zones[i].name);
	return 0;
}

struct resolver *
resolver_new(const struct dns_conf *c, char **err)
{
	struct resolver *r;

	*err = NULL;
	r = x_calloc(1, sizeof(*r));
	r->timeout = c->timeout ? (unsigned)(c->timeout > 300 ? 300 :
	    c->timeout) : 10;
	if ((r->ctx = ub_ctx_create()) == NULL) {
		*err = x_strdup("libunbound: cannot create a context");
		free(r);
		return NULL;
	}
	if (configure(r->ctx, c, err) != 0) {
		ub_ctx_delete(r->ctx);
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	return r;
}

void
resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	ub_ctx_delete(r->ctx);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}

/* Runs in ub_process(), with r->lock held by the caller. */
static void
answered(void *arg, int err, struct ub_result *result)
{
	struct pending *p = arg;

	p->done = true;
	p->err = err;
	p->result = result;
	pthread_cond_broadcast(&p->r->cond);
}

static long
ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* Waits for p, taking turns with other threads at polling libunbound's
 * descriptor. Called and returns with r->lock held. */
static void
wait_answer(struct resolver *r, struct pending *p,
    const struct timespec *deadline)
{
	long	left;

	while (!p->done && (left = ms_left(deadline)) > 0) {
		if (r->polling) {
			pthread_cond_timedwait(&r->cond, &r->lock, deadline);
			continue;
		}
		r->polling = true;
		pthread_mutex_unlock(&r->lock);
		{
			struct pollfd pfd = { ub_fd(r->ctx), POLLIN, 0 };

			(void)poll(&pfd, 1, left > 100 ? 100 : (int)left);
		}
		pthread_mutex_lock(&r->lock);
		(void)ub_process(r->ctx);
		r->polling = false;
		pthread_cond_broadcast(&r->cond);
	}
}

static void
set_failed(struct dns_answer *out, char *why)
{
	dns_answer_clear(out);
	out->sec = DNS_SEC_FAILED;
	out->why = why;
}

static char *
canon_name(const char *s)
{
	char	*c = x_strdup(s);
	size_t	n = strlen(c), i;

	if (n > 1 && c[n - 1] == '.')
		c[--n] = '\0';
	for (i = 0; i < n; i++)
		c[i] = (char)tolower((unsigned char)c[i]);
	return c;
}

static bool
decode(struct dns_answer *out, enum dns_type type, const struct ub_result *res)
{
	size_t	i, n;

	for (n = 0; res->data[n]; n++)
		;
	if (n > DNS_MAX_RRS)
		n = DNS_MAX_RRS;
	switch (type) {
	case DNS_T_MX:
		out->mx = x_calloc(n ? n : 1, sizeof(*out->mx));
		for (i = 0; i < n; i++) {
			if (!rr_mx((unsigned char *)res->data[i],
			    (size_t)res->len[i], &out->mx[out->nmx]))
				return false;
			out->nmx++;
		}
		break;
	case DNS_T_TLSA:
		out->tlsa = x_calloc(n ? n : 1, sizeof(*out->tlsa));
		for (i = 0; i < n; i++)
			if (rr_tlsa((unsigned char *)res->data[i],
			    (size_t)res->len[i], &out->tlsa[out->ntlsa]))
				out->ntlsa++;
		break;
	case DNS_T_A:
	case DNS_T_AAAA:
		out->addr = x_calloc(n ? n : 1, sizeof(*out->addr));
		for (i = 0; i < n; i++)
			if (rr_addr((unsigned char *)res->data[i],
			    (size_t)res->len[i], &out->addr[out->naddr]))
				out->naddr++;
		break;
	case DNS_T_CNAME:
		if (n > 0 && !rr_cname((unsigned char *)res->data[0],
		    (size_t)res->len[0], &out->target))
			return false;
		break;
	case DNS_T_TXT:
		/* A record that does not decode is skipped: it cannot be
		 * the one the caller looks for. */
		out->txt = x_calloc(n ? n : 1, sizeof(*out->txt));
		for (i = 0; i < n; i++)
			if (rr_txt((unsigned char *)res->data[i],
			    (size_t)res->len[i], &out->txt[out->ntxt]))
				out->ntxt++;
		break;
	}
	return true;
}

static void
convert(struct dns_answer *out, enum dns_type type, int err,
    const struct ub_result *res)
{
	if (err != 0 || res == NULL) {
		set_failed(out, x_strdup(err ? ub_strerror(err) :
		    "no result"));
		return;
	}
	if (res->bogus) {
		dns_answer_clear(out);
		out->sec = DNS_SEC_BOGUS;
		out->why = x_strdup(res->why_bogus ? res->why_bogus :
		    "DNSSEC validation failed");
		return;
	}
	if (res->rcode != 0 && res->rcode != 3) {
		set_failed(out, x_asprintf("rcode %d%s", res->rcode,
		    res->rcode == 2 ? " (SERVFAIL)" : ""));
		return;
	}
	out->sec = res->secure ? DNS_SEC_SECURE : DNS_SEC_INSECURE;
	out->ttl = res->ttl > 0 ? (uint32_t)res->ttl : 0;
	if (res->canonname)
		out->canon = canon_name(res->canonname);
	if (res->nxdomain || res->rcode == 3) {
		out->kind = DNS_KIND_NXDOMAIN;
		return;
	}
	if (!res->havedata) {
		out->kind = DNS_KIND_NODATA;
		return;
	}
	out->kind = DNS_KIND_DATA;
	if (!decode(out, type, res))
		set_failed(out, x_strdup("malformed record in the answer"));
}

static void
resolver_query(void *arg, const char *name, enum dns_type type,
    struct dns_answer *out)
{
	struct resolver *r = arg;
	struct pending p = { false, 0, NULL, r };
	struct timespec deadline;
	int	id = 0, rc;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += r->timeout;
	pthread_mutex_lock(&r->lock);
	rc = ub_resolve_async(r->ctx, name, (int)type, 1, &p, answered, &id);
	if (rc != 0) {
		pthread_mutex_unlock(&r->lock);
		set_failed(out, ub_err("resolve", name, rc));
		return;
	}
	wait_answer(r, &p, &deadline);
	if (!p.done) {
		(void)ub_cancel(r->ctx, id);
		pthread_mutex_unlock(&r->lock);
		set_failed(out, x_asprintf("time-out after %u s", r->timeout));
		return;
	}
	pthread_mutex_unlock(&r->lock);
	convert(out, type, p.err, p.result);
	ub_resolve_free(p.result);
}

struct dns_source
resolver_source(struct resolver *r)
{
	struct dns_source s = { resolver_query, r };

	return s;
}
