/*
 * inbound - see inbound.h. This file takes the message apart, one layer
 * per turn of walk(); inbound_result.c turns what was found into the
 * verdict and the milter's edits.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "smime/cms/cms_decrypt.h"
#include "smime/cms/cms_parse.h"
#include "smime/inbound_int.h"
#include "smime/mime/mime_transport.h"
#include "smime/mime/part_read.h"

enum shape { SHAPE_PLAIN, SHAPE_PKCS7_MIME, SHAPE_MULTIPART_SIGNED };

const char *
inbound_verdict_name(enum inbound_verdict v)
{
	static const char *const names[] = { "none", "pass", "fail",
	    "neutral", "permerror" };

	return (unsigned)v < 5 ? names[v] : "?";
}

const char *
inbound_action_name(enum inbound_action a)
{
	static const char *const names[] = { "untouched", "deliver",
	    "quarantine", "reject" };

	return (unsigned)a < 4 ? names[a] : "?";
}

static uint64_t
cpu_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
stop(struct engine *e, enum inbound_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The walk ends here with a verdict of its own (limits, malformed). */
static void
stop(struct engine *e, enum inbound_verdict v, const char *fmt, ...)
{
	va_list	ap;

	e->stop_verdict = v;
	va_start(ap, fmt);
	vsnprintf(e->stop_reason, sizeof(e->stop_reason), fmt, ap);
	va_end(ap);
}

static bool
cpu_exceeded(struct engine *e)
{
	uint64_t limit = e->rq->cpu_us ? e->rq->cpu_us :
	    e->rq->policy->cpu_limit * 1000000;

	if (cpu_us() - e->cpu_start_us <= limit)
		return false;
	stop(e, INV_PERMERROR, "CPU limit of %llu ms per message reached",
	    (unsigned long long)(limit / 1000));
	return true;
}

/* An anonymous work file: gone with its last descriptor. */
FILE *
engine_work_file(const struct engine *e, struct smime_err *err)
{
	char	path[4096];
	int	fd;
	FILE	*fp;

	if (snprintf(path, sizeof(path), "%s/gw-in-XXXXXX", e->rq->tmpdir) >=
	    (int)sizeof(path) || (fd = mkstemp(path)) == -1) {
		smime_err_set(err, SMIME_TEMP, "work file in %s: %s",
		    e->rq->tmpdir, strerror(errno ? errno : ENAMETOOLONG));
		return NULL;
	}
	(void)unlink(path);
	if ((fp = fdopen(fd, "w+")) == NULL) {
		smime_err_set(err, SMIME_TEMP, "work file: %s",
		    strerror(errno));
		close(fd);
	}
	return fp;
}

static const struct mime_header *
fields_of(const struct engine *e, size_t i, size_t *n)
{
	if (i == 0) {
		*n = e->rq->nheaders;
		return e->rq->headers;
	}
	*n = e->ent[i].nfields;
	return e->ent[i].fields;
}

static FILE *
body_of(const struct engine *e, size_t i)
{
	return i == 0 ? e->rq->body : e->ent[i].body;
}

static bool
type_is(const char *type, const char *a, const char *b)
{
	return strcmp(type, a) == 0 || strcmp(type, b) == 0;
}

static bool
is_pkcs7_mime(const char *type)
{
	return type_is(type, "application/pkcs7-mime",
	    "application/x-pkcs7-mime");
}

static bool
is_pkcs7_signature(const char *type)
{
	return type_is(type, "application/pkcs7-signature",
	    "application/x-pkcs7-signature");
}

static enum shape
shape_of(const char *type)
{
	if (is_pkcs7_mime(type))
		return SHAPE_PKCS7_MIME;
	if (strcmp(type, "multipart/signed") == 0)
		return SHAPE_MULTIPART_SIGNED;
	return SHAPE_PLAIN;
}

/* The shape the fields announce, before any parsing. */
static enum shape
declared_shape(const struct mime_header *h, size_t n)
{
	char	type[MIME_TYPE_MAX], b[MIME_BOUNDARY_MAX + 1];
	size_t	i;

	for (i = 0; i < n; i++)
		if (h[i].name != NULL && h[i].value != NULL &&
		    strcasecmp(h[i].name, "content-type") == 0) {
			mime_content_type(h[i].value, type, sizeof(type), b,
			    sizeof(b));
			return shape_of(type);
		}
	return SHAPE_PLAIN;
}

/* ---- keys ---------------------------------------------------------------- */

static int
load_keys(struct engine *e, struct smime_err *err)
{
	size_t	i;

	if (e->keys_loaded)
		return 0;
	e->keys_loaded = true;
	if (e->rq->keys != NULL) {	/* the caller's, borrowed */
		e->keys = e->rq->keys;
		e->nkeys = e->rq->ncerts;
		e->keys_borrowed = true;
		return 0;
	}
	e->keys = x_calloc(e->rq->ncerts + 1, sizeof(*e->keys));
	for (i = 0; i < e->rq->ncerts; i++) {
		if (smime_signer_load(&e->rq->certs[i], &e->keys[e->nkeys],
		    err) < 0)
			return -1;
		e->nkeys++;
	}
	return 0;
}

/* ---- one layer ----------------------------------------------------------- */

static struct layer *
new_layer(struct engine *e, enum layer_kind kind)
{
	struct layer *l = &e->layers[e->nlayers++];

	memset(l, 0, sizeof(*l));
	l->kind = kind;
	e->smime = true;
	return l;
}

/* A sink for the next entity; NULL with err set. */
static BIO *
open_next(struct engine *e, FILE **fp, struct smime_err *err)
{
	BIO	*sink;

	if ((*fp = engine_work_file(e, err)) == NULL)
		return NULL;
	if ((sink = mime_entity_sink(*fp)) == NULL) {
		smime_err_set(err, SMIME_TEMP, "out of memory");
		fclose(*fp);
		*fp = NULL;
	}
	return sink;
}

/* Ends the sink of layer l: when the layer yielded content, it becomes
 * the next entity. -1 only for SMIME_TEMP. */
static int
close_next(struct engine *e, struct layer *l, BIO *sink, FILE *fp,
    struct smime_err *err)
{
	struct smime_err serr = { 0 };
	size_t	next = e->nlayers;	/* l is layers[nlayers - 1] */
	int	rc = 0;

	if (sink == NULL)
		return 0;
	if (mime_entity_finish(sink, &e->ent[next], &serr) < 0) {
		if (serr.status == SMIME_TEMP) {
			*err = serr;
			rc = -1;
		} else if (l->check == CMS_CHECK_PASS || l->unverified) {
			l->check = CMS_CHECK_PERMERROR;
			snprintf(l->reason, sizeof(l->reason), "%.200s", serr.msg);
		}
		fclose(fp);
	} else if (l->check == CMS_CHECK_PASS || l->unverified)
		l->content = true;
	else
		mime_entity_clear(&e->ent[next]);
	BIO_free(sink);
	return rc;
}

static void
take_signer(struct layer *l, struct cms_verify_result *vr)
{
	l->check = vr->verdict;
	l->signature_ok = vr->signature_ok;
	l->trusted = vr->verdict == CMS_CHECK_PASS;
	snprintf(l->reason, sizeof(l->reason), "%s", vr->reason);
	l->signer = vr->signer;
	l->enc_pref = vr->enc_pref;
	l->revocation = vr->revocation;
	l->revocation_unknown_accepted = vr->revocation_unknown_accepted;
	vr->signer = vr->enc_pref = NULL;
}

/* The EFAIL rule: decrypt only what is the whole message or the whole
 * content of a signature that verified. */
static bool
may_decrypt(const struct engine *e)
{
	const struct layer *up;

	if (e->nlayers == 0)
		return true;
	up = &e->layers[e->nlayers - 1];
	return up->kind == LAYER_ENVELOPED || up->check == CMS_CHECK_PASS;
}

static int
do_enveloped(struct engine *e, CMS_ContentInfo *cms, struct smime_err *err)
{
	struct cms_decrypt_result dr;
	struct layer *l;
	BIO	*sink;
	FILE	*fp;

	if (!may_decrypt(e)) {
		l = new_layer(e, LAYER_ENVELOPED);
		l->check = CMS_CHECK_NEUTRAL;
		snprintf(l->reason, sizeof(l->reason), "encrypted content of "
		    "a signature that was not verified, not decrypted");
		return 0;
	}
	if (!e->rq->policy->decrypt) {
		l = new_layer(e, LAYER_ENVELOPED);
		l->check = CMS_CHECK_NEUTRAL;
		snprintf(l->reason, sizeof(l->reason), "encrypted; the policy "
		    "does not decrypt");
		return 0;
	}
	if (load_keys(e, err) < 0)
		return -1;
	if ((sink = open_next(e, &fp, err)) == NULL)
		return -1;
	l = new_layer(e, LAYER_ENVELOPED);
	if (cms_decrypt_enveloped(cms, e->keys, e->nkeys, sink, &dr, err) < 0) {
		BIO_free(sink);
		fclose(fp);
		return -1;
	}
	l->check = dr.verdict;
	snprintf(l->reason, sizeof(l->reason), "%s", dr.reason);
	if (dr.key != NULL) {
		size_t	i;

		snprintf(e->r->key_fingerprint, sizeof(e->r->key_fingerprint),
		    "%s", dr.key->fingerprint);
		for (i = 0; i < e->nkeys; i++)
			if (e->keys[i] == dr.key)
				e->r->key_name = e->rq->certs[i].name;
	}
	return close_next(e, l, sink, fp, err);
}

static int
do_opaque(struct engine *e, CMS_ContentInfo *cms, struct smime_err *err)
{
	struct cms_verify_result vr;
	struct layer *l;
	BIO	*sink;
	FILE	*fp;
	int	rc;

	if ((sink = open_next(e, &fp, err)) == NULL)
		return -1;
	l = new_layer(e, LAYER_SIGNED_OPAQUE);
	if (e->rq->policy->verify) {
		rc = cms_verify_signed(cms, NULL, sink, e->rq->trust,
		    e->rq->revocation, e->rq->now, &vr, err);
		take_signer(l, &vr);
		cms_verify_result_clear(&vr);
	} else {
		l->unverified = true;
		snprintf(l->reason, sizeof(l->reason), "not verified (the "
		    "policy does not verify)");
		if ((rc = cms_signed_content(cms, sink, err)) < 0 &&
		    err->status == SMIME_PERM) {
			l->check = CMS_CHECK_PERMERROR;
			l->unverified = false;
			snprintf(l->reason, sizeof(l->reason), "%.200s", err->msg);
			smime_err_clear(err);
			rc = 0;
		}
	}
	if (rc < 0) {
		BIO_free(sink);
		fclose(fp);
		return -1;
	}
	return close_next(e, l, sink, fp, err);
}

static int
do_pkcs7_mime(struct engine *e, size_t d, const struct mime_part *top,
    struct smime_err *err)
{
	struct smime_err perr = { 0 };
	CMS_ContentInfo *cms;
	struct layer *l;
	int	rc = 0, nid;

	cms = cms_parse_part(body_of(e, d), top->body_start, top->body_end,
	    top->cte, (size_t)e->rq->policy->max_size, &perr);
	if (cms == NULL) {
		if (perr.status == SMIME_TEMP) {
			*err = perr;
			return -1;
		}
		e->smime = true;
		stop(e, INV_PERMERROR, "%s", perr.msg);
		return 0;
	}
	nid = OBJ_obj2nid(CMS_get0_type(cms));
	if (cms_is_enveloped(cms))
		rc = do_enveloped(e, cms, err);
	else if (nid == NID_pkcs7_signed)
		rc = do_opaque(e, cms, err);
	else {
		l = new_layer(e, LAYER_SIGNED_OPAQUE);
		l->check = nid == NID_id_smime_ct_compressedData ?
		    CMS_CHECK_NEUTRAL : CMS_CHECK_PERMERROR;
		snprintf(l->reason, sizeof(l->reason), "%s",
		    nid == NID_id_smime_ct_compressedData ?
		    "unsupported algorithm (compressed-data)" :
		    "unexpected CMS content type");
	}
	CMS_ContentInfo_free(cms);
	return rc;
}

/* The two parts of a multipart/signed: content and signature; false
 * when the structure is not that. */
static bool
signed_parts(const struct mime_tree *t, size_t top, size_t *content,
    size_t *sig)
{
	size_t	i, n = 0;

	for (i = top + 1; i < t->nparts; i++) {
		if ((size_t)t->parts[i].parent != top)
			continue;
		if (n == 0)
			*content = i;
		else if (n == 1)
			*sig = i;
		n++;
	}
	return n == 2 && is_pkcs7_signature(t->parts[*sig].type);
}

/* Copies the signed content (a part's header block and body) into a
 * work file, canonical CRLF, for the signature check and the next entity. */
static FILE *
canonical_content(struct engine *e, FILE *body, const struct mime_part *p,
    struct smime_err *err)
{
	FILE	*fp = engine_work_file(e, err);

	if (fp == NULL)
		return NULL;
	if (part_copy_canonical(body, p->hdr_start, p->body_end, fp, err) < 0 ||
	    fseeko(fp, 0, SEEK_SET) != 0) {
		if (err->status == SMIME_OK)
			smime_err_set(err, SMIME_TEMP, "work file: %s",
			    strerror(errno));
		fclose(fp);
		return NULL;
	}
	return fp;
}

/* Verifies the multipart/signed at part index top of tree t (of entity
 * d); with want_content, its first part becomes the next entity. For an
 * embedded signature (not a layer) the verdict lands in em instead. */
static int
verify_detached(struct engine *e, size_t d, const struct mime_tree *t,
    size_t top, bool want_content, struct layer *l, struct smime_err *err)
{
	struct smime_err perr = { 0 };
	struct cms_verify_result vr;
	size_t	ci = 0, si = 0;
	CMS_ContentInfo *cms;
	FILE	*dc = NULL, *fp = NULL;
	BIO	*dcont = NULL, *sink = NULL;
	int	rc = -1;

	if (!signed_parts(t, top, &ci, &si)) {
		l->check = CMS_CHECK_PERMERROR;
		snprintf(l->reason, sizeof(l->reason), "malformed "
		    "multipart/signed (not a content part and a signature part)");
		return 0;
	}
	cms = cms_parse_part(body_of(e, d), t->parts[si].body_start,
	    t->parts[si].body_end, t->parts[si].cte,
	    (size_t)e->rq->policy->max_size, &perr);
	if (cms == NULL) {
		if (perr.status == SMIME_TEMP) {
			*err = perr;
			return -1;
		}
		l->check = CMS_CHECK_PERMERROR;
		snprintf(l->reason, sizeof(l->reason), "signature part: %.200s",
		    perr.msg);
		return 0;
	}
	if ((dc = canonical_content(e, body_of(e, d), &t->parts[ci], err)) ==
	    NULL || (dcont = BIO_new_fp(dc, BIO_NOCLOSE)) == NULL)
		goto done;
	if (want_content && (sink = open_next(e, &fp, err)) == NULL)
		goto done;
	if (e->rq->policy->verify) {
		if (cms_verify_signed(cms, dcont, sink, e->rq->trust,
		    e->rq->revocation, e->rq->now, &vr, err) < 0) {
			cms_verify_result_clear(&vr);
			goto done;
		}
		take_signer(l, &vr);
		cms_verify_result_clear(&vr);
	} else {
		char	buf[16384];
		int	n;

		l->unverified = true;
		snprintf(l->reason, sizeof(l->reason), "not verified (the "
		    "policy does not verify)");
		while (sink != NULL && (n = BIO_read(dcont, buf,
		    sizeof(buf))) > 0)
			if (BIO_write(sink, buf, n) != n)
				break;
	}
	rc = 0;
done:
	if (rc == 0)
		rc = close_next(e, l, sink, fp, err);
	else if (sink != NULL) {
		BIO_free(sink);
		fclose(fp);
	}
	BIO_free(dcont);
	if (dc != NULL)
		fclose(dc);
	CMS_ContentInfo_free(cms);
	return rc;
}

static int
do_multipart_signed(struct engine *e, size_t d, const struct mime_tree *t,
    struct smime_err *err)
{
	size_t	ci = 0, si = 0;
	bool	want;
	struct layer *l;

	/* The content is needed to go deeper, to unwrap it or to read the
	 * header fields it may protect. */
	want = e->rq->policy->signature == SIGKEEP_REMOVE ||
	    e->rq->policy->header_protection == HPR_RESTORE ||
	    (signed_parts(t, 0, &ci, &si) &&
	    shape_of(t->parts[ci].type) != SHAPE_PLAIN);
	l = new_layer(e, LAYER_SIGNED_DETACHED);
	/* close_next() fills entity nlayers: the layer exists first. */
	return verify_detached(e, d, t, 0, want, l, err);
}

/* ---- parts that are not layers ----------------------------------------- */

static bool
inside_signed(const struct mime_tree *t, size_t i)
{
	int	p;

	for (p = t->parts[i].parent; p >= 0; p = t->parts[p].parent)
		if (strcmp(t->parts[p].type, "multipart/signed") == 0 ||
		    is_pkcs7_mime(t->parts[p].type))
			return true;
	return false;
}

static void
note(struct engine *e, size_t part, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(struct engine *e, size_t part, const char *fmt, ...)
{
	struct embedded *m = &e->emb[e->nemb++];
	va_list	ap;

	memset(m, 0, sizeof(*m));
	m->part = part;
	va_start(ap, fmt);
	vsnprintf(m->what, sizeof(m->what), fmt, ap);
	va_end(ap);
}

static int
embedded_pkcs7(struct engine *e, size_t d, const struct mime_tree *t,
    size_t i, struct smime_err *err)
{
	struct smime_err perr = { 0 };
	CMS_ContentInfo *cms;

	cms = cms_parse_part(body_of(e, d), t->parts[i].body_start,
	    t->parts[i].body_end, t->parts[i].cte,
	    (size_t)e->rq->policy->max_size, &perr);
	if (cms == NULL && perr.status == SMIME_TEMP) {
		*err = perr;
		return -1;
	}
	if (cms == NULL)
		note(e, i, "embedded S/MIME part %zu unreadable (%s)", i,
		    perr.msg);
	else if (cms_is_enveloped(cms))
		note(e, i, "embedded encrypted part %zu not decrypted", i);
	else
		note(e, i, "embedded S/MIME part %zu not unwrapped", i);
	CMS_ContentInfo_free(cms);
	return 0;
}

static int
embedded_signed(struct engine *e, size_t d, const struct mime_tree *t,
    size_t i, struct smime_err *err)
{
	struct layer l = { 0 };
	struct embedded *m;

	if (verify_detached(e, d, t, i, false, &l, err) < 0)
		return -1;
	note(e, i, "signature covers part %zu only (%s: %s)", i,
	    l.unverified ? "not verified" : cms_check_name(l.check), l.reason);
	m = &e->emb[e->nemb - 1];
	m->signer = l.signer;
	m->enc_pref = l.enc_pref;
	m->verified = l.check == CMS_CHECK_PASS;
	m->signature_ok = l.signature_ok;
	return 0;
}

/* S/MIME parts inside content that is not S/MIME itself: never
 * decrypted nor unwrapped (EFAIL), looked at so that the headers say so. */
static int
scan_embedded(struct engine *e, size_t d, const struct mime_tree *t,
    struct smime_err *err)
{
	size_t	i;
	int	rc = 0;

	for (i = 1; i < t->nparts && rc == 0; i++) {
		if (e->nemb == INBOUND_MAX_EMBEDDED || cpu_exceeded(e))
			break;
		if (inside_signed(t, i))
			continue;
		if (is_pkcs7_mime(t->parts[i].type))
			rc = embedded_pkcs7(e, d, t, i, err);
		else if (strcmp(t->parts[i].type, "multipart/signed") == 0)
			rc = embedded_signed(e, d, t, i, err);
	}
	if (e->nemb > 0)
		e->smime = true;
	return rc;
}

/* ---- the walk ----------------------------------------------------------- */

static int
walk(struct engine *e, struct smime_err *err)
{
	const struct inbound_policy *p = e->rq->policy;
	unsigned max = e->rq->max_layers ? e->rq->max_layers : INBOUND_MAX_LAYERS;
	const struct mime_header *h;
	struct smime_err perr = { 0 };
	struct mime_tree *t;
	size_t	d, n;
	int	rc = 0;

	if (max > INBOUND_MAX_LAYERS)
		max = INBOUND_MAX_LAYERS;
	for (d = 0; rc == 0; d++) {
		h = fields_of(e, d, &n);
		if (d == 0 && declared_shape(h, n) == SHAPE_PLAIN &&
		    p->max_size < (uint64_t)e->r->size_in)
			return 0;	/* too big to look for embedded parts */
		if (mime_parse(body_of(e, d), h, n, &t, &perr) < 0) {
			if (perr.status == SMIME_TEMP) {
				*err = perr;
				return -1;
			}
			/* Not our business unless it claims to be S/MIME. */
			if (d > 0 || declared_shape(h, n) != SHAPE_PLAIN) {
				e->smime = true;
				stop(e, INV_PERMERROR, "malformed MIME%s: %s",
				    d > 0 ? " inside an S/MIME layer" : "",
				    perr.msg);
			}
			return 0;
		}
		e->transportable[d] = !mime_transport_needed(t);
		if (shape_of(t->parts[0].type) == SHAPE_PLAIN) {
			rc = scan_embedded(e, d, t, err);
			mime_tree_free(t);
			return rc;
		}
		e->smime = true;
		if (d >= max)
			stop(e, INV_PERMERROR, "S/MIME nesting deeper than %u "
			    "layers", max);
		else if ((uint64_t)t->size > p->max_size)
			stop(e, INV_PERMERROR, "S/MIME body larger than "
			    "max_size (%llu bytes)",
			    (unsigned long long)p->max_size);
		else if (!cpu_exceeded(e))
			rc = shape_of(t->parts[0].type) == SHAPE_PKCS7_MIME ?
			    do_pkcs7_mime(e, d, &t->parts[0], err) :
			    do_multipart_signed(e, d, t, err);
		mime_tree_free(t);
		if (e->stop_verdict != INV_NONE || e->nlayers <= d ||
		    !e->layers[d].content)
			break;
	}
	return rc;
}

static off_t
file_size(FILE *f)
{
	off_t	n;

	if (fseeko(f, 0, SEEK_END) != 0 || (n = ftello(f)) < 0)
		return 0;
	return n;
}

static void
engine_free(struct engine *e)
{
	size_t	i;

	for (i = 0; i <= INBOUND_MAX_LAYERS; i++)
		mime_entity_clear(&e->ent[i]);
	for (i = 0; i < e->nlayers; i++) {
		X509_free(e->layers[i].signer);
		X509_free(e->layers[i].enc_pref);
	}
	for (i = 0; i < e->nemb; i++) {
		X509_free(e->emb[i].signer);
		X509_free(e->emb[i].enc_pref);
	}
	if (!e->keys_borrowed) {
		for (i = 0; i < e->nkeys; i++)
			smime_signer_free(e->keys[i]);
		free(e->keys);
	}
	free(e);
}

int
inbound_process(const struct inbound_request *rq,
    struct inbound_result **result, struct smime_err *err)
{
	struct engine *e;
	int	rc;

	*result = NULL;
	if (rq->policy == NULL || rq->body == NULL || rq->tmpdir == NULL ||
	    (rq->policy->verify && rq->trust == NULL)) {
		smime_err_set(err, SMIME_TEMP, "inbound: incomplete request");
		return -1;
	}
	e = x_calloc(1, sizeof(*e));
	e->rq = rq;
	e->r = x_calloc(1, sizeof(*e->r));
	e->cpu_start_us = cpu_us();
	e->r->size_in = (unsigned long long)file_size(rq->body);
	rc = walk(e, err);
	if (rc == 0)
		rc = inbound_conclude(e, err);
	if (rc < 0) {
		inbound_result_free(e->r);
		e->r = NULL;
	}
	*result = e->r;
	engine_free(e);
	return rc;
}
