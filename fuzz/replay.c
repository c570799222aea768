/*
 * replay - runs one fuzz target's LLVMFuzzerTestOneInput() over files,
 * without libFuzzer, as a TAP test of the normal build.
 *
 *   replay-NAME [DIR|FILE]...
 *
 * With no argument it reads $top_srcdir/fuzz/corpus/NAME (the seeds; it
 * must hold files) and $top_srcdir/fuzz/regress/NAME (inputs that once
 * crashed or broke an invariant; may be absent), each in name order. One
 * TAP line per file; an input that breaks an invariant aborts the program
 * (fuzz_fail), which the TAP driver reports as a failure.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"
#include "lib/xalloc.h"
#include "t/tap.h"

#ifndef FUZZ_TARGET
#error FUZZ_TARGET names the target
#endif

/* Targets without set-up do not define it. */
int	LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

struct files {
	char	**v;
	size_t	n;
};

static void
add(struct files *f, const char *path)
{
	f->v = x_reallocarray(f->v, f->n + 1, sizeof(*f->v));
	f->v[f->n++] = x_strdup(path);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or the regular files of a folder (name order); false when
 * path does not exist. */
static bool
collect(struct files *f, const char *path)
{
	struct stat st;
	struct dirent *d;
	DIR	*dir;
	size_t	first = f->n;
	char	buf[4096];

	if (stat(path, &st) < 0)
		return false;
	if (!S_ISDIR(st.st_mode)) {
		add(f, path);
		return true;
	}
	if ((dir = opendir(path)) == NULL)
		bail("opendir %s: %s", path, strerror(errno));
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(buf, sizeof(buf), "%s/%s", path, d->d_name);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
			add(f, buf);
	}
	closedir(dir);
	qsort(f->v + first, f->n - first, sizeof(*f->v), by_name);
	return true;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE	*fp = fopen(path, "rb");
	unsigned char *p = NULL, *exact;
	size_t	n = 0, cap = 0, r;

	if (fp == NULL)
		bail("open %s: %s", path, strerror(errno));
	do {
		if (n == cap)
			p = x_realloc(p, cap = cap * 2 + 4096);
		r = fread(p + n, 1, cap - n, fp);
		n += r;
	} while (r > 0);
	if (ferror(fp))
		bail("read %s: %s", path, strerror(errno));
	fclose(fp);
	/* Exactly n bytes, as libFuzzer hands them over: a read past the
	 * input is caught by AddressSanitizer. */
	exact = x_malloc(n > 0 ? n : 1);
	memcpy(exact, p, n);
	free(p);
	*len = n;
	return exact;
}

int
main(int argc, char **argv)
{
	struct files f = { NULL, 0 };
	const char *top = getenv("top_srcdir");
	char	dir[4096];
	unsigned char *data;
	size_t	i, len;
	int	a;

	if (argc > 1) {
		for (a = 1; a < argc; a++)
			if (!collect(&f, argv[a]))
				bail("%s: %s", argv[a], strerror(errno));
	} else {
		if (top == NULL)
			top = ".";
		snprintf(dir, sizeof(dir), "%s/fuzz/corpus/%s", top,
		    FUZZ_TARGET);
		if (!collect(&f, dir) || f.n == 0)
			bail("no seed corpus in %s", dir);
		snprintf(dir, sizeof(dir), "%s/fuzz/regress/%s", top,
		    FUZZ_TARGET);
		(void)collect(&f, dir);
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	plan((unsigned)f.n);
	for (i = 0; i < f.n; i++) {
		data = slurp(f.v[i], &len);
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		ok(true, "%s: %s (%zu bytes) holds", FUZZ_TARGET,
		    strrchr(f.v[i], '/') != NULL ? strrchr(f.v[i], '/') + 1 :
		    f.v[i], len);
		free(f.v[i]);
	}
	free(f.v);
	return done_testing();
}
