/*
 * registry - Prometheus metrics of one process: counters, gauges and
 * histograms with labels, bumped from any thread, written out in the text
 * exposition format (version 0.0.4) that Prometheus scrapes.
 *
 * A registry holds families; a family has a name, a help line, a type and
 * up to METRIC_MAX_LABELS label names; each distinct list of label values
 * is one series, made on first use (metric_touch() makes it at zero, so
 * that a series exists before its first event and rate() sees the step).
 * Names follow Prometheus' rules (checked: [a-zA-Z_:][a-zA-Z0-9_:]*,
 * labels [a-zA-Z_][a-zA-Z0-9_]*, no "__" prefix, no "le" on histograms);
 * a bad name is a programming error and panics. Counters end in _total
 * and count in base units; histograms observe seconds or bytes.
 *
 * Label values are copied and escaped on output. They must come from
 * bounded sets (configuration names, fixed words): a family keeps at most
 * METRIC_MAX_SERIES series and ignores updates of new ones beyond that
 * (metrics_dropped() says how many), so that no outside input can grow
 * memory without bound.
 *
 * Thread-safety: every call takes the registry's mutex (updates are a few
 * per message; a scrape copies the text out under it). Collect hooks
 * (metrics_on_collect) run at the start of metrics_expose(), without the
 * mutex held, and typically metric_set() gauges measured then (files on
 * disk, rows in a store).
 *
 * Memory: metrics_free(NULL) is a no-op; families and series belong to
 * the registry. metrics_expose() returns a malloc'd text the caller frees.
 */
#ifndef GW_METRICS_REGISTRY_H
#define GW_METRICS_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#define METRIC_MAX_LABELS	4
#define METRIC_MAX_SERIES	1024
#define METRIC_MAX_BUCKETS	24

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

struct metrics;
struct metric_family;

struct metrics *metrics_new(void);
void	metrics_free(struct metrics *);

/* labels: NULL-terminated label names, or NULL for none. A family
 * without labels has its one series from the start. */
struct metric_family *metrics_counter(struct metrics *, const char *name,
	    const char *help, const char *const *labels);
struct metric_family *metrics_gauge(struct metrics *, const char *name,
	    const char *help, const char *const *labels);
/* bounds: the buckets' upper bounds, ascending; +Inf is added. */
struct metric_family *metrics_histogram(struct metrics *, const char *name,
	    const char *help, const char *const *labels, const double *bounds,
	    size_t nbounds);

/* values: one per label name of the family, in order (NULL when the
 * family has none). NULL family: no-op, so that callers need no check
 * when metrics are off. */
void	metric_add(struct metric_family *, const char *const *values, double);
void	metric_inc(struct metric_family *, const char *const *values);
void	metric_set(struct metric_family *, const char *const *values, double);
void	metric_observe(struct metric_family *, const char *const *values,
	    double);
void	metric_touch(struct metric_family *, const char *const *values);

/* Runs fn(reg, arg) at every exposition, before the text is written.
 * Add hooks before the registry is first exposed (served). */
void	metrics_on_collect(struct metrics *,
	    void (*fn)(struct metrics *, void *), void *arg);

/* The exposition text of every family, in registration order. */
char	*metrics_expose(struct metrics *, size_t *len);

/* Updates ignored because a family had METRIC_MAX_SERIES series. */
uint64_t metrics_dropped(struct metrics *);

#endif
