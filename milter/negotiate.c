/*
 * negotiate - see negotiate.h.
 */
#include "config.h"

#include <libmilter/mfapi.h>

#include "milter/negotiate.h"
#include "milter/rcpt_dane.h"
#include "milter/smime_in.h"
#include "milter/smime_out.h"
#include "milter/tcp_nodelay.h"

/* The body is spooled when a sending rule may sign or encrypt it, or
 * an inbound policy may decrypt or verify it. */
static bool
needs_body(const struct config *cfg)
{
	return smime_out_needed(cfg) || smime_in_needed(cfg);
}

bool
negotiate_group_reads_body(const struct config *cfg,
    const struct sender_group *g)
{
	if (g == NULL)
		return false;
	return (g->direction == DIR_OUTBOUND && smime_out_needed(cfg)) ||
	    smime_in_group_reads_body(cfg, g);
}

/* Some group's messages need no body: they are skipped (SMFIS_SKIP),
 * which needs a reply to body chunks. */
static bool
skips_bodies(const struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->ngroups; i++)
		if (!negotiate_group_reads_body(cfg, &cfg->groups[i]))
			return true;
	return false;
}

/* The recipients are kept for the RCPT-time DANE check and for the
 * sending rules (key look-ups, split copies); nothing else reads them. */
static bool
needs_rcpts(const struct config *cfg)
{
	return rcpt_dane_needed(cfg) || smime_out_needed(cfg);
}

/* The HELO name goes only into the trace of a split copy (received.h),
 * which only sending rules make. */
static bool
needs_helo(const struct config *cfg)
{
	return smime_out_needed(cfg);
}

unsigned long
negotiate_actions(const struct config *cfg)
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

unsigned long
negotiate_steps(const struct config *cfg, bool macros_at_mail)
{
	unsigned long want = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR |
	    SMFIP_NOEOH | SMFIP_NR_EOH | SMFIP_NOUNKNOWN | SMFIP_NR_UNKN |
	    SMFIP_SKIP;

	/* Over TCP, the reply at DATA acknowledges what the MTA wrote
	 * without waiting for a reply (the envelope), before Postfix's
	 * cleanup takes the connection over to write the message: without
	 * it that write waits for the delayed ACK (40 ms) on every message.
	 * On a unix socket nothing waits, and DATA is not even sent. */
	if (tcp_spec_port(cfg->milter.socket) == 0)
		want |= SMFIP_NODATA | SMFIP_NR_DATA;

	if (macros_at_mail) {
		want |= SMFIP_NOCONNECT;
		if (!needs_helo(cfg))
			want |= SMFIP_NOHELO;
	}
	if (!needs_rcpts(cfg))
		want |= SMFIP_NORCPT;
	if (!rcpt_dane_needed(cfg))
		want |= SMFIP_NR_RCPT;
	if (!needs_body(cfg))
		want |= SMFIP_NOBODY;
	else if (!skips_bodies(cfg))
		want |= SMFIP_NR_BODY;
	return want;
}

bool
negotiate_fits(unsigned long actions, unsigned long steps,
    const struct config *cfg)
{
	if ((negotiate_actions(cfg) & ~actions) != 0)
		return false;
	if (rcpt_dane_needed(cfg) && (steps & SMFIP_NR_RCPT))
		return false;
	if (needs_rcpts(cfg) && (steps & SMFIP_NORCPT))
		return false;
	if (needs_helo(cfg) && (steps & SMFIP_NOHELO))
		return false;
	if (needs_body(cfg) && (steps & SMFIP_NOBODY))
		return false;
	return true;
}
