/*
 * inbound_tls - see inbound_tls.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "lib/log.h"
#include "milter/alert.h"
#include "milter/counters.h"
#include "milter/inbound_tls.h"
#include "policy/group_match.h"
#include "policy/ratelimit.h"
#include "policy/tls_header.h"
#include "policy/tls_log.h"
#include "policy/tls_verdict.h"

/* Mails the administrators, rate limited per group and client, when a
 * session of a `required` group came without TLS. */
static void
alert_tls_missing(const struct session *s, const struct sender_group *g)
{
	char	key[RATELIMIT_KEY_MAX], addr[64], subject[320], text[1024];

	if (!tls_alert_key(key, sizeof(key), g, &s->facts))
		return;
	session_facts_addr_text(&s->facts, addr, sizeof(addr));
	snprintf(subject, sizeof(subject), "required TLS missing, sender "
	    "group %s, client %s", g->name, addr);
	snprintf(text, sizeof(text), "A client of sender group %s, whose "
	    "policy is tls: required, sent MAIL FROM without STARTTLS.\n"
	    "client: %s\nIt was refused (%s).\n", g->name, addr,
	    g->on_failure == ONFAIL_TEMPFAIL ? "temporarily" : "permanently");
	alert_raise(&s->cfg->alerts, "tls-required", key, subject, text);
}

/* The sender group and its TLS verdict, at MAIL FROM. */
sfsistat
inbound_tls_decide(SMFICTX *ctx, struct session *s)
{
	struct group_choice choice;
	struct tls_verdict v;
	char	line[2048], id[QUEUE_ID_MAX + 16];

	if (policy_match_group(s->cfg, &s->facts, true, &choice) !=
	    GROUP_DECIDED) {
		/* The loader insists on a final catch-all; without one the
		 * session gets no TLS policy rather than a guessed one. */
		log_warn("%s: group=none reason=no-group-matched",
		    session_log_id(s, id, sizeof(id)));
		return SMFIS_CONTINUE;
	}
	s->msg->group = choice.group;
	policy_tls_verdict(choice.group, &s->facts, &v);
	tls_log_line(line, sizeof(line), choice.group, &s->facts, &v);
	log_info("%s: %s", session_log_id(s, id, sizeof(id)), line);
	counters_tls_verdict(s, choice.group, &v);
	if (v.accept)
		return SMFIS_CONTINUE;
	counters_message(tls_verdict_action(&v));
	if (strcmp(v.reason, "no_tls") == 0)
		alert_tls_missing(s, choice.group);
	if (smfi_setreply(ctx, (char *)v.rcode, (char *)v.xcode,
	    (char *)v.text) != MI_SUCCESS)
		log_error("%s: smfi_setreply refused the reply text",
		    session_log_id(s, id, sizeof(id)));
	return v.temporary ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/* Records for the recipient what the inbound TLS policy saw. */
bool
inbound_tls_add_header(SMFICTX *ctx, const struct session *s)
{
	char	value[1024];

	if (!s->cfg->milter.tls_header || s->msg->group == NULL)
		return true;
	(void)tls_header_value(value, sizeof(value), s->msg->group, &s->facts);
	return smfi_addheader(ctx, TLS_HEADER_NAME, value) == MI_SUCCESS;
}
