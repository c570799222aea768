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
	{ DTLS_NO, "none", NULL, false, "Try_TLS", "NO",
	  "no STARTTLS" },
	{ DTLS_PREFERRED, "may", NULL, false, NULL, NULL,
	  "opportunistic TLS, plaintext when STARTTLS fails" },
	{ DTLS_REQUIRED, "encrypt", NULL, false, "TLS_Rcpt", "ENCR:128",
	  "TLS required, certificate not checked" },
	{ DTLS_PREFERRED_VERIFY, "may", NULL, false, NULL, NULL,
	  "as preferred; the CA file makes the log say Trusted/Verified "
	  "(Postfix cannot verify and still deliver on failure)" },
	{ DTLS_REQUIRED_VERIFY, "verify", "hostname:nexthop:dot-nexthop", true,
	  "TLS_Rcpt", "VERIFY:128",
	  "verified chain, name of the MX host or the domain" },
	{ DTLS_REQUIRED_VERIFY_HOSTED, "secure", "nexthop:dot-nexthop", true,
	  "TLS_Rcpt", "VERIFY:128+CN:%s",
	  "verified chain naming the domain itself (SAN dNSName, then CN)" },
	{ 0, NULL, NULL, false, NULL, NULL, NULL },
};

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

char *
policy_postfix_value(const struct destination *d, bool dane_only,
    const char **why)
{
	const struct policy_row *r;
	char	*v;

	if (!policy_check(d, why))
		return NULL;
	r = policy_row(d->tls);
	if (dane_only)
		return x_strdup(POLICY_DANE_ONLY);
	v = x_strdup(r->postfix);
	if (d->tls == DTLS_NO)
		return v;
	if (r->match)
		v = append(v, " match=%s", r->match);
	if (r->tafile && d->tafile)
		v = append(v, " tafile=%s", d->tafile);
	if (d->min_tls_version != TLSV_ANY)
		v = append(v, " protocols=>=%s",
		    word_name(words_tls_version, d->min_tls_version));
	if (d->ciphers)
		v = append(v, " ciphers=%s", d->ciphers);
	return v;
}

char *
policy_sendmail_value(const struct destination *d, bool dane,
    const char **key, const char **why)
{
	const struct policy_row *r;

	*why = NULL;
	*key = NULL;
	if ((r = policy_row(d->tls)) == NULL) {
		*why = "unknown TLS level";
		return NULL;
	}
	if (dane && d->tls != DTLS_REQUIRED_VERIFY &&
	    d->tls != DTLS_REQUIRED_VERIFY_HOSTED) {
		*key = "TLS_Rcpt";
		return x_strdup(POLICY_SENDMAIL_DANE);
	}
	if (r->sendmail == NULL)
		return NULL;
	*key = r->sendmail_key;
	return x_asprintf(r->sendmail, d->domain ? d->domain : "");
}

void
policy_table_print(FILE *fp)
{
	const struct policy_row *r;

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
	fprintf(fp, "%-24s %-48s %s\n", "dane: mandatory",
	    POLICY_DANE_ONLY " via transport " POLICY_DANE_TRANSPORT,
	    "TLS_Rcpt:DOMAIN " POLICY_SENDMAIL_DANE);
	fprintf(fp, "%-24s   %s\n", "", "smtp_dns_support_level=dnssec in the "
	    "transport; Sendmail has no DANE: the milter refuses at RCPT");
	fprintf(fp, "%-24s %-48s %s\n", "dane: opportunistic",
	    POLICY_DANE_ONLY " when the MX RRset and every MX host's TLSA "
	    "RRset are secure and usable", "as dane: mandatory when so");
	fprintf(fp, "%-24s   %s\n", "", "otherwise the entry's own level "
	    "(not Postfix's \"dane\", which falls back to \"may\")");
}
