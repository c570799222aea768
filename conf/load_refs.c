/*
 * load_refs - names that point elsewhere (a profile's certificates, a
 * rule's profile and sender groups, a sender group's inbound policy), queued by ld_ref() while reading and
 * checked once the whole file is read, since YAML has no order of
 * definition.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "conf/load.h"
#include "lib/xalloc.h"

/* Past this many names that are not defined, no "did you mean": each
 * suggestion compares the name with every defined one. */
#define SUGGEST_MAX	50

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The defined names of a kind, sorted for bsearch; caller frees. */
static const char **
defined_names(const struct config *c, enum ref_kind kind, size_t *n)
{
	const char **v;
	size_t	i, cnt;

	cnt = kind == REF_CERTIFICATE ? c->smime.ncertificates :
	    kind == REF_PROFILE ? c->smime.nprofiles :
	    kind == REF_INBOUND_POLICY ? c->smime.ninbound_policies :
	    c->ngroups;
	v = x_calloc(cnt ? cnt : 1, sizeof(*v));
	*n = 0;
	for (i = 0; i < cnt; i++) {
		const char *s = kind == REF_CERTIFICATE ?
		    c->smime.certificates[i].name : kind == REF_PROFILE ?
		    c->smime.profiles[i].name : kind == REF_INBOUND_POLICY ?
		    c->smime.inbound_policies[i].name : c->groups[i].name;

		if (s)
			v[(*n)++] = s;
	}
	qsort(v, *n, sizeof(*v), cmp_names);
	return v;
}

void
load_check_refs(struct ld *l)
{
	static const char *const kinds[] = {
		"certificate in smime.certificates",
		"sending profile in smime.sending_profiles",
		"sender group in sender_groups",
		"inbound policy in smime.inbound_policies",
	};
	const char **names[REF_KINDS];
	size_t	nnames[REF_KINDS], i, k, missing = 0;

	for (k = 0; k < REF_KINDS; k++)
		names[k] = defined_names(l->c, (enum ref_kind)k, &nnames[k]);
	for (i = 0; i < l->nrefs; i++) {
		const struct ref *r = &l->refs[i];
		const char *best = NULL;
		struct ynode at;

		k = r->kind;
		if (bsearch(&r->name, names[k], nnames[k], sizeof(*names[k]),
		    cmp_names) != NULL)
			continue;
		memset(&at, 0, sizeof(at));
		at.line = r->line;
		at.col = r->col;
		if (missing++ < SUGGEST_MAX)
			best = ld_suggest(r->name, names[k], nnames[k]);
		if (best)
			ld_error(l, &at, "%s \"%s\" names no %s (did you mean "
			    "\"%s\"?)", r->what, r->name, kinds[k], best);
		else
			ld_error(l, &at, "%s \"%s\" names no %s", r->what,
			    r->name, kinds[k]);
	}
	for (k = 0; k < REF_KINDS; k++)
		free(names[k]);
}
