/*
 * svg - the report's charts as inline SVG: lines for time series, bars
 * for shares and counts. Drawing only: the caller gives the numbers (and
 * prints the table beside the chart); every text goes through put_html().
 *
 * svg_lines() draws one line per series over the timeline's buckets; a
 * bucket without a value (present false: e.g. a share of no session)
 * breaks the line. ymax 0 scales to the largest value. svg_bars() draws
 * one horizontal bar per item, made of up to SVG_SEGMENTS stacked parts
 * (each named in the legend when there are several; colors[] gives each
 * part's color, NULL for the default palette). Both write an <svg> with
 * the given id, a <title> and role="img"; with no item at all they still
 * draw the frame and say "no data", so that the page's layout does not
 * depend on what the log held.
 */
#ifndef GW_REPORT_SVG_H
#define GW_REPORT_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report/timeline.h"

#define SVG_SEGMENTS	5

struct svg_line {
	const char	*name;
	double		v[TIMELINE_MAX];
	bool		present[TIMELINE_MAX];
};

struct svg_bar {
	const char	*label;
	double		v[SVG_SEGMENTS];
};

void	svg_lines(FILE *, const char *id, const char *title,
	    const struct timeline *, const struct svg_line *, size_t n,
	    double ymax, const char *unit);
void	svg_bars(FILE *, const char *id, const char *title,
	    const struct svg_bar *, size_t n, const char *const *segments,
	    const char *const *colors, size_t nseg, const char *unit);

#endif
