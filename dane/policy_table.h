/*
 * policy_table - THE translation of gatewarden's delivery TLS levels into
 * the MTA's words: Postfix smtp_tls_policy_maps levels and attributes, and
 * Sendmail access-map (TLS_Rcpt:, Try_TLS:) values.
 *
 * One table (policy_rows) is used both to write the maps and to print the
 * documentation table (gatewarden-maps --print-table), so a translation is
 * spelled in exactly one place.
 *
 * The DANE decision (plan.h) hands over a dane_level: the entry's own
 * level, "encrypt" (every MX host has a secure TLSA RRset and none is
 * usable: RFC 7672 2.2 makes TLS mandatory, unauthenticated), Postfix's
 * "dane" (per MX host at delivery: usable TLSA, DANE; unusable, encrypt;
 * none, may) or "dane-only". min_tls_version and ciphers are written
 * whatever the level (protocols=, ciphers=), as Postfix honours them at
 * every level but "none".
 *
 * policy_postfix_value() and policy_sendmail_value() return a newly
 * allocated string that the caller frees, or NULL with a static reason in
 * *why when the entry cannot be expressed (a cipher list where Postfix
 * takes only a grade, a file name with white space in it). The Sendmail
 * value is NULL with *why NULL when Sendmail needs no entry.
 */
#ifndef GW_DANE_POLICY_TABLE_H
#define GW_DANE_POLICY_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "conf/config.h"

struct policy_row {
	enum dest_tls	tls;
	const char	*postfix;	/* smtp_tls_policy_maps level */
	bool		mandatory;	/* never in clear: encrypt or more */
	const char	*match;		/* match= attribute, NULL = none */
	bool		tafile;		/* the level honours tafile= */
	const char	*sendmail_key;	/* "TLS_Rcpt", "Try_TLS" or NULL */
	const char	*sendmail;	/* its value; "%s" is the domain */
	const char	*note;		/* for the printed table */
};

extern const struct policy_row policy_rows[];	/* ends with postfix NULL */

#define POLICY_DANE_ONLY	"dane-only"
#define POLICY_DANE		"dane"
#define POLICY_ENCRYPT		"encrypt"
#define POLICY_DANE_TRANSPORT	"gatewarden-dane"
/* Sendmail has no DANE: encryption is required there and the milter's
 * RCPT check refuses what DANE cannot serve. */
#define POLICY_SENDMAIL_DANE	"ENCR:128"
/* MTA-STS enforce: Postfix's secure with the policy's MX patterns and
 * the MX host name as SNI; Sendmail can verify the chain only (it cannot
 * match names against patterns). */
#define POLICY_STS		"secure"
#define POLICY_SENDMAIL_STS	"VERIFY:128"

enum dane_level {
	DANE_LEVEL_OWN,		/* the entry's own level */
	DANE_LEVEL_ENCRYPT,	/* "encrypt" */
	DANE_LEVEL_PER_HOST,	/* Postfix's "dane" */
	DANE_LEVEL_ONLY		/* "dane-only" */
};

const struct policy_row *policy_row(enum dest_tls);
/* "encrypt", "dane", "dane-only"; NULL for DANE_LEVEL_OWN. */
const char *dane_level_word(enum dane_level);

/*
 * dane: opportunistic, as a table (the second half of the translation):
 * what DNS says of an entry (plan.c tells the situation from its look-up)
 * and the level written for each class of the entry's own TLS level.
 * Postfix's "dane" never falls below "may", so it serves the classes
 * below required only; with a required level and some usable TLSA there
 * is no Postfix level that does DANE and keeps TLS mandatory elsewhere,
 * so it is dane-only (the hosts without usable TLSA are not used).
 * A failed look-up (SERVFAIL, time-out) is not in the table: the
 * previous files are kept. dane: mandatory is always dane-only.
 */
enum dane_situation {
	DSIT_ALL_USABLE,	/* every MX host: secure usable TLSA */
	DSIT_SOME_USABLE,	/* some hosts usable, the others not */
	DSIT_ALL_UNUSABLE,	/* every host: secure TLSA, none usable */
	DSIT_SOME_UNUSABLE,	/* none usable, some unusable, some none */
	DSIT_NO_TLSA,		/* no host with a secure TLSA RRset */
	DSIT_MX_INSECURE,	/* the MX RRset is not signed */
	DSIT_BOGUS,		/* a bogus answer on the way */
	DSIT_NOT_LOOKED_UP,	/* subdomains, --no-dns, the default entry */
	DSIT_COUNT
};

/* The entry's own level: "no"; preferred or preferred-verify; required
 * or more. */
enum dane_class { DCLASS_NO, DCLASS_MAY, DCLASS_MANDATORY, DCLASS_COUNT };

struct dane_rule {
	enum dane_situation sit;
	const char	*situation;	/* for the printed table */
	enum dane_level	level[DCLASS_COUNT];
	bool		sendmail_encrypt;	/* TLS asked of some host */
	bool		unservable;
	const char	*why[DCLASS_COUNT];	/* NULL: as why[0] */
};

enum dane_class dane_class(enum dest_tls);
const struct dane_rule *dane_rule(enum dane_situation);

/* The value of the Postfix policy table for d at the level the DANE
 * decision (plan.h) chose. */
char	*policy_postfix_value(const struct destination *d, enum dane_level,
	    const char **why);
/* MTA-STS enforce made into a Postfix value: "secure match=MATCH
 * servername=hostname" and the entry's protocols and ciphers (not its
 * tafile: MTA-STS is the WebPKI, main.cf's smtp_tls_CAfile).
 * match is sts_postfix_match()'s list. */
char	*policy_postfix_sts_value(const struct destination *d,
	    const char *match, const char **why);
/* Whether an MTA-STS policy may replace the entry's level: not for the
 * verify levels, which already ask for a verified certificate by names
 * of the administrator's choice (the static policy wins). */
bool	policy_sts_applies(const struct destination *d);

/* The Sendmail key and value for d: *key gets "TLS_Rcpt" or "Try_TLS".
 * domain: for the CN: of required-verify-hosted (NULL: d's own).
 * encrypt: DANE asks TLS of some MX host; Sendmail, which has no DANE and
 * cannot tell the hosts apart, then requires it of all of them. verify:
 * MTA-STS enforce, of which Sendmail can require a verified chain. */
char	*policy_sendmail_value(const struct destination *d,
	    const char *domain, bool encrypt, bool verify, const char **key,
	    const char **why);

/* Checks the entry can be expressed at all (ciphers, tafile). */
bool	policy_check(const struct destination *d, const char **why);

/* The table as documentation, one row per level and per DANE mode. */
void	policy_table_print(FILE *);

#endif
