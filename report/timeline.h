/*
 * timeline - counts over time in a bounded number of buckets, for the
 * report's line charts, whatever span the log covers.
 *
 * A timeline covers [start, start + n * width) with n <= TIMELINE_MAX
 * buckets. The width starts at one minute and grows along a ladder (1m,
 * 5m, 15m, 1h, 6h, 1d, 1w, 4w, 16w ...; each step a whole multiple of
 * the last, bucket starts aligned to multiples of the width in UTC), so
 * that the buckets of every series can be merged exactly whenever an
 * event falls outside the span: before it (logs given newest first) or
 * after it. Each series attached to the timeline holds SERIES_VALUES
 * counters per bucket (a total and a part, e.g. sessions and those over
 * TLS) and is shifted and merged with it.
 *
 * Memory: a timeline and its series are fixed size; series are made by
 * timeline_series() and freed with the timeline (timeline_free(NULL) is
 * a no-op). Not thread-safe.
 */
#ifndef GW_REPORT_TIMELINE_H
#define GW_REPORT_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#define TIMELINE_MAX	96
#define SERIES_VALUES	2

struct series {
	uint64_t	v[TIMELINE_MAX][SERIES_VALUES];
	struct series	*next;
};

struct timeline {
	int64_t		start;		/* seconds since the epoch */
	int64_t		width;		/* seconds per bucket */
	size_t		n;		/* buckets in use; 0 before any event */
	struct series	*all;
};

struct timeline *timeline_new(void);
void	timeline_free(struct timeline *);
struct series *timeline_series(struct timeline *);

/* Adds value to counter k (< SERIES_VALUES) of s at time t, widening the
 * timeline when t falls outside it. */
void	timeline_add(struct timeline *, struct series *s, int64_t t,
	    size_t k, uint64_t value);
/* Makes t part of the span without counting anything (the first and
 * last line of the log, or --since and --until). */
void	timeline_cover(struct timeline *, int64_t t);

#endif
