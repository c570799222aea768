/*
 * mapdir - see mapdir.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dane/mapdir.h"
#include "dane/spawn.h"
#include "lib/xalloc.h"

#define MAPDIR_MAX 16

struct mapfile {
	char	*final, *tmp;
	FILE	*fp;
	bool	hash;
};

struct mapdir {
	char	*dir, *postmap, *postfix_conf;
	struct mapfile f[MAPDIR_MAX];
	size_t	n;
	char	*error;
	bool	committed;
};

static void
set_error(struct mapdir *m, char *msg)
{
	if (m->error == NULL)
		m->error = msg;
	else
		free(msg);
}

struct mapdir *
mapdir_new(const char *dir, const char *postmap, const char *postfix_conf)
{
	struct mapdir *m = x_calloc(1, sizeof(*m));

	m->dir = x_strdup(dir);
	m->postmap = x_strdup(postmap ? postmap : "postmap");
	m->postfix_conf = postfix_conf ? x_strdup(postfix_conf) : NULL;
	return m;
}

FILE *
mapdir_file(struct mapdir *m, const char *name, bool hash)
{
	struct mapfile *f;
	int	fd;

	if (m->n == MAPDIR_MAX || strchr(name, '/')) {
		set_error(m, x_asprintf("%s: not a map name", name));
		return NULL;
	}
	f = &m->f[m->n];
	f->final = x_asprintf("%s/%s", m->dir, name);
	f->tmp = x_asprintf("%s/.%s.new", m->dir, name);
	f->hash = hash;
	unlink(f->tmp);	/* a stale one from an interrupted run */
	fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || (f->fp = fdopen(fd, "w")) == NULL) {
		set_error(m, x_asprintf("%s: %s", f->tmp, strerror(errno)));
		if (fd >= 0)
			close(fd);
		free(f->final);
		free(f->tmp);
		memset(f, 0, sizeof(*f));
		return NULL;
	}
	m->n++;
	return f->fp;
}

static int
run_postmap(struct mapdir *m, const char *file)
{
	char	*arg = x_asprintf("hash:%s", file);
	char	*argv[5], *err = NULL;
	int	argc = 0, rc;

	argv[argc++] = m->postmap;
	if (m->postfix_conf) {
		argv[argc++] = "-c";
		argv[argc++] = m->postfix_conf;
	}
	argv[argc++] = arg;
	argv[argc] = NULL;
	rc = spawn_run_limited(argv, NULL, SPAWN_POSTFIX_TOOL_SECONDS,
	    &err);
	if (rc != 0)
		set_error(m, x_asprintf("postmap hash:%s: %s", file, err));
	free(err);
	free(arg);
	return rc;
}

int
mapdir_commit(struct mapdir *m)
{
	size_t	i;

	if (m->error)
		return -1;
	for (i = 0; i < m->n; i++) {
		struct mapfile *f = &m->f[i];
		int	bad = fflush(f->fp) != 0 || ferror(f->fp) ||
		    fsync(fileno(f->fp)) != 0;

		if (fclose(f->fp) != 0)
			bad = 1;
		f->fp = NULL;
		if (bad) {
			set_error(m, x_asprintf("%s: %s", f->tmp,
			    strerror(errno)));
			return -1;
		}
	}
	for (i = 0; i < m->n; i++)
		if (m->f[i].hash && run_postmap(m, m->f[i].tmp) != 0)
			return -1;
	for (i = 0; i < m->n; i++) {
		struct mapfile *f = &m->f[i];

		if (f->hash) {
			char	*from = x_asprintf("%s.db", f->tmp);
			char	*to = x_asprintf("%s.db", f->final);
			int	r = rename(from, to);

			if (r != 0)
				set_error(m, x_asprintf("rename %s: %s", from,
				    strerror(errno)));
			free(from);
			free(to);
			if (r != 0)
				return -1;
		}
		if (rename(f->tmp, f->final) != 0) {
			set_error(m, x_asprintf("rename %s: %s", f->tmp,
			    strerror(errno)));
			return -1;
		}
	}
	m->committed = true;
	return 0;
}

const char *
mapdir_error(const struct mapdir *m)
{
	return m->error ? m->error : "no error";
}

void
mapdir_free(struct mapdir *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		struct mapfile *f = &m->f[i];

		if (f->fp)
			fclose(f->fp);
		if (!m->committed) {
			char	*db = x_asprintf("%s.db", f->tmp);

			unlink(f->tmp);
			unlink(db);
			free(db);
		}
		free(f->final);
		free(f->tmp);
	}
	free(m->dir);
	free(m->postmap);
	free(m->postfix_conf);
	free(m->error);
	free(m);
}
