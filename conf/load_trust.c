/*
 * load_trust - trust.revocation: how certificates are checked for
 * revocation (mode, what an unknown status means, the deadline of a
 * fetch, the cache, a responder of one's own).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/load.h"
#include "lib/xalloc.h"

void
revocation_conf_default(struct revocation_conf *r)
{
	memset(r, 0, sizeof(*r));
	r->mode = REVMODE_OCSP_THEN_CRL;
	r->on_unknown = UNKNOWN_TEMPFAIL;
	r->timeout = 10;
	r->cache = REVCACHE_KEYSTORE;
	r->max_age = 3600;
	r->max_fetches = 8;
}

/* An http:// URL: OCSP and CRLs travel over plain HTTP (RFC 6960 A.1,
 * RFC 5280 4.2.1.13); their answers are signed, and an https:// one would
 * need revocation checking of its own. */
static bool
check_http_url(const char *s, const char **why)
{
	size_t	i;

	if (strncasecmp(s, "http://", 7) != 0 || s[7] == '\0' || s[7] == '/') {
		*why = "write an http:// URL with a host, e.g. "
		    "http://ocsp.example.com/";
		return false;
	}
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f) {
			*why = "no spaces or control characters in a URL";
			return false;
		}
	if (i > 2048) {
		*why = "longer than 2048 characters";
		return false;
	}
	return true;
}

static void
rev_responder(struct ld *l, const struct ynode *v, void *obj)
{
	struct revocation_conf *r = obj;
	const char *s = ld_scalar(l, v, "ocsp_responder"), *why;

	if (s == NULL)
		return;
	if (!check_http_url(s, &why)) {
		ld_error(l, v, "bad ocsp_responder \"%s\": %s", s, why);
		return;
	}
	free(r->ocsp_responder);
	r->ocsp_responder = x_strdup(s);
}

static void
trust_revocation(struct ld *l, const struct ynode *v, void *obj)
{
	static const struct field f[] = {
		FLD_WORD("mode", struct revocation_conf, mode,
		    words_revocation_mode),
		FLD_WORD("on_unknown", struct revocation_conf, on_unknown,
		    words_on_unknown),
		FLD_NUM("timeout", F_DUR, struct revocation_conf, timeout, 1, 0),
		FLD_WORD("cache", struct revocation_conf, cache,
		    words_revocation_cache),
		FLD_NUM("max_age", F_DUR, struct revocation_conf, max_age, 60, 0),
		FLD_NUM("max_fetches", F_UINT, struct revocation_conf,
		    max_fetches, 1, 256),
		FLD_FN("ocsp_responder", rev_responder),
	};
	struct revocation_conf *r = &((struct trust_conf *)obj)->revocation;
	const struct ynode *vals[NFIELDS(f)];

	if (!ld_walk(l, v, "revocation", f, NFIELDS(f), r, vals))
		return;
	if (vals[2] != NULL && r->timeout > 120)
		ld_error(l, vals[2], "timeout %llus is too long for a fetch on "
		    "the mail path: at most 2m", (unsigned long long)r->timeout);
}

void
load_trust(struct ld *l, const struct ynode *map)
{
	static const struct field f[] = {
		FLD("system_cas", F_BOOL, struct trust_conf, system_cas),
		FLD("system_ca_file", F_PATH, struct trust_conf,
		    system_ca_file),
		FLD("custom_ca_file", F_PATH, struct trust_conf,
		    custom_ca_file),
		FLD_FN("revocation", trust_revocation),
	};

	ld_walk(l, map, "trust", f, NFIELDS(f), &l->c->trust, NULL);
}
