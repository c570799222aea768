/*
 * tally - counts by name with a bounded number of names: the report's
 * tables (per sender group, client domain, destination, reason ...).
 *
 * A tally maps a name (any bytes but NUL, at most TALLY_NAME_MAX; longer
 * names are cut) to a row of ncols uint64_t counters and, when made with
 * a timeline, one time series per row (timeline.h). It holds at most cap
 * names: once full, every new name is counted in the row named
 * TALLY_OTHER, so memory stays bounded whatever the log holds, and
 * tally_overflowed() says how many events went there.
 *
 * tally_sorted() gives the rows ordered by a column (descending, then by
 * name), for "top N" tables; the array is the caller's to free, the rows
 * stay the tally's. tally_free(NULL) is a no-op. Not thread-safe (the
 * report reads its input in one thread).
 */
#ifndef GW_REPORT_TALLY_H
#define GW_REPORT_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/timeline.h"

#define TALLY_NAME_MAX	255
#define TALLY_OTHER	"(other)"

struct tally_row {
	char		*name;
	uint64_t	*c;		/* ncols counters */
	struct series	*series;	/* NULL without a timeline */
};

struct tally;

struct tally *tally_new(size_t ncols, size_t cap, struct timeline *);
void	tally_free(struct tally *);

/* The row for name (len bytes), made at zero when new. */
struct tally_row *tally_row(struct tally *, const char *name, size_t len);
/* The row for name when there is one, else NULL (nothing is made). */
struct tally_row *tally_find(const struct tally *, const char *name);

size_t	tally_count(const struct tally *);	/* rows, (other) included */
uint64_t tally_overflowed(const struct tally *);
/* Rows sorted by column col (descending; ties by name); *n rows. With
 * by_name, sorted by name instead (ascending). */
struct tally_row **tally_sorted(const struct tally *, size_t col,
	    bool by_name, size_t *n);
/* The sum of column col over every row. */
uint64_t tally_sum(const struct tally *, size_t col);

#endif
