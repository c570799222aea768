/*
 * config - config_load(), the reference count and look-ups (config.h).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "conf/load.h"
#include "lib/xalloc.h"

static void
top_milter(struct ld *l, const struct ynode *v, void *obj)
{
	(void)obj;
	load_milter(l, v);
}

static void
top_log(struct ld *l, const struct ynode *v, void *obj)
{
	(void)obj;
	load_log(l, v);
}

static void
top_alerts(struct ld *l, const struct ynode *v, void *obj)
{
	(void)obj;
	load_alerts(l, v);
}

static void
top_trust(struct ld *l, const struct ynode *v, void *obj)
{
	(void)obj;
	load_trust(l, v);
}

static void
top_dns(struct ld *l, const struct ynode *v, void *obj)
{
	(void)obj;
	load_dns(l, v);
}

/* The key node, for errors about the list as a whole. */
static const struct ynode *
key_node(const struct ynode *map, const char *key)
{
	size_t	i;

	for (i = 0; i + 1 < map->nkids; i += 2)
		if (map->kids[i]->type == YN_SCALAR &&
		    strcmp(map->kids[i]->str, key) == 0)
			return map->kids[i];
	return map;
}

static void
top_groups(struct ld *l, const struct ynode *v, void *obj)
{
	load_groups(l, key_node(obj, "sender_groups"), v);
}

static void
top_destinations(struct ld *l, const struct ynode *v, void *obj)
{
	(void)obj;
	load_destinations(l, v);
}

static void
top_smime(struct ld *l, const struct ynode *v, void *obj)
{
	(void)obj;
	load_smime(l, v);
}

static void
top_metrics(struct ld *l, const struct ynode *v, void *obj)
{
	(void)obj;
	load_metrics(l, v);
}

static void
load_root(struct ld *l, const struct ynode *root)
{
	static const struct field f[] = {
		FLD_FN("milter", top_milter),
		FLD_FN("log", top_log),
		FLD_FN("alerts", top_alerts),
		FLD_FN("trust", top_trust),
		FLD_FN("dns", top_dns),
		FLD_FN("sender_groups", top_groups),
		FLD_FN("destinations", top_destinations),
		FLD_FN("smime", top_smime),
		FLD_FN("metrics", top_metrics),
	};

	if (root->type != YN_MAP) {
		ld_error(l, root, "the top level must be a mapping of "
		    "sections (milter:, sender_groups: ...), not a %s",
		    ytree_type_name(root));
		return;
	}
	/* The root itself is handed to the sections as obj: sender_groups
	 * needs its key's position. */
	ld_walk(l, root, "the top level", f, NFIELDS(f),
	    (void *)(uintptr_t)root, NULL);
}

/* true when diagnostic a goes after b: the configuration file's own
 * first, then those of files it names (the sender login map), each file
 * by position. */
static bool
diag_after(const struct diag *a, const struct diag *b, const char *path)
{
	bool	a_own = strcmp(a->file, path) == 0;
	bool	b_own = strcmp(b->file, path) == 0;
	int	c;

	if (a_own != b_own)
		return b_own;
	if (!a_own && (c = strcmp(a->file, b->file)) != 0)
		return c > 0;
	return a->line > b->line || (a->line == b->line && a->col > b->col);
}

/* Orders the diagnostics of this load (from first on) by position: the
 * checks run section by section, the reader reads top to bottom. Stable,
 * so that two problems at one place keep the order they were found in. */
static void
sort_diags(struct diags *d, size_t first, const char *path)
{
	size_t	i, j;

	for (i = first + 1; i < d->n; i++) {
		struct diag tmp = d->v[i];

		for (j = i; j > first && diag_after(&d->v[j - 1], &tmp, path);
		    j--)
			d->v[j] = d->v[j - 1];
		d->v[j] = tmp;
	}
}

struct config *
config_load(const char *path, struct diags *d)
{
	struct config *c;
	struct ynode *root;
	struct ld l;
	unsigned errors = d->errors;
	size_t	first = d->n;

	c = x_calloc(1, sizeof(*c));
	c->refs = 1;
	c->path = x_strdup(path);
	config_defaults(c);
	root = ytree_load(path, d);
	if (root == NULL) {
		config_free(c);
		return NULL;
	}
	memset(&l, 0, sizeof(l));
	l.file = path;
	l.d = d;
	l.c = c;
	load_root(&l, root);
	load_groups_finish(&l);
	load_smime_finish(&l);
	if (c->destinations.def.line == 0) {
		const struct ynode *dest = ld_get(root, "destinations");
		const struct ynode *def = ld_get(dest, "default");

		if (def) {
			c->destinations.def.line = def->line;
			c->destinations.def.col = def->col;
		}
	}
	free(l.refs);
	ytree_free(root);
	sort_diags(d, first, path);
	if (d->errors != errors) {
		config_free(c);
		return NULL;
	}
	return c;
}

struct config *
config_ref(struct config *c)
{
	if (c)
		__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

void
config_unref(struct config *c)
{
	/* Release pairs with the acquire of the last holder, so that its
	 * reads are done before the memory is freed. */
	if (c && __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0)
		config_free(c);
}

const struct sender_group *
config_group(const struct config *c, const char *name)
{
	size_t	i;

	for (i = 0; i < c->ngroups; i++)
		if (c->groups[i].name && strcmp(c->groups[i].name, name) == 0)
			return &c->groups[i];
	return NULL;
}

const struct sending_profile *
config_profile(const struct config *c, const char *name)
{
	size_t	i;

	for (i = 0; i < c->smime.nprofiles; i++)
		if (c->smime.profiles[i].name &&
		    strcmp(c->smime.profiles[i].name, name) == 0)
			return &c->smime.profiles[i];
	return NULL;
}

const struct smime_certificate *
config_certificate(const struct config *c, const char *name)
{
	size_t	i;

	for (i = 0; i < c->smime.ncertificates; i++)
		if (c->smime.certificates[i].name &&
		    strcmp(c->smime.certificates[i].name, name) == 0)
			return &c->smime.certificates[i];
	return NULL;
}
