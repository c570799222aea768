/*
 * daemon - see daemon.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "lib/log.h"
#include "lib/pidfile.h"
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
	return priv_resolve("milter", cfg->milter.user, cfg->milter.group, id);
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

/* The pid file stays open and locked for the daemon's life, and its
 * root keeper removes it after the drop (lib/pidfile.h). */
bool
daemon_lock_pidfile(const struct config *cfg)
{
	if (cfg->milter.pid_file == NULL)
		return true;
	return pidfile_lock(cfg->milter.pid_file, "gatewarden");
}

bool
daemon_write_pidfile(const struct config *cfg)
{
	(void)cfg;
	/* Written after daemon(): the pid is the daemon's. */
	return pidfile_write();
}

bool
daemon_keep_pidfile(const struct config *cfg, const struct run_identity *id)
{
	(void)cfg;
	return pidfile_keep(id->drop);
}

void
daemon_remove_pidfile(const struct config *cfg)
{
	(void)cfg;
	pidfile_remove();
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
	return priv_drop(id);
}

/* Whether smfi_main() runs and whether a stop came: a stop during the
 * start must wait for smfi_main() or keep it from running. */
static pthread_mutex_t milter_state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_done_cond = PTHREAD_COND_INITIALIZER;
static bool milter_entered;
static bool stop_requested;
static bool stop_done;		/* the signal thread is past smfi_stop() */

static bool
milter_running(void)
{
	bool	running;

	pthread_mutex_lock(&milter_state_lock);
	running = milter_entered;
	pthread_mutex_unlock(&milter_state_lock);
	return running;
}

bool
daemon_enter_milter(void)
{
	bool	enter;

	pthread_mutex_lock(&milter_state_lock);
	enter = !stop_requested;
	milter_entered = enter;
	pthread_mutex_unlock(&milter_state_lock);
	return enter;
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
			/* The start reads the configuration it was given
			 * and sets up what a reload replaces. */
			if (!milter_running()) {
				log_warn("reload: signal=USR1 "
				    "action=ignored reason=starting");
				continue;
			}
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
	bool	entered;

	/* From now on the start does not enter smfi_main(). */
	pthread_mutex_lock(&milter_state_lock);
	stop_requested = true;
	pthread_mutex_unlock(&milter_state_lock);
	runtime_set_draining();
	if (cfg != NULL) {
		/* No new sessions: the MTA finds no socket, and one that
		 * still connects is told to try again later. */
		daemon_remove_socket(cfg);
		left = runtime_wait_idle((unsigned)cfg->milter.timeout);
		config_unref(cfg);
	}
	log_info("stop: action=drained sessions_left=%u", left);
	entered = milter_running();
	if (entered)
		smfi_stop();
	pthread_mutex_lock(&milter_state_lock);
	stop_done = true;
	pthread_cond_broadcast(&stop_done_cond);
	pthread_mutex_unlock(&milter_state_lock);
}

void
daemon_wait_stopped(void)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&milter_state_lock);
	while (stop_requested && !stop_done &&
	    pthread_cond_timedwait(&stop_done_cond, &milter_state_lock,
	    &until) == 0)
		;
	pthread_mutex_unlock(&milter_state_lock);
}

static void
handled_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

bool
daemon_block_signals(void)
{
	sigset_t set;
	int	rc;

	handled_signals(&set);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = pthread_sigmask(SIG_BLOCK, &set, NULL)) != 0) {
		log_error("pthread_sigmask: %s", strerror(rc));
		return false;
	}
	return true;
}

bool
daemon_stop_pending(void)
{
	sigset_t pending;

	return sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) ==
	    1 || sigismember(&pending, SIGINT) == 1 ||
	    sigismember(&pending, SIGHUP) == 1);
}

bool
daemon_start_signal_thread(void)
{
	static sigset_t set;
	pthread_t tid;
	int	rc;

	handled_signals(&set);
	if (!daemon_block_signals())
		return false;
	if ((rc = pthread_create(&tid, NULL, signal_thread, &set)) != 0) {
		log_error("pthread_create: %s", strerror(rc));
		return false;
	}
	pthread_detach(tid);
	return true;
}
