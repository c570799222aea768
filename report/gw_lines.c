/*
 * gw_lines - gatewarden's own log lines into the report's counts.
 *
 * Lines recognised (the daemon's decision lines; README, "Sender groups
 * and inbound TLS", and gatewarden(8)), after an optional "warning: " or
 * "error: " (debug lines are not decisions and are skipped):
 *   ID: group=G policy=P client=A tls=T ... action=X requirement=R reason=Y
 *       the inbound TLS verdict at MAIL FROM
 *   ID: rcpt_domain=D dane=mandatory action=accept|reject|tempfail ...
 *   ID: profile=P mode=M ... action=replace|reject|discard|clear
 *       [encrypted_to=... missing=...]       outgoing S/MIME
 *   ID: smime=error action=... reason=R, smime=no_usable_key reason=R,
 *   ID: smime=WORD [decrypted=yes] ...       (incoming results, RFC 7281)
 *   ID: action=tempfail|reject reason=internal-error ...
 *   alert=KIND action=sent|rate-limited|failed ...
 * Anything else is counted as a gatewarden line and otherwise ignored.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "report/kv.h"
#include "report/stats.h"

#define VALUE_MAX	256

/* The category of a refusal by the TLS verdict's reason word
 * (policy/tls_verdict.c). */
static enum refusal_cat
verdict_category(const char *reason)
{
	if (strcmp(reason, "no_tls") == 0)
		return RC_TLS_MISSING;
	if (strncmp(reason, "client_cert_", 12) == 0 ||
	    strncmp(reason, "cert_", 5) == 0)
		return RC_CERTIFICATE;
	if (strncmp(reason, "tls_version_", 12) == 0 ||
	    strncmp(reason, "cipher_bits_", 12) == 0)
		return RC_WEAK_TLS;
	return RC_OTHER;
}

static void
tls_verdict(struct stats *st, const struct logline *l, const struct kv *kv)
{
	char	group[VALUE_MAX], action[32], reason[64];
	struct tally_row *r;
	bool	tls = !kv_is(kv, "tls", "none");

	kv_value(kv, "group", group, sizeof(group));
	kv_value(kv, "action", action, sizeof(action));
	kv_value(kv, "reason", reason, sizeof(reason));
	r = tally_row(st->groups, group, strlen(group));
	r->c[GRP_TOTAL]++;
	if (tls)
		r->c[GRP_TLS]++;
	timeline_add(st->tl, r->series, l->t, 0, 1);
	timeline_add(st->tl, r->series, l->t, 1, tls ? 1 : 0);
	if (strcmp(action, "accept") == 0) {
		r->c[GRP_ACCEPT]++;
		return;
	}
	r->c[strcmp(action, "tempfail") == 0 ? GRP_TEMPFAIL : GRP_REJECT]++;
	stats_refusal(st, FLOW_IN, verdict_category(reason), reason);
}

static void
rcpt_dane(struct stats *st, const struct kv *kv)
{
	char	domain[VALUE_MAX], detail[VALUE_MAX + 32];

	if (kv_is(kv, "action", "accept"))
		return;
	kv_value(kv, "rcpt_domain", domain, sizeof(domain));
	snprintf(detail, sizeof(detail), "recipient domain %s", domain);
	stats_refusal(st, FLOW_IN, RC_DANE, detail);
}

/* "<a@x>,<b@y>" or "-": how many addresses. */
static uint64_t
list_count(const struct kv *kv, const char *key)
{
	const struct kv_field *f = kv_find(kv, key);
	uint64_t n = 1;
	size_t	i;

	if (f == NULL || f->vallen == 0 || (f->vallen == 1 && f->val[0] == '-'))
		return 0;
	for (i = 0; i < f->vallen; i++)
		if (f->val[i] == ',')
			n++;
	return n;
}

static void
smime_outbound(struct stats *st, const struct kv *kv)
{
	char	mode[32], action[32];
	bool	signs, encrypts;
	uint64_t missing = list_count(kv, "missing");

	kv_value(kv, "mode", mode, sizeof(mode));
	kv_value(kv, "action", action, sizeof(action));
	signs = strcmp(mode, "encrypt") != 0;
	encrypts = strcmp(mode, "sign") != 0;
	if (strcmp(action, "replace") == 0) {
		if (signs)
			st->smime[SM_SIGNED]++;
		if (encrypts)
			st->smime[SM_ENCRYPTED]++;
	}
	if (missing == 0)
		return;
	st->smime[SM_MISSING_RCPTS] += missing;
	if (strcmp(action, "reject") == 0)
		st->smime[SM_BOUNCED]++;
	else if (strcmp(action, "discard") == 0)
		st->smime[SM_DROPPED]++;
	else {
		st->smime[SM_SPLIT]++;
		if (strcmp(action, "clear") == 0)
			st->smime[SM_CLEAR]++;
	}
}

static void
smime_result(struct stats *st, const struct kv *kv)
{
	char	word[64], reason[VALUE_MAX], key[VALUE_MAX + 64];

	kv_value(kv, "smime", word, sizeof(word));
	kv_value(kv, "reason", reason, sizeof(reason));
	if (strcmp(word, "error") == 0 || strcmp(word, "no_usable_key") == 0) {
		st->smime[strcmp(word, "error") == 0 ? SM_ERRORS :
		    SM_UNUSABLE]++;
		snprintf(key, sizeof(key), "%s: %s", strcmp(word, "error") ==
		    0 ? "error" : "no usable key", reason[0] ? reason :
		    "unknown");
		tally_row(st->smime_failures, key, strlen(key))->c[0]++;
		return;
	}
	tally_row(st->smime_results, word, strlen(word))->c[0]++;
	if (strcmp(word, "pass") == 0)
		st->smime[SM_VERIFIED]++;
	if (kv_is(kv, "decrypted", "yes"))
		st->smime[SM_DECRYPTED]++;
}

static void
alert(struct stats *st, const struct kv *kv)
{
	char	kind[64], action[32], key[128];

	kv_value(kv, "alert", kind, sizeof(kind));
	kv_value(kv, "action", action, sizeof(action));
	snprintf(key, sizeof(key), "%s|%s", kind, action);
	tally_row(st->alerts, key, strlen(key))->c[0]++;
	if (strstr(kind, "churn") != NULL && strcmp(action, "sent") == 0)
		st->churn_alerts++;
}

void
gw_line(struct stats *st, const struct logline *l)
{
	const char *m = l->msg;
	size_t	len = l->msglen;
	struct kv kv;

	if (len >= 7 && memcmp(m, "debug: ", 7) == 0)
		return;
	if (len >= 9 && memcmp(m, "warning: ", 9) == 0)
		m += 9, len -= 9;
	else if (len >= 7 && memcmp(m, "error: ", 7) == 0)
		m += 7, len -= 7;
	kv_parse(&kv, m, len);
	if (kv_find(&kv, "alert") != NULL)
		alert(st, &kv);
	else if (kv_find(&kv, "requirement") != NULL &&
	    kv_find(&kv, "group") != NULL)
		tls_verdict(st, l, &kv);
	else if (kv_find(&kv, "rcpt_domain") != NULL &&
	    kv_find(&kv, "dane") != NULL)
		rcpt_dane(st, &kv);
	else if (kv_find(&kv, "smime") != NULL)
		smime_result(st, &kv);
	else if (kv_find(&kv, "profile") != NULL &&
	    kv_find(&kv, "mode") != NULL)
		smime_outbound(st, &kv);
	else if (kv_is(&kv, "reason", "internal-error") &&
	    !kv_is(&kv, "action", "accept"))
		stats_refusal(st, FLOW_IN, RC_OTHER, "gatewarden internal error");
}
