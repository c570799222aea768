/*
 * pidfile - see pidfile.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/pidfile.h"

int
pidfile_lock(const char *path, const char *what)
{
	char	buf[32];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0644)) == -1) {
		log_error_errno("pid file %s", path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_error("pid file %s is locked: %s already runs%s%s", path,
		    what, *buf ? " as pid " : "", buf);
		close(fd);
		return -1;
	}
	return fd;
}

bool
pidfile_write(int fd, const char *path)
{
	char	buf[32];
	int	n;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n) {
		log_error_errno("pid file %s: write", path);
		return false;
	}
	return true;
}

void
pidfile_remove(const char *path)
{
	if (unlink(path) == -1)
		log_debug("pid file %s: unlink: %s", path, strerror(errno));
}
