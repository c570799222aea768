/*
 * alert - see alert.h.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dane/alert.h"
#include "dane/spawn.h"
#include "lib/log.h"
#include "lib/xalloc.h"

static char *
stamp_path(const char *dir, const char *kind, const char *subject)
{
	char	*p = x_asprintf("%s/.alert-%s-%s", dir, kind, subject);
	char	*s;

	/* subject comes from the configuration or DNS: keep it a file name */
	for (s = p + strlen(dir) + 1; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-')
			*s = '_';
	return p;
}

static bool
rate_limited(const char *stamp, uint64_t limit)
{
	struct stat st;

	return stat(stamp, &st) == 0 &&
	    (uint64_t)(time(NULL) - st.st_mtime) < limit;
}

int
alert_send(const struct alerts_conf *a, const char *statedir,
    const char *kind, const char *subject, const char *text)
{
	char	*stamp, *msg, *err = NULL;
	char	**argv;
	size_t	i, n = 0;
	int	fd, rc;

	if (a->nrecipients == 0 || a->sendmail_command == NULL)
		return 0;
	stamp = stamp_path(statedir, kind, subject);
	if (rate_limited(stamp, a->rate_limit)) {
		log_info("alert=%s subject=%s action=rate-limited", kind, subject);
		free(stamp);
		return 0;
	}
	argv = x_calloc(a->nrecipients + 7, sizeof(*argv));
	argv[n++] = a->sendmail_command;
	argv[n++] = "-oi";
	if (a->from) {
		argv[n++] = "-f";
		argv[n++] = a->from;
	}
	argv[n++] = "--";
	for (i = 0; i < a->nrecipients; i++)
		argv[n++] = a->recipients[i];
	msg = x_asprintf("From: %s\nSubject: gatewarden alert: %s %s\n"
	    "Auto-Submitted: auto-generated\n\n"
	    "gatewarden-maps: %s for %s:\n%s\n", a->from ? a->from :
	    "gatewarden", kind, subject, kind, subject, text);
	rc = spawn_run_limited(argv, msg, (unsigned)a->sendmail_timeout,
	    &err);
	if (rc == 0) {
		fd = open(stamp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
		log_info("alert=%s subject=%s action=sent", kind, subject);
	} else {
		log_error("alert=%s subject=%s action=failed reason=\"%s\"",
		    kind, subject, err);
	}
	free(err);
	free(msg);
	free(argv);
	free(stamp);
	return rc == 0 ? 1 : -1;
}
