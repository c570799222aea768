/*
 * inbound_result - from the layers inbound.c found to what the milter
 * does: the signer-is-sender rule, the verdict, the entity delivered,
 * the header fields, the failure action, the harvest list and the log
 * line (see inbound.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "lib/sbuf.h"
#include "lib/xalloc.h"
#include "smime/hp_legacy.h"
#include "smime/inbound_int.h"
#include "smime/mime/mime_addr.h"
#include "smime/mime/mime_transport.h"
#include "smime/x509/cert_info.h"

#define FROM_MAX	8
#define REPLY_MAX	300

struct from {
	char	addr[FROM_MAX][MIME_ADDR_MAX];
	size_t	n;
};

static void
from_of(const struct mime_header *h, size_t n, struct from *f)
{
	size_t	i;

	f->n = 0;
	for (i = 0; i < n && f->n < FROM_MAX; i++)
		if (h[i].name != NULL && h[i].value &&
		    (strcasecmp(h[i].name, "from") == 0 ||
		    strcasecmp(h[i].name, "sender") == 0))
			f->n += mime_addr_list(h[i].value, f->addr + f->n,
			    FROM_MAX - f->n);
}

static void
from_addresses(const struct inbound_request *rq, struct from *f)
{
	from_of(rq->headers, rq->nheaders, f);
}

/* The certificate's address that is a sender's, or NULL; with a domain
 * certificate the sender's own address. */
static const char *
sender_match(const struct cert_info *ci, const struct from *f)
{
	size_t	i, j;
	const char *dom;

	for (i = 0; i < f->n; i++) {
		for (j = 0; j < ci->nemails; j++)
			if (strcmp(ci->emails[j], f->addr[i]) == 0)
				return ci->emails[j];
		dom = strrchr(f->addr[i], '@') + 1;
		for (j = 0; j < ci->ndomains; j++)
			if (strcasecmp(ci->domains[j], dom) == 0)
				return f->addr[i];
	}
	return NULL;
}

/* RFC 8550: a signature is the sender's only when its certificate names
 * the sender. */
static void
check_senders(struct engine *e)
{
	struct cert_info ci;
	struct from f;
	const char *why;
	size_t	i;

	from_addresses(e->rq, &f);
	for (i = 0; i < e->nlayers; i++) {
		struct layer *l = &e->layers[i];

		if (l->kind == LAYER_ENVELOPED || l->check != CMS_CHECK_PASS ||
		    l->signer == NULL || !cert_info_from_x509(l->signer, &ci,
		    &why))
			continue;
		if (sender_match(&ci, &f) == NULL) {
			l->check = CMS_CHECK_FAIL;
			snprintf(l->reason, sizeof(l->reason), "signer %.100s is "
			    "not the From address %.100s", ci.nemails ?
			    ci.emails[0] : ci.subject, f.n ? f.addr[0] :
			    "(none)");
		}
		cert_info_clear(&ci);
	}
}

/* ---- the verdict --------------------------------------------------------- */

static bool
is_failure(enum cms_check c)
{
	return c == CMS_CHECK_FAIL || c == CMS_CHECK_PERMERROR;
}

static enum inbound_verdict
of_check(enum cms_check c)
{
	switch (c) {
	case CMS_CHECK_PASS:
		return INV_PASS;
	case CMS_CHECK_FAIL:
		return INV_FAIL;
	case CMS_CHECK_NEUTRAL:
		return INV_NEUTRAL;
	default:
		return INV_PERMERROR;
	}
}

/* The verdict, its reason, and the certificate that names the signer. */
static X509 *
decide(struct engine *e)
{
	struct inbound_result *r = e->r;
	X509	*who = NULL;
	size_t	i;
	int	pass = -1;

	for (i = 0; i < e->nlayers; i++) {
		const struct layer *l = &e->layers[i];

		if (l->kind != LAYER_ENVELOPED && l->signer != NULL &&
		    l->check == CMS_CHECK_PASS)
			pass = (int)i;
		if (is_failure(l->check) && r->verdict == INV_NONE) {
			r->verdict = of_check(l->check);
			snprintf(r->reason, sizeof(r->reason), "%s", l->reason);
			who = l->signer;
		}
	}
	if (r->verdict == INV_NONE && e->stop_verdict != INV_NONE) {
		r->verdict = e->stop_verdict;
		snprintf(r->reason, sizeof(r->reason), "%s", e->stop_reason);
	}
	for (i = 0; i < e->nlayers && r->verdict == INV_NONE; i++)
		if (e->layers[i].check == CMS_CHECK_NEUTRAL ||
		    e->layers[i].unverified) {
			r->verdict = INV_NEUTRAL;
			snprintf(r->reason, sizeof(r->reason), "%s",
			    e->layers[i].reason);
			who = e->layers[i].signer;
		}
	/* An embedded part is reported whatever the layers above it were
	 * (EFAIL: a decrypted message or a good signature may carry one). */
	if (r->verdict == INV_NONE && pass < 0 && e->nemb > 0) {
		r->verdict = INV_NEUTRAL;
		snprintf(r->reason, sizeof(r->reason), "%s", e->emb[0].what);
		who = e->emb[0].signer;
	}
	if (r->verdict == INV_NONE && pass >= 0) {
		r->verdict = INV_PASS;
		snprintf(r->reason, sizeof(r->reason), "%s%s%.200s",
		    e->layers[pass].reason, e->nemb > 0 ? "; " : "",
		    e->nemb > 0 ? e->emb[0].what : "");
	}
	if (r->verdict == INV_NONE)
		snprintf(r->reason, sizeof(r->reason), "not signed");
	if (who == NULL && pass >= 0)
		who = e->layers[pass].signer;
	return who;
}

static void
describe_signer(struct engine *e, X509 *who)
{
	struct inbound_result *r = e->r;
	struct cert_info ci;
	struct from f;
	const char *why, *addr;

	if (who == NULL || !cert_info_from_x509(who, &ci, &why))
		return;
	from_addresses(e->rq, &f);
	addr = sender_match(&ci, &f);
	if (addr == NULL && ci.nemails > 0)
		addr = ci.emails[0];
	r->signer = addr ? x_strdup(addr) : NULL;
	r->signer_serial = x_strdup(ci.serial);
	r->signer_issuer = x_strdup(ci.issuer);
	cert_info_clear(&ci);
}

/* ---- header protection ---------------------------------------------------- */

/* RFC 8550 again, for the From that restoring would deliver: each
 * signature must be the protected From's too, or a signer could vouch
 * for a From of its choosing inside. false: fail, with the reason. */
static bool
signers_are_protected_from(struct engine *e, const struct mime_entity *m)
{
	struct cert_info ci;
	struct from f;
	const char *why;
	size_t	i;
	bool	good = true;

	from_of(m->fields, m->nfields, &f);
	if (f.n == 0)	/* no protected From: the outer one stays */
		return true;
	for (i = 0; i < e->nlayers && good; i++) {
		const struct layer *l = &e->layers[i];

		if (l->kind == LAYER_ENVELOPED || l->signer == NULL ||
		    !cert_info_from_x509(l->signer, &ci, &why))
			continue;
		if (sender_match(&ci, &f) == NULL) {
			e->r->verdict = INV_FAIL;
			snprintf(e->r->reason, sizeof(e->r->reason), "signer "
			    "%.100s is not the protected From address %.100s",
			    ci.nemails ? ci.emails[0] : ci.subject, f.addr[0]);
			good = false;
		}
		cert_info_clear(&ci);
	}
	return good;
}

/* The protected header fields of the payload (the content under the last
 * layer), when every layer above it decrypted or verified. */
static void
header_protection(struct engine *e)
{
	const struct inbound_policy *p = e->rq->policy;
	struct inbound_result *r = e->r;
	const struct mime_entity *m;
	size_t	last = e->nlayers, i, len;
	bool	is_signed = false;

	if (p->header_protection != HPR_RESTORE || last == 0 ||
	    !e->layers[last - 1].content ||
	    (r->verdict != INV_PASS && r->verdict != INV_NONE))
		return;
	for (i = 0; i < last; i++) {
		if (e->layers[i].check != CMS_CHECK_PASS ||
		    e->layers[i].unverified)
			return;
		if (e->layers[i].kind != LAYER_ENVELOPED)
			is_signed = true;
	}
	m = &e->ent[last];
	hp_restore_plan(e->rq->headers, e->rq->nheaders, m->fields, m->nfields,
	    &r->hp);
	if (r->hp.kind == HP_NONE)
		return;
	if (is_signed && !signers_are_protected_from(e, m)) {
		header_edits_clear(&r->hp.edits);
		r->hp.restored[0] = '\0';
		return;
	}
	if (r->hp.mismatch[0] == '\0')
		return;
	if (is_signed && p->header_mismatch == HPM_FAIL) {
		r->verdict = INV_FAIL;
		snprintf(r->reason, sizeof(r->reason), "header field%s %.200s "
		    "outside differ%s from the signed ones",
		    strchr(r->hp.mismatch, ',') ? "s" : "", r->hp.mismatch,
		    strchr(r->hp.mismatch, ',') ? "" : "s");
		header_edits_clear(&r->hp.edits);
		r->hp.restored[0] = '\0';
		return;
	}
	len = strlen(r->reason);
	if (len < sizeof(r->reason))
		snprintf(r->reason + len, sizeof(r->reason) - len, "; header "
		    "mismatch: %.*s", (int)(sizeof(r->reason) - len),
		    r->hp.mismatch);
}

/* The restored fields join the edits, after the MIME ones. */
static void
take_hp_edits(struct inbound_result *r)
{
	size_t	i;

	for (i = 0; i < r->hp.edits.ndel; i++) {
		r->edits.del = x_reallocarray(r->edits.del, r->edits.ndel + 1,
		    sizeof(*r->edits.del));
		r->edits.del[r->edits.ndel].name =
		    x_strdup(r->hp.edits.del[i].name);
		r->edits.del[r->edits.ndel++].index = r->hp.edits.del[i].index;
	}
	for (i = 0; i < r->hp.edits.nadd; i++)
		header_edits_add(&r->edits, r->hp.edits.add[i].name,
		    r->hp.edits.add[i].value);
	header_edits_clear(&r->hp.edits);
}

/* ---- what is delivered --------------------------------------------------- */

static bool
unwraps(const struct layer *l)
{
	return l->kind != LAYER_ENVELOPED && l->content &&
	    (l->check == CMS_CHECK_PASS || l->unverified);
}

/* The index of the entity delivered (0: the message as it came). What
 * failed keeps its signatures: the reader sees what was judged. */
static size_t
delivered(struct engine *e)
{
	bool	failed = e->r->verdict == INV_FAIL ||
	    e->r->verdict == INV_PERMERROR;
	size_t	i, k = 0;

	for (i = 0; i < e->nlayers; i++)
		if (e->layers[i].kind == LAYER_ENVELOPED &&
		    e->layers[i].content)
			k = i + 1;
	if (e->rq->policy->signature == SIGKEEP_REMOVE && !failed)
		while (k < e->nlayers && unwraps(&e->layers[k]))
			k++;
	return k;
}

/* Entity k replaces the message, made fit for SMTP first (binary
 * content of an opaque signature or an envelope). */
/* The payload itself is delivered, its protected fields restored into
 * the header: what marks it as a payload goes (a client that knows RFC
 * 9788 would otherwise look for protection the message no longer has;
 * X-Gatewarden-SMIME keeps the facts). HP-Outer never leaves it: only
 * MIME fields are copied out. */
static bool
hp_delivered(const struct engine *e, size_t k)
{
	return e->r->hp.kind != HP_NONE && k == e->nlayers &&
	    e->r->verdict != INV_FAIL && e->r->verdict != INV_PERMERROR;
}

/* The Content-Type without hp and protected-headers (and
 * hp-legacy-display once the display is gone). */
static char *
delivered_type(const char *v, bool legacy_gone)
{
	char	*a = mime_content_without_param(v, "hp"), *b;

	b = mime_content_without_param(a, "protected-headers");
	free(a);
	if (!legacy_gone)
		return b;
	a = mime_content_without_param(b, "hp-legacy-display");
	free(b);
	return a;
}

/* out, holding the body without its legacy displays, replaces m's. */
static void
take_body(struct engine *e, struct mime_entity *m, FILE *out)
{
	fclose(m->body);
	m->body = out;
	fseeko(out, 0, SEEK_END);
	m->body_size = (unsigned long long)ftello(out);
	rewind(out);
	e->r->hp.legacy_removed = true;
}

static bool
any_marked(const struct mime_tree *t)
{
	size_t	i;

	for (i = 0; i < t->nparts; i++)
		if (t->parts[i].legacy_display)
			return true;
	return false;
}

/* An encrypted payload's main body texts marked hp-legacy-display="1"
 * (the payload itself when it is a text): their legacy displays go,
 * the reader gets the real fields in the header instead (RFC 9788
 * section 4.5.3). A payload that does not parse as MIME is delivered as
 * it is. */
static int
drop_legacy(struct engine *e, struct mime_entity *m, struct smime_err *err)
{
	struct mime_tree *t = NULL;
	struct smime_err perr = { 0 };
	FILE	*out = NULL, *work[2] = { NULL, NULL };
	int	rc = -1;

	if (e->r->hp.kind != HP_CIPHER || m->body == NULL)
		return 0;
	if (mime_parse(m->body, m->fields, m->nfields, &t, &perr) < 0) {
		if (perr.status == SMIME_TEMP) {
			*err = perr;
			return -1;
		}
		rewind(m->body);
		return 0;
	}
	if (!any_marked(t))
		rc = 0;
	else if ((out = engine_work_file(e, err)) != NULL &&
	    (work[0] = engine_work_file(e, err)) != NULL &&
	    (work[1] = engine_work_file(e, err)) != NULL)
		rc = hp_legacy_strip_parts(m->body, t, out, work, m->fields,
		    m->nfields, err);
	mime_tree_free(t);
	if (work[0] != NULL)
		fclose(work[0]);
	if (work[1] != NULL)
		fclose(work[1]);
	if (rc > 0) {
		take_body(e, m, out);
		return 0;
	}
	if (out != NULL)
		fclose(out);
	rewind(m->body);
	return rc;
}

static int
replace_entity(struct engine *e, size_t k, struct smime_err *err)
{
	struct inbound_result *r = e->r;
	struct mime_entity *m = &e->ent[k];
	bool	type = false, clean;
	FILE	*tmp;
	size_t	i;
	int	fixed = 0;

	if (!e->transportable[k] && ((tmp = engine_work_file(e, err)) ==
	    NULL || (fixed = mime_transport_fix(m, tmp, err)) < 0))
		return -1;
	r->reencoded = !e->transportable[k] && fixed > 0;
	r->replace = true;
	if ((clean = hp_delivered(e, k)) && drop_legacy(e, m, err) < 0)
		return -1;
	header_edits_mime(&r->edits, e->rq->headers, e->rq->nheaders);
	header_edits_add(&r->edits, "MIME-Version", "1.0");
	for (i = 0; i < m->nfields; i++) {
		if (!header_is_mime(m->fields[i].name) ||
		    strcasecmp(m->fields[i].name, "mime-version") == 0)
			continue;
		if (strcasecmp(m->fields[i].name, "content-type") == 0) {
			type = true;
			if (clean) {
				char	*v = delivered_type(m->fields[i].value,
				    r->hp.legacy_removed);

				header_edits_add(&r->edits, "Content-Type", v);
				free(v);
				continue;
			}
		}
		header_edits_add(&r->edits, m->fields[i].name,
		    m->fields[i].value);
	}
	if (!type)
		header_edits_add(&r->edits, "Content-Type", "text/plain");
	r->body = m->body;
	m->body = NULL;
	r->size_out = m->body_size;
	rewind(r->body);
	return 0;
}

static void
layer_names(struct engine *e)
{
	static const char *const names[] = { "enveloped", "signed-detached",
	    "signed-opaque" };
	struct inbound_result *r = e->r;
	size_t	i, len = 0;

	r->layers[0] = '\0';
	for (i = 0; i < e->nlayers && len < sizeof(r->layers); i++)
		len += (size_t)snprintf(r->layers + len, sizeof(r->layers) - len,
		    "%s%s", i ? "," : "", names[e->layers[i].kind]);
	if (e->nlayers == 0)
		snprintf(r->layers, sizeof(r->layers), "none");
}

/* "retained" when a signature is left in what is delivered. */
static const char *
signature_word(struct engine *e, size_t k)
{
	size_t	i;
	bool	any = false;

	for (i = 0; i < e->nlayers; i++)
		if (e->layers[i].kind != LAYER_ENVELOPED) {
			any = true;
			if (i >= k)
				return "retained";
		}
	return any ? "removed" : "none";
}

/* ---- harvest candidates ------------------------------------------------- */

static void
add_cert(struct inbound_result *r, X509 *x, bool verified, bool pref,
    bool signing_only)
{
	struct inbound_cert *c;
	unsigned char *der = NULL;
	size_t	i;
	int	len;

	if (x == NULL || (len = i2d_X509(x, &der)) <= 0)
		return;
	/* One certificate met twice (both signatures of a triple wrap)
	 * is harvested once, as the better of the two. (Indexes: r->certs
	 * is NULL before the first; NULL + 0 is undefined in C.) */
	for (i = 0; i < r->ncerts; i++)
		if ((c = &r->certs[i])->len == (size_t)len &&
		    memcmp(c->der, der, c->len) == 0) {
			c->verified |= verified;
			c->encryption_pref |= pref;
			c->signing_only &= signing_only;
			OPENSSL_free(der);
			return;
		}
	r->certs = x_reallocarray(r->certs, r->ncerts + 1, sizeof(*r->certs));
	c = &r->certs[r->ncerts++];
	c->der = x_malloc((size_t)len);
	memcpy(c->der, der, (size_t)len);
	c->len = (size_t)len;
	c->verified = verified;
	c->encryption_pref = pref;
	c->signing_only = signing_only;
	OPENSSL_free(der);
}

static void
add_signer(struct inbound_result *r, X509 *signer, X509 *pref, bool trusted)
{
	bool	other = pref != NULL && X509_cmp(pref, signer) != 0;

	add_cert(r, signer, trusted, false, other);
	if (other)
		add_cert(r, pref, trusted, true, false);
}

static void
harvest_list(struct engine *e)
{
	size_t	i;

	for (i = 0; i < e->nlayers; i++)
		if (e->layers[i].signer != NULL)
			add_signer(e->r, e->layers[i].signer,
			    e->layers[i].enc_pref, e->layers[i].trusted);
	for (i = 0; i < e->nemb; i++)
		if (e->emb[i].signer != NULL)
			add_signer(e->r, e->emb[i].signer, e->emb[i].enc_pref,
			    e->emb[i].verified);
}

/* ---- header fields and the log ------------------------------------------ */

/* A comment's text: no CR/LF/controls, parentheses and backslashes
 * escaped (RFC 5322 quoted-pair). */
static void
put_comment(struct sbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < ' ' || c == 127)
			sbuf_printf(b, " ");
		else if (c == '(' || c == ')' || c == '\\')
			sbuf_printf(b, "\\%c", c);
		else
			sbuf_printf(b, "%c", c);
	}
}

static void
put_quoted(struct sbuf *b, const char *s)
{
	sbuf_printf(b, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < ' ' || c == 127)
			continue;
		if (c == '"' || c == '\\')
			sbuf_printf(b, "\\");
		sbuf_printf(b, "%c", c);
	}
	sbuf_printf(b, "\"");
}

/* An address as an RFC 8601 pvalue: as it is when it is dot-atom@domain,
 * else quoted. */
static void
put_pvalue(struct sbuf *b, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr(".-_+@=", *p) != NULL))
			break;
	if (*p == '\0' && *s != '\0')
		sbuf_printf(b, "%s", s);
	else
		put_quoted(b, s);
}

static void
make_headers(struct engine *e)
{
	struct inbound_result *r = e->r;
	struct sbuf b = { 0 };

	sbuf_printf(&b, "%s; smime=%s (", e->rq->authserv_id ?
	    e->rq->authserv_id : "localhost", inbound_verdict_name(r->verdict));
	put_comment(&b, r->reason);
	sbuf_printf(&b, ")");
	if (r->signer != NULL) {
		sbuf_printf(&b, "\n\tbody.smime-identifier=");
		put_pvalue(&b, r->signer);
	}
	if (r->signer_serial != NULL)
		sbuf_printf(&b, "\n\tbody.smime-serial=%s", r->signer_serial);
	if (r->signer_issuer != NULL) {
		sbuf_printf(&b, "\n\tbody.smime-issuer=");
		put_quoted(&b, r->signer_issuer);
	}
	r->auth_results = b.s;
	memset(&b, 0, sizeof(b));
	sbuf_printf(&b, "policy=%s; layers=%s; decrypted=%s",
	    e->rq->policy->name ? e->rq->policy->name : "-", r->layers,
	    r->decrypted ? "yes" : "no");
	if (r->decrypted && r->key_name != NULL)
		sbuf_printf(&b, "; certificate=%s", r->key_name);
	if (r->decrypted)
		sbuf_printf(&b, "; key=%s", r->key_fingerprint);
	sbuf_printf(&b, "; signature=%s", r->signature);
	if (r->reencoded)
		sbuf_printf(&b, "; reencoded=yes");
	if (r->hp.kind != HP_NONE)
		sbuf_printf(&b, ";\n\theader-protection=%s; restored=%s; "
		    "obscured=%s; mismatch=%s", hp_kind_name(r->hp.kind),
		    r->hp.restored[0] ? r->hp.restored : "none",
		    r->hp.obscured[0] ? r->hp.obscured : "none",
		    r->hp.mismatch[0] ? r->hp.mismatch : "none");
	if (r->hp.legacy_removed)
		sbuf_printf(&b, "; legacy-display=removed");
	sbuf_printf(&b, "; result=%s", inbound_verdict_name(r->verdict));
	r->smime_header = b.s;
}

/* "PREFIXS/MIME fail: reason" for an SMTP reply or the quarantine:
 * printable ASCII, no '%' (libmilter reads replies as formats), bounded. */
static char *
failure_text(const struct inbound_result *r, const char *prefix)
{
	struct sbuf b = { 0 };
	const char *p;

	sbuf_printf(&b, "%sS/MIME %s: ", prefix,
	    inbound_verdict_name(r->verdict));
	for (p = r->reason; *p != '\0' && b.len < REPLY_MAX; p++)
		sbuf_printf(&b, "%c", (unsigned char)*p < ' ' || *p == '%' ||
		    (unsigned char)*p > 126 ? ' ' : *p);
	return b.s;
}

/* The revocation answer of the signed layers for the log: the worst one
 * (revoked, then unknown, then good); NULL when none was checked. Sets
 * the result's revocation_unknown when on_unknown: accept let one pass. */
static const struct rev_answer *
layers_revocation(struct engine *e)
{
	const struct rev_answer *a, *worst = NULL;
	size_t	i;

	for (i = 0; i < e->nlayers; i++) {
		a = &e->layers[i].revocation;
		if (e->layers[i].revocation_unknown_accepted &&
		    !e->r->revocation_unknown) {
			e->r->revocation_unknown = true;
			snprintf(e->r->revocation_reason,
			    sizeof(e->r->revocation_reason), "%s", a->reason);
		}
		if (a->status == REV_NONE)
			continue;
		if (worst == NULL || a->status == REV_REVOKED ||
		    (a->status == REV_UNKNOWN && worst->status == REV_GOOD))
			worst = a;
	}
	return worst;
}

static void
make_log(struct engine *e)
{
	struct inbound_result *r = e->r;
	const struct rev_answer *rev;
	struct sbuf b = { 0 };
	char	esc[600];

	sbuf_printf(&b, "smime_in=%s policy=%s layers=%s decrypted=%s key=%s",
	    e->smime ? inbound_verdict_name(r->verdict) : "none",
	    log_value(esc, sizeof(esc), e->rq->policy->name ?
	    e->rq->policy->name : "-"), e->smime ? r->layers : "none",
	    r->decrypted ? "yes" : "no",
	    r->key_fingerprint[0] ? r->key_fingerprint : "-");
	if (r->key_name != NULL)
		sbuf_printf(&b, " certificate=%s", log_value(esc, sizeof(esc),
		    r->key_name));
	sbuf_printf(&b, " signer=%s", log_value(esc, sizeof(esc),
	    r->signer ? r->signer : "-"));
	sbuf_printf(&b, " signature=%s action=%s", r->signature ?
	    r->signature : "none", inbound_action_name(r->action));
	sbuf_printf(&b, " reason=%s", log_value(esc, sizeof(esc),
	    e->smime ? r->reason : "not S/MIME"));
	if ((rev = layers_revocation(e)) != NULL)
		sbuf_printf(&b, " revocation=%s revocation_source=%s",
		    rev_status_name(rev->status), rev_source_name(rev->source));
	if (r->reencoded)
		sbuf_printf(&b, " reencoded=yes");
	if (r->hp.kind != HP_NONE) {
		sbuf_printf(&b, " hp=%s hp_restored=%s", hp_kind_name(r->hp.kind),
		    log_value(esc, sizeof(esc), r->hp.restored[0] ?
		    r->hp.restored : "-"));
		sbuf_printf(&b, " hp_obscured=%s", log_value(esc, sizeof(esc),
		    r->hp.obscured[0] ? r->hp.obscured : "-"));
		sbuf_printf(&b, " hp_mismatch=%s", log_value(esc, sizeof(esc),
		    r->hp.mismatch[0] ? r->hp.mismatch : "-"));
		if (r->hp.legacy_removed)
			sbuf_printf(&b, " hp_legacy=removed");
	}
	sbuf_printf(&b, " size_in=%llu size_out=%llu", r->size_in,
	    r->size_out);
	r->log = b.s;
}

int
inbound_conclude(struct engine *e, struct smime_err *err)
{
	struct inbound_result *r = e->r;
	size_t	k, i;
	X509	*who;

	if (!e->smime) {
		r->action = INBOUND_UNTOUCHED;
		r->signature = "none";
		make_log(e);
		return 0;
	}
	for (i = 0; i < e->nlayers; i++)
		if (e->layers[i].kind == LAYER_ENVELOPED && e->layers[i].content)
			r->decrypted = true;
	if (!r->decrypted) {
		r->key_fingerprint[0] = '\0';
		r->key_name = NULL;
	}
	check_senders(e);
	who = decide(e);
	header_protection(e);
	describe_signer(e, who);
	layer_names(e);
	k = delivered(e);
	r->signature = signature_word(e, k);
	r->action = INBOUND_DELIVER;
	if (r->verdict == INV_FAIL || r->verdict == INV_PERMERROR)
		switch (e->rq->policy->on_failure) {
		case INFAIL_REJECT:
			r->action = INBOUND_REJECT;
			r->reply_code = "554";
			r->reply_xcode = "5.7.5";
			r->reply_text = failure_text(r, "");
			break;
		case INFAIL_QUARANTINE:
			r->action = INBOUND_QUARANTINE;
			r->quarantine_reason = failure_text(r, "gatewarden: ");
			break;
		default:
			break;
		}
	if (k > 0 && r->action != INBOUND_REJECT &&
	    replace_entity(e, k, err) < 0)
		return -1;
	if (r->action != INBOUND_REJECT)
		take_hp_edits(r);
	harvest_list(e);
	make_headers(e);
	make_log(e);
	return 0;
}

void
inbound_result_free(struct inbound_result *r)
{
	size_t	i;

	if (r == NULL)
		return;
	free(r->signer);
	free(r->signer_serial);
	free(r->signer_issuer);
	header_edits_clear(&r->edits);
	hp_restore_clear(&r->hp);
	if (r->body != NULL)
		fclose(r->body);
	free(r->auth_results);
	free(r->smime_header);
	free(r->reply_text);
	free(r->quarantine_reason);
	for (i = 0; i < r->ncerts; i++)
		free(r->certs[i].der);
	free(r->certs);
	free(r->log);
	free(r);
}
