/*
 * outbound - see outbound.h.
 *
 * The layers are stacked outermost first (triple: signature, envelope,
 * signature), each stage's input BIO becoming the next one's output, then
 * the canonical inner entity is streamed into the innermost and the stages
 * are closed innermost first.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/words.h"
#include "lib/log.h"
#include "lib/sbuf.h"
#include "lib/xalloc.h"
#include "smime/cms/cms_encrypt.h"
#include "smime/cms/cms_sign.h"
#include "smime/hp.h"
#include "smime/mime/mime_canon.h"
#include "smime/outbound.h"

#define MAX_STAGES	3
#define REPLY_MAX	400

const char *
outbound_action_name(enum outbound_action a)
{
	switch (a) {
	case OUTBOUND_REPLACE:
		return "replace";
	case OUTBOUND_REJECT:
		return "reject";
	case OUTBOUND_DISCARD:
		return "discard";
	case OUTBOUND_CLEAR:
		return "clear";
	}
	return "unknown";
}

static bool
mode_signs(enum smime_mode m)
{
	return m != SMIME_ENCRYPT;
}

static bool
mode_encrypts(enum smime_mode m)
{
	return m != SMIME_SIGN;
}

/* ---- missing keys ------------------------------------------------------ */

static void
split_recipients(const struct outbound_request *rq, struct outbound_result *r,
    X509 ***keyed, size_t *nkeyed)
{
	size_t	i;

	*keyed = x_calloc(rq->nrcpts + 1, sizeof(**keyed));
	*nkeyed = 0;
	r->missing = x_calloc(rq->nrcpts + 1, sizeof(*r->missing));
	for (i = 0; i < rq->nrcpts; i++) {
		if (rq->rcpts[i].cert != NULL)
			(*keyed)[(*nkeyed)++] = rq->rcpts[i].cert;
		else
			r->missing[r->nmissing++] =
			    x_strdup(rq->rcpts[i].address ?
			    rq->rcpts[i].address : "");
	}
}

/* "554 5.7.1" text naming the recipients: no CR, LF or '%' (libmilter
 * would read it as a format), bounded. */
static char *
bounce_text(const struct outbound_result *r)
{
	struct sbuf b = { 0 };
	size_t	i;
	const char *p;

	sbuf_printf(&b, "No S/MIME key for recipient%s:",
	    r->nmissing > 1 ? "s" : "");
	for (i = 0; i < r->nmissing; i++) {
		if (b.len + strlen(r->missing[i]) + 2 > REPLY_MAX) {
			sbuf_printf(&b, " and %zu more", r->nmissing - i);
			break;
		}
		sbuf_printf(&b, "%s ", i ? "," : "");
		for (p = r->missing[i]; *p != '\0'; p++)
			if ((unsigned char)*p > ' ' && *p != '%' &&
			    (unsigned char)*p < 127)
				sbuf_printf(&b, "%c", *p);
	}
	return b.s;
}

/* ---- headers ----------------------------------------------------------- */

/* An inner stage's header block, written into the outer stage. */
static int
write_entity_headers(BIO *down, const struct cms_stage *st)
{
	char	buf[512];

	snprintf(buf, sizeof(buf), "Content-Type: %s\r\n%s%s%s%s%s%s\r\n",
	    st->content_type,
	    st->cte ? "Content-Transfer-Encoding: " : "",
	    st->cte ? st->cte : "", st->cte ? "\r\n" : "",
	    st->disposition ? "Content-Disposition: " : "",
	    st->disposition ? st->disposition : "",
	    st->disposition ? "\r\n" : "");
	return cms_stage_puts(down, buf);
}

/* ---- the layers -------------------------------------------------------- */

static size_t
build_stages(const struct outbound_request *rq, X509 **certs, size_t ncerts,
    struct cms_stage **st, struct smime_err *err)
{
	const struct sending_profile *p = rq->profile;
	struct cms_sign_opts so = { rq->signer, p->digest, p->signature,
	    p->include_chain, p->sign_mode == SIGN_DETACHED };
	struct cms_encrypt_opts eo = { p->cipher, p->key_transport, certs,
	    ncerts };
	enum { S, E } plan[MAX_STAGES];
	size_t	n = 0, i;

	switch (p->mode) {
	case SMIME_SIGN:
		plan[n++] = S;
		break;
	case SMIME_ENCRYPT:
		plan[n++] = E;
		break;
	case SMIME_SIGN_ENCRYPT:
		plan[n++] = E;
		plan[n++] = S;
		break;
	case SMIME_TRIPLE:
		plan[n++] = S;
		plan[n++] = E;
		plan[n++] = S;
		break;
	}
	for (i = 0; i < n; i++) {
		st[i] = plan[i] == S ? cms_sign_new(&so, err) :
		    cms_encrypt_new(&eo, err);
		if (st[i] == NULL)
			return 0;
	}
	return n;
}

static int
run_stages(const struct outbound_request *rq, const struct mime_tree *tree,
    const struct hp_plan *hp, struct cms_stage **st, size_t n, BIO *out,
    bool *wrote_legacy, struct smime_err *err)
{
	BIO	*down = out;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (i > 0 && !write_entity_headers(down, st[i])) {
			smime_err_set(err, SMIME_TEMP, "write failed");
			return -1;
		}
		if ((down = st[i]->open(st[i], down, err)) == NULL)
			return -1;
	}
	if (mime_canon_write_hp(rq->body, tree, rq->headers, rq->nheaders,
	    hp->inner, hp->ninner, hp->param, hp->legacy, down, NULL,
	    wrote_legacy, err) < 0)
		return -1;
	for (i = n; i-- > 0;)
		if (st[i]->close(st[i], err) < 0)
			return -1;
	return 0;
}

/* The obscured outer fields (header protection) join the MIME edits:
 * deletions and additions keep their own order. */
static void
take_hp_edits(struct header_edits *to, const struct header_edits *from)
{
	size_t	i;

	for (i = 0; i < from->ndel; i++) {
		to->del = x_reallocarray(to->del, to->ndel + 1,
		    sizeof(*to->del));
		to->del[to->ndel].name = x_strdup(from->del[i].name);
		to->del[to->ndel++].index = from->del[i].index;
	}
	for (i = 0; i < from->nadd; i++)
		header_edits_add(to, from->add[i].name, from->add[i].value);
}

static int
produce(const struct outbound_request *rq, struct outbound_result *r,
    X509 **certs, size_t ncerts, struct smime_err *err)
{
	struct mime_tree *tree = NULL;
	struct cms_stage *st[MAX_STAGES] = { NULL };
	struct hp_plan hp;
	size_t	n = 0, i;
	BIO	*out = NULL;
	int	rc = -1;

	hp_plan_make(rq->profile, mode_encrypts(rq->profile->mode),
	    rq->headers, rq->nheaders, &hp);
	if (mime_parse(rq->body, rq->headers, rq->nheaders, &tree, err) < 0) {
		hp_plan_clear(&hp);
		return -1;
	}
	r->size_in = (unsigned long long)tree->size;
	if ((n = build_stages(rq, certs, ncerts, st, err)) == 0)
		goto done;
	if ((out = BIO_new_fp(rq->out, BIO_NOCLOSE)) == NULL) {
		smime_err_ssl(err, SMIME_TEMP, "output BIO");
		goto done;
	}
	if (run_stages(rq, tree, &hp, st, n, out, &r->legacy_display,
	    err) < 0)
		goto done;
	if (BIO_flush(out) <= 0 || ferror(rq->out)) {
		smime_err_set(err, SMIME_TEMP, "writing the new body: %s",
		    strerror(errno ? errno : EIO));
		goto done;
	}
	r->size_out = BIO_number_written(out);
	header_edits_mime(&r->edits, rq->headers, rq->nheaders);
	header_edits_add(&r->edits, "MIME-Version", "1.0");
	header_edits_add(&r->edits, "Content-Type", st[0]->content_type);
	if (st[0]->cte != NULL)
		header_edits_add(&r->edits, "Content-Transfer-Encoding",
		    st[0]->cte);
	if (st[0]->disposition != NULL)
		header_edits_add(&r->edits, "Content-Disposition",
		    st[0]->disposition);
	take_hp_edits(&r->edits, &hp.edits);
	r->hp = hp.param;
	rc = 0;
done:
	hp_plan_clear(&hp);
	for (i = 0; i < MAX_STAGES; i++)
		cms_stage_free(st[i]);
	BIO_free(out);
	mime_tree_free(tree);
	return rc;
}

/* ---- the log line ------------------------------------------------------ */

static void
log_list(struct sbuf *b, const char *key, char *const *v, size_t n)
{
	struct sbuf l = { 0 };
	char	esc[1024];
	size_t	i;

	sbuf_printf(&l, "%s", "");
	for (i = 0; i < n; i++)
		sbuf_printf(&l, "%s%s", i ? "," : "", v[i]);
	sbuf_printf(b, " %s=%s", key, log_value(esc, sizeof(esc),
	    n ? l.s : "-"));
	free(l.s);
}

static void
make_log(const struct outbound_request *rq, struct outbound_result *r,
    X509 **certs, size_t ncerts)
{
	const struct sending_profile *p = rq->profile;
	struct sbuf b = { 0 };
	char	esc[256], fp[65], **enc, **fps;
	size_t	i, k = 0;
	bool	enc_done = r->action == OUTBOUND_REPLACE &&
	    mode_encrypts(p->mode);

	enc = x_calloc(rq->nrcpts + 1, sizeof(*enc));
	fps = x_calloc(ncerts + 2, sizeof(*fps));
	for (i = 0; enc_done && i < rq->nrcpts; i++)
		if (rq->rcpts[i].cert != NULL)
			enc[k++] = (char *)(rq->rcpts[i].address ?
			    rq->rcpts[i].address : "");
	for (i = 0; enc_done && i < ncerts; i++) {
		smime_cert_fingerprint(certs[i], fp);
		fps[i] = x_strdup(fp);
	}
	sbuf_printf(&b, "profile=%s mode=%s",
	    log_value(esc, sizeof(esc), p->name ? p->name : "-"),
	    word_name(words_smime_mode, p->mode));
	if (mode_signs(p->mode))
		sbuf_printf(&b, " sign_mode=%s digest=%s signer=%s",
		    word_name(words_sign_mode, p->sign_mode),
		    word_name(words_digest, p->digest),
		    rq->signer ? rq->signer->fingerprint : "-");
	if (mode_encrypts(p->mode))
		sbuf_printf(&b, " cipher=%s", word_name(words_cipher, p->cipher));
	sbuf_printf(&b, " action=%s", outbound_action_name(r->action));
	if (p->header_protection != HP_OFF)
		sbuf_printf(&b, " header_protection=%s hp=%s",
		    word_name(words_header_protection, p->header_protection),
		    r->hp ? r->hp : "-");
	if (p->header_protection == HP_ENCRYPT)
		sbuf_printf(&b, " legacy_display=%s", r->legacy_display ?
		    "yes" : "no");
	if (mode_encrypts(p->mode)) {
		log_list(&b, "encrypted_to", enc, k);
		log_list(&b, "fingerprints", fps, enc_done ? ncerts : 0);
		log_list(&b, "missing", r->missing, r->nmissing);
	}
	sbuf_printf(&b, " size_in=%llu size_out=%llu", r->size_in, r->size_out);
	r->log = b.s;
	for (i = 0; i < ncerts; i++)
		free(fps[i]);
	free(fps);
	free(enc);
}

/* ---- the engine ---------------------------------------------------------- */

static int
check_request(const struct outbound_request *rq, struct smime_err *err)
{
	if (rq->profile == NULL || rq->body == NULL || rq->out == NULL) {
		smime_err_set(err, SMIME_TEMP, "outbound: incomplete request");
		return -1;
	}
	if (mode_signs(rq->profile->mode) &&
	    (rq->signer == NULL || rq->signer->key == NULL)) {
		smime_err_set(err, SMIME_TEMP,
		    "profile %s signs but its signing key is not loaded",
		    rq->profile->name ? rq->profile->name : "?");
		return -1;
	}
	return 0;
}

int
outbound_process(const struct outbound_request *rq,
    struct outbound_result **result, struct smime_err *err)
{
	struct outbound_result *r;
	X509	**keyed;
	size_t	nkeyed, i;
	bool	encrypts;

	*result = NULL;
	if (check_request(rq, err) < 0)
		return -1;
	r = x_calloc(1, sizeof(*r));
	encrypts = mode_encrypts(rq->profile->mode);
	split_recipients(rq, r, &keyed, &nkeyed);
	r->action = OUTBOUND_REPLACE;
	if (encrypts && r->nmissing > 0) {
		switch (rq->profile->missing_key) {
		case MISSING_BOUNCE:
			r->action = OUTBOUND_REJECT;
			r->reply_code = "554";
			r->reply_xcode = "5.7.1";
			r->reply_text = bounce_text(r);
			break;
		case MISSING_DROP:
			r->action = OUTBOUND_DISCARD;
			break;
		case MISSING_SPLIT:
			r->clear = x_calloc(r->nmissing + 1, sizeof(*r->clear));
			for (i = 0; i < r->nmissing; i++)
				r->clear[i] = x_strdup(r->missing[i]);
			r->nclear = r->nmissing;
			if (nkeyed == 0)
				r->action = OUTBOUND_CLEAR;
			break;
		}
	}
	if (!encrypts) {	/* a signature needs no recipient key */
		for (i = 0; i < r->nmissing; i++) {
			free(r->missing[i]);
			r->missing[i] = NULL;
		}
		r->nmissing = 0;
	}
	if (encrypts && rq->self != NULL)
		keyed[nkeyed++] = rq->self;
	if (r->action == OUTBOUND_REPLACE &&
	    produce(rq, r, keyed, nkeyed, err) < 0) {
		free(keyed);
		outbound_result_free(r);
		return -1;
	}
	make_log(rq, r, keyed, nkeyed);
	free(keyed);
	*result = r;
	return 0;
}

void
outbound_result_free(struct outbound_result *r)
{
	size_t	i;

	if (r == NULL)
		return;
	header_edits_clear(&r->edits);
	for (i = 0; i < r->nclear; i++)
		free(r->clear[i]);
	free(r->clear);
	for (i = 0; r->missing != NULL && r->missing[i] != NULL; i++)
		free(r->missing[i]);
	free(r->missing);
	free(r->reply_text);
	free(r->log);
	free(r);
}
