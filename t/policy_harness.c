/*
 * policy_harness - a test double: the smallest libmilter program that
 * drives policy/ the way milter/ is meant to, so that the inbound TLS
 * policy can be tried over the real milter protocol (miltertest, with the
 * macros spelled exactly as Sendmail and Postfix send them) independently
 * of the daemon in milter/.
 *
 *   policy_harness SOCKET CONFIG
 *
 * loads CONFIG with config_load(), listens on SOCKET ("unix:/path") and
 * at MAIL FROM matches the sender group, applies the TLS verdict, and
 * writes "QID: <tls_log_line>" to stderr; a refusal for missing TLS also
 * writes "QID: alert <key> suppressed=N" when the rate limiter lets the
 * alert go. At end of message it adds X-Gatewarden-TLS. SIGTERM stops it
 * (libmilter's signal handling).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "conf/config.h"
#include "policy/group_match.h"
#include "policy/ratelimit.h"
#include "policy/session_facts.h"
#include "policy/tls_header.h"
#include "policy/tls_log.h"
#include "policy/tls_verdict.h"

static struct config *cfg;
static struct ratelimit *alerts;

struct conn {
	struct session_facts facts;
	const struct sender_group *group;
};

static const char *
getsym(void *ctx, const char *name)
{
	return smfi_getsymval(ctx, (char *)name);
}

static const char *
qid(SMFICTX *ctx)
{
	const char *i = smfi_getsymval(ctx, "i");

	return i ? i : "NOQUEUE";
}

static sfsistat
h_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)f1, (void)f2, (void)f3;
	*pf0 = SMFIF_ADDHDRS;
	*pf1 = *pf2 = *pf3 = 0;
	if (f0 & SMFIF_SETSYMLIST) {
		*pf0 |= SMFIF_SETSYMLIST;
		if (smfi_setsymlist(ctx, SMFIM_CONNECT,
		    SESSION_MACROS_CONNECT) != MI_SUCCESS ||
		    smfi_setsymlist(ctx, SMFIM_HELO,
		    SESSION_MACROS_HELO) != MI_SUCCESS ||
		    smfi_setsymlist(ctx, SMFIM_ENVFROM,
		    "i " SESSION_MACROS_MAIL) != MI_SUCCESS)
			return SMFIS_TEMPFAIL;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
h_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct conn *c = calloc(1, sizeof(*c));

	(void)host, (void)sa;
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	session_facts_init(&c->facts);
	session_facts_update(&c->facts, getsym, ctx);
	smfi_setpriv(ctx, c);
	return SMFIS_CONTINUE;
}

static sfsistat
h_helo(SMFICTX *ctx, char *name)
{
	struct conn *c = smfi_getpriv(ctx);

	(void)name;
	session_facts_update(&c->facts, getsym, ctx);
	return SMFIS_CONTINUE;
}

static sfsistat
h_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	struct group_choice choice;
	struct tls_verdict v;
	char	line[2048], key[512];
	unsigned suppressed;

	session_facts_update(&c->facts, getsym, ctx);
	session_facts_set_sender(&c->facts, argv[0]);
	policy_match_group(cfg, &c->facts, true, &choice);
	c->group = choice.group;
	policy_tls_verdict(c->group, &c->facts, &v);
	tls_log_line(line, sizeof(line), c->group, &c->facts, &v);
	fprintf(stderr, "%s: %s\n", qid(ctx), line);
	if (v.accept)
		return SMFIS_CONTINUE;
	if (strcmp(v.reason, "no_tls") == 0 &&
	    tls_alert_key(key, sizeof(key), c->group, &c->facts) &&
	    ratelimit_allow(alerts, key, &suppressed))
		fprintf(stderr, "%s: alert %s suppressed=%u\n", qid(ctx), key,
		    suppressed);
	if (smfi_setreply(ctx, v.rcode, v.xcode, v.text) != MI_SUCCESS) {
		fprintf(stderr, "%s: smfi_setreply refused the reply\n",
		    qid(ctx));
		return SMFIS_TEMPFAIL;
	}
	return v.temporary ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

static sfsistat
h_eom(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	char	value[512];

	if (!tls_header_value(value, sizeof(value), c->group, &c->facts) ||
	    smfi_addheader(ctx, TLS_HEADER_NAME, value) != MI_SUCCESS)
		return SMFIS_TEMPFAIL;
	return SMFIS_CONTINUE;
}

static sfsistat
h_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
	struct smfiDesc desc = {
		"policy_harness", SMFI_VERSION, SMFIF_ADDHDRS | SMFIF_SETSYMLIST,
		h_connect, h_helo, h_envfrom, NULL, NULL, NULL, NULL, h_eom,
		NULL, h_close, NULL, NULL, h_negotiate,
	};
	struct diags d = { 0 };
	int	rc;

	if (argc != 3) {
		fprintf(stderr, "usage: policy_harness SOCKET CONFIG\n");
		return 2;
	}
	if ((cfg = config_load(argv[2], &d)) == NULL) {
		diags_print(&d, stderr);
		diags_free(&d);
		return 1;
	}
	diags_free(&d);
	alerts = ratelimit_new(64, cfg->alerts.rate_limit, NULL, NULL);
	if (smfi_setconn(argv[1]) != MI_SUCCESS ||
	    smfi_register(desc) != MI_SUCCESS) {
		fprintf(stderr, "policy_harness: cannot set up libmilter\n");
		return 1;
	}
	rc = smfi_main() == MI_SUCCESS ? 0 : 1;
	ratelimit_free(alerts);
	config_unref(cfg);
	return rc;
}
