/*
 * callbacks - see callbacks.h.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libmilter/mfapi.h>

#include "conf/words.h"
#include "lib/log.h"
#include "milter/callbacks.h"
#include "milter/hygiene.h"
#include "milter/runtime.h"
#include "milter/session.h"

/* Per-connection private data: the session and what was negotiated. */
struct conn {
	struct session	*s;
	unsigned long	proto;		/* the SMFIP_* steps agreed */
	bool		counted;	/* runtime_session_opened() was called */
};

static atomic_ulong conn_counter;

/* The macros each stage asks for. The TLS macros are asked again at MAIL
 * FROM: the MTA sends them at HELO only after STARTTLS, and a client may
 * skip HELO after STARTTLS. */
#define TLS_MACROS "{tls_version} {cipher} {cipher_bits} {cert_subject} " \
	"{cert_issuer} {verify} {cn_subject} {cn_issuer}"
static const struct {
	int		stage;
	const char	*macros;
} stage_macros[] = {
	{ SMFIM_CONNECT, "v {daemon_name} {client_addr} {client_name} "
	    "{client_resolve}" },
	{ SMFIM_HELO, TLS_MACROS },
	{ SMFIM_ENVFROM, "i {auth_type} {auth_authen} " TLS_MACROS },
	{ SMFIM_ENVRCPT, "i" },
	{ SMFIM_EOM, "i" },
};

static struct conn *
conn_get(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* Makes the connection's state on first use: negotiate normally, connect
 * for an MTA that skipped negotiation. NULL when no configuration is in
 * force (shutting down). */
static struct conn *
conn_make(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct config *cfg;

	if (c != NULL)
		return c;
	if ((cfg = runtime_config()) == NULL)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		config_unref(cfg);
		return NULL;
	}
	c->s = session_new(cfg, atomic_fetch_add(&conn_counter, 1) + 1);
	runtime_session_opened();
	c->counted = true;
	smfi_setpriv(ctx, c);
	return c;
}

/* The reply for a callback whose stage was negotiated without a reply. */
static sfsistat
no_reply(const struct conn *c, unsigned long nr_flag)
{
	return (c->proto & nr_flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static void
fetch_macros(SMFICTX *ctx, struct session *s, const enum macro_id *ids,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		session_set_macro(s, ids[i],
		    smfi_getsymval(ctx, (char *)macro_name(ids[i])));
}

static const enum macro_id tls_macro_ids[] = {
	M_TLS_VERSION, M_CIPHER, M_CIPHER_BITS, M_CERT_SUBJECT, M_CERT_ISSUER,
	M_VERIFY, M_CN_SUBJECT, M_CN_ISSUER,
};

/* Applies milter.on_internal_error to the current message. */
static sfsistat
internal_error(SMFICTX *ctx, struct session *s, const char *what)
{
	char	id[QUEUE_ID_MAX + 16];
	enum internal_error act = s->cfg->milter.on_internal_error;

	log_error("%s: action=%s reason=internal-error detail=\"%s\"",
	    session_log_id(s, id, sizeof(id)),
	    word_name(words_internal_error, (int)act), what);
	switch (act) {
	case IERR_ACCEPT:
		return SMFIS_ACCEPT;
	case IERR_REJECT:
		smfi_setreply(ctx, "550", "5.3.0",
		    "gatewarden could not process this message");
		return SMFIS_REJECT;
	case IERR_TEMPFAIL:
	default:
		smfi_setreply(ctx, "451", "4.3.0",
		    "gatewarden could not process this message, try again later");
		return SMFIS_TEMPFAIL;
	}
}

static bool
config_needs_body(const struct config *cfg)
{
	return cfg->smime.nrules > 0 || cfg->smime.inbound.decrypt ||
	    cfg->smime.inbound.verify;
}

static sfsistat
gw_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct conn *c;
	unsigned long actions, need_actions, steps, want_steps;
	size_t	i;

	(void)f2, (void)f3;
	if ((c = conn_make(ctx)) == NULL)
		return SMFIS_TEMPFAIL;
	/* Header hygiene removes headers; the TLS header adds one. */
	need_actions = SMFIF_CHGHDRS;
	if (c->s->cfg->milter.tls_header)
		need_actions |= SMFIF_ADDHDRS;
	if ((f0 & need_actions) != need_actions) {
		log_error("conn#%lu: action=refuse reason=mta-lacks-actions "
		    "offered=0x%lx needed=0x%lx", c->s->id, f0, need_actions);
		return SMFIS_REJECT;
	}
	actions = need_actions | (f0 & SMFIF_SETSYMLIST);

	/* Ask only for the stages the configuration uses, without a reply
	 * wherever gatewarden never refuses. */
	want_steps = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR |
	    SMFIP_NOEOH | SMFIP_NR_EOH | SMFIP_NOUNKNOWN | SMFIP_NR_UNKN |
	    SMFIP_NODATA | SMFIP_NR_DATA | SMFIP_NR_RCPT | SMFIP_SKIP;
	if (config_needs_body(c->s->cfg))
		want_steps |= SMFIP_NR_BODY;
	else
		want_steps |= SMFIP_NOBODY;
	steps = want_steps & f1;
	c->proto = steps;

	*pf0 = actions;
	*pf1 = steps;
	*pf2 = 0;
	*pf3 = 0;

	if (actions & SMFIF_SETSYMLIST)
		for (i = 0; i < sizeof(stage_macros) / sizeof(stage_macros[0]);
		    i++)
			if (smfi_setsymlist(ctx, stage_macros[i].stage,
			    (char *)stage_macros[i].macros) != MI_SUCCESS)
				log_warn("conn#%lu: setsymlist failed for "
				    "stage %d", c->s->id, stage_macros[i].stage);
	log_debug("conn#%lu: negotiated actions=0x%lx steps=0x%lx "
	    "offered_actions=0x%lx offered_steps=0x%lx", c->s->id, actions,
	    steps, f0, f1);
	return SMFIS_CONTINUE;
}

static sfsistat
gw_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	static const enum macro_id ids[] = {
		M_MTA_VERSION, M_DAEMON_NAME, M_CLIENT_ADDR, M_CLIENT_NAME,
		M_CLIENT_RESOLVE,
	};
	struct conn *c = conn_make(ctx);
	char	v1[256], v2[256];

	(void)hostaddr;
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	fetch_macros(ctx, c->s, ids, sizeof(ids) / sizeof(ids[0]));
	if (!c->s->have[M_CLIENT_NAME] && hostname != NULL)
		session_set_macro(c->s, M_CLIENT_NAME, hostname);
	log_debug("conn#%lu: stage=connect client_addr=%s client_name=%s",
	    c->s->id,
	    log_value(v1, sizeof(v1), session_macro(c->s, M_CLIENT_ADDR)),
	    log_value(v2, sizeof(v2), session_macro(c->s, M_CLIENT_NAME)));
	return no_reply(c, SMFIP_NR_CONN);
}

static sfsistat
gw_helo(SMFICTX *ctx, char *helo)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	snprintf(c->s->helo, sizeof(c->s->helo), "%s", helo ? helo : "");
	fetch_macros(ctx, c->s, tls_macro_ids,
	    sizeof(tls_macro_ids) / sizeof(tls_macro_ids[0]));
	return no_reply(c, SMFIP_NR_HELO);
}

/* A new message starts under the newest configuration. */
static void
refresh_config(struct conn *c)
{
	struct config *now = runtime_config();

	if (now == NULL)
		return;
	if (now == c->s->cfg) {
		config_unref(now);
		return;
	}
	config_unref(c->s->cfg);
	c->s->cfg = now;
}

static sfsistat
gw_envfrom(SMFICTX *ctx, char **argv)
{
	static const enum macro_id ids[] = {
		M_QUEUE_ID, M_AUTH_TYPE, M_AUTH_AUTHEN,
	};
	struct conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	refresh_config(c);
	session_begin_message(c->s, argv && argv[0] ? argv[0] : "");
	fetch_macros(ctx, c->s, ids, sizeof(ids) / sizeof(ids[0]));
	fetch_macros(ctx, c->s, tls_macro_ids,
	    sizeof(tls_macro_ids) / sizeof(tls_macro_ids[0]));
	return SMFIS_CONTINUE;
}

static sfsistat
gw_envrcpt(SMFICTX *ctx, char **argv)
{
	static const enum macro_id ids[] = { M_QUEUE_ID };
	struct conn *c = conn_get(ctx);

	if (c == NULL || c->s->msg == NULL)
		return SMFIS_TEMPFAIL;
	fetch_macros(ctx, c->s, ids, 1);
	message_add_rcpt(c->s->msg, argv && argv[0] ? argv[0] : "");
	return no_reply(c, SMFIP_NR_RCPT);
}

static sfsistat
gw_data(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	return no_reply(c, SMFIP_NR_DATA);
}

static sfsistat
gw_unknown(SMFICTX *ctx, const char *cmd)
{
	struct conn *c = conn_get(ctx);

	(void)cmd;
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	return no_reply(c, SMFIP_NR_UNKN);
}

static sfsistat
gw_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_get(ctx);
	struct message *m;

	if (c == NULL || (m = c->s->msg) == NULL)
		return SMFIS_TEMPFAIL;
	if (!m->failed && !message_add_header(m, name ? name : "",
	    value ? value : "")) {
		m->failed = true;
		m->failure = "headers larger than 4MiB";
	}
	return no_reply(c, SMFIP_NR_HDR);
}

static sfsistat
gw_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	return no_reply(c, SMFIP_NR_EOH);
}

static sfsistat
gw_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = conn_get(ctx);
	struct message *m;

	if (c == NULL || (m = c->s->msg) == NULL)
		return SMFIS_TEMPFAIL;
	if (!m->failed && spool_append(&m->body, chunk, len) == -1) {
		char	id[QUEUE_ID_MAX + 16];

		log_error_errno("%s: spool write to %s failed",
		    session_log_id(c->s, id, sizeof(id)), m->body.dir);
		m->failed = true;
		m->failure = "spool write failed";
	}
	return no_reply(c, SMFIP_NR_BODY);
}

/* Removes every header of ours that came with the message; returns how
 * many, or -1 when the MTA refused a change. Indexes count per name, and
 * removal runs from the last header so earlier indexes stay valid. */
static int
remove_forged_headers(SMFICTX *ctx, const struct session *s)
{
	const struct message *m = s->msg;
	const char *authserv_id = s->cfg->milter.authserv_id;
	int	removed = 0;
	size_t	i, j;

	for (i = m->nheaders; i-- > 0;) {
		const struct header *h = &m->headers[i];
		int	index = 1;

		if (!hygiene_is_ours(h->name, h->value, authserv_id))
			continue;
		for (j = 0; j < i; j++)
			if (strcasecmp(m->headers[j].name, h->name) == 0)
				index++;
		if (smfi_chgheader(ctx, h->name, index, NULL) != MI_SUCCESS)
			return -1;
		removed++;
	}
	return removed;
}

static sfsistat
gw_eom(SMFICTX *ctx)
{
	static const enum macro_id ids[] = { M_QUEUE_ID };
	struct conn *c = conn_get(ctx);
	struct message *m;
	char	id[QUEUE_ID_MAX + 16];
	int	removed;
	sfsistat rc;

	if (c == NULL || (m = c->s->msg) == NULL)
		return SMFIS_TEMPFAIL;
	fetch_macros(ctx, c->s, ids, 1);
	if (m->failed) {
		rc = internal_error(ctx, c->s, m->failure);
		session_end_message(c->s);
		return rc;
	}
	if ((removed = remove_forged_headers(ctx, c->s)) < 0) {
		rc = internal_error(ctx, c->s, "MTA refused a header change");
		session_end_message(c->s);
		return rc;
	}
	log_info("%s: action=accept size=%llu spool=%s rcpts=%zu "
	    "headers_removed=%d", session_log_id(c->s, id, sizeof(id)),
	    (unsigned long long)m->body.size,
	    spool_on_disk(&m->body) ? "file" : "memory", m->nrcpts, removed);
	session_end_message(c->s);
	return SMFIS_CONTINUE;
}

static sfsistat
gw_abort(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c != NULL && c->s->msg != NULL) {
		char	id[QUEUE_ID_MAX + 16];

		log_debug("%s: stage=abort", session_log_id(c->s, id,
		    sizeof(id)));
		session_end_message(c->s);
	}
	return SMFIS_CONTINUE;
}

static sfsistat
gw_close(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	smfi_setpriv(ctx, NULL);
	session_free(c->s);
	if (c->counted)
		runtime_session_closed();
	free(c);
	return SMFIS_CONTINUE;
}

bool
callbacks_register(void)
{
	struct smfiDesc desc = {
		.xxfi_name = "gatewarden",
		.xxfi_version = SMFI_VERSION,
		/* Every action any configuration may need; each connection
		 * negotiates down to what its configuration uses. */
		.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY |
		    SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_QUARANTINE |
		    SMFIF_SETSYMLIST,
		.xxfi_connect = gw_connect,
		.xxfi_helo = gw_helo,
		.xxfi_envfrom = gw_envfrom,
		.xxfi_envrcpt = gw_envrcpt,
		.xxfi_header = gw_header,
		.xxfi_eoh = gw_eoh,
		.xxfi_body = gw_body,
		.xxfi_eom = gw_eom,
		.xxfi_abort = gw_abort,
		.xxfi_close = gw_close,
		.xxfi_unknown = gw_unknown,
		.xxfi_data = gw_data,
		.xxfi_negotiate = gw_negotiate,
	};

	if (smfi_register(desc) == MI_FAILURE) {
		log_error("smfi_register failed");
		return false;
	}
	return true;
}
