/*
 * esmtp_params - the ESMTP parameters of an envelope that a copy handed
 * back to the MTA keeps: BODY= and SMTPUTF8 (RFC 6152, RFC 6531), and the
 * DSN parameters RET=, ENVID=, NOTIFY= and ORCPT= (RFC 3461).
 *
 * The MTA gives them to the milter after the address, one per argv
 * element, as the client wrote them: hostile text. mail_params_parse()
 * and rcpt_params_parse() keep only these keywords (case-insensitive),
 * with values that are what the RFCs allow (ENVID and ORCPT as xtext of at
 * most 100 and 500 characters, NOTIFY=NEVER or a list of SUCCESS, FAILURE
 * and DELAY; values in upper case); anything else (SIZE=, AUTH=, unknown
 * or malformed parameters) is dropped, never passed on.
 *
 * For SMTP, mail_params_smtp() and rcpt_params_smtp() write " KEY=VALUE"
 * words for a server whose EHLO offered caps (ESMTP_CAP_*): BODY=8BITMIME
 * when the copy carries 8-bit text (or the envelope said so) and the
 * server offers 8BITMIME; SMTPUTF8 when asked for and offered; when not
 * offered, a copy whose header or addresses are not ASCII cannot go
 * (false, with why) and another one goes without it, as Postfix does; the
 * DSN parameters only to a server that offers DSN. A BINARYMIME body
 * cannot be sent with DATA: false too.
 * For the sendmail command (Postfix's and Sendmail's take the same
 * options), mail_params_argv() gives -B 8BITMIME, -R, -V (for an ENVID
 * without "+XX", the one form both read alike) and -N when the caller has
 * one NOTIFY= value for every recipient; ORCPT= has no option and is
 * lost, and SMTPUTF8 is left to the command (Postfix's detects it).
 *
 * Plain structs, no allocation; nothing to free.
 */
#ifndef GW_ESMTP_PARAMS_H
#define GW_ESMTP_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#define ESMTP_CAP_8BITMIME	0x1u
#define ESMTP_CAP_DSN		0x2u
#define ESMTP_CAP_SMTPUTF8	0x4u

#define ENVID_MAX	100
#define ORCPT_MAX	500

enum body_type { BODY_UNSAID, BODY_7BIT, BODY_8BITMIME, BODY_BINARYMIME };

struct mail_params {
	enum body_type	body;
	bool		smtputf8;
	char		ret[5];			/* "FULL", "HDRS" or "" */
	char		envid[ENVID_MAX + 1];	/* xtext or "" */
};

struct rcpt_params {
	char		notify[32];		/* "NEVER", "SUCCESS,DELAY"... or "" */
	char		orcpt[ORCPT_MAX + 1];	/* "rfc822;xtext" or "" */
};

/* args: NULL-terminated, may be NULL. */
void	mail_params_parse(struct mail_params *, char *const *args);
void	rcpt_params_parse(struct rcpt_params *, char *const *args);

/* The EHLO keyword of one reply line ("8BITMIME", "DSN"...) as a
 * ESMTP_CAP_* bit; 0 for any other. */
unsigned esmtp_cap(const char *keyword);

/* eightbit: the copy has a byte above 0x7f; utf8: one in its header or
 * its envelope addresses. */
bool	mail_params_smtp(char *out, size_t outsz, const struct mail_params *,
	    bool eightbit, bool utf8, unsigned caps, const char **why);
void	rcpt_params_smtp(char *out, size_t outsz, const struct rcpt_params *,
	    unsigned caps);
/* Appends to argv at *argc (room for 8 more) the options for the
 * sendmail command; notify may be NULL. The strings are borrowed from p.
 * false, with why, for a body the command cannot take (BINARYMIME). */
bool	mail_params_argv(const char **argv, size_t *argc,
	    const struct mail_params *p, bool eightbit, const char *notify,
	    const char **why);

#endif
