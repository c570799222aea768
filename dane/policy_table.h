/*
 * policy_table - THE translation of gatewarden's delivery TLS levels into
 * the MTA's words: Postfix smtp_tls_policy_maps levels and attributes, and
 * Sendmail access-map (TLS_Rcpt:, Try_TLS:) values.
 *
 * One table (policy_rows) is used both to write the maps and to print the
 * documentation table (gatewarden-maps --print-table), so a translation is
 * spelled in exactly one place.
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
	const char	*match;		/* match= attribute, NULL = none */
	bool		tafile;		/* the level honours tafile= */
	const char	*sendmail_key;	/* "TLS_Rcpt", "Try_TLS" or NULL */
	const char	*sendmail;	/* its value; "%s" is the domain */
	const char	*note;		/* for the printed table */
};

extern const struct policy_row policy_rows[];	/* ends with postfix NULL */

#define POLICY_DANE_ONLY	"dane-only"
#define POLICY_DANE_TRANSPORT	"gatewarden-dane"
/* Sendmail has no DANE: encryption is required there and the milter's
 * RCPT check refuses what DANE cannot serve. */
#define POLICY_SENDMAIL_DANE	"ENCR:128"

const struct policy_row *policy_row(enum dest_tls);

/* The value of the Postfix policy table for d; dane_only when the DANE
 * decision (plan.h) says so. */
char	*policy_postfix_value(const struct destination *d, bool dane_only,
	    const char **why);
/* The Sendmail key and value for d: *key gets "TLS_Rcpt" or "Try_TLS". */
char	*policy_sendmail_value(const struct destination *d, bool dane,
	    const char **key, const char **why);

/* Checks the entry can be expressed at all (ciphers, tafile). */
bool	policy_check(const struct destination *d, const char **why);

/* The table as documentation, one row per level and per DANE mode. */
void	policy_table_print(FILE *);

#endif
