/*
 * fuzz_conf - the YAML configuration loader (conf/config.h) over any
 * file.
 *
 * Input: the file's bytes (written to a work file, as config_load()
 * reads a path).
 *
 * Invariants: a load gives a configuration exactly when it reported no
 * error; every diagnostic is one line with a message and a place, and a
 * place in the loaded file lies within it (line at most the number of
 * line breaks plus one, 1-based; a column no wider than the file), or
 * is the end of the input (libyaml puts the end of a stream whose last
 * line has no line break at column 1 of the line after it); a
 * configuration can be pinned and released (config_ref/config_unref) and
 * finds each of its own sender groups by name.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/config.h"
#include "fuzz/fuzz.h"

#define FUZZ_CONF_MAX	(64u << 10)
#define FAIL(...)	fuzz_fail("conf", __VA_ARGS__)

static char	path[64];

static void
cleanup(void)
{
	unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int	fd;

	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/gw-fuzz-conf-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (strlen(path) + 1 >= sizeof(path) || (fd = mkstemp(path)) < 0)
		FAIL("mkstemp %s failed", path);
	close(fd);
	atexit(cleanup);
	return 0;
}

/* Lines as libyaml counts them: LF, CR, CRLF, NEL, LS, PS all break. */
static size_t
count_lines(const uint8_t *p, size_t n)
{
	size_t	i, lines = 1;

	for (i = 0; i < n; i++)
		if (p[i] == '\n' || p[i] == '\r' ||
		    (i + 1 < n && p[i] == 0xc2 && p[i + 1] == 0x85) ||
		    (i + 2 < n && p[i] == 0xe2 && p[i + 1] == 0x80 &&
		    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)))
			lines++;
	return lines;
}

static void
check_diags(const struct diags *d, const uint8_t *data, size_t size)
{
	size_t	i, lines = count_lines(data, size);
	unsigned errors = 0, warnings = 0;

	for (i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];

		if (g->msg == NULL || g->msg[0] == '\0' ||
		    strpbrk(g->msg, "\r\n") != NULL)
			FAIL("diagnostic %zu: message '%s'", i,
			    g->msg != NULL ? g->msg : "(null)");
		if (g->file == NULL)
			FAIL("diagnostic %zu names no file: %s", i, g->msg);
		if (strcmp(g->file, path) == 0 &&
		    (g->line > lines + 1 || (g->line == lines + 1 &&
		    g->col > 1) || g->col > size + 1))
			FAIL("diagnostic %zu at %u:%u, outside a file of %zu "
			    "lines and %zu bytes: %s", i, g->line, g->col,
			    lines, size, g->msg);
		if (g->severity == DIAG_ERROR)
			errors++;
		else
			warnings++;
	}
	/* Past DIAGS_MAX the loader counts what it no longer keeps. */
	if (errors > d->errors || warnings > d->warnings ||
	    ((errors != d->errors || warnings != d->warnings) &&
	    d->n != DIAGS_MAX))
		FAIL("counted %u errors %u warnings, the list holds %u and %u",
		    d->errors, d->warnings, errors, warnings);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = { 0 };
	struct config *c;
	FILE	*f;
	size_t	i;

	if (size > FUZZ_CONF_MAX)
		return 0;
	if ((f = fopen(path, "w")) == NULL ||
	    (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		FAIL("cannot write %s", path);
	c = config_load(path, &d);
	check_diags(&d, data, size);
	if ((c != NULL) != (d.errors == 0))
		FAIL("config_load gave %s with %u errors",
		    c != NULL ? "a configuration" : "nothing", d.errors);
	if (c != NULL) {
		if (config_ref(c) != c)
			FAIL("config_ref changed the snapshot");
		for (i = 0; i < c->ngroups; i++)
			if (c->groups[i].name == NULL ||
			    config_group(c, c->groups[i].name) == NULL)
				FAIL("sender group %zu not found by its name",
				    i);
		config_unref(c);
		config_unref(c);
	}
	if ((f = fopen("/dev/null", "w")) != NULL) {
		diags_print(&d, f);
		fclose(f);
	}
	diags_free(&d);
	return 0;
}
