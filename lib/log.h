/*
 * log - the severity ladder and the one place messages leave the process.
 *
 * Messages go to syslog (facility set by log_open()) and, when asked, to
 * stderr as well. Severities, lowest first: debug, info, warning, error,
 * fatal (logs and exits 1), panic (logs and aborts; for broken invariants).
 * The *_errno variants append ": " and strerror(errno), for failed calls.
 *
 * Decision lines are key=value and start with the MTA's queue id:
 *   log_info("%s: action=reject group=partners reason=...", qid);
 * Callers escape values with log_value() when they came from outside.
 *
 * Thread-safe: syslog(3) is, and stderr lines are written with one write(2).
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARNING,
		 LOG_LEVEL_ERROR };

/* ident: program name; facility: a syslog facility value (LOG_MAIL ...);
 * to_stderr: mirror every line on stderr (not when syslog is on and stderr
 * is the systemd journal, which gets the syslog lines already); to_syslog:
 * 0 for tools that only talk to a terminal. */
void	log_open(const char *ident, int facility, int to_stderr, int to_syslog);
void	log_set_level(enum log_level);
void	log_set_facility(int facility);
void	log_close(void);

void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn_errno(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error_errno(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	log_fatal_errno(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	log_panic(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Writes s into out (size outsz) so that it can stand as one log value:
 * control characters, quotes, backslashes and spaces escaped, the result
 * double-quoted when it held spaces, truncated with "..." when too long.
 * Returns out. */
const char *log_value(char *out, size_t outsz, const char *s);

/* The syslog facility for a name ("mail", "local0" ... "local7", "daemon",
 * "user"); -1 when unknown. */
int	log_facility_from_name(const char *);

#endif
