/*
 * spawn - see spawn.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dane/spawn.h"
#include "lib/xalloc.h"

static void
feed(int fd, const char *input)
{
	size_t	left = input ? strlen(input) : 0;
	void	(*old)(int) = signal(SIGPIPE, SIG_IGN);

	while (left > 0) {
		ssize_t	n = write(fd, input, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		input += n;
		left -= (size_t)n;
	}
	close(fd);
	signal(SIGPIPE, old);
}

int
spawn_run(char *const argv[], const char *input, char **err)
{
	int	pfd[2], status;
	pid_t	pid;

	*err = NULL;
	/* O_CLOEXEC: children forked by other threads must not inherit it. */
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		*err = x_asprintf("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		*err = x_asprintf("fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[1]);
		if (dup2(pfd[0], 0) < 0)
			_exit(126);
		/* The command gets stdin, stdout and stderr, nothing else:
		 * not every library's descriptor is close-on-exec. */
		(void)close_range(3, ~0U, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[0]);
	feed(pfd[1], input);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			*err = x_asprintf("waitpid: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		*err = x_asprintf("%s exited with status %d%s", argv[0],
		    WEXITSTATUS(status), WEXITSTATUS(status) == 127 ?
		    " (cannot run it)" : "");
	else
		*err = x_asprintf("%s killed by signal %d", argv[0],
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}
