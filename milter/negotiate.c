/*
 * negotiate - see negotiate.h.
 */
#include "config.h"

#include <libmilter/mfapi.h>

#include "milter/negotiate.h"
#include "milter/rcpt_dane.h"
#include "milter/smime_out.h"

/* The body is spooled when a sending rule may sign or encrypt it. (The
 * inbound S/MIME settings will need it too once inbound processing
 * lands; until then the MTA is not asked for a body nothing reads.) */
static bool
needs_body(const struct config *cfg)
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
	return need;
}

unsigned long
negotiate_steps(const struct config *cfg)
{
	unsigned long want = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR |
	    SMFIP_NOEOH | SMFIP_NR_EOH | SMFIP_NOUNKNOWN | SMFIP_NR_UNKN |
	    SMFIP_NODATA | SMFIP_NR_DATA | SMFIP_SKIP;

	if (!rcpt_dane_needed(cfg))
		want |= SMFIP_NR_RCPT;
	want |= needs_body(cfg) ? SMFIP_NR_BODY : SMFIP_NOBODY;
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
	if (needs_body(cfg) && (steps & SMFIP_NOBODY))
		return false;
	return true;
}
