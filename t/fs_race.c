/*
 * fs_race - an LD_PRELOAD shim for t/daemon-root.sh that plays the
 * attacker who wins a race against gatewarden's start-up as root.
 *
 * When GW_RACE_PATH names the milter socket and GW_RACE_TARGET a file,
 * the first change of owner that gatewarden makes to GW_RACE_PATH (by
 * name, chown or lchown, or by descriptor, fchownat with AT_EMPTY_PATH or
 * fchown) is carried out, and right after it the socket is moved aside and
 * a symbolic link to GW_RACE_TARGET is put in its place: what a user who
 * owns the socket's directory could do between two steps of the set-up.
 * Whatever gatewarden does to that path by name afterwards reaches the
 * target if it follows links. Nothing happens when the variables are not
 * set; every call goes on to the C library's function.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int	chown(const char *, uid_t, gid_t);
int	lchown(const char *, uid_t, gid_t);
int	fchown(int, uid_t, gid_t);
int	fchownat(int, const char *, uid_t, gid_t, int);

static int swapped;

/* true when fd refers to GW_RACE_PATH. */
static int
fd_is_target(int fd, const char *want)
{
	char	link[64], got[PATH_MAX];
	ssize_t	n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, got, sizeof(got) - 1)) < 0)
		return 0;
	got[n] = '\0';
	return strcmp(got, want) == 0;
}

/* After a change of owner of path: swap the socket for a symbolic link. */
static void
maybe_swap(const char *path, int fd)
{
	const char *want = getenv("GW_RACE_PATH");
	const char *target = getenv("GW_RACE_TARGET");
	char	aside[PATH_MAX];

	if (swapped || want == NULL || target == NULL)
		return;
	if (path != NULL ? strcmp(path, want) != 0 : !fd_is_target(fd, want))
		return;
	swapped = 1;
	snprintf(aside, sizeof(aside), "%s.taken", want);
	if (rename(want, aside) != 0 || symlink(target, want) != 0)
		fprintf(stderr, "fs_race: could not swap %s\n", want);
	else
		fprintf(stderr, "fs_race: swapped %s for a link to %s\n", want,
		    target);
}

int
chown(const char *path, uid_t uid, gid_t gid)
{
	int	(*real)(const char *, uid_t, gid_t) =
	    (int (*)(const char *, uid_t, gid_t))dlsym(RTLD_NEXT, "chown");
	int	rc = real(path, uid, gid);

	maybe_swap(path, -1);
	return rc;
}

int
lchown(const char *path, uid_t uid, gid_t gid)
{
	int	(*real)(const char *, uid_t, gid_t) =
	    (int (*)(const char *, uid_t, gid_t))dlsym(RTLD_NEXT, "lchown");
	int	rc = real(path, uid, gid);

	maybe_swap(path, -1);
	return rc;
}

int
fchown(int fd, uid_t uid, gid_t gid)
{
	int	(*real)(int, uid_t, gid_t) =
	    (int (*)(int, uid_t, gid_t))dlsym(RTLD_NEXT, "fchown");
	int	rc = real(fd, uid, gid);

	maybe_swap(NULL, fd);
	return rc;
}

int
fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	int	(*real)(int, const char *, uid_t, gid_t, int) =
	    (int (*)(int, const char *, uid_t, gid_t, int))dlsym(RTLD_NEXT,
	    "fchownat");
	int	rc = real(dirfd, path, uid, gid, flags);

	if ((flags & AT_EMPTY_PATH) && path[0] == '\0')
		maybe_swap(NULL, dirfd);
	else if (path[0] == '/')
		maybe_swap(path, -1);
	return rc;
}
