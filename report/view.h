/*
 * view - what the three outputs (HTML, text, JSON) show, computed once
 * from the counts: rows in the order shown, the policy each destination
 * demanded (from the configuration's destinations, when one was given)
 * and how many deliveries fell short of it, the share of TLS.
 *
 * A struct view borrows from the struct stats (and the config), which
 * must outlive it; view_free(NULL) is a no-op.
 */
#ifndef GW_REPORT_VIEW_H
#define GW_REPORT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"
#include "report/stats.h"

#define VIEW_TOP	20	/* rows in the HTML and text tables */
#define VIEW_LINES	5	/* lines in a line chart */

struct dest_view {
	const struct tally_row *row;
	const char	*tls, *dane;	/* demanded; "?" without a config */
	uint64_t	below;		/* sent with less than demanded */
};

struct refusal_view {
	char		flow[16], category[32], reason[TALLY_NAME_MAX + 1];
	uint64_t	count;
};

struct view {
	const struct stats *st;
	struct tally_row **groups;	/* by decisions */
	size_t		ngroups;
	struct tally_row **domains;	/* client domains, by sessions */
	size_t		ndomains;
	struct tally_row **clear;	/* client domains by plain sessions */
	size_t		nclear;
	struct dest_view *dests;	/* by deliveries */
	size_t		ndests;
	struct refusal_view *refusals;	/* by count */
	size_t		nrefusals;
	struct tally_row **failures, **results, **alerts, **harvest;
	size_t		nfailures, nresults, nalerts, nharvest;
	bool		have_policy;
};

struct view *view_new(const struct stats *, const struct config *);
void	view_free(struct view *);

/* Percent of part in total (0 when total is 0). */
double	view_share(uint64_t part, uint64_t total);
/* Plain sessions of a client domain row. */
uint64_t view_plain(const struct tally_row *);
/* Deliveries (sent, deferred, bounced) of a destination row. */
uint64_t view_deliveries(const struct tally_row *);
/* "2026-12-02T13:42:21Z" */
const char *view_time(int64_t, char *buf, size_t size);

#endif
