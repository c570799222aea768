/*
 * reinject - see reinject.h.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "milter/reinject.h"
#include "policy/sender_domain.h"

/* A message stream that writes CRLF line ends and, for SMTP, stuffs dots. */
struct out {
	int	fd;
	bool	smtp;		/* dot-stuff */
	bool	bol;		/* at the beginning of a line */
	bool	cr;		/* the last byte written was CR */
	time_t	deadline;	/* for the whole re-injection */
	char	buf[16384];
	size_t	len;
	bool	failed;
};

static bool
write_all(struct out *o, const char *p, size_t n)
{
	while (n > 0 && !o->failed) {
		struct pollfd pfd = { o->fd, POLLOUT, 0 };
		ssize_t	w;
		int	left = (int)(o->deadline - time(NULL));

		if (left <= 0 || poll(&pfd, 1, left * 1000) != 1) {
			o->failed = true;
			break;
		}
		w = write(o->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->failed = true;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	return !o->failed;
}

static void
flush_out(struct out *o)
{
	if (o->len > 0)
		write_all(o, o->buf, o->len);
	o->len = 0;
}

static void
put(struct out *o, char c)
{
	if (o->len == sizeof(o->buf))
		flush_out(o);
	o->buf[o->len++] = c;
}

/* Writes message bytes, turning bare LF into CRLF and, for SMTP, a dot at
 * the start of a line into two. */
static void
put_text(struct out *o, const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		char	c = p[i];

		if (c == '\n' && !o->cr)
			put(o, '\r');
		if (o->bol && o->smtp && c == '.')
			put(o, '.');
		put(o, c);
		o->cr = c == '\r';
		o->bol = c == '\n';
	}
}

static void
put_message(struct out *o, const char *received, const struct header *h,
    size_t nh, FILE *body)
{
	char	chunk[16384];
	size_t	i, n;

	if (received != NULL) {
		put_text(o, "Received: ", 10);
		put_text(o, received, strlen(received));
		put_text(o, "\n", 1);
	}
	for (i = 0; i < nh; i++) {
		put_text(o, h[i].name, strlen(h[i].name));
		put_text(o, ": ", 2);
		put_text(o, h[i].value, strlen(h[i].value));
		put_text(o, "\n", 1);
	}
	put_text(o, "\n", 1);
	while ((n = fread(chunk, 1, sizeof(chunk), body)) > 0)
		put_text(o, chunk, n);
	if (ferror(body))
		o->failed = true;
	if (!o->bol)
		put_text(o, "\n", 1);
	flush_out(o);
}

/* Reads one SMTP reply (all its lines); returns its code, or -1. With
 * caps, the EHLO keywords of its lines are added there. */
static int
read_reply(int fd, time_t deadline, char *line, size_t linesz,
    unsigned *caps)
{
	size_t	len = 0;

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		char	c;
		ssize_t	r;
		int	left = (int)(deadline - time(NULL));

		if (left <= 0 || poll(&pfd, 1, left * 1000) != 1)
			return -1;
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (c != '\n') {
			if (len + 1 < linesz && c != '\r')
				line[len++] = c;
			continue;
		}
		line[len] = '\0';
		if (caps != NULL && len >= 4 && strncmp(line, "250", 3) == 0)
			*caps |= esmtp_cap(line + 4);
		if (len >= 4 && line[3] == '-') {
			len = 0;	/* a continuation line */
			continue;
		}
		if (len < 3 || line[0] < '1' || line[0] > '5')
			return -1;
		return (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
	}
}

static bool
command(struct out *o, int want, const char *fmt, const char *arg,
    unsigned *caps, char *why, size_t whysz)
{
	char	line[512], cmd[2048];
	int	code, n = snprintf(cmd, sizeof(cmd), fmt, arg);

	if (n < 0 || (size_t)n >= sizeof(cmd) || strpbrk(arg, "\r\n")) {
		snprintf(why, whysz, "address unfit for SMTP");
		return false;
	}
	if (!write_all(o, cmd, (size_t)n)) {
		snprintf(why, whysz, "write to the MTA failed");
		return false;
	}
	code = read_reply(o->fd, o->deadline, line, sizeof(line), caps);
	if (code / 100 != want) {
		cmd[strcspn(cmd, "\r\n")] = '\0';
		snprintf(why, whysz, "MTA answered \"%.200s\" to %.40s",
		    code < 0 ? "nothing" : line, cmd);
		return false;
	}
	return true;
}

static int
connect_to(const char *spec, unsigned timeout)
{
	char	host[256], *port;
	struct addrinfo hints = { 0 }, *res, *ai;
	int	fd = -1;
	struct timeval tv = { (time_t)timeout, 0 };

	if (spec[0] == '[') {
		snprintf(host, sizeof(host), "%s", spec + 1);
		if ((port = strstr(host, "]:")) == NULL)
			return -1;
		*port = '\0';
		port += 2;
	} else {
		snprintf(host, sizeof(host), "%s", spec);
		if ((port = strrchr(host, ':')) == NULL)
			return -1;
		*port++ = '\0';
	}
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		/* SO_SNDTIMEO bounds connect() on Linux. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

/* "<addr> PARAMS" for MAIL FROM or RCPT TO. */
static bool
with_params(char *out, size_t outsz, const char *addr, const char *params,
    char *why, size_t whysz)
{
	int	n = snprintf(out, outsz, "%s%s", addr, params);

	if (n < 0 || (size_t)n >= outsz) {
		snprintf(why, whysz, "address unfit for SMTP");
		return false;
	}
	return true;
}

static bool
by_smtp(const char *spec, unsigned timeout, const struct reinject_envelope *e,
    const struct header *h, size_t nh, FILE *body, char *why, size_t whysz)
{
	struct out o = { .smtp = true, .bol = true,
	    .deadline = time(NULL) + timeout };
	char	line[512], params[768], arg[ADDR_MAX + 1024];
	const char *bad = NULL;
	unsigned caps = 0;
	size_t	i;
	bool	done = false;

	if ((o.fd = connect_to(spec, timeout)) == -1) {
		snprintf(why, whysz, "cannot connect to %s", spec);
		return false;
	}
	if (read_reply(o.fd, o.deadline, line, sizeof(line), NULL) / 100 != 2)
		snprintf(why, whysz, "no greeting from %s", spec);
	else if (!command(&o, 2, "EHLO %s\r\n", "gatewarden.reinject", &caps,
	    why, whysz))
		;
	else if (!mail_params_smtp(params, sizeof(params), e->mail,
	    e->eightbit, e->utf8, caps, &bad))
		snprintf(why, whysz, "%s", bad);
	else if (with_params(arg, sizeof(arg), e->sender, params, why, whysz) &&
	    command(&o, 2, "MAIL FROM:%s\r\n", arg, NULL, why, whysz)) {
		for (i = 0; i < e->nrcpts; i++) {
			rcpt_params_smtp(params, sizeof(params),
			    e->rcpt_params ? e->rcpt_params[i] : NULL, caps);
			if (!with_params(arg, sizeof(arg), e->rcpts[i], params,
			    why, whysz) || !command(&o, 2, "RCPT TO:%s\r\n",
			    arg, NULL, why, whysz))
				break;
		}
		if (i == e->nrcpts && command(&o, 3, "%sDATA\r\n", "", NULL,
		    why, whysz)) {
			put_message(&o, e->received, h, nh, body);
			done = !o.failed && command(&o, 2, "%s.\r\n", "", NULL,
			    why, whysz);
			if (o.failed)
				snprintf(why, whysz, "sending the message failed");
		}
	}
	if (done)
		(void)command(&o, 2, "%sQUIT\r\n", "", NULL, why, whysz);
	close(o.fd);
	return done;
}

/* Waits for pid until deadline, then kills it; false when it had to. */
static bool
wait_bounded(pid_t pid, time_t deadline, int *status)
{
	for (;;) {
		pid_t	r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return true;
		if (r == -1 && errno != EINTR)
			return false;
		if (time(NULL) >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) == -1 && errno == EINTR)
				;
			return false;
		}
		usleep(20000);
	}
}

/* A copy of an envelope address without its angle brackets. */
static char *
bare(const char *arg)
{
	const char *addr;
	size_t	len = envelope_address(arg, &addr);

	return x_strndup(addr, len);
}

/* The NOTIFY= value every recipient shares, or NULL: the command's -N
 * applies to all of them. */
static const char *
common_notify(const struct reinject_envelope *e)
{
	const char *v = NULL;
	size_t	i;

	for (i = 0; i < e->nrcpts; i++) {
		const struct rcpt_params *p = e->rcpt_params ?
		    e->rcpt_params[i] : NULL;
		const char *n = p != NULL ? p->notify : "";

		if (i > 0 && strcmp(n, v) != 0)
			return NULL;
		v = n;
	}
	return v;
}

static bool
by_command(const char *cmd, unsigned timeout, const struct reinject_envelope *e,
    const struct header *h, size_t nh, FILE *body, char *why, size_t whysz)
{
	struct out o = { .smtp = false, .bol = true,
	    .deadline = time(NULL) + timeout };
	const char **argv, *bad = NULL;
	char	*sender;
	int	pfd[2], status;
	size_t	n = 0, i, first_rcpt;
	pid_t	pid;

	/* sendmail reads each argument as an address list: a comma or a
	 * control character would add recipients. */
	for (i = 0; i < e->nrcpts; i++)
		if (strpbrk(e->rcpts[i], ",\r\n\t") != NULL) {
			snprintf(why, whysz, "a recipient unfit for a command "
			    "line");
			return false;
		}
	if (strpbrk(e->sender, ",\r\n\t") != NULL) {
		snprintf(why, whysz, "a sender unfit for a command line");
		return false;
	}
	argv = x_calloc(e->nrcpts + 14, sizeof(*argv));
	argv[n++] = cmd;
	argv[n++] = "-oi";
	argv[n++] = "-f";
	argv[n++] = sender = bare(e->sender);
	if (!mail_params_argv(argv, &n, e->mail, e->eightbit,
	    common_notify(e), &bad)) {
		snprintf(why, whysz, "%s", bad);
		free(sender);
		free(argv);
		return false;
	}
	argv[n++] = "--";
	first_rcpt = n;
	for (i = 0; i < e->nrcpts; i++)
		argv[n++] = bare(e->rcpts[i]);
	/* O_CLOEXEC: a child forked by another thread at the same moment
	 * must not inherit this pipe, or neither child ever sees EOF. */
	if (pipe2(pfd, O_CLOEXEC) != 0)
		pid = -2;
	else if ((pid = fork()) == 0) {
		close(pfd[1]);
		if (dup2(pfd[0], 0) == -1)
			_exit(126);
		/* Beyond close-on-exec: libmilter's own descriptors (its
		 * worker pool's pipe) have no such flag. */
		(void)close_range(3, ~0U, 0);
		execv(cmd, (char *const *)argv);
		_exit(127);
	}
	free(sender);
	for (i = first_rcpt; i < n; i++)
		free((char *)argv[i]);
	free(argv);
	if (pid == -2) {
		snprintf(why, whysz, "pipe failed");
		return false;
	}
	close(pfd[0]);
	if (pid == -1) {
		close(pfd[1]);
		snprintf(why, whysz, "fork failed");
		return false;
	}
	o.fd = pfd[1];
	put_message(&o, e->received, h, nh, body);
	close(pfd[1]);
	if (!wait_bounded(pid, o.deadline, &status)) {
		snprintf(why, whysz, "%s did not finish in time (killed; the "
		    "copy may or may not be queued)", cmd);
		return false;
	}
	if (o.failed || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, whysz, "%s failed (status %d)", cmd,
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return false;
	}
	return true;
}

bool
reinject_message(const struct reinjection_conf *rc, unsigned timeout,
    const struct reinject_envelope *e, const struct header *headers,
    size_t nheaders, FILE *body, char *why, size_t whysz)
{
	if (rc->smtp != NULL)
		return by_smtp(rc->smtp, timeout, e, headers, nheaders, body,
		    why, whysz);
	if (rc->sendmail_command != NULL)
		return by_command(rc->sendmail_command, timeout, e, headers,
		    nheaders, body, why, whysz);
	snprintf(why, whysz, "no smime.reinjection path is configured");
	return false;
}
