/*
 * smime_err - the error record every smime/ module fills in.
 *
 * A failure is either temporary (SMIME_TEMP: an unreadable key, an I/O
 * error, a full disk; the milter tempfails and the mail stays queued, it is
 * never sent unsigned or in clear) or permanent (SMIME_PERM: the message
 * itself is malformed; the milter applies the configured failure action).
 * msg says what failed, for one log value; it never holds key material.
 *
 * smime_err_set() records the first failure only: later calls keep the
 * original cause (the first error is the one worth logging).
 * smime_err_ssl() appends the oldest queued OpenSSL error and clears the
 * OpenSSL error queue of the calling thread.
 */
#ifndef GW_SMIME_ERR_H
#define GW_SMIME_ERR_H

enum smime_status { SMIME_OK = 0, SMIME_TEMP, SMIME_PERM };

struct smime_err {
	enum smime_status status;
	char		msg[256];
};

void	smime_err_clear(struct smime_err *);
void	smime_err_set(struct smime_err *, enum smime_status, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	smime_err_ssl(struct smime_err *, enum smime_status, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* "temporary", "permanent" or "ok". */
const char *smime_status_name(enum smime_status);

#endif
