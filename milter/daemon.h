/*
 * daemon - the process's life: the listening socket, the pid file, the
 * privilege drop and the signals.
 *
 * Start-up order, each step checked and fatal on failure (Postfix
 * chroot_uid.c habit): resolve the user and group; lock the pid file (a
 * second instance stops here); open the milter socket
 * (unix sockets get the configured mode and the user as owner); write the
 * pid file; prepare the spool directory (owned by the user, 0700, stale
 * files removed); fork the pid file's keeper; drop supplementary groups,
 * then gid, then uid, and check that root cannot be regained. Nothing is
 * dropped when not started as root or when no user is configured.
 *
 * As root, every directory these files live in is taken to be writable
 * by the user (the socket's directory usually is): no symbolic link is
 * followed, the pid file must be a plain file of root's with one name,
 * and the socket and the spool directory get their owner through a
 * descriptor of the very inode that was checked, never by name. The
 * socket is made with its final mode (no chmod).
 *
 * The pid file stays root's; the daemon, no longer root, could not remove
 * it from a directory of root's, so a keeper, a root process forked
 * before the drop that only waits for the daemon's end, removes it then
 * (also when the daemon dies). A pid file that cannot be removed, or that
 * is no longer the file gatewarden wrote, is left with a warning.
 *
 * Signals are handled by a thread of ours with sigwait(): SIGUSR1 reloads
 * (libmilter's own convention makes SIGHUP a stop signal, so it cannot be
 * the reload signal); SIGTERM, SIGINT and SIGHUP drain and stop. Debian's
 * libmilter serves sessions from a worker pool that is torn down the moment
 * its stop flag is set, so gatewarden drains before it sets the flag.
 */
#ifndef GW_DAEMON_H
#define GW_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

#include "conf/config.h"
#include "lib/privdrop.h"


/* Resolves milter.user/group; false (logged) on an unknown name. */
bool	daemon_resolve_identity(const struct config *, struct run_identity *);
/* Sets libmilter's connection and opens the socket; false when logged. */
bool	daemon_open_socket(const struct config *, const struct run_identity *);
/* Removes a unix socket's name after libmilter closed it. */
void	daemon_remove_socket(const struct config *);
/* Opens and locks the pid file when one is configured; false (logged)
 * when another gatewarden holds it. Called before the socket is opened. */
bool	daemon_lock_pidfile(const struct config *);
/* Writes the daemon's pid into the locked file; false when logged. */
bool	daemon_write_pidfile(const struct config *);
/* Forks the pid file's keeper when privileges are to be dropped; false
 * when logged. Called after daemon(), just before the drop. */
bool	daemon_keep_pidfile(const struct config *, const struct run_identity *);
/* Removes the pid file (through the keeper, if there is one) when it is
 * still the one written; a warning when it cannot. Does nothing when this
 * process did not lock it. */
void	daemon_remove_pidfile(const struct config *);
/* Creates or checks the spool directory and removes stale spool files. */
bool	daemon_prepare_spool(const struct config *, const struct run_identity *);
bool	daemon_drop_privileges(const struct run_identity *);
/* Blocks the signals below in the calling thread (so in every thread
 * started after), SIGPIPE ignored: called first, so that a stop during the
 * start waits for the signal thread instead of killing the daemon with
 * its socket and pid file left behind. */
bool	daemon_block_signals(void);
/* A stop signal is pending (blocked, not yet taken): a fork would lose it,
 * so the start ends before daemon(3) instead. */
bool	daemon_stop_pending(void);
/* Blocks them too and starts the thread that handles them: SIGUSR1
 * reloads; SIGTERM, SIGINT and SIGHUP drain and stop
 * (daemon_drain_and_stop). */
bool	daemon_start_signal_thread(void);
/* Stops taking sessions (the unix socket is removed, new connections are
 * tempfailed), waits up to milter.timeout for the sessions in flight, then
 * tells libmilter to stop, so smfi_main() returns (within 5 seconds, as
 * libmilter looks at its stop flag that often). A stop that comes while
 * the daemon is still starting is kept for daemon_enter_milter(). */
void	daemon_drain_and_stop(void);
/* Called by the main thread right before smfi_main(): false when a stop
 * came first (smfi_main() must not run: libmilter told to stop before it
 * runs closes the listening socket under it and fails). */
bool	daemon_enter_milter(void);
/* After smfi_main() returns: when a stop made it return, waits (10 s at
 * most) until the signal thread is out of smfi_stop(), so that the exit
 * does not tear libmilter's state down under it. */
void	daemon_wait_stopped(void);

#endif
