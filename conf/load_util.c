/*
 * load_util - the loader's tools: diagnostics at nodes, mappings read
 * through key tables, typed values, lists and names (see load.h).
 */
#include <config.h>

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/check.h"
#include "conf/load.h"
#include "lib/units.h"
#include "lib/xalloc.h"

static void
ld_vadd(struct ld *l, enum diag_severity sev, const struct ynode *n,
    const char *fmt, va_list ap)
{
	char	msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	diags_add(l->d, sev, l->file, n ? n->line : 0, n ? n->col : 0, "%s",
	    msg);
}

void
ld_error(struct ld *l, const struct ynode *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	ld_vadd(l, DIAG_ERROR, n, fmt, ap);
	va_end(ap);
}

void
ld_warn(struct ld *l, const struct ynode *n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	ld_vadd(l, DIAG_WARNING, n, fmt, ap);
	va_end(ap);
}

void
ld_ref(struct ld *l, enum ref_kind kind, const char *name, const char *what,
    const struct ynode *n)
{
	struct ref *r;

	if (l->nrefs == l->caprefs) {
		l->caprefs = l->caprefs ? l->caprefs * 2 : 16;
		l->refs = x_reallocarray(l->refs, l->caprefs, sizeof(*l->refs));
	}
	r = &l->refs[l->nrefs++];
	r->kind = kind;
	r->name = name;
	r->what = what;
	r->line = n->line;
	r->col = n->col;
}

/* Optimal string alignment distance (edits, with swaps of neighbours),
 * for "did you mean". Names here are short; longer ones are not typos. */
static size_t
distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j;
	size_t	d[33][33];

	if (la > 32 || lb > 32)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *
ld_named(const char *name, char *buf, size_t sz)
{
	if (name == NULL)
		return "";
	snprintf(buf, sz, " \"%s\"", name);
	return buf;
}

const char *
ld_suggest(const char *s, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t	i, bestd = 99, limit = strlen(s) <= 4 ? 1 : 2;

	for (i = 0; i < n; i++) {
		size_t	dd = strcasecmp(s, names[i]) == 0 ? 0 :
		    distance(s, names[i]);

		if (dd < bestd) {
			bestd = dd;
			best = names[i];
		}
	}
	/* One edit away from a one-letter name is any other letter. */
	return bestd <= limit && bestd < strlen(s) ? best : NULL;
}

static void
unknown_key(struct ld *l, const struct ynode *k, const char *what,
    const struct field *f, size_t nf)
{
	const char *names[LD_MAX_FIELDS];
	const char *best;
	char	list[512];
	size_t	i, len = 0;

	for (i = 0; i < nf && i < LD_MAX_FIELDS; i++)
		names[i] = f[i].key;
	best = ld_suggest(k->str, names, i);
	if (best) {
		ld_error(l, k, "unknown key \"%s\" in %s (did you mean "
		    "\"%s\"?)", k->str, what, best);
		return;
	}
	list[0] = '\0';
	for (i = 0; i < nf && len < sizeof(list); i++) {
		int w = snprintf(list + len, sizeof(list) - len, "%s%s",
		    i ? ", " : "", f[i].key);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	ld_error(l, k, "unknown key \"%s\" in %s (allowed: %s)", k->str, what,
	    list);
}

const struct ynode *
ld_get(const struct ynode *map, const char *key)
{
	size_t	i;

	if (map == NULL || map->type != YN_MAP)
		return NULL;
	for (i = 0; i + 1 < map->nkids; i += 2)
		if (map->kids[i]->type == YN_SCALAR &&
		    strcmp(map->kids[i]->str, key) == 0)
			return map->kids[i + 1];
	return NULL;
}

/* F_WORD writes an int: every enum read through a word table must have
 * the size of one (GCC without -fshort-enums). */
#define SAME_AS_INT(e) _Static_assert(sizeof(enum e) == sizeof(int), #e)
SAME_AS_INT(tls_level);
SAME_AS_INT(direction);
SAME_AS_INT(client_cert);
SAME_AS_INT(on_failure);
SAME_AS_INT(internal_error);
SAME_AS_INT(tls_version);
SAME_AS_INT(dest_tls);
SAME_AS_INT(dane_mode);
SAME_AS_INT(smime_mode);
SAME_AS_INT(sign_mode);
SAME_AS_INT(missing_key);
SAME_AS_INT(smime_cipher);
SAME_AS_INT(smime_digest);
SAME_AS_INT(smime_signature);
SAME_AS_INT(key_transport);
SAME_AS_INT(inbound_failure);
SAME_AS_INT(dns_mode);

static void
set_field(struct ld *l, const struct field *f, const struct ynode *v,
    void *obj)
{
	char	*p = (char *)obj + f->off;
	uint64_t u;
	int	w;

	switch (f->type) {
	case F_STR:
		ld_string(l, v, f->key, (char **)(void *)p);
		break;
	case F_PATH:
		ld_path(l, v, f->key, (char **)(void *)p);
		break;
	case F_BOOL:
		ld_bool(l, v, f->key, (bool *)(void *)p);
		break;
	case F_UINT:
		if (ld_uint(l, v, f->key, f->min, f->max ? f->max : UINT_MAX,
		    &u))
			*(unsigned *)(void *)p = (unsigned)u;
		break;
	case F_SIZE:
		ld_size(l, v, f->key, f->min, (uint64_t *)(void *)p);
		break;
	case F_DUR:
		ld_duration(l, v, f->key, f->min, (uint64_t *)(void *)p);
		break;
	case F_WORD:
		/* Every enum of config.h has the size and range of int. */
		if (ld_word(l, v, f->key, f->words, &w))
			*(int *)(void *)p = w;
		break;
	case F_FN:
		f->fn(l, v, obj);
		break;
	}
}

/* "must be a mapping, not a sequence" */
static bool
expect(struct ld *l, const struct ynode *n, enum ynode_type t,
    const char *what)
{
	static const char *const names[] = { "a scalar", "a mapping",
	    "a sequence" };

	if (n->type == t)
		return true;
	if (n->type != YN_BAD)
		ld_error(l, n, "%s must be %s, not a %s", what, names[t],
		    ytree_type_name(n));
	return false;
}

bool
ld_walk_item(struct ld *l, const struct ynode *item, const char *what,
    const struct field *f, size_t nf, void *obj, const struct ynode **vals)
{
	size_t	j;

	if (item->type == YN_SCALAR && item->null) {
		for (j = 0; vals && j < nf; j++)
			vals[j] = NULL;
		ld_error(l, item, "%s must be a mapping, not empty", what);
		return false;
	}
	return ld_walk(l, item, what, f, nf, obj, vals);
}

bool
ld_walk(struct ld *l, const struct ynode *map, const char *what,
    const struct field *f, size_t nf, void *obj, const struct ynode **vals)
{
	const struct ynode *keys[LD_MAX_FIELDS];
	size_t	i, j;

	if (nf > LD_MAX_FIELDS)
		nf = LD_MAX_FIELDS;
	memset(keys, 0, sizeof(keys));
	if (vals)
		for (j = 0; j < nf; j++)
			vals[j] = NULL;
	if (map->type == YN_SCALAR && map->null)
		return true;	/* "section:" with nothing under it */
	if (!expect(l, map, YN_MAP, what))
		return false;
	for (i = 0; i + 1 < map->nkids; i += 2) {
		const struct ynode *k = map->kids[i], *v = map->kids[i + 1];

		if (k->type == YN_BAD)
			continue;
		if (k->type != YN_SCALAR || k->null) {
			ld_error(l, k, "a key in %s must be a plain word",
			    what);
			continue;
		}
		for (j = 0; j < nf; j++)
			if (strcmp(k->str, f[j].key) == 0)
				break;
		if (j == nf) {
			unknown_key(l, k, what, f, nf);
			continue;
		}
		if (keys[j]) {
			ld_error(l, k, "duplicate key \"%s\" (first at %u:%u)",
			    k->str, keys[j]->line, keys[j]->col);
			continue;
		}
		keys[j] = k;
		if (vals)
			vals[j] = v;
		if (v->type != YN_BAD)
			set_field(l, &f[j], v, obj);
	}
	return true;
}

bool
ld_octal_mode(struct ld *l, const struct ynode *v, const char *key,
    unsigned *out)
{
	const char *s = ld_scalar(l, v, key), *p;
	unsigned mode = 0;

	if (s == NULL)
		return false;
	for (p = s; *p >= '0' && *p <= '7' && mode <= 07777; p++)
		mode = mode * 8 + (unsigned)(*p - '0');
	if (p == s || *p != '\0' || mode > 0777) {
		ld_error(l, v, "bad %s \"%s\": write octal permissions from "
		    "0000 to 0777, e.g. \"0660\"", key, s);
		return false;
	}
	*out = mode;
	return true;
}

const char *
ld_scalar(struct ld *l, const struct ynode *v, const char *key)
{
	if (v->type == YN_BAD)
		return NULL;
	if (v->type != YN_SCALAR) {
		ld_error(l, v, "%s must be a scalar, not a %s", key,
		    ytree_type_name(v));
		return NULL;
	}
	if (v->null || v->str[0] == '\0') {
		ld_error(l, v, "missing value for %s", key);
		return NULL;
	}
	return v->str;
}

bool
ld_bool(struct ld *l, const struct ynode *v, const char *key, bool *out)
{
	const char *s = ld_scalar(l, v, key);

	if (s == NULL)
		return false;
	if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
		*out = false;
	else {
		ld_error(l, v, "\"%s\" is not a boolean for %s (use true or "
		    "false)", s, key);
		return false;
	}
	return true;
}

bool
ld_uint(struct ld *l, const struct ynode *v, const char *key, uint64_t min,
    uint64_t max, uint64_t *out)
{
	const char *s = ld_scalar(l, v, key), *p;
	uint64_t n = 0;

	if (s == NULL)
		return false;
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - 9) / 10)
			break;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == s || *p != '\0') {
		ld_error(l, v, "\"%s\" is not a whole number for %s", s, key);
		return false;
	}
	if (n < min || n > max) {
		ld_error(l, v, "%s must be from %llu to %llu, not %s", key,
		    (unsigned long long)min, (unsigned long long)max, s);
		return false;
	}
	*out = n;
	return true;
}

bool
ld_size(struct ld *l, const struct ynode *v, const char *key, uint64_t min,
    uint64_t *out)
{
	const char *s = ld_scalar(l, v, key), *why;
	uint64_t n;

	if (s == NULL)
		return false;
	if (!units_parse_size(s, &n, &why)) {
		ld_error(l, v, "bad size \"%s\" for %s: %s", s, key, why);
		return false;
	}
	if (n < min) {
		ld_error(l, v, "%s must be at least %llu bytes", key,
		    (unsigned long long)min);
		return false;
	}
	*out = n;
	return true;
}

bool
ld_duration(struct ld *l, const struct ynode *v, const char *key,
    uint64_t min, uint64_t *out)
{
	const char *s = ld_scalar(l, v, key), *why;
	uint64_t n;

	if (s == NULL)
		return false;
	if (!units_parse_duration(s, &n, &why)) {
		ld_error(l, v, "bad duration \"%s\" for %s: %s", s, key, why);
		return false;
	}
	if (n < min) {
		ld_error(l, v, "%s must be at least %llus", key,
		    (unsigned long long)min);
		return false;
	}
	*out = n;
	return true;
}

bool
ld_word(struct ld *l, const struct ynode *v, const char *key,
    const struct word *table, int *out)
{
	const char *s = ld_scalar(l, v, key);
	char	list[256];

	if (s == NULL)
		return false;
	if (word_parse(table, s, out))
		return true;
	ld_error(l, v, "unknown value \"%s\" for %s (use %s)", s, key,
	    word_list(table, list, sizeof(list)));
	return false;
}

bool
ld_string(struct ld *l, const struct ynode *v, const char *key, char **out)
{
	const char *s = ld_scalar(l, v, key);

	if (s == NULL)
		return false;
	free(*out);
	*out = x_strdup(s);
	return true;
}

bool
ld_path(struct ld *l, const struct ynode *v, const char *key, char **out)
{
	const char *s = ld_scalar(l, v, key), *why;

	if (s == NULL)
		return false;
	if (!check_abs_path(s, &why)) {
		ld_error(l, v, "bad path \"%s\" for %s: %s", s, key, why);
		return false;
	}
	free(*out);
	*out = x_strdup(s);
	return true;
}

size_t
ld_list(struct ld *l, const struct ynode *v, const char *key,
    struct ynode *const **items, struct ynode **one)
{
	size_t	i, n = 0;

	*items = NULL;
	if (v->type == YN_BAD)
		return 0;
	if (v->type == YN_SCALAR) {
		if (v->null || v->str[0] == '\0') {
			ld_error(l, v, "missing value for %s", key);
			return 0;
		}
		*one = (struct ynode *)(uintptr_t)v;
		*items = one;
		return 1;
	}
	if (v->type != YN_SEQ) {
		ld_error(l, v, "%s must be a list or a single value, not a "
		    "mapping", key);
		return 0;
	}
	for (i = 0; i < v->nkids; i++)
		if (v->kids[i]->type == YN_SCALAR && (v->kids[i]->null ||
		    v->kids[i]->str[0] == '\0'))
			ld_error(l, v->kids[i], "empty item in %s", key);
		else if (v->kids[i]->type != YN_SCALAR &&
		    v->kids[i]->type != YN_BAD)
			ld_error(l, v->kids[i], "items of %s must be scalars, "
			    "not a %s", key, ytree_type_name(v->kids[i]));
		else
			n++;
	*items = v->kids;
	return n == v->nkids ? n : 0;
}

void
ld_strlist(struct ld *l, const struct ynode *v, const char *key,
    const char *what, check_fn *check, char ***out, size_t *nout)
{
	struct ynode *const *items;
	struct ynode *one;
	size_t	n = ld_list(l, v, key, &items, &one), i;
	const char *why;

	strings_free(*out, *nout);
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return;
	*out = x_calloc(n, sizeof(**out));
	for (i = 0; i < n; i++) {
		if (items[i]->type == YN_BAD)
			continue;
		if (check && !check(items[i]->str, &why)) {
			ld_error(l, items[i], "bad %s \"%s\" in %s: %s", what,
			    items[i]->str, key, why);
			continue;
		}
		(*out)[(*nout)++] = x_strdup(items[i]->str);
	}
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

bool
ld_name(struct ld *l, const struct ynode *v, const char *key,
    const char *text, struct name_pattern *out)
{
	const char *s = text, *why;
	size_t	len;
	char	*name;

	if (s[0] == '*' && s[1] == '.') {
		ld_error(l, v, "bad domain \"%s\" in %s: write \"%s\" for its "
		    "subdomains", text, key, s + 1);
		return false;
	}
	out->suffix = s[0] == '.';
	if (out->suffix)
		s++;
	name = x_strdup(s);
	len = strlen(name);
	/* "example.com." is the same name, written fully qualified. */
	if (len > 1 && name[len - 1] == '.')
		name[len - 1] = '\0';
	lower(name);
	if (!check_domain(name, &why)) {
		ld_error(l, v, "bad domain \"%s\" in %s: %s", text, key, why);
		free(name);
		return false;
	}
	out->name = name;
	return true;
}

static bool
ld_address(struct ld *l, const struct ynode *v, const char *key,
    struct name_pattern *out)
{
	const char *why;
	char	*at;

	if (!check_address(v->str, &why)) {
		ld_error(l, v, "bad address \"%s\" in %s: %s", v->str, key,
		    why);
		return false;
	}
	out->name = x_strdup(v->str);
	out->suffix = false;
	/* Domains are case-insensitive; the local part is the domain's own
	 * business and is kept as written. */
	at = strrchr(out->name, '@');
	lower(at);
	return true;
}

void
ld_names(struct ld *l, const struct ynode *v, const char *key,
    bool addresses, struct name_pattern **out, size_t *nout)
{
	struct ynode *const *items;
	struct ynode *one;
	size_t	n = ld_list(l, v, key, &items, &one), i;
	bool	good;

	name_patterns_free(*out, *nout);
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return;
	*out = x_calloc(n, sizeof(**out));
	for (i = 0; i < n; i++) {
		if (items[i]->type == YN_BAD)
			continue;
		good = addresses ? ld_address(l, items[i], key, &(*out)[*nout])
		    : ld_name(l, items[i], key, items[i]->str, &(*out)[*nout]);
		if (good)
			(*nout)++;
	}
}
