/*
 * spawn - see spawn.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dane/spawn.h"
#include "lib/xalloc.h"

/* CLOCK_MONOTONIC in milliseconds. */
static long long
mono_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (a mono_ms() value): -1 for no
 * deadline (0), 0 once it has passed, at most a minute at a time. */
static int
ms_left(long long deadline)
{
	long long ms;

	if (deadline == 0)
		return -1;
	ms = deadline - mono_ms();
	return ms > 0 ? (int)(ms > 60000 ? 60000 : ms) : 0;
}

/* Writes input to fd and closes it; gives up at the deadline (a child
 * that does not read) or when the child goes away. */
static void
feed(int fd, const char *input, long long deadline)
{
	size_t	left = input ? strlen(input) : 0;
	void	(*old)(int) = signal(SIGPIPE, SIG_IGN);
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	if (deadline != 0)
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (left > 0) {
		ssize_t	n = write(fd, input, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			int	ms = ms_left(deadline);

			if (ms == 0 || poll(&p, 1, ms) < 0)
				break;
			continue;
		}
		if (n <= 0)
			break;
		input += n;
		left -= (size_t)n;
	}
	close(fd);
	signal(SIGPIPE, old);
}

/* Reaps pid; kills it first once the deadline has passed. 0, or -1 with
 * errno from waitpid; *killed says whether the deadline killed it. */
static int
reap(pid_t pid, long long deadline, int *status, bool *killed)
{
	pid_t	r;

	*killed = false;
	for (;;) {
		r = waitpid(pid, status, deadline == 0 || *killed ? 0 : WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0) {
			if (ms_left(deadline) == 0) {
				(void)kill(pid, SIGKILL);
				*killed = true;
			} else {
				struct timespec nap = { 0, 20 * 1000000 };

				nanosleep(&nap, NULL);
			}
		}
	}
}

int
spawn_run(char *const argv[], const char *input, char **err)
{
	return spawn_run_limited(argv, input, 0, err);
}

int
spawn_run_limited(char *const argv[], const char *input, unsigned seconds,
    char **err)
{
	int	pfd[2], status;
	pid_t	pid;
	long long deadline = seconds > 0 ?
	    mono_ms() + (long long)seconds * 1000 : 0;
	bool	killed;

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
	feed(pfd[1], input, deadline);
	if (reap(pid, deadline, &status, &killed) < 0) {
		*err = x_asprintf("waitpid: %s", strerror(errno));
		return -1;
	}
	if (killed) {
		*err = x_asprintf("%s did not finish within %u s: killed",
		    argv[0], seconds);
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
