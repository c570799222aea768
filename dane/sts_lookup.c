/*
 * sts_lookup - see sts_lookup.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dane/sts_cache.h"
#include "dane/sts_lookup.h"
#include "lib/xalloc.h"

#define REFRESH_MAX_AGE	86400	/* a cached policy is fetched again daily */

struct sts_ctx {
	struct sts_cache *cache;
	struct sts_fetch_opts fetch_opts;
	uint32_t	max_age_cap;
	time_t		(*clock)(void *);
	sts_fetch_fn	*fetch;
	void		*hook_arg;
};

static enum sts_fetch_result
real_fetch(void *arg, const struct dns_source *src, const char *domain,
    const struct sts_fetch_opts *o, char **body, size_t *len, char **why)
{
	(void)arg;
	return sts_fetch(src, domain, o, body, len, why);
}

struct sts_ctx *
sts_ctx_new(const struct mta_sts_conf *c, uid_t owner, gid_t group,
    char **err)
{
	struct sts_ctx *x = x_calloc(1, sizeof(*x));

	if ((x->cache = sts_cache_open(c->cache_file, owner, group,
	    err)) == NULL) {
		free(x);
		return NULL;
	}
	x->fetch_opts.ca_file = c->lab_ca_file;
	x->fetch_opts.timeout = (unsigned)(c->timeout > 300 ? 300 :
	    c->timeout);
	x->max_age_cap = (uint32_t)(c->max_age_cap > STS_MAX_AGE ?
	    STS_MAX_AGE : c->max_age_cap);
	x->fetch = real_fetch;
	return x;
}

void
sts_ctx_free(struct sts_ctx *x)
{
	if (x == NULL)
		return;
	sts_cache_close(x->cache);
	free(x);
}

void
sts_ctx_set_hooks(struct sts_ctx *x, time_t (*clock)(void *),
    sts_fetch_fn *fetch, void *arg)
{
	x->clock = clock;
	x->fetch = fetch ? fetch : real_fetch;
	x->hook_arg = arg;
}

static time_t
now(const struct sts_ctx *x)
{
	return x->clock ? x->clock(x->hook_arg) : time(NULL);
}

void
sts_result_clear(struct sts_result *r)
{
	if (r == NULL)
		return;
	sts_policy_clear(&r->policy);
	free(r->why);
	memset(r, 0, sizeof(*r));
}

void
sts_result_copy(struct sts_result *out, const struct sts_result *in)
{
	*out = *in;
	sts_policy_copy(&out->policy, &in->policy);
	out->why = in->why ? x_strdup(in->why) : NULL;
}

static uint32_t
bound_ttl(uint32_t ttl, time_t until, time_t t)
{
	if (until > t && (uint64_t)(until - t) < ttl)
		ttl = (uint32_t)(until - t);
	return ttl ? ttl : 1;
}

static void
set_why(struct sts_result *r, char *why)
{
	free(r->why);
	r->why = why;
}

/* The cached policy of domain when it parses; expired ones too. */
static bool
load_cached(struct sts_ctx *x, const char *domain, struct sts_cached *c,
    struct sts_policy *p)
{
	const char *why;

	if (!sts_cache_get(x->cache, domain, c))
		return false;
	if (!sts_policy_parse(c->text, strlen(c->text), p, &why)) {
		/* Written by us, so never; unless the file was edited. */
		sts_cache_delete(x->cache, domain);
		sts_cached_clear(c);
		return false;
	}
	return true;
}

static void
use_cached(struct sts_result *r, const struct sts_cached *c,
    struct sts_policy *p, uint32_t ttl, time_t t)
{
	r->status = STS_POLICY;
	r->policy = *p;
	memset(p, 0, sizeof(*p));
	memcpy(r->id, c->id, sizeof(r->id));
	r->cached = true;
	r->expires = c->expires;
	r->ttl = bound_ttl(ttl, c->expires, t);
}

/* Fetches, parses and caches; true with r filled on success. */
static bool
fetch_policy(struct sts_ctx *x, const struct dns_source *src,
    const char *domain, const char *id, uint32_t txt_ttl,
    struct sts_result *r, time_t t)
{
	const char *perr;
	char	*body = NULL, *why = NULL;
	size_t	len = 0;
	struct sts_policy p;
	uint32_t age;

	r->fetched = true;
	r->fetch = x->fetch(x->hook_arg, src, domain, &x->fetch_opts, &body,
	    &len, &why);
	if (r->fetch == STS_FETCH_OK && !sts_policy_parse(body, len, &p,
	    &perr)) {
		r->fetch = STS_FETCH_INVALID;
		why = x_asprintf("policy of %s: %s", domain, perr);
	}
	if (r->fetch != STS_FETCH_OK) {
		set_why(r, why ? why : x_strdup("the policy fetch failed"));
		free(body);
		return false;
	}
	free(why);
	age = p.max_age < x->max_age_cap ? p.max_age : x->max_age_cap;
	sts_cache_put(x->cache, domain, id, body, t, t + (time_t)age);
	free(body);
	r->status = STS_POLICY;
	r->policy = p;
	strcpy(r->id, id);
	r->expires = t + (time_t)age;
	r->ttl = bound_ttl(txt_ttl, r->expires, t);
	set_why(r, x_asprintf("policy id %s fetched (mode %s, max_age %u)",
	    id, sts_mode_name(p.mode), age));
	return true;
}

void
sts_lookup(struct sts_ctx *x, const struct dns_source *src,
    const char *domain, struct sts_result *r)
{
	struct dns_answer txt;
	struct sts_cached c;
	struct sts_policy cp;
	char	*qname = x_asprintf("_mta-sts.%s", domain);
	char	id[STS_MAX_ID + 1];
	const char *why = NULL;
	time_t	t = now(x);
	bool	have, live;

	memset(r, 0, sizeof(*r));
	memset(&txt, 0, sizeof(txt));
	memset(&cp, 0, sizeof(cp));
	src->query(src->arg, qname, DNS_T_TXT, &txt);
	have = load_cached(x, domain, &c, &cp);
	live = have && c.expires > t;
	if (txt.sec == DNS_SEC_FAILED || txt.sec == DNS_SEC_BOGUS) {
		char	*w = x_asprintf("%s %s%s%s", qname,
		    dns_sec_name(txt.sec), txt.why ? ": " : "",
		    txt.why ? txt.why : "");

		if (live) {
			use_cached(r, &c, &cp, STS_FAIL_TTL, t);
			set_why(r, x_asprintf("%s; the cached policy applies",
			    w));
			free(w);
		} else {
			r->status = STS_TEMP;
			r->ttl = STS_FAIL_TTL;
			set_why(r, w);
		}
		goto out;
	}
	if (sts_txt_parse(txt.kind == DNS_KIND_DATA ? txt.txt : NULL,
	    txt.kind == DNS_KIND_DATA ? txt.ntxt : 0, id, &why) !=
	    STS_TXT_OK) {
		if (live) {
			use_cached(r, &c, &cp, txt.ttl, t);
			set_why(r, x_asprintf("%s; the cached policy applies "
			    "until it expires", why));
		} else {
			r->status = STS_NONE;
			r->ttl = txt.ttl ? txt.ttl : 1;
			set_why(r, x_strdup(why));
		}
		goto out;
	}
	if (live && strcmp(c.id, id) == 0) {
		uint32_t age = (uint32_t)(c.expires - c.fetched);
		uint32_t refresh = age / 2 < REFRESH_MAX_AGE ? age / 2 :
		    REFRESH_MAX_AGE;

		if (t - c.fetched < (time_t)refresh || refresh == 0) {
			use_cached(r, &c, &cp, txt.ttl, t);
			set_why(r, x_asprintf("policy id %s, cached", id));
			goto out;
		}
	}
	if (fetch_policy(x, src, domain, id, txt.ttl, r, t))
		goto out;
	if (live) {
		char	*w = r->why;

		r->why = NULL;
		use_cached(r, &c, &cp, STS_FAIL_TTL, t);
		set_why(r, x_asprintf("%s; the cached policy id %s applies "
		    "until it expires", w, c.id));
		free(w);
	} else {
		r->status = STS_NONE;
		r->ttl = STS_FAIL_TTL;
	}
out:
	sts_policy_clear(&cp);
	sts_cached_clear(&c);
	dns_answer_clear(&txt);
	free(qname);
}
