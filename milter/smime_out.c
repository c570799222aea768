/*
 * smime_out - see smime_out.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "conf/words.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "milter/counters.h"
#include "milter/hygiene.h"
#include "milter/received.h"
#include "milter/reinject.h"
#include "milter/signer_cache.h"
#include "milter/smime_apply.h"
#include "milter/smime_out.h"
#include "milter/trust_ctx.h"
#include "policy/sender_domain.h"
#include "policy/sending_rule.h"
#include "smime/keystore/keystore.h"
#include "smime/outbound.h"
#include "smime/recipient_key.h"
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
		log_error("smime.keystore: %s", keystore_strerror());
		return false;
	}
	return true;
}

struct keystore *
smime_out_keystore(void)
{
	return so_keystore;
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
	char	reason[1500];

	/* why may quote an MTA's reply or an address: escape it. */
	log_error("%s: smime=error action=tempfail reason=%s", id,
	    log_value(reason, sizeof(reason), why));
	smfi_setreply(ctx, "451", (char *)xcode,
	    "gatewarden cannot sign or encrypt this message now, try again later");
	return SMFIS_TEMPFAIL;
}

/* An anonymous file in the spool directory for the new body: it
 * disappears with its last descriptor, however the message ends, and no
 * command gatewarden runs inherits it. */
static FILE *
anonymous_spool(const char *dir)
{
	char	path[4096];
	int	fd;
	FILE	*fp;

	if (snprintf(path, sizeof(path), "%s/gw-out-XXXXXX", dir) >=
	    (int)sizeof(path))
		return NULL;
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1)
		return NULL;
	(void)unlink(path);
	if ((fp = fdopen(fd, "w+")) == NULL)
		close(fd);
	return fp;
}

/* A recipient whose only certificates may not be encrypted to (expired,
 * not yet valid, key usage) is treated as having no key (the profile's
 * missing_key applies); this line says which certificate was passed
 * over and why, before the decision line lists the recipient as
 * missing. */
static void
log_unusable(const char *id, const char *addr, const struct rk_answer *an)
{
	bool	early = an->unusable_problem == CERT_NOT_YET_VALID;
	time_t	t = (time_t)(early ? an->unusable->not_before :
		    an->unusable->not_after);
	char	a[ADDR_MAX + 16], when[64] = "";
	struct tm tm;

	/* the date that makes it unusable; none for its key usage */
	if (an->unusable_problem != CERT_KEY_USAGE && gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), early ? " not_before=%Y-%m-%dT"
		    "%H:%M:%SZ" : " not_after=%Y-%m-%dT%H:%M:%SZ", &tm);
	log_info("%s: smime=no_usable_key rcpt=%s reason=%s fingerprint=%s%s",
	    id, log_value(a, sizeof(a), addr),
	    cert_problem_name(an->unusable_problem),
	    an->unusable->fingerprint, when);
	counters_unusable_key(cert_problem_name(an->unusable_problem));
}

/* The certificates passed over (revoked, an unknown status refused, a
 * directory's certificate refused), one line each, and an unknown status
 * accepted (on_unknown: accept), every time it is. */
static void
log_passed(const char *id, const char *addr, const struct rk_answer *an)
{
	char	a[ADDR_MAX + 16], o[200], r[1200];
	size_t	i;

	log_value(a, sizeof(a), addr);
	for (i = 0; i < an->npassed; i++)
		log_info("%s: smime=no_usable_key rcpt=%s reason=%s "
		    "fingerprint=%s origin=%s detail=%s", id, a,
		    an->passed[i].problem, an->passed[i].fingerprint,
		    log_value(o, sizeof(o), an->passed[i].origin),
		    log_value(r, sizeof(r), an->passed[i].reason));
	if (an->unknown_accepted)
		log_warn("%s: smime=revocation_unknown action=accept rcpt=%s "
		    "fingerprint=%s detail=%s", id, a, an->fingerprint,
		    log_value(r, sizeof(r), an->unknown_reason));
	if (an->status == RK_FOUND && strncmp(an->origin, "ldap ", 5) == 0)
		log_info("%s: smime=key_found rcpt=%s origin=%s fingerprint=%s",
		    id, a, log_value(o, sizeof(o), an->origin), an->fingerprint);
}

/* The certificate for each recipient (recipient_key.h: the key store,
 * revocation, the LDAP directories); false when one cannot be decided
 * now (the message must wait). Signing only needs none: nothing is
 * looked up, so a message to thousands of recipients costs no key-store
 * query each, and an unreadable key store does not hold back mail that
 * is only signed. */
static bool
find_keys(struct job *j, const struct config *cfg, const struct message *m,
    bool encrypts, const char *id, char *why, size_t whysz)
{
	struct rk_context ctx;
	size_t	i;
	bool	good = true;

	j->rcpts = x_calloc(m->nrcpts ? m->nrcpts : 1, sizeof(*j->rcpts));
	if (!encrypts) {
		for (i = 0; i < m->nrcpts; i++)
			j->rcpts[i].address = m->rcpts[i];
		j->nrcpts = m->nrcpts;
		return true;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.ks = so_keystore;
	ctx.rev = trust_ctx_revocation();
	ctx.trust = trust_ctx_store();
	ctx.dirs = cfg->smime.ldap;
	ctx.ndirs = cfg->smime.nldap;
	ctx.now = (int64_t)time(NULL);
	for (i = 0; i < m->nrcpts && good; i++) {
		struct rk_answer an;
		char	addr[ADDR_MAX];
		const char *a;
		size_t	len = envelope_address(m->rcpts[i], &a);

		snprintf(addr, sizeof(addr), "%.*s", (int)len, a);
		j->rcpts[i].address = m->rcpts[i];
		j->nrcpts = i + 1;
		switch (recipient_key_find(&ctx, addr, &an)) {
		case RK_FOUND:
			log_passed(id, addr, &an);
			j->rcpts[i].cert = an.cert;
			an.cert = NULL;
			break;
		case RK_MISSING:
			log_passed(id, addr, &an);
			if (an.unusable != NULL)
				log_unusable(id, addr, &an);
			break;
		case RK_TEMPFAIL:
		default:
			log_passed(id, addr, &an);
			snprintf(why, whysz, "%s", an.reason);
			good = false;
			break;
		}
		recipient_key_clear(&an);
	}
	X509_STORE_free(ctx.trust);
	return good;
}

static bool
text_8bit(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p & 0x80)
			return true;
	return false;
}

/* true when the copy's header or envelope has a byte above 0x7f. */
static bool
copy_utf8(const struct message *m, const struct header *h, size_t n,
    char *const *rcpts, size_t nrcpts)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (text_8bit(h[i].name) || text_8bit(h[i].value))
			return true;
	for (i = 0; i < nrcpts; i++)
		if (text_8bit(rcpts[i]))
			return true;
	return text_8bit(m->sender);
}

/* The ESMTP parameters each clear recipient gave, found by address. */
static const struct rcpt_params **
clear_params(const struct message *m, char *const *clear, size_t nclear)
{
	const struct rcpt_params **p = x_calloc(nclear ? nclear : 1,
	    sizeof(*p));
	size_t	i, j;

	for (i = 0; i < nclear; i++)
		for (j = 0; j < m->nrcpts && p[i] == NULL; j++)
			if (strcmp(m->rcpts[j], clear[i]) == 0)
				p[i] = &m->rcpt_params[j];
	return p;
}

/* The clear copy of `split`: our own headers are removed from it as the
 * MTA would have them removed, since the re-injection port skips us; it
 * keeps the envelope's parameters and gets a Received: field for the hop
 * it came in by, which the MTA never showed us. */
static bool
split_clear(SMFICTX *ctx, const struct session *s,
    const struct outbound_result *r, char *why, size_t whysz)
{
	const struct message *m = s->msg;
	struct reinject_envelope e = { 0 };
	const struct rcpt_params **params;
	struct header *keep;
	size_t	i, n = 0;
	FILE	*body;
	char	*received;
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
	params = clear_params(m, r->clear, r->nclear);
	received = received_value(s, smfi_getsymval(ctx, "j"),
	    r->nclear == 1 ? r->clear[0] : NULL, time(NULL));
	e.sender = m->sender;
	e.mail = &m->mail;
	e.rcpts = r->clear;
	e.rcpt_params = params;
	e.nrcpts = r->nclear;
	e.utf8 = copy_utf8(m, keep, n, r->clear, r->nclear);
	e.eightbit = m->body.eightbit || e.utf8;
	e.received = received;
	sent = reinject_message(&s->cfg->smime.reinjection,
	    (unsigned)s->cfg->milter.timeout, &e, keep, n, body, why, whysz);
	fclose(body);
	free(received);
	free(params);
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

static enum rule_verdict
choose_rule(const struct session *s, struct job *j, struct rule_choice *c)
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
	rm.size = m->header_text_bytes + m->body.size;
	rm.authenticated = s->facts.authenticated;
	rm.login = s->facts.auth_login;
	return sending_rule_choose(s->cfg, &rm, c);
}

/* The sender login check of a rule that did not apply: refused (reply
 * set) or skipped; one log line either way. */
static void
login_mismatch(SMFICTX *ctx, const struct session *s, const char *id,
    const struct sending_rule *rule, enum sender_login_result login,
    bool refuse)
{
	const char *rcode, *xcode, *text;
	char	sender[ADDR_MAX + 8], user[FACT_NAME_MAX + 8], name[300];

	log_info("%s: smime=%s rule=%s sender=%s login=%s sender_login=%s%s",
	    id, refuse ? "refused" : "skipped",
	    log_value(name, sizeof(name), rule->name ? rule->name : "-"),
	    log_value(sender, sizeof(sender), s->msg->sender),
	    log_value(user, sizeof(user), s->facts.authenticated ?
	    s->facts.auth_authen : "-"), sender_login_result_name(login),
	    refuse ? " action=reject code=550 dsn=5.7.1" : "");
	if (!refuse)
		return;
	sender_login_reply(login, &rcode, &xcode, &text);
	if (smfi_setreply(ctx, (char *)rcode, (char *)xcode, (char *)text) !=
	    MI_SUCCESS)
		log_error("%s: smfi_setreply refused the reply text", id);
}

static bool
load_signers(const struct config *cfg, const struct sending_profile *p,
    struct job *j, char *why, size_t whysz)
{
	struct smime_err err = { 0 };
	const struct smime_certificate *c;

	if (p->mode != SMIME_ENCRYPT) {
		c = config_certificate(cfg, p->signing_certificate);
		if (c == NULL || signer_cache_load(c, &j->signer, &err) != 0) {
			snprintf(why, whysz, "signing certificate %s: %s",
			    p->signing_certificate, c ? err.msg : "undefined");
			return false;
		}
	}
	if (p->encrypt_to_self != NULL && p->mode != SMIME_SIGN) {
		c = config_certificate(cfg, p->encrypt_to_self);
		if (c == NULL || signer_cache_load(c, &j->self, &err) != 0) {
			snprintf(why, whysz, "encrypt_to_self certificate %s: "
			    "%s", p->encrypt_to_self, c ? err.msg : "undefined");
			return false;
		}
	}
	return true;
}

/* The operation's name in the metrics: the profile's mode. */
static const char *
mode_word(const struct sending_profile *p)
{
	return p != NULL ? word_name(words_smime_mode, p->mode) : "unknown";
}

static bool
has_non_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* A recipient whose domain gatewarden cannot read but the MTA may
 * (address_is_ambiguous()): the sending rules cannot be judged, so the
 * message is refused rather than sent on a guess. true when refused
 * (reply set, logged). */
static bool
ambiguous_recipient(SMFICTX *ctx, const struct message *m, const char *id)
{
	char	rcpt[ADDR_MAX + 8];
	size_t	i;

	for (i = 0; i < m->nrcpts; i++) {
		bool	utf8;

		if (!address_is_ambiguous(m->rcpts[i]))
			continue;
		/* SMTPUTF8: a domain in U-labels, which the rules' domains
		 * (A-labels) cannot be compared with. */
		utf8 = has_non_ascii(m->rcpts[i]);
		log_info("%s: smime=refused reason=%s rcpt=%s action=reject "
		    "code=553 dsn=%s", id, utf8 ? "non-ascii-recipient" :
		    "ambiguous-recipient",
		    log_value(rcpt, sizeof(rcpt), m->rcpts[i]),
		    utf8 ? "5.6.7" : "5.1.3");
		if (smfi_setreply(ctx, "553", utf8 ? "5.6.7" : "5.1.3", utf8 ?
		    "a non-ASCII recipient address, which the sending rules "
		    "cannot judge" : "a recipient address whose domain "
		    "gatewarden cannot tell") != MI_SUCCESS)
			log_error("%s: smfi_setreply refused the reply text",
			    id);
		return true;
	}
	return false;
}

bool
smime_out_eom(SMFICTX *ctx, struct session *s, sfsistat *rc)
{
	const struct message *m = s->msg;
	const struct sending_rule *rule;
	const struct sending_profile *p;
	struct rule_choice choice;
	enum rule_verdict verdict;
	struct outbound_request req = { 0 };
	struct smime_err err = { 0 };
	struct job j = { 0 };
	char	id[QUEUE_ID_MAX + 16], why[700];
	size_t	i;

	if (m->group == NULL || m->group->direction != DIR_OUTBOUND ||
	    !smime_out_needed(s->cfg))
		return false;
	session_log_id(s, id, sizeof(id));
	if (ambiguous_recipient(ctx, m, id)) {
		*rc = SMFIS_REJECT;
		return true;
	}
	verdict = choose_rule(s, &j, &choice);
	if (choice.skipped != NULL)
		login_mismatch(ctx, s, id, choice.skipped, choice.login, false);
	if (verdict != RULE_APPLY) {
		job_free(&j);
		if (verdict == RULE_NONE)
			return false;
		login_mismatch(ctx, s, id, choice.rule, choice.login, true);
		*rc = SMFIS_REJECT;
		return true;
	}
	rule = choice.rule;
	p = config_profile(s->cfg, rule->profile);
	if (so_keystore == NULL || p == NULL) {
		/* Neither happens to a configuration in force (the key
		 * store is opened before, the loader checks profiles). */
		*rc = tempfail(ctx, id, "4.3.0", so_keystore == NULL ?
		    "key store not open" : "profile undefined");
		counters_smime(mode_word(p), "tempfail");
		job_free(&j);
		return true;
	}
	if (!load_signers(s->cfg, p, &j, why, sizeof(why)) ||
	    !find_keys(&j, s->cfg, m, p->mode != SMIME_SIGN, id, why,
	    sizeof(why))) {
		*rc = tempfail(ctx, id, "4.7.0", why);
		counters_smime(mode_word(p), "tempfail");
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
		counters_smime(mode_word(p), "tempfail");
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
		counters_smime(mode_word(p), *rc == SMFIS_REJECT ? "error" :
		    "tempfail");
		job_free(&j);
		return true;
	}
	*rc = apply(ctx, s, &j, id);
	counters_smime(mode_word(p), *rc == SMFIS_TEMPFAIL ? "tempfail" :
	    outbound_action_name(j.result->action));
	job_free(&j);
	return true;
}
