/*
 * pidfile - a pid file that stays open and locked for the daemon's life,
 * so that a second instance on the same configuration stops before it
 * touches the sockets of the first. A process has at most one.
 *
 * pidfile_lock() opens and locks path and returns false after logging:
 * another instance holds it (its pid is named; what names the program,
 * "gatewarden already runs"), or the file is not a plain file of the
 * caller's with one name. Its directory may be writable by others: no
 * link is followed and a file another name shares is not written to.
 * pidfile_write() writes the calling process's pid into it (call it after
 * daemon(3)); root keeps the file, so that the unprivileged user cannot
 * point it at another process.
 *
 * Root's file in a directory of root's cannot be removed once privileges
 * are dropped: pidfile_keep() (when drop is true, just before the drop)
 * forks a keeper, a root process that only waits for the daemon's end
 * (its pipe closes, also when the daemon dies) and then removes the file
 * if it is still the one written. pidfile_remove() removes it, through the
 * keeper if there is one, and warns when it cannot or when the file in
 * place is no longer ours; it does nothing when this process did not lock
 * one. Every function but pidfile_lock() accepts a process with none.
 */
#ifndef GW_PIDFILE_H
#define GW_PIDFILE_H

#include <stdbool.h>

bool	pidfile_lock(const char *path, const char *what);
bool	pidfile_write(void);
bool	pidfile_keep(bool drop);
void	pidfile_remove(void);

#endif
