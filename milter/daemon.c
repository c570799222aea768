/*
 * daemon - see daemon.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "lib/log.h"
#include "milter/daemon.h"
#include "milter/runtime.h"
#include "milter/spool.h"
#include "milter/tcp_nodelay.h"

/* The path of a unix socket spec; NULL for inet sockets. */
static const char *
unix_socket_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return NULL;
}

bool
daemon_resolve_identity(const struct config *cfg, struct run_identity *id)
{
	struct passwd *pw;
	struct group *gr;

	memset(id, 0, sizeof(*id));
	id->uid = getuid();
	id->gid = getgid();
	if (geteuid() == 0 && cfg->milter.user == NULL)
		log_warn("milter.user is not set: gatewarden keeps running as "
		    "root while it parses mail from outside; set a user");
	if (geteuid() != 0 || cfg->milter.user == NULL)
		return true;
	errno = 0;
	if ((pw = getpwnam(cfg->milter.user)) == NULL) {
		log_error("milter.user \"%s\": no such user%s%s", cfg->milter.user,
		    errno ? ": " : "", errno ? strerror(errno) : "");
		return false;
	}
	id->drop = true;
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	snprintf(id->user, sizeof(id->user), "%s", pw->pw_name);
	if (cfg->milter.group != NULL) {
		if ((gr = getgrnam(cfg->milter.group)) == NULL) {
			log_error("milter.group \"%s\": no such group",
			    cfg->milter.group);
			return false;
		}
		id->gid = gr->gr_gid;
	}
	return true;
}

/* Gives the socket libmilter just made its owner, through a descriptor
 * of that very inode, checked first. The socket's directory may belong to
 * the user, who could put a link or another file in the socket's place at
 * any moment: nothing is done to the path by name, and a socket that is
 * no longer there when all is done stops the start. */
static bool
claim_socket(const char *path, const struct run_identity *id)
{
	struct stat st, now;
	int	fd;
	bool	claimed = false;

	if ((fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		log_error_errno("milter.socket %s", path);
		return false;
	}
	if (fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode) ||
	    st.st_uid != geteuid() || st.st_nlink != 1)
		log_error("milter.socket %s: not the socket gatewarden just "
		    "made (replaced?)", path);
	else if (id->drop && fchownat(fd, "", id->uid, id->gid,
	    AT_EMPTY_PATH) == -1)
		log_error_errno("milter.socket %s: chown", path);
	else if (lstat(path, &now) == -1 || now.st_dev != st.st_dev ||
	    now.st_ino != st.st_ino)
		log_error("milter.socket %s: replaced while it was set up",
		    path);
	else
		claimed = true;
	close(fd);
	return claimed;
}

bool
daemon_open_socket(const struct config *cfg, const struct run_identity *id)
{
	const char *spec = cfg->milter.socket;
	const char *path = unix_socket_path(spec);
	struct stat st;
	mode_t	old;

	if (smfi_setconn((char *)spec) == MI_FAILURE) {
		log_error("milter.socket \"%s\": smfi_setconn failed", spec);
		return false;
	}
	if (smfi_settimeout((int)cfg->milter.timeout) == MI_FAILURE)
		log_warn("smfi_settimeout(%llu) failed",
		    (unsigned long long)cfg->milter.timeout);
	/* libmilter removes an old socket, never anything else. */
	if (path != NULL && lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		log_error("milter.socket %s: there is a %s in its place; not "
		    "removed, not followed", path, S_ISLNK(st.st_mode) ?
		    "symbolic link" : "file that is not a socket");
		return false;
	}
	/* bind() makes the socket with the mode the umask leaves, so it is
	 * made with its final mode and no chmod by name follows (as root,
	 * one would follow a link put in its place). Until it gets its owner
	 * below it lets in no one the final socket would not. */
	old = umask(~cfg->milter.socket_mode & 0777);
	if (smfi_opensocket(true) == MI_FAILURE) {
		umask(old);
		log_error("milter.socket \"%s\": cannot open the socket (in "
		    "use, or its directory missing or not writable)", spec);
		return false;
	}
	umask(old);
	if (path == NULL && !tcp_listener_nodelay(spec))
		log_warn("milter.socket \"%s\": cannot turn Nagle's algorithm "
		    "off on the listening socket: each message may wait for "
		    "delayed acknowledgements (about 40 ms)", spec);
	return path == NULL || claim_socket(path, id);
}

void
daemon_remove_socket(const struct config *cfg)
{
	const char *path = unix_socket_path(cfg->milter.socket);

	if (path != NULL && unlink(path) == -1 && errno != ENOENT)
		log_warn_errno("unlink %s", path);
}

/*
 * The pid file stays open and locked for the daemon's life: a second
 * gatewarden on the same configuration finds it locked and stops before
 * it touches the socket of the first. Root creates it and keeps it: the
 * user the daemon runs as can neither rewrite it nor, in a directory of
 * root's, remove it; so before the privilege drop a keeper is forked, a
 * root process that does nothing but wait for the daemon's end (its pipe
 * closes) and then remove the file, if it is still the one written.
 */
static int pidfile_fd = -1;
static struct stat pidfile_st;		/* the file we locked */
static pid_t keeper_pid = -1;
static int keeper_pipe = -1;		/* write end; its close wakes the keeper */

/* Exit status of the keeper when the file in place is not ours. */
#define KEEPER_NOT_OURS	255

/* Removes path if it is still the file locked at start: 0, else an errno
 * value or KEEPER_NOT_OURS. */
static int
remove_pidfile_if_ours(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		return errno;
	if (st.st_dev != pidfile_st.st_dev || st.st_ino != pidfile_st.st_ino)
		return KEEPER_NOT_OURS;
	return unlink(path) == -1 ? errno : 0;
}

bool
daemon_lock_pidfile(const struct config *cfg)
{
	const char *path = cfg->milter.pid_file;
	char	buf[32];
	ssize_t	n;

	if (path == NULL)
		return true;
	/* Its directory may be writable by others: no link is followed,
	 * and a file that another name shares (a hard link put there) or
	 * that someone else made is not written to. */
	if ((pidfile_fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		log_error_errno("pid file %s", path);
		return false;
	}
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
		log_error("pid file %s is locked: gatewarden already runs%s%s",
		    path, *buf ? " as pid " : "", buf);
		close(pidfile_fd);
		pidfile_fd = -1;
		return false;
	}
	return true;
}

bool
daemon_write_pidfile(const struct config *cfg)
{
	const char *path = cfg->milter.pid_file;
	char	buf[32];
	int	n;

	if (path == NULL || pidfile_fd == -1)
		return true;
	/* Written after daemon(): the pid is the daemon's. */
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pidfile_fd, 0) == -1 ||
	    pwrite(pidfile_fd, buf, (size_t)n, 0) != n) {
		log_error_errno("pid file %s: write", path);
		return false;
	}
	return true;
}

/* The keeper: root, every descriptor closed but its pipe and the pid
 * file (whose lock it holds until the file is gone), deaf to the stop
 * signals that a terminal or a service manager sends the whole group. */
static void
keeper_main(int rfd, const char *path)
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
	_exit(remove_pidfile_if_ours(path));
}

bool
daemon_keep_pidfile(const struct config *cfg, const struct run_identity *id)
{
	int	pfd[2];

	if (cfg->milter.pid_file == NULL || pidfile_fd == -1 || !id->drop)
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
		keeper_main(pfd[0], cfg->milter.pid_file);
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
daemon_remove_pidfile(const struct config *cfg)
{
	const char *path = cfg->milter.pid_file;
	int	rc;

	if (path == NULL || pidfile_fd == -1)
		return;
	if (keeper_pid > 0) {
		close(keeper_pipe);
		keeper_pipe = -1;
		rc = wait_keeper();
	} else
		rc = remove_pidfile_if_ours(path);
	if (rc == KEEPER_NOT_OURS)
		log_warn("pid file %s: not removed: it is not the file "
		    "gatewarden wrote", path);
	else if (rc == -1 || rc == -2)
		log_warn("pid file %s: not removed: its root keeper %s", path,
		    rc == -1 ? "was killed" : "did not answer");
	else if (rc != 0)
		log_warn("pid file %s: not removed: %s", path, strerror(rc));
	close(pidfile_fd);
	pidfile_fd = -1;
}

bool
daemon_prepare_spool(const struct config *cfg, const struct run_identity *id)
{
	const char *dir = cfg->milter.spool_dir;
	struct stat st;
	int	fd, n;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_error_errno("milter.spool_dir %s: mkdir", dir);
		return false;
	}
	/* A link put in the spool directory's place is refused, not
	 * followed: everything below works on this descriptor. */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ELOOP || errno == ENOTDIR)
			log_error("milter.spool_dir %s: not a directory (a "
			    "symbolic link is not followed)", dir);
		else
			log_error_errno("milter.spool_dir %s", dir);
		return false;
	}
	if (fstat(fd, &st) == -1) {
		log_error_errno("milter.spool_dir %s", dir);
		close(fd);
		return false;
	}
	if (id->drop && (st.st_uid != id->uid) &&
	    fchown(fd, id->uid, id->gid) == -1) {
		log_error_errno("milter.spool_dir %s: chown", dir);
		close(fd);
		return false;
	}
	if ((st.st_mode & 077) != 0)
		log_warn("milter.spool_dir %s: mode %03o lets others in; "
		    "message bodies are kept there", dir,
		    (unsigned)(st.st_mode & 0777));
	n = spool_clean_stale(fd);
	close(fd);
	if (n == -1) {
		log_error_errno("milter.spool_dir %s: cannot read", dir);
		return false;
	}
	if (n > 0)
		log_info("spool: action=cleaned dir=%s stale_files=%d", dir, n);
	return true;
}

bool
daemon_drop_privileges(const struct run_identity *id)
{
	if (!id->drop)
		return true;
	if (initgroups(id->user, id->gid) == -1) {
		log_error_errno("initgroups %s", id->user);
		return false;
	}
	if (setgid(id->gid) == -1) {
		log_error_errno("setgid %ld", (long)id->gid);
		return false;
	}
	if (setuid(id->uid) == -1) {
		log_error_errno("setuid %ld", (long)id->uid);
		return false;
	}
	if (id->uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		log_error("privilege drop to %s failed: root regained",
		    id->user);
		return false;
	}
	log_info("privileges: action=dropped user=%s uid=%ld gid=%ld",
	    id->user, (long)id->uid, (long)id->gid);
	return true;
}

/*
 * The signal thread. It is created before smfi_main(), with every signal
 * it handles blocked in the main thread (so in all of libmilter's threads
 * too). libmilter's own signal thread also sigwaits on SIGTERM, SIGINT and
 * SIGHUP, but Linux hands a process signal to the first thread, in
 * creation order from the main thread, that takes it: this one. Should the
 * kernel ever pick libmilter's thread instead, libmilter stops at once and
 * the MTA tempfails the sessions in flight: nothing is lost.
 */
static void *
signal_thread(void *arg)
{
	sigset_t *set = arg;
	int	sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGUSR1) {
			log_info("reload: signal=USR1");
			(void)runtime_reload();
			continue;
		}
		log_info("stop: signal=%s", sig == SIGTERM ? "TERM" :
		    sig == SIGINT ? "INT" : "HUP");
		daemon_drain_and_stop();
		return NULL;
	}
}

void
daemon_drain_and_stop(void)
{
	struct config *cfg = runtime_config();
	unsigned left = 0;

	runtime_set_draining();
	if (cfg != NULL) {
		/* No new sessions: the MTA finds no socket, and one that
		 * still connects is told to try again later. */
		daemon_remove_socket(cfg);
		left = runtime_wait_idle((unsigned)cfg->milter.timeout);
		config_unref(cfg);
	}
	log_info("stop: action=drained sessions_left=%u", left);
	smfi_stop();
}

bool
daemon_start_signal_thread(void)
{
	static sigset_t set;
	pthread_t tid;
	int	rc;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = pthread_sigmask(SIG_BLOCK, &set, NULL)) != 0) {
		log_error("pthread_sigmask: %s", strerror(rc));
		return false;
	}
	if ((rc = pthread_create(&tid, NULL, signal_thread, &set)) != 0) {
		log_error("pthread_create: %s", strerror(rc));
		return false;
	}
	pthread_detach(tid);
	return true;
}
