/*
 * tally - see tally.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "report/tally.h"

struct tally {
	size_t		ncols, cap;
	struct timeline	*tl;
	struct tally_row **slots;	/* open addressing, 2 * cap + 1 slots */
	size_t		nslots;
	struct tally_row **rows;	/* in order of arrival */
	size_t		nrows;
	struct tally_row *other;
	uint64_t	overflowed;
};

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	size_t	i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct tally *
tally_new(size_t ncols, size_t cap, struct timeline *tl)
{
	struct tally *t = x_calloc(1, sizeof(*t));

	t->ncols = ncols;
	t->cap = cap;
	t->tl = tl;
	t->nslots = 2 * cap + 1;
	t->slots = x_calloc(t->nslots, sizeof(*t->slots));
	t->rows = x_calloc(cap + 1, sizeof(*t->rows));
	return t;
}

void
tally_free(struct tally *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows; i++) {
		free(t->rows[i]->name);
		free(t->rows[i]->c);
		free(t->rows[i]);
	}
	free(t->rows);
	free(t->slots);
	free(t);
}

static struct tally_row *
row_new(struct tally *t, const char *name, size_t len)
{
	struct tally_row *r = x_calloc(1, sizeof(*r));

	r->name = x_strndup(name, len);
	r->c = x_calloc(t->ncols ? t->ncols : 1, sizeof(*r->c));
	if (t->tl != NULL)
		r->series = timeline_series(t->tl);
	t->rows[t->nrows++] = r;
	return r;
}

struct tally_row *
tally_row(struct tally *t, const char *name, size_t len)
{
	size_t	i;
	struct tally_row *r;

	if (len > TALLY_NAME_MAX)
		len = TALLY_NAME_MAX;
	for (i = hash(name, len) % t->nslots; (r = t->slots[i]) != NULL;
	    i = (i + 1) % t->nslots)
		if (strlen(r->name) == len && memcmp(r->name, name, len) == 0)
			return r;
	if (t->nrows < t->cap) {
		r = row_new(t, name, len);
		t->slots[i] = r;
		return r;
	}
	/* Full: the name joins the others, in a row of its own kept last. */
	t->overflowed++;
	if (t->other == NULL)
		t->other = row_new(t, TALLY_OTHER, strlen(TALLY_OTHER));
	return t->other;
}

struct tally_row *
tally_find(const struct tally *t, const char *name)
{
	size_t	len = strlen(name), i;
	struct tally_row *r;

	if (len > TALLY_NAME_MAX)
		len = TALLY_NAME_MAX;
	for (i = hash(name, len) % t->nslots; (r = t->slots[i]) != NULL;
	    i = (i + 1) % t->nslots)
		if (strlen(r->name) == len && memcmp(r->name, name, len) == 0)
			return r;
	if (strcmp(name, TALLY_OTHER) == 0)
		return t->other;
	return NULL;
}

size_t
tally_count(const struct tally *t)
{
	return t->nrows;
}

uint64_t
tally_overflowed(const struct tally *t)
{
	return t->overflowed;
}

uint64_t
tally_sum(const struct tally *t, size_t col)
{
	uint64_t sum = 0;
	size_t	i;

	for (i = 0; i < t->nrows && col < t->ncols; i++)
		sum += t->rows[i]->c[col];
	return sum;
}

/* qsort() has no context argument: the column travels in a static. */
static size_t sort_col;

static int
by_count(const void *a, const void *b)
{
	const struct tally_row *x = *(struct tally_row *const *)a;
	const struct tally_row *y = *(struct tally_row *const *)b;

	if (x->c[sort_col] != y->c[sort_col])
		return x->c[sort_col] > y->c[sort_col] ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp((*(struct tally_row *const *)a)->name,
	    (*(struct tally_row *const *)b)->name);
}

struct tally_row **
tally_sorted(const struct tally *t, size_t col, bool name_order, size_t *n)
{
	struct tally_row **v = x_calloc(t->nrows + 1, sizeof(*v));

	memcpy(v, t->rows, t->nrows * sizeof(*v));
	sort_col = col < t->ncols ? col : 0;
	qsort(v, t->nrows, sizeof(*v), name_order ? by_name : by_count);
	*n = t->nrows;
	return v;
}
