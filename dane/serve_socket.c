/*
 * serve_socket - see serve_socket.h.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dane/serve_socket.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define BACKLOG	256

static int
fail(char **err, int fd, char *msg)
{
	if (fd != -1)
		close(fd);
	*err = msg;
	return -1;
}

/* A socket at path that nobody answers on is a dead server's. */
static bool
stale_socket(const char *path, char **err)
{
	struct sockaddr_un sa;
	struct stat st;
	int	fd, rc;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return true;
		*err = x_asprintf("%s: %s", path, strerror(errno));
		return false;
	}
	if (!S_ISSOCK(st.st_mode)) {
		*err = x_asprintf("%s exists and is not a socket", path);
		return false;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		*err = x_asprintf("socket: %s", strerror(errno));
		return false;
	}
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (rc == 0) {
		*err = x_asprintf("%s: another server answers there", path);
		return false;
	}
	if (unlink(path) == -1) {
		*err = x_asprintf("unlink %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

static int
listen_unix(const char *path, unsigned mode, const struct run_identity *id,
    char **err)
{
	struct sockaddr_un sa;
	mode_t	old;
	int	fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(err, -1, x_asprintf("%s: the path is too long for "
		    "a unix socket", path));
	if (!stale_socket(path, err))
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return fail(err, -1, x_asprintf("socket: %s", strerror(errno)));
	/* Made with no permissions for others; opened up to the configured
	 * mode once it belongs to the right owner. */
	old = umask(077);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc == -1)
		return fail(err, fd, x_asprintf("bind %s: %s", path,
		    strerror(errno)));
	if (id->drop && lchown(path, id->uid, id->gid) == -1)
		return fail(err, fd, x_asprintf("chown %s: %s", path,
		    strerror(errno)));
	if (chmod(path, (mode_t)mode) == -1)
		return fail(err, fd, x_asprintf("chmod %s: %s", path,
		    strerror(errno)));
	if (listen(fd, BACKLOG) == -1)
		return fail(err, fd, x_asprintf("listen %s: %s", path,
		    strerror(errno)));
	return fd;
}

static int
listen_inet(const char *hostport, char **err)
{
	struct addrinfo hints, *ai = NULL;
	char	*host = x_strdup(hostport), *port;
	int	fd = -1, one = 1, rc;

	/* "HOST:PORT" or "[IPv6]:PORT" (checked by the loader). */
	port = strrchr(host, ':');
	*port++ = '\0';
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		*err = x_asprintf("inet:%s: %s (write a numeric address)",
		    hostport, gai_strerror(rc));
		free(host);
		return -1;
	}
	free(host);
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		*err = x_asprintf("socket: %s", strerror(errno));
	} else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1 || bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, BACKLOG) == -1) {
		*err = x_asprintf("inet:%s: %s", hostport, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int
serve_listen(const char *spec, unsigned mode, const struct run_identity *id,
    char **err)
{
	*err = NULL;
	if (strncmp(spec, "unix:", 5) == 0)
		return listen_unix(spec + 5, mode, id, err);
	if (strncmp(spec, "inet:", 5) == 0)
		return listen_inet(spec + 5, err);
	*err = x_asprintf("%s: write unix:/path or inet:HOST:PORT", spec);
	return -1;
}

void
serve_unlink(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0 && unlink(spec + 5) == -1 &&
	    errno != ENOENT)
		log_warn_errno("unlink %s", spec + 5);
}
