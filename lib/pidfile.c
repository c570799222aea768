/*
 * pidfile - see pidfile.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/pidfile.h"

static int pidfile_fd = -1;
static char pidfile_path[4096];
static char pidfile_what[64];
static struct stat pidfile_st;		/* the file we locked */
static pid_t keeper_pid = -1;
static int keeper_pipe = -1;		/* write end; its close wakes the keeper */

/* Exit status of the keeper when the file in place is not ours. */
#define KEEPER_NOT_OURS	255

/* Removes the file if it is still the one locked at start: 0, else an
 * errno value or KEEPER_NOT_OURS. */
static int
remove_if_ours(void)
{
	struct stat st;

	if (lstat(pidfile_path, &st) == -1)
		return errno;
	if (st.st_dev != pidfile_st.st_dev || st.st_ino != pidfile_st.st_ino)
		return KEEPER_NOT_OURS;
	return unlink(pidfile_path) == -1 ? errno : 0;
}

bool
pidfile_lock(const char *path, const char *what)
{
	char	buf[32];
	ssize_t	n;

	if (strlen(path) >= sizeof(pidfile_path)) {
		log_error("pid file %s: path too long", path);
		return false;
	}
	if ((pidfile_fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		log_error_errno("pid file %s", path);
		return false;
	}
	/* A hard link put there, or a file someone else made, is not
	 * written to. */
	if (fstat(pidfile_fd, &pidfile_st) == -1 ||
	    !S_ISREG(pidfile_st.st_mode) || pidfile_st.st_nlink != 1 ||
	    pidfile_st.st_uid != geteuid()) {
		log_error("pid file %s: not a plain file of uid %ld with one "
		    "name (a link put in its place?); not written", path,
		    (long)geteuid());
		close(pidfile_fd);
		pidfile_fd = -1;
		return false;
	}
	if (flock(pidfile_fd, LOCK_EX | LOCK_NB) == -1) {
		n = pread(pidfile_fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_error("pid file %s is locked: %s already runs%s%s", path,
		    what, *buf ? " as pid " : "", buf);
		close(pidfile_fd);
		pidfile_fd = -1;
		return false;
	}
	snprintf(pidfile_path, sizeof(pidfile_path), "%s", path);
	snprintf(pidfile_what, sizeof(pidfile_what), "%s", what);
	return true;
}

bool
pidfile_write(void)
{
	char	buf[32];
	int	n;

	if (pidfile_fd == -1)
		return true;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pidfile_fd, 0) == -1 ||
	    pwrite(pidfile_fd, buf, (size_t)n, 0) != n) {
		log_error_errno("pid file %s: write", pidfile_path);
		return false;
	}
	return true;
}

/* The keeper: root, every descriptor closed but its pipe and the pid
 * file (whose lock it holds until the file is gone), deaf to the stop
 * signals that a terminal or a service manager sends the whole group. */
static void
keeper_main(int rfd)
{
	int	lo = rfd < pidfile_fd ? rfd : pidfile_fd;
	int	hi = rfd < pidfile_fd ? pidfile_fd : rfd;
	char	c;

	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	if (lo > 3)
		(void)close_range(3, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		(void)close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	(void)close_range((unsigned)hi + 1, ~0U, 0);
	while (read(rfd, &c, 1) == -1 && errno == EINTR)
		;
	_exit(remove_if_ours());
}

bool
pidfile_keep(bool drop)
{
	int	pfd[2];

	if (pidfile_fd == -1 || !drop)
		return true;
	/* O_CLOEXEC: the commands the daemon runs must not hold it open. */
	if (pipe2(pfd, O_CLOEXEC) == -1) {
		log_error_errno("pid file keeper: pipe");
		return false;
	}
	if ((keeper_pid = fork()) == -1) {
		log_error_errno("pid file keeper: fork");
		close(pfd[0]);
		close(pfd[1]);
		return false;
	}
	if (keeper_pid == 0) {
		close(pfd[1]);
		keeper_main(pfd[0]);
	}
	close(pfd[0]);
	keeper_pipe = pfd[1];
	return true;
}

/* Waits up to 5 seconds for the keeper; its exit status, -1 if it was
 * killed, or -2 if it did not finish in time. */
static int
wait_keeper(void)
{
	int	status, i;
	pid_t	r = 0;

	for (i = 0; i < 250 && r == 0; i++) {
		if ((r = waitpid(keeper_pid, &status, WNOHANG)) == 0)
			usleep(20000);
		else if (r == -1 && errno == EINTR)
			r = 0;
	}
	keeper_pid = -1;
	if (r == 0)
		return -2;
	if (r == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

void
pidfile_remove(void)
{
	int	rc;

	if (pidfile_fd == -1)
		return;
	if (keeper_pid > 0) {
		close(keeper_pipe);
		keeper_pipe = -1;
		rc = wait_keeper();
	} else
		rc = remove_if_ours();
	if (rc == KEEPER_NOT_OURS)
		log_warn("pid file %s: not removed: it is not the file "
		    "%s wrote", pidfile_path, pidfile_what);
	else if (rc == -1 || rc == -2)
		log_warn("pid file %s: not removed: its root keeper %s",
		    pidfile_path, rc == -1 ? "was killed" : "did not answer");
	else if (rc != 0)
		log_warn("pid file %s: not removed: %s", pidfile_path,
		    strerror(rc));
	close(pidfile_fd);
	pidfile_fd = -1;
}
