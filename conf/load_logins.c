/*
 * load_logins - the sender login map (smime.sender_login_map): which SMTP
 * AUTH logins may send as which envelope sender, in the form of Postfix's
 * smtpd_sender_login_maps:
 *
 *	# comment
 *	legal@example.com	alice, bob
 *	@example.com		postmaster
 *	ceo@example.com		carol
 *	    assistant		(a line that starts with white space goes on)
 *
 * A key is an address (user@domain) or "@domain", compared without case;
 * the logins that own it follow, separated by commas or white space. The
 * file is read whole with the configuration (so a reload reads it again),
 * at most LOGINS_FILE_MAX bytes; every problem is reported at the map's
 * own FILE:LINE:COLUMN, and any makes the configuration fail to load.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/check.h"
#include "conf/load.h"
#include "lib/xalloc.h"

#define LOGINS_FILE_MAX	(16u << 20)

struct reader {
	struct ld	*l;
	const char	*file;
	struct sender_login *v;
	size_t		n, cap;
	struct sender_login *cur;	/* the entry a continuation adds to */
	bool		*bad;		/* per entry: a login of it was refused */
	bool		any;		/* an entry line was seen */
};

static void
map_error(struct reader *r, unsigned line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
map_error(struct reader *r, unsigned line, size_t col, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_add(r->l->d, DIAG_ERROR, r->file, line, (unsigned)col + 1, "%s",
	    msg);
}

static bool
space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Reads the logins of s[0..n) into the current entry. */
static void
read_logins(struct reader *r, const char *s, size_t n, const char *line,
    unsigned lineno)
{
	struct sender_login *e = r->cur;
	bool	*bad = e ? &r->bad[e - r->v] : NULL;
	size_t	i = 0, start, k;

	while (i < n) {
		while (i < n && (space(s[i]) || s[i] == ','))
			i++;
		if (i == n)
			break;
		start = i;
		while (i < n && !space(s[i]) && s[i] != ',')
			i++;
		for (k = start; k < i; k++)
			if ((unsigned char)s[k] < 0x20 ||
			    (unsigned char)s[k] == 0x7f)
				break;
		if (k < i)
			map_error(r, lineno, (size_t)(s + k - line), "a login "
			    "holds a control character");
		else if (s[start] == '#')
			map_error(r, lineno, (size_t)(s + start - line),
			    "comments start at the beginning of a line");
		else if (i - start > SENDER_LOGIN_MAX)
			map_error(r, lineno, (size_t)(s + start - line),
			    "a login is at most %u bytes", SENDER_LOGIN_MAX);
		else if (e != NULL) {
			e->logins = x_reallocarray(e->logins, e->nlogins + 1,
			    sizeof(*e->logins));
			e->logins[e->nlogins++] = x_strndup(s + start,
			    i - start);
			continue;
		}
		if (bad != NULL)
			*bad = true;
		if (s[start] == '#')
			break;
	}
}

/* A new entry for key s[0..n); NULL (error reported) when the key is bad. */
static struct sender_login *
new_entry(struct reader *r, const char *s, size_t n, unsigned lineno)
{
	struct sender_login *e;
	char	*key = x_strndup(s, n), *p;
	const char *why;
	bool	good;

	for (p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	good = key[0] == '@' ? check_domain(key + 1, &why) :
	    check_address(key, &why);
	if (!good) {
		map_error(r, lineno, 0, "bad sender \"%s\": %s (write "
		    "user@domain or @domain)", key, why);
		free(key);
		return NULL;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = x_reallocarray(r->v, r->cap, sizeof(*r->v));
		r->bad = x_reallocarray(r->bad, r->cap, sizeof(*r->bad));
	}
	r->bad[r->n] = false;
	e = &r->v[r->n++];
	memset(e, 0, sizeof(*e));
	e->address = key;
	e->line = lineno;
	return e;
}

static void
read_line(struct reader *r, const char *line, size_t len, unsigned lineno)
{
	size_t	i = 0, key;

	while (i < len && space(line[i]))
		i++;
	if (i == len || line[i] == '#')
		return;
	if (i > 0) {
		if (!r->any)
			map_error(r, lineno, i, "a line that starts with white "
			    "space goes on with the entry above, and there is "
			    "none");
		read_logins(r, line + i, len - i, line, lineno);
		return;
	}
	for (key = 0; key < len && !space(line[key]); key++)
		;
	r->any = true;
	r->cur = new_entry(r, line, key, lineno);
	read_logins(r, line + key, len - key, line, lineno);
}

static int
cmp_entries(const void *a, const void *b)
{
	const struct sender_login *x = a, *y = b;
	int	c = strcmp(x->address, y->address);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void
finish(struct reader *r)
{
	size_t	i;

	/* After a refused login, "no login" would say it twice. */
	for (i = 0; i < r->n; i++)
		if (r->v[i].nlogins == 0 && !r->bad[i])
			map_error(r, r->v[i].line, 0, "sender \"%s\" has no "
			    "login", r->v[i].address);
	if (r->n > 1)
		qsort(r->v, r->n, sizeof(*r->v), cmp_entries);
	for (i = 1; i < r->n; i++)
		if (strcmp(r->v[i - 1].address, r->v[i].address) == 0)
			map_error(r, r->v[i].line, 0, "duplicate sender \"%s\" "
			    "(first at line %u)", r->v[i].address,
			    r->v[i - 1].line);
}

/* The whole file, NUL-terminated; NULL with errno (EFBIG: too large,
 * EINVAL: not a regular file). */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp = fopen(path, "re");
	struct stat st;
	char	*buf;
	size_t	n;
	int	err;

	if (fp == NULL)
		return NULL;
	err = fstat(fileno(fp), &st) != 0 ? errno : !S_ISREG(st.st_mode) ?
	    EINVAL : (uint64_t)st.st_size > LOGINS_FILE_MAX ? EFBIG : 0;
	if (err != 0) {
		fclose(fp);
		errno = err;
		return NULL;
	}
	/* One byte more than its size, to see a file that grows meanwhile. */
	buf = x_malloc((size_t)st.st_size + 2);
	n = fread(buf, 1, (size_t)st.st_size + 1, fp);
	err = ferror(fp) ? EIO : n > (size_t)st.st_size ? EAGAIN : 0;
	fclose(fp);
	if (err != 0) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

void
load_sender_logins(struct ld *l, const struct ynode *v)
{
	struct smime_conf *s = &l->c->smime;
	struct reader r;
	char	*buf;
	size_t	len = 0, i, start;
	unsigned lineno = 1, errors = l->d->errors;

	sender_logins_free(s->sender_logins, s->nsender_logins);
	s->sender_logins = NULL;
	s->nsender_logins = 0;
	if ((buf = slurp(s->sender_login_map, &len)) == NULL) {
		ld_error(l, v, "cannot read sender_login_map %s: %s",
		    s->sender_login_map, errno == EFBIG ? "larger than 16MiB" :
		    errno == EINVAL ? "not a regular file" : errno == EAGAIN ?
		    "it changed while being read" : strerror(errno));
		return;
	}
	memset(&r, 0, sizeof(r));
	r.l = l;
	r.file = s->sender_login_map;
	if (memchr(buf, '\0', len) != NULL)
		map_error(&r, 1, 0, "the file holds a NUL byte: not a text "
		    "file");
	else
		for (i = start = 0; i <= len; i++) {
			if (i < len && buf[i] != '\n')
				continue;
			read_line(&r, buf + start, i - start, lineno++);
			start = i + 1;
		}
	free(buf);
	finish(&r);
	free(r.bad);
	if (l->d->errors != errors) {
		sender_logins_free(r.v, r.n);
		return;
	}
	s->sender_logins = r.v;
	s->nsender_logins = r.n;
}
