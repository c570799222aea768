/*
 * load_dest - destinations: the delivery TLS and DANE controls, a default
 * and one entry per domain (".example.com" for its subdomains). A domain
 * entry starts as a copy of the default and overrides what it names.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "conf/load.h"
#include "lib/xalloc.h"

static const struct field dest_fields[] = {
	FLD_WORD("tls", struct destination, tls, words_dest_tls),
	FLD_WORD("dane", struct destination, dane, words_dane_mode),
	FLD_WORD("min_tls_version", struct destination, min_tls_version,
	    words_tls_version),
	FLD("ciphers", F_STR, struct destination, ciphers),
	FLD("tafile", F_PATH, struct destination, tafile),
	FLD("alert_on_failure", F_BOOL, struct destination, alert_on_failure),
	FLD("mta_sts", F_BOOL, struct destination, mta_sts),
};

static void
dest_copy(struct destination *to, const struct destination *from)
{
	*to = *from;
	to->domain = NULL;
	to->ciphers = from->ciphers ? x_strdup(from->ciphers) : NULL;
	to->tafile = from->tafile ? x_strdup(from->tafile) : NULL;
}

static void
dest_default(struct ld *l, const struct ynode *v, void *obj)
{
	(void)l, (void)v, (void)obj;	/* read first, by load_destinations */
}

static void
dest_domains(struct ld *l, const struct ynode *v, void *obj)
{
	struct destinations_conf *dc = obj;
	size_t	i, j, npairs;

	if (v->type == YN_SCALAR && v->null)
		return;
	if (v->type != YN_MAP) {
		if (v->type != YN_BAD)
			ld_error(l, v, "domains must be a mapping, not a %s",
			    ytree_type_name(v));
		return;
	}
	npairs = v->nkids / 2;
	dc->domains = x_calloc(npairs ? npairs : 1, sizeof(*dc->domains));
	for (i = 0; i < npairs; i++) {
		const struct ynode *k = v->kids[2 * i];
		const struct ynode *val = v->kids[2 * i + 1];
		struct destination *d = &dc->domains[dc->ndomains];
		struct name_pattern np;

		if (k->type == YN_BAD)
			continue;
		if (k->type != YN_SCALAR || k->null) {
			ld_error(l, k, "a key in domains must be a domain");
			continue;
		}
		if (!ld_name(l, k, "domains", k->str, &np))
			continue;
		for (j = 0; j < dc->ndomains; j++)
			if (dc->domains[j].subdomains == np.suffix &&
			    strcmp(dc->domains[j].domain, np.name) == 0)
				break;
		if (j < dc->ndomains) {
			ld_error(l, k, "duplicate destination \"%s\" (first "
			    "at %u:%u)", k->str, dc->domains[j].line,
			    dc->domains[j].col);
			free(np.name);
			continue;
		}
		dest_copy(d, &dc->def);
		/* A domain entry is a static policy: MTA-STS only when it
		 * asks for it itself. */
		d->mta_sts = false;
		d->domain = np.name;
		d->subdomains = np.suffix;
		d->line = k->line;
		d->col = k->col;
		dc->ndomains++;
		if (val->type != YN_BAD)
			ld_walk(l, val, "destination", dest_fields,
			    NFIELDS(dest_fields), d, NULL);
	}
}

void
load_destinations(struct ld *l, const struct ynode *map)
{
	static const struct field f[] = {
		FLD_FN("default", dest_default),
		FLD_FN("domains", dest_domains),
	};
	struct destinations_conf *dc = &l->c->destinations;
	const struct ynode *def = ld_get(map, "default");

	if (def && def->type != YN_BAD)
		ld_walk(l, def, "destinations default", dest_fields,
		    NFIELDS(dest_fields), &dc->def, NULL);
	ld_walk(l, map, "destinations", f, NFIELDS(f), dc, NULL);
}
