/*
 * log - see log.h.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"

static const char *log_ident = "gatewarden";
static int log_to_stderr;
static int log_to_syslog;
/* A reload (the signal thread) changes these while every session thread
 * logs: atomics, relaxed, since a line logged under the old level or
 * facility a moment after the reload is harmless. */
static atomic_int log_facility = LOG_MAIL;
static atomic_int log_min = LOG_LEVEL_INFO;

/*
 * True when standard error is the systemd journal: systemd names the
 * stream it gave a service in JOURNAL_STREAM ("DEVICE:INODE"). The journal
 * gets every syslog line already, so a mirror on stderr would show each
 * line twice.
 */
static int
stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char	extra;

	if (v == NULL || sscanf(v, "%llu:%llu%c", &dev, &ino, &extra) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_open(const char *ident, int facility, int to_stderr, int to_syslog)
{
	log_ident = ident;
	atomic_store_explicit(&log_facility, facility, memory_order_relaxed);
	log_to_stderr = to_stderr && !(to_syslog && stderr_is_journal());
	log_to_syslog = to_syslog;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void
log_set_level(enum log_level level)
{
	atomic_store_explicit(&log_min, (int)level, memory_order_relaxed);
}

void
log_set_facility(int facility)
{
	if (atomic_exchange_explicit(&log_facility, facility,
	    memory_order_relaxed) == facility)
		return;
	if (log_to_syslog) {
		closelog();
		openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
	}
}

void
log_close(void)
{
	if (log_to_syslog)
		closelog();
}

static void
log_emit(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR };
	static const char *const tag[] = { "debug: ", "", "warning: ", "error: " };
	char	msg[2048], line[2200];
	int	saved = errno, n;

	if ((int)level < atomic_load_explicit(&log_min, memory_order_relaxed))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		size_t len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(saved));
	}
	if (log_to_syslog)
		syslog(atomic_load_explicit(&log_facility,
		    memory_order_relaxed) | prio[level], "%s%s", tag[level], msg);
	if (log_to_stderr) {
		n = snprintf(line, sizeof(line), "%s[%ld]: %s%s\n", log_ident,
		    (long)getpid(), tag[level], msg);
		if (n > 0) {
			if ((size_t)n >= sizeof(line))
				n = sizeof(line) - 1;
			(void)!write(STDERR_FILENO, line, (size_t)n);
		}
	}
	errno = saved;
}

#define LOG_FN(name, level, with_errno)				\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
	va_start(ap, fmt);					\
	log_emit(level, with_errno, fmt, ap);			\
	va_end(ap);						\
}

LOG_FN(log_debug, LOG_LEVEL_DEBUG, 0)
LOG_FN(log_info, LOG_LEVEL_INFO, 0)
LOG_FN(log_warn, LOG_LEVEL_WARNING, 0)
LOG_FN(log_warn_errno, LOG_LEVEL_WARNING, 1)
LOG_FN(log_error, LOG_LEVEL_ERROR, 0)
LOG_FN(log_error_errno, LOG_LEVEL_ERROR, 1)

void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_fatal_errno(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	abort();
}

const char *
log_value(char *out, size_t outsz, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t	o = 0;
	int	quote = 0;
	const unsigned char *p;

	if (outsz < 8) {
		if (outsz)
			out[0] = '\0';
		return out;
	}
	if (s == NULL)
		s = "";
	for (p = (const unsigned char *)s; *p; p++)
		if (*p == ' ')
			quote = 1;
	if (quote || *s == '\0')
		out[o++] = '"';
	for (p = (const unsigned char *)s; *p; p++) {
		/* Room for the longest escape, a closing quote and "...". */
		if (o + 4 + 1 + 3 + 1 > outsz) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (*p < 0x20 || *p == 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		} else if (*p == '"' || *p == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*p;
		} else
			out[o++] = (char)*p;
	}
	if (quote || *s == '\0')
		out[o++] = '"';
	out[o] = '\0';
	return out;
}

int
log_facility_from_name(const char *name)
{
	static const struct {
		const char *name;
		int	value;
	} facilities[] = {
		{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON },
		{ "user", LOG_USER }, { "local0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
		{ "local7", LOG_LOCAL7 },
	};
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(name, facilities[i].name) == 0)
			return facilities[i].value;
	return -1;
}
