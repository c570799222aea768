/*
 * output - the report in its three forms, from a view (view.h):
 *   out_html()  a self-contained page (inline CSS and SVG charts, no
 *               script, nothing fetched): each chart beside the table of
 *               its numbers; ids chart-* and table-* name them
 *   out_text()  plain text for a cron mail
 *   out_json()  every count, every row, for other tools
 * All write to out and return false when writing failed (errno set).
 * opts carries what the page says about how it was made.
 */
#ifndef GW_REPORT_OUTPUT_H
#define GW_REPORT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "report/view.h"

struct out_opts {
	int64_t		now;		/* when the report was made */
	unsigned	expiring_days;
	const char	*title;		/* "gatewarden report" or the host's */
};

bool	out_html(FILE *, const struct view *, const struct out_opts *);
bool	out_text(FILE *, const struct view *, const struct out_opts *);
bool	out_json(FILE *, const struct view *, const struct out_opts *);

#endif
