/*
 * smime_out - see smime_out.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "milter/hygiene.h"
#include "milter/reinject.h"
#include "milter/smime_apply.h"
#include "milter/smime_out.h"
#include "policy/sender_domain.h"
#include "policy/sending_rule.h"
#include "smime/keystore/keystore.h"
#include "smime/outbound.h"
#include "smime/cms/signer.h"

static struct keystore *so_keystore;

bool
smime_out_needed(const struct config *cfg)
{
	return cfg->smime.nrules > 0;
}

bool
smime_out_init(const struct config *cfg)
{
	enum ks_status st;

	if (!smime_out_needed(cfg) || so_keystore != NULL)
		return true;
	st = keystore_open(cfg->smime.keystore, cfg->smime.keystore_max_size,
	    &so_keystore);
	if (st != KS_OK) {
		log_error("smime.keystore %s: %s", cfg->smime.keystore,
		    keystore_strerror());
		return false;
	}
	return true;
}

void
smime_out_shutdown(void)
{
	keystore_close(so_keystore);
	so_keystore = NULL;
}

/* Everything one message needs, freed by job_free(). */
struct job {
	struct outbound_recipient *rcpts;
	size_t		nrcpts;
	struct mime_header *headers;
	struct rule_header *rule_headers;
	struct smime_signer *signer, *self;
	FILE		*body, *out;
	struct outbound_result *result;
};

static void
job_free(struct job *j)
{
	size_t	i;

	for (i = 0; i < j->nrcpts; i++)
		X509_free(j->rcpts[i].cert);
	free(j->rcpts);
	free(j->headers);
	free(j->rule_headers);
	smime_signer_free(j->signer);
	smime_signer_free(j->self);
	if (j->body != NULL)
		fclose(j->body);
	if (j->out != NULL)
		fclose(j->out);
	outbound_result_free(j->result);
}

static sfsistat
tempfail(SMFICTX *ctx, const char *id, const char *xcode, const char *why)
{
	char	reason[600];

	/* why may quote an MTA's reply or an address: escape it. */
	log_error("%s: smime=error action=tempfail reason=%s", id,
	    log_value(reason, sizeof(reason), why));
	smfi_setreply(ctx, "451", (char *)xcode,
	    "gatewarden cannot sign or encrypt this message now, try again later");
	return SMFIS_TEMPFAIL;
}

/* An anonymous file in the spool directory for the new body: it
 * disappears with its last descriptor, however the message ends. */
static FILE *
anonymous_spool(const char *dir)
{
	char	path[4096];
	int	fd;
	FILE	*fp;

	if (snprintf(path, sizeof(path), "%s/gw-out-XXXXXX", dir) >=
	    (int)sizeof(path))
		return NULL;
	if ((fd = mkstemp(path)) == -1)
		return NULL;
	(void)unlink(path);
	if ((fp = fdopen(fd, "w+")) == NULL)
		close(fd);
	return fp;
}

/* The key store's certificate for each recipient; false on a store
 * failure (the message must wait). */
static bool
find_keys(struct job *j, const struct message *m, char *why, size_t whysz)
{
	size_t	i;
	int64_t	now = (int64_t)time(NULL);

	j->rcpts = x_calloc(m->nrcpts ? m->nrcpts : 1, sizeof(*j->rcpts));
	for (i = 0; i < m->nrcpts; i++) {
		struct ks_cert *kc = NULL;
		char	addr[ADDR_MAX];
		const char *a;
		enum ks_status st;
		size_t	len = envelope_address(m->rcpts[i], &a);

		snprintf(addr, sizeof(addr), "%.*s", (int)len, a);
		j->rcpts[i].address = m->rcpts[i];
		j->nrcpts = i + 1;
		st = keystore_lookup(so_keystore, addr, now, &kc);
		if (st == KS_NOTFOUND)
			continue;
		if (st != KS_OK) {
			snprintf(why, whysz, "key store: %s",
			    keystore_strerror());
			return false;
		}
		{
			const unsigned char *p = kc->der;

			j->rcpts[i].cert = d2i_X509(NULL, &p, (long)kc->derlen);
		}
		ks_cert_free(kc);
		if (j->rcpts[i].cert == NULL) {
			snprintf(why, whysz, "key store: a certificate of %.200s "
			    "does not parse", addr);
			return false;
		}
	}
	return true;
}

/* The clear copy of `split`: our own headers are removed from it as the
 * MTA would have them removed, since the re-injection port skips us. */
static bool
split_clear(SMFICTX *ctx, const struct session *s,
    const struct outbound_result *r, char *why, size_t whysz)
{
	const struct message *m = s->msg;
	struct header *keep;
	size_t	i, n = 0;
	FILE	*body;
	bool	sent;

	for (i = 0; i < r->nclear; i++)
		if (smfi_delrcpt(ctx, r->clear[i]) != MI_SUCCESS) {
			snprintf(why, whysz, "MTA refused to remove a recipient");
			return false;
		}
	keep = x_calloc(m->nheaders ? m->nheaders : 1, sizeof(*keep));
	for (i = 0; i < m->nheaders; i++)
		if (!hygiene_is_ours(m->headers[i].name, m->headers[i].value,
		    s->cfg->milter.authserv_id))
			keep[n++] = m->headers[i];
	if ((body = spool_open_reader((struct spool *)&m->body)) == NULL) {
		free(keep);
		snprintf(why, whysz, "spool: %s", strerror(errno));
		return false;
	}
	sent = reinject_message(&s->cfg->smime.reinjection,
	    (unsigned)s->cfg->milter.timeout, m->sender, r->clear, r->nclear,
	    keep, n, body, why, whysz);
	fclose(body);
	free(keep);
	return sent;
}

static sfsistat
apply(SMFICTX *ctx, struct session *s, struct job *j, const char *id)
{
	const struct outbound_result *r = j->result;
	char	why[512];

	switch (r->action) {
	case OUTBOUND_REJECT:
		log_info("%s: %s", id, r->log);
		smfi_setreply(ctx, (char *)r->reply_code, (char *)r->reply_xcode,
		    r->reply_text);
		return SMFIS_REJECT;
	case OUTBOUND_DISCARD:
		log_info("%s: %s", id, r->log);
		return SMFIS_DISCARD;
	case OUTBOUND_CLEAR:
		log_info("%s: %s", id, r->log);
		return SMFIS_CONTINUE;
	case OUTBOUND_REPLACE:
	default:
		break;
	}
	if (!smime_apply_edits(ctx, &r->edits, j->out))
		return tempfail(ctx, id, "4.3.0", "MTA refused a change");
	if (r->nclear > 0 && !split_clear(ctx, s, r, why, sizeof(why)))
		return tempfail(ctx, id, "4.3.0", why);
	log_info("%s: %s", id, r->log);
	return SMFIS_CONTINUE;
}

static const struct sending_rule *
select_rule(const struct session *s, struct job *j)
{
	const struct message *m = s->msg;
	struct rule_message rm = { 0 };
	size_t	i;

	j->rule_headers = x_calloc(m->nheaders ? m->nheaders : 1,
	    sizeof(*j->rule_headers));
	for (i = 0; i < m->nheaders; i++) {
		j->rule_headers[i].name = m->headers[i].name;
		j->rule_headers[i].value = m->headers[i].value;
	}
	rm.group = m->group->name;
	rm.sender = m->sender;
	rm.rcpts = (const char *const *)m->rcpts;
	rm.nrcpts = m->nrcpts;
	rm.headers = j->rule_headers;
	rm.nheaders = m->nheaders;
	rm.size = m->header_bytes + m->body.size;
	return sending_rule_select(s->cfg, &rm);
}

static bool
load_signers(const struct config *cfg, const struct sending_profile *p,
    struct job *j, char *why, size_t whysz)
{
	struct smime_err err = { 0 };
	const struct smime_certificate *c;

	if (p->mode != SMIME_ENCRYPT) {
		c = config_certificate(cfg, p->signing_certificate);
		if (c == NULL || smime_signer_load(c, &j->signer, &err) != 0) {
			snprintf(why, whysz, "signing certificate %s: %s",
			    p->signing_certificate, c ? err.msg : "undefined");
			return false;
		}
	}
	if (p->encrypt_to_self != NULL && p->mode != SMIME_SIGN) {
		c = config_certificate(cfg, p->encrypt_to_self);
		if (c == NULL || smime_signer_load(c, &j->self, &err) != 0) {
			snprintf(why, whysz, "encrypt_to_self certificate %s: "
			    "%s", p->encrypt_to_self, c ? err.msg : "undefined");
			return false;
		}
	}
	return true;
}

bool
smime_out_eom(SMFICTX *ctx, struct session *s, sfsistat *rc)
{
	const struct message *m = s->msg;
	const struct sending_rule *rule;
	const struct sending_profile *p;
	struct outbound_request req = { 0 };
	struct smime_err err = { 0 };
	struct job j = { 0 };
	char	id[QUEUE_ID_MAX + 16], why[512];
	size_t	i;

	if (m->group == NULL || m->group->direction != DIR_OUTBOUND ||
	    !smime_out_needed(s->cfg))
		return false;
	session_log_id(s, id, sizeof(id));
	if ((rule = select_rule(s, &j)) == NULL) {
		job_free(&j);
		return false;
	}
	p = config_profile(s->cfg, rule->profile);
	if (so_keystore == NULL || p == NULL) {
		*rc = tempfail(ctx, id, "4.3.0", so_keystore == NULL ?
		    "key store not open (sending rules added by a reload "
		    "take effect at restart)" : "profile undefined");
		job_free(&j);
		return true;
	}
	if (!load_signers(s->cfg, p, &j, why, sizeof(why)) ||
	    !find_keys(&j, m, why, sizeof(why))) {
		*rc = tempfail(ctx, id, "4.7.0", why);
		job_free(&j);
		return true;
	}
	j.headers = x_calloc(m->nheaders ? m->nheaders : 1, sizeof(*j.headers));
	for (i = 0; i < m->nheaders; i++) {
		j.headers[i].name = m->headers[i].name;
		j.headers[i].value = m->headers[i].value;
	}
	j.body = spool_open_reader((struct spool *)&m->body);
	j.out = anonymous_spool(s->cfg->milter.spool_dir);
	if (j.body == NULL || j.out == NULL) {
		*rc = tempfail(ctx, id, "4.3.0", strerror(errno));
		job_free(&j);
		return true;
	}
	req.profile = p;
	req.signer = j.signer;
	req.self = j.self ? j.self->cert : NULL;
	req.rcpts = j.rcpts;
	req.nrcpts = j.nrcpts;
	req.headers = j.headers;
	req.nheaders = m->nheaders;
	req.body = j.body;
	req.out = j.out;
	if (outbound_process(&req, &j.result, &err) != 0) {
		if (err.status == SMIME_PERM) {
			char	reason[600];

			log_info("%s: smime=error rule=%s action=reject "
			    "reason=%s", id, rule->name ? rule->name : "-",
			    log_value(reason, sizeof(reason), err.msg));
			smfi_setreply(ctx, "554", "5.6.0", "gatewarden cannot "
			    "sign or encrypt this message: malformed MIME");
			*rc = SMFIS_REJECT;
		} else
			*rc = tempfail(ctx, id, "4.7.0", err.msg);
		job_free(&j);
		return true;
	}
	*rc = apply(ctx, s, &j, id);
	job_free(&j);
	return true;
}
