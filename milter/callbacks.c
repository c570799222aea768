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
#include <time.h>

#include <libmilter/mfapi.h>

#include "conf/words.h"
#include "lib/log.h"
#include "milter/callbacks.h"
#include "milter/counters.h"
#include "milter/hygiene.h"
#include "milter/inbound_tls.h"
#include "milter/negotiate.h"
#include "milter/rcpt_dane.h"
#include "milter/runtime.h"
#include "milter/session.h"
#include "milter/smime_in.h"
#include "milter/smime_out.h"
#include "policy/tls_log.h"
#include "policy/group_match.h"

/* Per-connection private data: the session and what was negotiated. */
struct conn {
	struct session	*s;
	unsigned long	actions;	/* the SMFIF_* actions agreed */
	unsigned long	proto;		/* the SMFIP_* steps agreed */
	bool		facts_logged;	/* log_connection_facts() ran */
};

static atomic_ulong conn_counter;

/* The macros each stage asks for (smfi_setsymlist replaces the MTA's own
 * list): the session facts' macros (policy/session_facts.h, which asks for
 * the TLS macros at MAIL FROM as well, since a client may skip HELO after
 * STARTTLS) and the queue id. A connection that negotiated the connect
 * stage away gets the connect macros at MAIL FROM (mail_macros_noconnect). */
static const struct {
	int		stage;
	const char	*macros;
} stage_macros[] = {
	{ SMFIM_CONNECT, SESSION_MACROS_CONNECT },
	{ SMFIM_HELO, SESSION_MACROS_HELO },
	{ SMFIM_ENVFROM, "i " SESSION_MACROS_MAIL },
	{ SMFIM_ENVRCPT, "i" },
	{ SMFIM_EOM, "i j" },	/* j: the MTA's name, for a copy's trace */
};
static const char mail_macros_noconnect[] =
    "i " SESSION_MACROS_CONNECT " " SESSION_MACROS_MAIL;

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

/* true when a sending rule of cfg could cover a message of group g:
 * conservatively, any rule, since only outbound groups are signed or
 * encrypted (smime_out.h) and the other conditions may not be known yet. */
static bool
rules_could_cover(const struct config *cfg, const struct sender_group *g)
{
	return g != NULL && g->direction == DIR_OUTBOUND &&
	    smime_out_needed(cfg);
}

/* Accepting a message gatewarden could not process is safe only when its
 * forged headers can still be removed (every header was kept) and no
 * sending rule could have had it signed or encrypted. */
static bool
accept_unprocessed_is_safe(const struct session *s)
{
	const struct message *m = s->msg;

	if (m->header_limit != HLIMIT_NONE)
		return false;
	return !rules_could_cover(s->cfg, m->group);
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
	counters_message(word_name(words_internal_error, (int)act));
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
	need_actions = negotiate_actions(c->s->cfg);
	if ((f0 & need_actions) != need_actions) {
		log_error("conn#%lu: action=refuse reason=mta-lacks-actions "
		    "offered=0x%lx needed=0x%lx", c->s->id, f0, need_actions);
		return SMFIS_REJECT;
	}
	c->actions = need_actions | (f0 & SMFIF_SETSYMLIST);
	steps = negotiate_steps(c->s->cfg, (f0 & SMFIF_SETSYMLIST) != 0) &
	    f1;
	c->proto = steps;

	*pf0 = c->actions;
	*pf1 = steps;
	*pf2 = 0;
	*pf3 = 0;

	if (c->actions & SMFIF_SETSYMLIST)
		for (i = 0; i < sizeof(stage_macros) / sizeof(stage_macros[0]);
		    i++) {
			const char *list = stage_macros[i].macros;

			if (stage_macros[i].stage == SMFIM_ENVFROM &&
			    (steps & SMFIP_NOCONNECT))
				list = mail_macros_noconnect;
			if (smfi_setsymlist(ctx, stage_macros[i].stage,
			    (char *)list) == MI_SUCCESS)
				continue;
			log_warn("conn#%lu: setsymlist failed for stage %d",
			    c->s->id, stage_macros[i].stage);
			/* The connect macros would come nowhere: the
			 * connect stage is taken after all. */
			if (list == mail_macros_noconnect) {
				steps &= ~(unsigned long)SMFIP_NOCONNECT;
				c->proto = steps;
				*pf1 = steps;
			}
		}
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

static bool
has_listener_conditions(const struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->ngroups; i++)
		if (cfg->groups[i].match.nlistener > 0)
			return true;
	return false;
}

static bool
has_client_ip_conditions(const struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->ngroups; i++)
		if (cfg->groups[i].match.nclient_ip > 0)
			return true;
	return false;
}

/* A connection that declined the connect stage has no socket address to
 * fall back on: when the MTA sent no {client_addr} at MAIL FROM either,
 * client_ip conditions cannot be judged, and guessing could put the
 * message in a group with a weaker policy. SMFIS_CONTINUE or
 * SMFIS_TEMPFAIL (reply set, logged). */
static sfsistat
require_client_addr(SMFICTX *ctx, const struct conn *c,
    const struct config *cfg)
{
	const struct session_facts *f = &c->s->facts;
	char	id[QUEUE_ID_MAX + 16];

	if (!(c->proto & SMFIP_NOCONNECT) || f->have_addr ||
	    !has_client_ip_conditions(cfg))
		return SMFIS_CONTINUE;
	log_warn("%s: action=tempfail reason=no-client-address conn=%lu "
	    "detail=\"the MTA sent no {client_addr} at MAIL FROM, and "
	    "sender_groups match on client_ip\"",
	    session_log_id(c->s, id, sizeof(id)), c->s->id);
	smfi_setreply(ctx, "451", "4.3.0", "gatewarden cannot tell the "
	    "client's address, try again later");
	return SMFIS_TEMPFAIL;
}

/*
 * Listener conditions match nothing when the MTA sends none of the
 * listener macros (milter_connect_macros or confMILTER_MACROS_CONNECT
 * without them): said, at most once a minute, rather than let those
 * groups go unmatched in silence.
 */
static void
warn_no_listener_macros(const struct conn *c)
{
	static atomic_llong last_warned;
	const struct session_facts *f = &c->s->facts;
	long long now = (long long)time(NULL), then;

	if (f->daemon_name[0] != '\0' || f->daemon_port != 0 ||
	    f->have_daemon_addr || (f->bad & FACT_BAD_LISTENER) ||
	    !has_listener_conditions(c->s->cfg))
		return;
	then = atomic_load(&last_warned);
	if (now - then < 60 ||
	    !atomic_compare_exchange_strong(&last_warned, &then, now))
		return;
	log_warn("conn#%lu: reason=no-listener-macros the MTA sent none of "
	    "{daemon_name}, {daemon_addr}, {daemon_port}: the listener "
	    "conditions of sender_groups match nothing (add them to "
	    "Postfix's milter_connect_macros or Sendmail's "
	    "confMILTER_MACROS_CONNECT)", c->s->id);
}

/* What the connection's facts say, once per connection: at connect, or
 * at the first MAIL FROM when the connect stage was negotiated away. */
static void
log_connection_facts(struct conn *c)
{
	char	addr[64], name[FACT_NAME_MAX + 8], daemon[FACT_NAME_MAX + 8];

	c->facts_logged = true;
	log_debug("conn#%lu: stage=connect mta=%s client=%s name=%s "
	    "verified=%s listener=%s port=%u", c->s->id,
	    mta_kind_name(c->s->facts.mta),
	    session_facts_addr_text(&c->s->facts, addr, sizeof(addr)),
	    log_value(name, sizeof(name), c->s->facts.client_name),
	    c->s->facts.name_verified ? "yes" : "no",
	    log_value(daemon, sizeof(daemon), c->s->facts.daemon_name),
	    c->s->facts.daemon_port);
	warn_no_listener_macros(c);
}

static sfsistat
gw_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct conn *c = conn_make(ctx);

	(void)hostname;
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	session_facts_update(&c->s->facts, ctx_macro, ctx);
	if (!c->s->facts.have_addr)
		facts_addr_from_socket(&c->s->facts, hostaddr);
	log_connection_facts(c);
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
 * at RCPT, other actions) applies from the next connection, and the
 * message keeps the configuration the connection has. Returns, with a
 * reference the caller drops, a newer configuration that does not fit
 * and has sending rules: its rules are not applied here (not even when
 * the connection could run them: the rest of that configuration cannot
 * be), so the caller must not let out mail they could cover. NULL
 * otherwise. */
static struct config *
refresh_config(struct conn *c)
{
	struct config *now = runtime_config();

	if (now == NULL)
		return NULL;
	if (now == c->s->cfg) {
		config_unref(now);
		return NULL;
	}
	if (negotiate_fits(c->actions, c->proto, now)) {
		config_unref(c->s->cfg);
		c->s->cfg = now;
		return NULL;
	}
	if (smime_out_needed(now))
		return now;
	log_info("conn#%lu: reload applies from the next connection "
	    "(it needs stages or actions this one did not negotiate)",
	    c->s->id);
	config_unref(now);
	return NULL;
}

/* A message under a newer configuration with sending rules that the
 * connection cannot apply: one those rules could cover (its sender group
 * in that configuration is outbound) would leave in clear, so it is
 * tempfailed; the client's retry comes on a new connection, which
 * negotiates what the configuration needs. Anything else goes on under
 * the connection's configuration. SMFIS_CONTINUE or SMFIS_TEMPFAIL. */
static sfsistat
unserved_rules(SMFICTX *ctx, const struct session *s,
    const struct config *now)
{
	struct group_choice choice;
	char	id[QUEUE_ID_MAX + 16], group[160];

	if (policy_match_group(now, &s->facts, true, &choice) !=
	    GROUP_DECIDED || !rules_could_cover(now, choice.group)) {
		log_info("%s: reload applies from the next connection (it "
		    "needs stages or actions this one did not negotiate)",
		    session_log_id(s, id, sizeof(id)));
		return SMFIS_CONTINUE;
	}
	log_warn("%s: action=tempfail reason=reload-not-negotiated group=%s "
	    "conn=%lu detail=\"the configuration now in force has sending "
	    "rules and needs stages or changes this connection did not "
	    "negotiate\"",
	    session_log_id(s, id, sizeof(id)),
	    log_value(group, sizeof(group), choice.group->name), s->id);
	smfi_setreply(ctx, "451", "4.3.0", "gatewarden was reconfigured, "
	    "try again later");
	return SMFIS_TEMPFAIL;
}

static sfsistat
gw_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	const char *sender = argv && argv[0] ? argv[0] : "";
	struct config *unserved;
	sfsistat rc = SMFIS_CONTINUE;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	unserved = refresh_config(c);
	session_begin_message(c->s, sender, argv && argv[0] ? argv + 1 : NULL);
	update_queue_id(ctx, c->s->msg);
	session_facts_update(&c->s->facts, ctx_macro, ctx);
	if (!c->facts_logged)
		log_connection_facts(c);
	session_facts_set_sender(&c->s->facts, sender);
	if (unserved != NULL) {
		/* The newer configuration's groups, too, are not chosen
		 * on a guess. */
		rc = require_client_addr(ctx, c, unserved);
		if (rc == SMFIS_CONTINUE)
			rc = unserved_rules(ctx, c->s, unserved);
		config_unref(unserved);
	}
	if (rc == SMFIS_CONTINUE)
		rc = require_client_addr(ctx, c, c->s->cfg);
	if (rc == SMFIS_CONTINUE)
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
	message_add_rcpt(c->s->msg, rcpt, argv && argv[0] ? argv + 1 : NULL);
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
	/* Kept even after an earlier failure: hygiene needs every header.
	 * Past a limit nothing more is kept and the message is refused. */
	(void)message_add_header(m, name ? name : "", value ? value : "");
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
	if (!negotiate_group_reads_body(c->s->cfg, m->group))
		return (c->proto & SMFIP_SKIP) && !(c->proto & SMFIP_NR_BODY) ?
		    SMFIS_SKIP : no_reply(c, SMFIP_NR_BODY);
	if (!m->failed && m->header_limit == HLIMIT_NONE &&
	    spool_append(&m->body, chunk, len) == -1) {
		char	id[QUEUE_ID_MAX + 16];

		log_error_errno("%s: spool write to %s failed",
		    session_log_id(c->s, id, sizeof(id)), m->body.dir);
		m->failed = true;
		m->failure = "spool write failed";
	}
	return no_reply(c, SMFIP_NR_BODY);
}

/* Asks the MTA to delete the headers of ours (hygiene.h); false when it
 * refused a change. */
static bool
remove_forged_headers(SMFICTX *ctx, const struct hygiene_plan *plan)
{
	size_t	i;

	/* index <= nheaders <= max_header_fields, which fits an int. */
	for (i = 0; i < plan->nremovals; i++)
		if (smfi_chgheader(ctx, (char *)plan->removal[i].name,
		    (int)plan->removal[i].index, NULL) != MI_SUCCESS)
			return false;
	return true;
}

/* Refuses a message gatewarden will not clean: headers it could not all
 * keep (too many, or too large), or more headers of ours than it asks
 * the MTA to delete. Permanent: the same message fails the same way on
 * every retry. */
static sfsistat
refuse_headers(SMFICTX *ctx, const struct session *s,
    const struct hygiene_plan *plan)
{
	const struct message *m = s->msg;
	char	id[QUEUE_ID_MAX + 16], text[160];

	session_log_id(s, id, sizeof(id));
	if (m->header_limit == HLIMIT_FIELDS) {
		log_info("%s: action=reject reason=too-many-header-fields "
		    "limit=%zu conn=%lu", id, m->max_header_fields, s->id);
		snprintf(text, sizeof(text), "message header has more than "
		    "%zu fields", m->max_header_fields);
		smfi_setreply(ctx, "552", "5.3.4", text);
	} else if (m->header_limit == HLIMIT_BYTES) {
		log_info("%s: action=reject reason=header-too-large "
		    "limit=%u conn=%lu", id, HEADERS_MAX, s->id);
		snprintf(text, sizeof(text), "message header larger than "
		    "%u KiB", HEADERS_MAX >> 10);
		smfi_setreply(ctx, "552", "5.3.4", text);
	} else {
		log_info("%s: action=reject reason=too-many-forged-headers "
		    "forged=%zu limit=%d conn=%lu", id, plan->nours,
		    HYGIENE_REMOVALS_MAX, s->id);
		snprintf(text, sizeof(text), "message has more than %d header "
		    "fields that only gatewarden may write",
		    HYGIENE_REMOVALS_MAX);
		smfi_setreply(ctx, "554", "5.7.1", text);
	}
	counters_message("reject");
	return SMFIS_REJECT;
}

/* A message marked failed: milter.on_internal_error, and even accepted
 * unprocessed no forged header gets through. */
static sfsistat
eom_failed(SMFICTX *ctx, struct session *s, const struct hygiene_plan *plan)
{
	sfsistat rc;

	rc = internal_error(ctx, s, s->msg->failure,
	    accept_unprocessed_is_safe(s));
	if (rc == SMFIS_ACCEPT && !remove_forged_headers(ctx, plan))
		rc = internal_error(ctx, s, "MTA refused a header change",
		    false);
	return rc;
}

/* The message's own line: it repeats the sender group and TLS facts
 * (logged at MAIL FROM, often before the MTA had a queue id) so that a
 * grep on the queue id tells the whole story, and gives the body's size
 * only when the body was read, and the recipients' count only when they
 * were. */
static void
log_accept(const struct conn *c, size_t removed)
{
	const struct message *m = c->s->msg;
	char	id[QUEUE_ID_MAX + 16], facts[1024], body[64], rcpts[32];

	(void)tls_facts_line(facts, sizeof(facts), m->group, &c->s->facts);
	if (c->proto & SMFIP_NOBODY)
		snprintf(body, sizeof(body), "body=not-read");
	else
		snprintf(body, sizeof(body), "body_bytes=%llu spool=%s",
		    (unsigned long long)m->body.size,
		    spool_on_disk(&m->body) ? "file" : "memory");
	if (c->proto & SMFIP_NORCPT)
		snprintf(rcpts, sizeof(rcpts), "not-read");
	else
		snprintf(rcpts, sizeof(rcpts), "%zu", m->nrcpts);
	log_info("%s: action=accept %s %s rcpts=%s headers_removed=%zu "
	    "conn=%lu", session_log_id(c->s, id, sizeof(id)), facts, body,
	    rcpts, removed, c->s->id);
	counters_message("accept");
}

static sfsistat
eom_process(SMFICTX *ctx, const struct conn *c, const struct hygiene_plan *plan)
{
	struct session *s = c->s;
	const char *failure = NULL;
	sfsistat rc = SMFIS_CONTINUE;

	if (!remove_forged_headers(ctx, plan))
		failure = "MTA refused a header change";
	else if (!inbound_tls_add_header(ctx, s))
		failure = "MTA refused the TLS header";
	if (failure != NULL)
		rc = internal_error(ctx, s, failure, false);
	else if ((smime_out_eom(ctx, s, &rc) && rc != SMFIS_CONTINUE) ||
	    (smime_in_eom(ctx, s, &rc) && rc != SMFIS_CONTINUE))
		/* refused, discarded or tempfailed, and logged */
		counters_message(rc == SMFIS_REJECT ? "reject" :
		    rc == SMFIS_DISCARD ? "discard" : "tempfail");
	else
		log_accept(c, plan->nremovals);
	return rc;
}

static sfsistat
gw_eom(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct message *m;
	struct hygiene_plan plan;
	sfsistat rc;

	if (c == NULL || (m = c->s->msg) == NULL)
		return SMFIS_TEMPFAIL;
	update_queue_id(ctx, m);
	hygiene_plan(m->headers, m->nheaders, c->s->cfg->milter.authserv_id,
	    &plan);
	if (m->header_limit != HLIMIT_NONE || plan.nours > plan.nremovals)
		rc = refuse_headers(ctx, c->s, &plan);
	else if (m->failed)
		rc = eom_failed(ctx, c->s, &plan);
	else
		rc = eom_process(ctx, c, &plan);
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

/* Each stage through a timer, for the latency histograms (counters.h). */
#define TIMED(stage, call) do {						\
	struct timespec t0_;						\
	sfsistat r_;							\
									\
	counters_clock(&t0_);						\
	r_ = (call);							\
	counters_stage(stage, &t0_);					\
	return r_;							\
} while (0)

static sfsistat
timed_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	TIMED(STAGE_CONNECT, gw_connect(ctx, hostname, hostaddr));
}

static sfsistat
timed_helo(SMFICTX *ctx, char *helo)
{
	TIMED(STAGE_HELO, gw_helo(ctx, helo));
}

static sfsistat
timed_envfrom(SMFICTX *ctx, char **argv)
{
	TIMED(STAGE_MAIL, gw_envfrom(ctx, argv));
}

static sfsistat
timed_envrcpt(SMFICTX *ctx, char **argv)
{
	TIMED(STAGE_RCPT, gw_envrcpt(ctx, argv));
}

static sfsistat
timed_data(SMFICTX *ctx)
{
	TIMED(STAGE_DATA, gw_data(ctx));
}

static sfsistat
timed_header(SMFICTX *ctx, char *name, char *value)
{
	TIMED(STAGE_HEADER, gw_header(ctx, name, value));
}

static sfsistat
timed_eoh(SMFICTX *ctx)
{
	TIMED(STAGE_EOH, gw_eoh(ctx));
}

static sfsistat
timed_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	TIMED(STAGE_BODY, gw_body(ctx, chunk, len));
}

static sfsistat
timed_eom(SMFICTX *ctx)
{
	TIMED(STAGE_EOM, gw_eom(ctx));
}

static sfsistat
timed_abort(SMFICTX *ctx)
{
	TIMED(STAGE_ABORT, gw_abort(ctx));
}

static sfsistat
timed_close(SMFICTX *ctx)
{
	TIMED(STAGE_CLOSE, gw_close(ctx));
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
		.xxfi_connect = timed_connect,
		.xxfi_helo = timed_helo,
		.xxfi_envfrom = timed_envfrom,
		.xxfi_envrcpt = timed_envrcpt,
		.xxfi_header = timed_header,
		.xxfi_eoh = timed_eoh,
		.xxfi_body = timed_body,
		.xxfi_eom = timed_eom,
		.xxfi_abort = timed_abort,
		.xxfi_close = timed_close,
		.xxfi_unknown = gw_unknown,
		.xxfi_data = timed_data,
		.xxfi_negotiate = gw_negotiate,
	};

	if (smfi_register(desc) == MI_FAILURE) {
		log_error("smfi_register failed");
		return false;
	}
	return true;
}
