/*
 * callbacks - see callbacks.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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
#include "milter/inbound_tls.h"
#include "milter/rcpt_dane.h"
#include "milter/runtime.h"
#include "milter/session.h"
#include "milter/smime_in.h"
#include "milter/smime_out.h"

/* Per-connection private data: the session and what was negotiated. */
struct conn {
	struct session	*s;
	unsigned long	actions;	/* the SMFIF_* actions agreed */
	unsigned long	proto;		/* the SMFIP_* steps agreed */
};

static atomic_ulong conn_counter;

/* The macros each stage asks for (smfi_setsymlist replaces the MTA's own
 * list): the session facts' macros (policy/session_facts.h, which asks for
 * the TLS macros at MAIL FROM as well, since a client may skip HELO after
 * STARTTLS) and the queue id. */
static const struct {
	int		stage;
	const char	*macros;
} stage_macros[] = {
	{ SMFIM_CONNECT, SESSION_MACROS_CONNECT },
	{ SMFIM_HELO, SESSION_MACROS_HELO },
	{ SMFIM_ENVFROM, "i " SESSION_MACROS_MAIL },
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
 * force or gatewarden is stopping. */
static struct conn *
conn_make(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct config *cfg;

	if (c != NULL)
		return c;
	if (runtime_draining()) {
		log_info("action=tempfail reason=stopping");
		return NULL;
	}
	if ((cfg = runtime_config()) == NULL)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		config_unref(cfg);
		return NULL;
	}
	c->s = session_new(cfg, atomic_fetch_add(&conn_counter, 1) + 1);
	runtime_session_opened();
	smfi_setpriv(ctx, c);
	return c;
}

/* The reply for a callback whose stage was negotiated without a reply. */
static sfsistat
no_reply(const struct conn *c, unsigned long nr_flag)
{
	return (c->proto & nr_flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* The macro lookup session_facts_update() calls: libmilter's value for
 * the current callback, NULL when the MTA did not send it. */
static const char *
ctx_macro(void *arg, const char *name)
{
	return smfi_getsymval((SMFICTX *)arg, (char *)name);
}

static void
update_queue_id(SMFICTX *ctx, struct message *m)
{
	message_set_queue_id(m, smfi_getsymval(ctx, "i"));
}

/* Accepting a message gatewarden could not process is safe only when its
 * forged headers can still be removed (every header was kept) and no
 * sending rule could have had it signed or encrypted. */
static bool
accept_unprocessed_is_safe(const struct session *s)
{
	const struct message *m = s->msg;

	if (m->headers_incomplete)
		return false;
	return m->group == NULL || m->group->direction != DIR_OUTBOUND ||
	    !smime_out_needed(s->cfg);
}

/* Applies milter.on_internal_error to the current message; `accept'
 * becomes tempfail unless may_accept, so that the setting can never let
 * out in clear mail a rule would encrypt, nor forged headers. */
static sfsistat
internal_error(SMFICTX *ctx, struct session *s, const char *what,
    bool may_accept)
{
	char	id[QUEUE_ID_MAX + 16];
	enum internal_error act = s->cfg->milter.on_internal_error;

	if (act == IERR_ACCEPT && !may_accept)
		act = IERR_TEMPFAIL;
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

/* The body is spooled when a sending rule may sign or encrypt it, or
 * an inbound policy may decrypt or verify it. */
static bool
config_needs_body(const struct config *cfg)
{
	return smime_out_needed(cfg) || smime_in_needed(cfg);
}

/* Whether the body of a message of group g is read at all. */
static bool
group_reads_body(const struct config *cfg, const struct sender_group *g)
{
	if (g == NULL)
		return false;
	return (g->direction == DIR_OUTBOUND && smime_out_needed(cfg)) ||
	    smime_in_group_reads_body(cfg, g);
}

/* Some group's messages need no body: they are skipped (SMFIS_SKIP),
 * which needs a reply to body chunks. */
static bool
config_skips_bodies(const struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->ngroups; i++)
		if (!group_reads_body(cfg, &cfg->groups[i]))
			return true;
	return false;
}

/* The actions a configuration needs: hygiene removes headers; the TLS
 * header adds one; S/MIME replaces the MIME headers and the body and may
 * split recipients. */
static unsigned long
config_actions(const struct config *cfg)
{
	unsigned long need = SMFIF_CHGHDRS;

	if (cfg->milter.tls_header)
		need |= SMFIF_ADDHDRS;
	if (smime_out_needed(cfg))
		need |= SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_DELRCPT;
	if (smime_in_needed(cfg))
		need |= SMFIF_ADDHDRS | SMFIF_CHGBODY;
	if (smime_in_quarantines(cfg))
		need |= SMFIF_QUARANTINE;
	return need;
}

/* The stages a configuration needs, without a reply wherever gatewarden
 * never refuses. */
static unsigned long
config_steps(const struct config *cfg)
{
	unsigned long want = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR |
	    SMFIP_NOEOH | SMFIP_NR_EOH | SMFIP_NOUNKNOWN | SMFIP_NR_UNKN |
	    SMFIP_NODATA | SMFIP_NR_DATA | SMFIP_SKIP;

	if (!rcpt_dane_needed(cfg))
		want |= SMFIP_NR_RCPT;
	if (!config_needs_body(cfg))
		want |= SMFIP_NOBODY;
	else if (!config_skips_bodies(cfg))
		want |= SMFIP_NR_BODY;
	return want;
}

/* true when cfg can run on what connection c negotiated: its actions were
 * agreed, it gets a reply at RCPT when it refuses there, and it gets the
 * body when it reads it. */
static bool
config_fits(const struct conn *c, const struct config *cfg)
{
	if ((config_actions(cfg) & ~c->actions) != 0)
		return false;
	if (rcpt_dane_needed(cfg) && (c->proto & SMFIP_NR_RCPT))
		return false;
	if (config_needs_body(cfg) && (c->proto & SMFIP_NOBODY))
		return false;
	return true;
}

static sfsistat
gw_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct conn *c;
	unsigned long need_actions, steps;
	size_t	i;

	(void)f2, (void)f3;
	if ((c = conn_make(ctx)) == NULL)
		return SMFIS_TEMPFAIL;
	need_actions = config_actions(c->s->cfg);
	if ((f0 & need_actions) != need_actions) {
		log_error("conn#%lu: action=refuse reason=mta-lacks-actions "
		    "offered=0x%lx needed=0x%lx", c->s->id, f0, need_actions);
		return SMFIS_REJECT;
	}
	c->actions = need_actions | (f0 & SMFIF_SETSYMLIST);
	steps = config_steps(c->s->cfg) & f1;
	c->proto = steps;

	*pf0 = c->actions;
	*pf1 = steps;
	*pf2 = 0;
	*pf3 = 0;

	if (c->actions & SMFIF_SETSYMLIST)
		for (i = 0; i < sizeof(stage_macros) / sizeof(stage_macros[0]);
		    i++)
			if (smfi_setsymlist(ctx, stage_macros[i].stage,
			    (char *)stage_macros[i].macros) != MI_SUCCESS)
				log_warn("conn#%lu: setsymlist failed for "
				    "stage %d", c->s->id, stage_macros[i].stage);
	log_debug("conn#%lu: negotiated actions=0x%lx steps=0x%lx "
	    "offered_actions=0x%lx offered_steps=0x%lx", c->s->id,
	    c->actions, steps, f0, f1);
	return SMFIS_CONTINUE;
}

/* The client address from the socket address, for an MTA that did not
 * send {client_addr}. */
static void
facts_addr_from_socket(struct session_facts *f, const _SOCK_ADDR *sa)
{
	char	buf[INET6_ADDRSTRLEN];
	const void *src = NULL;

	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		src = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		src = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (src != NULL && inet_ntop(sa->sa_family, src, buf, sizeof(buf)))
		(void)session_facts_set_addr(f, buf);
}

static sfsistat
gw_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct conn *c = conn_make(ctx);
	char	addr[64], name[FACT_NAME_MAX + 8];

	(void)hostname;
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	session_facts_update(&c->s->facts, ctx_macro, ctx);
	if (!c->s->facts.have_addr)
		facts_addr_from_socket(&c->s->facts, hostaddr);
	log_debug("conn#%lu: stage=connect mta=%s client=%s name=%s "
	    "verified=%s", c->s->id, mta_kind_name(c->s->facts.mta),
	    session_facts_addr_text(&c->s->facts, addr, sizeof(addr)),
	    log_value(name, sizeof(name), c->s->facts.client_name),
	    c->s->facts.name_verified ? "yes" : "no");
	return no_reply(c, SMFIP_NR_CONN);
}

static sfsistat
gw_helo(SMFICTX *ctx, char *helo)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	snprintf(c->s->helo, sizeof(c->s->helo), "%s", helo ? helo : "");
	session_facts_update(&c->s->facts, ctx_macro, ctx);
	return no_reply(c, SMFIP_NR_HELO);
}

/* A new message starts under the newest configuration, when it fits
 * what this connection negotiated; one that needs more (a body, replies
 * at RCPT, other actions) applies from the next connection. */
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
	if (!config_fits(c, now)) {
		log_info("conn#%lu: reload applies from the next connection "
		    "(it needs stages or actions this one did not negotiate)",
		    c->s->id);
		config_unref(now);
		return;
	}
	config_unref(c->s->cfg);
	c->s->cfg = now;
}

static sfsistat
gw_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	const char *sender = argv && argv[0] ? argv[0] : "";
	sfsistat rc;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	refresh_config(c);
	session_begin_message(c->s, sender);
	update_queue_id(ctx, c->s->msg);
	session_facts_update(&c->s->facts, ctx_macro, ctx);
	session_facts_set_sender(&c->s->facts, sender);
	rc = inbound_tls_decide(ctx, c->s);
	if (rc != SMFIS_CONTINUE)
		session_end_message(c->s);
	return rc;
}

static sfsistat
gw_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	const char *rcpt = argv && argv[0] ? argv[0] : "";
	struct rcpt_reply reply;
	enum rcpt_dane_result r;
	char	id[QUEUE_ID_MAX + 16];

	if (c == NULL || c->s->msg == NULL)
		return SMFIS_TEMPFAIL;
	update_queue_id(ctx, c->s->msg);
	if (rcpt_dane_needed(c->s->cfg)) {
		r = rcpt_dane_check(c->s->cfg, c->s->msg->group, rcpt,
		    session_log_id(c->s, id, sizeof(id)), &reply);
		if (r != RCPT_DANE_ACCEPT) {
			if (smfi_setreply(ctx, reply.rcode, reply.xcode,
			    reply.text) != MI_SUCCESS)
				log_error("%s: smfi_setreply refused the reply "
				    "text", id);
			return r == RCPT_DANE_TEMPFAIL ? SMFIS_TEMPFAIL :
			    SMFIS_REJECT;
		}
	}
	message_add_rcpt(c->s->msg, rcpt);
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
		m->headers_incomplete = true;
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
	/* A body nothing reads is skipped, not spooled. */
	if (!group_reads_body(c->s->cfg, m->group))
		return (c->proto & SMFIP_SKIP) && !(c->proto & SMFIP_NR_BODY) ?
		    SMFIS_SKIP : no_reply(c, SMFIP_NR_BODY);
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
	struct conn *c = conn_get(ctx);
	struct message *m;
	char	id[QUEUE_ID_MAX + 16], group[160];
	const char *failure = NULL;
	int	removed = 0;
	sfsistat rc = SMFIS_CONTINUE;

	if (c == NULL || (m = c->s->msg) == NULL)
		return SMFIS_TEMPFAIL;
	update_queue_id(ctx, m);
	if (m->failed) {
		rc = internal_error(ctx, c->s, m->failure,
		    accept_unprocessed_is_safe(c->s));
		/* Even accepted unprocessed, no forged header gets through. */
		if (rc == SMFIS_ACCEPT && remove_forged_headers(ctx, c->s) < 0)
			rc = internal_error(ctx, c->s, "MTA refused a header "
			    "change", false);
		session_end_message(c->s);
		session_facts_set_sender(&c->s->facts, NULL);
		return rc;
	}
	if ((removed = remove_forged_headers(ctx, c->s)) < 0)
		failure = "MTA refused a header change";
	else if (!inbound_tls_add_header(ctx, c->s))
		failure = "MTA refused the TLS header";
	if (failure != NULL)
		rc = internal_error(ctx, c->s, failure, false);
	else if (smime_out_eom(ctx, c->s, &rc) && rc != SMFIS_CONTINUE)
		;	/* refused, discarded or tempfailed, and logged */
	else if (smime_in_eom(ctx, c->s, &rc) && rc != SMFIS_CONTINUE)
		;	/* refused or tempfailed, and logged */
	else
		log_info("%s: action=accept group=%s body_bytes=%llu spool=%s "
		    "rcpts=%zu headers_removed=%d conn=%lu",
		    session_log_id(c->s, id, sizeof(id)),
		    log_value(group, sizeof(group),
		    m->group ? m->group->name : "none"),
		    (unsigned long long)m->body.size,
		    spool_on_disk(&m->body) ? "file" : "memory", m->nrcpts,
		    removed, c->s->id);
	session_end_message(c->s);
	session_facts_set_sender(&c->s->facts, NULL);
	return rc;
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
		session_facts_set_sender(&c->s->facts, NULL);
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
