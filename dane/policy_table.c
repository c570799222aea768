/*
 * policy_table - see policy_table.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "conf/words.h"
#include "dane/policy_table.h"
#include "lib/xalloc.h"

const struct policy_row policy_rows[] = {
	{ DTLS_NO, "none", false, NULL, false, "Try_TLS", "NO",
	  "no STARTTLS" },
	{ DTLS_PREFERRED, "may", false, NULL, false, NULL, NULL,
	  "opportunistic TLS, plaintext when STARTTLS fails" },
	{ DTLS_REQUIRED, POLICY_ENCRYPT, true, NULL, false, "TLS_Rcpt",
	  "ENCR:128", "TLS required, certificate not checked" },
	{ DTLS_PREFERRED_VERIFY, "may", false, NULL, false, NULL, NULL,
	  "as preferred; the CA file makes the log say Trusted/Verified "
	  "(Postfix cannot verify and still deliver on failure)" },
	{ DTLS_REQUIRED_VERIFY, "verify", true, "hostname:nexthop:dot-nexthop",
	  true, "TLS_Rcpt", "VERIFY:128",
	  "verified chain, name of the MX host or the domain" },
	{ DTLS_REQUIRED_VERIFY_HOSTED, "secure", true, "nexthop:dot-nexthop",
	  true, "TLS_Rcpt", "VERIFY:128+CN:%s",
	  "verified chain naming the domain itself (SAN dNSName, then CN)" },
	{ 0, NULL, false, NULL, false, NULL, NULL, NULL },
};

#define OWN	DANE_LEVEL_OWN
#define ENCR	DANE_LEVEL_ENCRYPT
#define PERHOST	DANE_LEVEL_PER_HOST
#define ONLY	DANE_LEVEL_ONLY

/* why[1] and why[2] NULL: as why[0]. */
static const struct dane_rule dane_rules[] = {
	{ DSIT_ALL_USABLE, "every MX host has usable TLSA",
	  { ONLY, ONLY, ONLY }, true, false,
	  { "every MX host has a secure usable TLSA RRset" } },
	{ DSIT_SOME_USABLE, "some MX hosts have usable TLSA",
	  { PERHOST, PERHOST, ONLY }, true, false,
	  { "MX hosts differ: Postfix's dane decides per host (usable TLSA: "
	    "DANE; unusable: encrypt; none: may)", NULL,
	    "some MX hosts have usable TLSA: dane-only, as Postfix's dane "
	    "would send in clear to the others; hosts without usable TLSA "
	    "are not used" } },
	{ DSIT_ALL_UNUSABLE, "every MX host has TLSA, none usable",
	  { ENCR, ENCR, OWN }, true, false,
	  { "every MX host has a secure TLSA RRset and none is usable: TLS "
	    "is mandatory, unauthenticated (RFC 7672 2.2)", NULL,
	    "every MX host has a secure TLSA RRset and none is usable: the "
	    "entry's own level already requires TLS" } },
	{ DSIT_SOME_UNUSABLE, "some MX hosts have unusable TLSA, others none",
	  { PERHOST, PERHOST, OWN }, true, false,
	  { "MX hosts differ: Postfix's dane decides per host (unusable "
	    "TLSA: encrypt; none: may)", NULL,
	    "no usable TLSA; the entry's own level already requires TLS of "
	    "every MX host" } },
	{ DSIT_NO_TLSA, "MX hosts without TLSA (or no host)",
	  { OWN, OWN, OWN }, false, false,
	  { "no MX host has a secure TLSA RRset: entry's own level" } },
	{ DSIT_MX_INSECURE, "the MX RRset is not signed",
	  { OWN, OWN, OWN }, false, false,
	  { "the MX RRset is not DNSSEC-signed (Postfix's dane-only would "
	    "defer): entry's own level" } },
	{ DSIT_BOGUS, "a DNSSEC-bogus answer",
	  { ONLY, ONLY, ONLY }, true, true,
	  { "DNSSEC bogus: dane-only, deferred, never downgraded" } },
	{ DSIT_NOT_LOOKED_UP, "not looked up (subdomains, --no-dns, default)",
	  { OWN, PERHOST, OWN }, false, false,
	  { "opportunistic DANE, not looked up: tls: no stays without TLS "
	    "unless DNS is known to ask for it",
	    "opportunistic DANE, not looked up: Postfix's dane applies "
	    "RFC 7672 per MX host at delivery",
	    "opportunistic DANE, not looked up: entry's own level (Postfix's "
	    "dane would send in clear to hosts without TLSA)" } },
};

#undef OWN
#undef ENCR
#undef PERHOST
#undef ONLY

static const char *const cipher_grades[] = {
	"export", "low", "medium", "high", "null", NULL,
};

const struct policy_row *
policy_row(enum dest_tls tls)
{
	const struct policy_row *r;

	for (r = policy_rows; r->postfix; r++)
		if (r->tls == tls)
			return r;
	return NULL;
}

enum dane_class
dane_class(enum dest_tls tls)
{
	const struct policy_row *r = policy_row(tls);

	if (tls == DTLS_NO)
		return DCLASS_NO;
	return r && r->mandatory ? DCLASS_MANDATORY : DCLASS_MAY;
}

const struct dane_rule *
dane_rule(enum dane_situation sit)
{
	size_t	i;

	for (i = 0; i < sizeof(dane_rules) / sizeof(dane_rules[0]); i++)
		if (dane_rules[i].sit == sit)
			return &dane_rules[i];
	return NULL;
}

/* A value that goes into a whitespace-separated map must hold none. */
static bool
map_safe(const char *s)
{
	for (; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return false;
	return true;
}

bool
policy_check(const struct destination *d, const char **why)
{
	size_t	i;

	if (policy_row(d->tls) == NULL) {
		*why = "unknown TLS level";
		return false;
	}
	if (d->ciphers) {
		for (i = 0; cipher_grades[i]; i++)
			if (strcmp(d->ciphers, cipher_grades[i]) == 0)
				break;
		if (cipher_grades[i] == NULL) {
			*why = "ciphers must be a Postfix grade (export, low, "
			    "medium, high, null) for smtp_tls_policy_maps";
			return false;
		}
	}
	if (d->tafile && !map_safe(d->tafile)) {
		*why = "tafile holds white space or control characters";
		return false;
	}
	return true;
}

static char *
append(char *s, const char *fmt, const char *arg)
{
	char	*part = x_asprintf(fmt, arg);
	char	*out = x_asprintf("%s%s", s, part);

	free(part);
	free(s);
	return out;
}

const char *
dane_level_word(enum dane_level level)
{
	switch (level) {
	case DANE_LEVEL_ENCRYPT:	return POLICY_ENCRYPT;
	case DANE_LEVEL_PER_HOST:	return POLICY_DANE;
	case DANE_LEVEL_ONLY:		return POLICY_DANE_ONLY;
	case DANE_LEVEL_OWN:		break;
	}
	return NULL;
}

/* protocols= and ciphers=, which Postfix honours at every level but
 * none. */
static char *
append_tls(const struct destination *d, char *v)
{
	if (d->min_tls_version != TLSV_ANY)
		v = append(v, " protocols=>=%s",
		    word_name(words_tls_version, d->min_tls_version));
	if (d->ciphers)
		v = append(v, " ciphers=%s", d->ciphers);
	return v;
}

char *
policy_postfix_value(const struct destination *d, enum dane_level level,
    const char **why)
{
	const struct policy_row *r;
	const char *word;
	char	*v;

	if (!policy_check(d, why))
		return NULL;
	r = policy_row(d->tls);
	if ((word = dane_level_word(level)) != NULL) {
		/* match= and tafile= belong to the verify levels only. */
		v = x_strdup(word);
	} else {
		v = x_strdup(r->postfix);
		if (d->tls == DTLS_NO)
			return v;
		if (r->match)
			v = append(v, " match=%s", r->match);
		if (r->tafile && d->tafile)
			v = append(v, " tafile=%s", d->tafile);
	}
	return append_tls(d, v);
}

bool
policy_sts_applies(const struct destination *d)
{
	return d->tls != DTLS_REQUIRED_VERIFY &&
	    d->tls != DTLS_REQUIRED_VERIFY_HOSTED;
}

char *
policy_postfix_sts_value(const struct destination *d, const char *match,
    const char **why)
{
	char	*v;

	if (!policy_check(d, why))
		return NULL;
	if (!map_safe(match) || strchr(match, ',') != NULL) {
		*why = "the MTA-STS mx patterns cannot be written in a map";
		return NULL;
	}
	/* The WebPKI (smtp_tls_CAfile), never the entry's tafile. */
	v = x_asprintf(POLICY_STS " match=%s servername=hostname", match);
	return append_tls(d, v);
}

char *
policy_sendmail_value(const struct destination *d, const char *domain,
    bool encrypt, bool verify, const char **key, const char **why)
{
	const struct policy_row *r;
	bool	verify_level = d->tls == DTLS_REQUIRED_VERIFY ||
	    d->tls == DTLS_REQUIRED_VERIFY_HOSTED;

	*why = NULL;
	*key = NULL;
	if ((r = policy_row(d->tls)) == NULL) {
		*why = "unknown TLS level";
		return NULL;
	}
	if (verify && !verify_level) {
		*key = "TLS_Rcpt";
		return x_strdup(POLICY_SENDMAIL_STS);
	}
	if (encrypt && !verify_level) {
		*key = "TLS_Rcpt";
		return x_strdup(POLICY_SENDMAIL_DANE);
	}
	if (r->sendmail == NULL)
		return NULL;
	*key = r->sendmail_key;
	if (domain == NULL)
		domain = d->domain ? d->domain : "";
	return x_asprintf(r->sendmail, domain);
}

static const char *
level_name(enum dane_level level)
{
	const char *w = dane_level_word(level);

	return w ? w : "own";
}

void
policy_table_print(FILE *fp)
{
	const struct policy_row *r;
	size_t	i;

	fprintf(fp, "%-24s %-48s %s\n", "gatewarden", "Postfix policy",
	    "Sendmail access");
	for (r = policy_rows; r->postfix; r++) {
		char	pf[128], sm[80];

		snprintf(pf, sizeof(pf), "%s%s%s%s", r->postfix,
		    r->match ? " match=" : "", r->match ? r->match : "",
		    r->tafile ? " [tafile=]" : "");
		char	*val = r->sendmail ? x_asprintf(r->sendmail, "DOMAIN") :
		    NULL;

		snprintf(sm, sizeof(sm), "%s%s%s", r->sendmail_key ?
		    r->sendmail_key : "-", val ? ":DOMAIN " : "",
		    val ? val : "");
		free(val);
		fprintf(fp, "%-24s %-48s %s\n",
		    word_name(words_dest_tls, r->tls), pf, sm);
		fprintf(fp, "%-24s   %s\n", "", r->note);
	}
	fprintf(fp, "\n%-24s %-48s %s\n", "dane: mandatory",
	    POLICY_DANE_ONLY " via transport " POLICY_DANE_TRANSPORT,
	    "TLS_Rcpt:DOMAIN " POLICY_SENDMAIL_DANE);
	fprintf(fp, "%-24s   %s\n", "", "smtp_dns_support_level=dnssec in the "
	    "transport; Sendmail has no DANE: the milter refuses at RCPT");
	fprintf(fp, "\n%-48s %-10s %-10s %-10s %s\n", "dane: opportunistic",
	    "tls: no", "preferred*", "required*", "Sendmail");
	for (i = 0; i < sizeof(dane_rules) / sizeof(dane_rules[0]); i++) {
		const struct dane_rule *d = &dane_rules[i];

		fprintf(fp, "%-48s %-10s %-10s %-10s %s\n", d->situation,
		    level_name(d->level[DCLASS_NO]),
		    level_name(d->level[DCLASS_MAY]),
		    level_name(d->level[DCLASS_MANDATORY]),
		    d->sendmail_encrypt ? "TLS_Rcpt:DOMAIN "
		    POLICY_SENDMAIL_DANE : "as the level");
	}
	fputs("a DNS failure (SERVFAIL, time-out): the previous files stay;\n"
	    "\"own\": the entry's level; \"dane\", \"dane-only\" go via "
	    "transport " POLICY_DANE_TRANSPORT ";\npreferred*: preferred, "
	    "preferred-verify; required*: required, required-verify,\n"
	    "required-verify-hosted; Sendmail keeps VERIFY for the verify "
	    "levels; min_tls_version\nand ciphers become protocols= and "
	    "ciphers= at every level but none.\n", fp);
}
