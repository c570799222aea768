/*
 * ytree - a YAML file read into a small tree of nodes, with positions.
 *
 * ytree_load() reads one file (at most YTREE_MAX_FILE bytes, UTF-8, no NUL
 * or control bytes, one document) through libyaml's event parser and
 * builds a tree of scalars, mappings and sequences. Every problem is added
 * to diags as FILE:LINE:COL (1-based). Anchors, aliases and tags are
 * refused; nesting depth, items per collection, total nodes and scalar
 * length are bounded. A node that was refused is kept as YN_BAD so that
 * the reader of the tree can skip it without a second message.
 *
 * Returns the root (NULL after a file, encoding or syntax error, when the
 * tree cannot be trusted). ytree_free() frees a tree; NULL is fine.
 */
#ifndef GW_YTREE_H
#define GW_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"

#define YTREE_MAX_FILE		(4u << 20)	/* bytes */
#define YTREE_MAX_DEPTH		16
#define YTREE_MAX_ITEMS		10000	/* per sequence or mapping */
#define YTREE_MAX_NODES		100000	/* per file */
#define YTREE_MAX_SCALAR	4096	/* bytes */

enum ynode_type { YN_SCALAR, YN_MAP, YN_SEQ, YN_BAD };

struct ynode {
	enum ynode_type	type;
	unsigned	line, col;	/* 1-based */
	char		*str;		/* scalar: NUL-terminated text */
	bool		null;		/* scalar: unquoted "", ~ or null */
	/* map: key, value, key, value...; seq: the items. */
	struct ynode	**kids;
	size_t		nkids, cap;
};

struct ynode *ytree_load(const char *path, struct diags *);
void	ytree_free(struct ynode *);

/* For messages: "mapping", "sequence", "scalar" ("value" for YN_BAD). */
const char *ytree_type_name(const struct ynode *);

#endif
