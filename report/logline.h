/*
 * logline - one line of a mail log: its time, host, program, pid and
 * message.
 *
 * Accepted forms (what syslog daemons, journald and Postfix's own
 * maillog_file write):
 *   Dec  2 13:42:21 mx postfix/smtpd[15438]: connect from ...
 *   Dec 02 13:42:21 mx gatewarden[15423]: conn#1: group=...
 *   2026-12-02T13:42:21.123456+01:00 mx postfix/smtp[9]: ...  (RFC 3339)
 *   Dec  2 13:42:21 gatewarden[15423]: ...   (no host, as syslog(3) sends)
 * A traditional time stamp has no year and is local time: the year is
 * the guesser's (struct year_guess): a fixed one (--year), or the one
 * that does not put the line more than a day after `now' (logs are read
 * after they were written). RFC 3339 stamps carry their own offset.
 *
 * logline_parse() fills the fields with pointers into the line (not
 * copied, not NUL-terminated: use the lengths) and returns false for a
 * line that has none of these forms. No allocation; the guesser keeps a
 * small cache so that the time of most lines costs no mktime().
 */
#ifndef GW_REPORT_LOGLINE_H
#define GW_REPORT_LOGLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct logline {
	int64_t		t;		/* seconds since the epoch */
	const char	*host;		/* NULL when the line has none */
	size_t		hostlen;
	const char	*prog;		/* "postfix/smtpd", "gatewarden" */
	size_t		proglen;
	long		pid;		/* -1 without [pid] */
	const char	*msg;		/* after ": ", up to the end */
	size_t		msglen;
};

struct year_guess {
	int		year;		/* > 0: every traditional stamp is this year */
	int		now_year, now_mon, now_mday;	/* of `now', local */
	/* cache: the epoch time of the start of the last hour computed */
	int		c_year, c_mon, c_mday, c_hour;
	int64_t		c_base;
};

void	year_guess_init(struct year_guess *, int year, time_t now);
bool	logline_parse(const char *line, size_t len, struct year_guess *,
	    struct logline *);
/* true when the program is prog or ends with "/prog" (postfix/smtpd,
 * postfix-out/smtpd, postfix/submission/smtpd). */
bool	logline_prog_is(const struct logline *, const char *prog);

#endif
