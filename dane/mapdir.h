/*
 * mapdir - atomic replacement of the files gatewarden-maps writes.
 *
 * mapdir_file() opens DIR/.NAME.new for writing; mapdir_commit() closes
 * them all, runs "postmap [-c CONFDIR] hash:FILE" for the hash tables, and
 * only when every file was written and indexed renames them into place
 * (the .db first, then its source), each rename atomic. On any failure
 * the temporary files are removed and the files in place are untouched.
 * No shell is involved: postmap is run with execvp.
 *
 * Errors: mapdir_file() returns NULL and mapdir_commit() -1, with a
 * message in mapdir_error() (valid until mapdir_free()).
 * mapdir_free() removes temporary files that were not committed; NULL is
 * fine.
 */
#ifndef GW_DANE_MAPDIR_H
#define GW_DANE_MAPDIR_H

#include <stdbool.h>
#include <stdio.h>

struct mapdir;

/* postmap: the program (NULL = "postmap" from PATH); postfix_conf: the
 * Postfix configuration directory postmap reads (NULL = its default). */
struct mapdir *mapdir_new(const char *dir, const char *postmap,
	    const char *postfix_conf);
FILE	*mapdir_file(struct mapdir *, const char *name, bool hash);
int	mapdir_commit(struct mapdir *);
const char *mapdir_error(const struct mapdir *);
void	mapdir_free(struct mapdir *);

#endif
