/*
 * timeline - see timeline.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "report/timeline.h"

#define FIRST_WIDTH	60

struct timeline *
timeline_new(void)
{
	struct timeline *tl = x_calloc(1, sizeof(*tl));

	tl->width = FIRST_WIDTH;
	return tl;
}

void
timeline_free(struct timeline *tl)
{
	struct series *s, *next;

	if (tl == NULL)
		return;
	for (s = tl->all; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	free(tl);
}

struct series *
timeline_series(struct timeline *tl)
{
	struct series *s = x_calloc(1, sizeof(*s));

	s->next = tl->all;
	tl->all = s;
	return s;
}

/* The next width of the ladder: each a whole multiple of the one before. */
static int64_t
next_width(int64_t w)
{
	static const int64_t ladder[] = { 60, 300, 900, 3600, 21600, 86400,
	    604800 };
	size_t	i;

	for (i = 0; i + 1 < sizeof(ladder) / sizeof(ladder[0]); i++)
		if (w == ladder[i])
			return ladder[i + 1];
	return w * 4;
}

static int64_t
align_down(int64_t t, int64_t w)
{
	int64_t	r = t % w;

	return r < 0 ? t - r - w : t - r;
}

/* Merges the buckets into the next width of the ladder. */
static void
coarsen(struct timeline *tl)
{
	int64_t	w2 = next_width(tl->width);
	int64_t	start2 = align_down(tl->start, w2);
	int64_t	end = tl->start + (int64_t)tl->n * tl->width;
	uint64_t tmp[TIMELINE_MAX][SERIES_VALUES];
	struct series *s;
	size_t	i, j, k;

	for (s = tl->all; s != NULL; s = s->next) {
		memset(tmp, 0, sizeof(tmp));
		for (i = 0; i < tl->n; i++) {
			j = (size_t)((tl->start + (int64_t)i * tl->width -
			    start2) / w2);
			for (k = 0; k < SERIES_VALUES; k++)
				tmp[j][k] += s->v[i][k];
		}
		memcpy(s->v, tmp, sizeof(tmp));
	}
	tl->n = (size_t)((end - start2 + w2 - 1) / w2);
	tl->start = start2;
	tl->width = w2;
}

/* Widens the timeline to hold t; returns t's bucket. */
static size_t
cover(struct timeline *tl, int64_t t)
{
	int64_t	lo, hi;
	size_t	shift, i;
	struct series *s;

	if (tl->n == 0) {
		tl->start = align_down(t, tl->width);
		tl->n = 1;
		return 0;
	}
	for (;;) {
		lo = align_down(t, tl->width);
		hi = lo + tl->width;
		if (lo > tl->start)
			lo = tl->start;
		if (hi < tl->start + (int64_t)tl->n * tl->width)
			hi = tl->start + (int64_t)tl->n * tl->width;
		if ((hi - lo) / tl->width <= TIMELINE_MAX)
			break;
		coarsen(tl);
	}
	if (lo < tl->start) {
		shift = (size_t)((tl->start - lo) / tl->width);
		for (s = tl->all; s != NULL; s = s->next) {
			memmove(s->v[shift], s->v[0], tl->n * sizeof(s->v[0]));
			for (i = 0; i < shift; i++)
				memset(s->v[i], 0, sizeof(s->v[i]));
		}
		tl->start = lo;
		tl->n += shift;
	}
	tl->n = (size_t)((hi - tl->start) / tl->width);
	return (size_t)((align_down(t, tl->width) - tl->start) / tl->width);
}

void
timeline_add(struct timeline *tl, struct series *s, int64_t t, size_t k,
    uint64_t value)
{
	size_t	i = cover(tl, t);

	if (s != NULL && k < SERIES_VALUES)
		s->v[i][k] += value;
}

void
timeline_cover(struct timeline *tl, int64_t t)
{
	(void)cover(tl, t);
}
