/*
 * harvest - see harvest.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/sbuf.h"
#include "lib/xalloc.h"
#include "smime/harvest.h"
#include "smime/x509/cert_info.h"

static void
line(struct harvest_report *rep, const struct cert_info *ci,
    const char *outcome, const char *reason)
{
	struct sbuf b = { 0 };
	char	esc[512];
	size_t	i;

	sbuf_printf(&b, "harvest=%s fingerprint=%s addresses=", outcome,
	    ci->fingerprint);
	for (i = 0; i < ci->nemails; i++)
		sbuf_printf(&b, "%s%s", i ? "," : "", log_value(esc,
		    sizeof(esc), ci->emails[i]));
	if (ci->nemails == 0)
		sbuf_printf(&b, "-");
	if (reason != NULL)
		sbuf_printf(&b, " reason=%s", log_value(esc, sizeof(esc),
		    reason));
	rep->lines = x_reallocarray(rep->lines, rep->nlines + 1,
	    sizeof(*rep->lines));
	rep->lines[rep->nlines++] = b.s;
}

/* Why c may not be harvested, or NULL when it may. */
static const char *
refusal(const struct harvest_conf *h, const struct inbound_cert *c,
    const struct cert_info *ci, int64_t now)
{
	if (!c->verified && !h->on_failed_verification)
		return "signature not verified";
	if (!h->allow_expired && (now > ci->not_after || now < ci->not_before))
		return "certificate expired or not yet valid";
	if (!h->allow_self_signed && ci->self_signed)
		return "self-signed";
	if (ci->nemails == 0)
		return "no e-mail address";
	return NULL;
}

static void
note_updates(struct harvest_report *rep, const struct cert_info *ci)
{
	size_t	i;
	const char *at;

	for (i = 0; i < ci->nemails; i++) {
		struct harvest_update *u;

		if ((at = strrchr(ci->emails[i], '@')) == NULL)
			continue;
		rep->updates = x_reallocarray(rep->updates, rep->nupdates + 1,
		    sizeof(*rep->updates));
		u = &rep->updates[rep->nupdates++];
		u->address = x_strdup(ci->emails[i]);
		u->domain = x_strdup(at + 1);
		memcpy(u->fingerprint, ci->fingerprint, sizeof(u->fingerprint));
	}
}

static enum ks_status
one(struct keystore *ks, const struct harvest_conf *h,
    const struct inbound_cert *c, int64_t now, struct harvest_report *rep)
{
	struct ks_harvest opts = { h->updated_keys, !h->updated_keys,
	    !c->signing_only };
	struct ks_harvest_outcome out;
	struct cert_info ci;
	const char *why;
	enum ks_status st;

	if (!cert_info_from_der(c->der, c->len, &ci, NULL, &why))
		return KS_OK;	/* the engine parsed it: cannot happen */
	if ((why = refusal(h, c, &ci, now)) != NULL) {
		line(rep, &ci, "refused", why);
		cert_info_clear(&ci);
		return KS_OK;
	}
	st = keystore_harvest_key(ks, c->der, c->len, &opts, now, &out);
	rep->evicted += out.evicted;
	if (st != KS_OK)
		line(rep, &ci, "error", keystore_strerror());
	else if (out.kept_first)
		line(rep, &ci, "kept-first", "updated_keys is off: the "
		    "address keeps its first key");
	else if (!out.added)
		line(rep, &ci, "known", NULL);
	else {
		bool	enc = ci.can_encrypt && !c->signing_only;

		line(rep, &ci, out.known && enc ? "updated" : "stored", enc ?
		    NULL : "for verification only (not for encryption)");
		if (out.known && enc)
			note_updates(rep, &ci);
	}
	cert_info_clear(&ci);
	return st;
}

enum ks_status
harvest_certs(struct keystore *ks, const struct harvest_conf *h,
    const struct inbound_cert *certs, size_t n, int64_t now,
    struct harvest_report *rep)
{
	enum ks_status st, last = KS_OK;
	size_t	i, pass;

	memset(rep, 0, sizeof(*rep));
	if (!h->enabled || ks == NULL)
		return KS_OK;
	/* Certificates for encryption first: with updated_keys off the
	 * first key an address gets is the one it keeps. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++) {
			if ((pass == 0) != (certs[i].encryption_pref ||
			    !certs[i].signing_only))
				continue;
			if ((st = one(ks, h, &certs[i], now, rep)) != KS_OK)
				last = st;
		}
	return last;
}

void
harvest_report_clear(struct harvest_report *rep)
{
	size_t	i;

	for (i = 0; i < rep->nlines; i++)
		free(rep->lines[i]);
	free(rep->lines);
	for (i = 0; i < rep->nupdates; i++) {
		free(rep->updates[i].address);
		free(rep->updates[i].domain);
	}
	free(rep->updates);
	memset(rep, 0, sizeof(*rep));
}
