/*
 * pidfile - a pid file that stays open and locked for the daemon's life,
 * so that a second instance on the same configuration stops before it
 * touches the sockets of the first.
 *
 * pidfile_lock() opens and locks path (O_NOFOLLOW, 0644) and returns its
 * descriptor, or -1 after logging (another instance holds it: its pid is
 * named). pidfile_write() writes the calling process's pid into it (call
 * it after daemon(3)); root keeps the file, so that the unprivileged user
 * cannot point it at another process. what names the program in the
 * messages ("gatewarden already runs").
 */
#ifndef GW_PIDFILE_H
#define GW_PIDFILE_H

#include <stdbool.h>

int	pidfile_lock(const char *path, const char *what);
bool	pidfile_write(int fd, const char *path);
void	pidfile_remove(const char *path);

#endif
