/*
 * registry - see registry.h.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "metrics/registry.h"

struct series {
	char		*values[METRIC_MAX_LABELS];
	double		value;		/* counter, gauge; histogram: sum */
	uint64_t	count;		/* histogram */
	uint64_t	buckets[METRIC_MAX_BUCKETS];	/* not cumulative */
	struct series	*next;
};

struct metric_family {
	struct metrics	*reg;
	char		*name, *help;
	enum metric_type type;
	char		*labels[METRIC_MAX_LABELS];
	size_t		nlabels;
	double		bounds[METRIC_MAX_BUCKETS];
	size_t		nbounds;
	struct series	*first, **tail;
	size_t		nseries;
	struct metric_family *next;
};

struct collect_hook {
	void		(*fn)(struct metrics *, void *);
	void		*arg;
	struct collect_hook *next;
};

struct metrics {
	pthread_mutex_t	lock;
	struct metric_family *first, **tail;
	struct collect_hook *hooks;
	uint64_t	dropped;
};

struct metrics *
metrics_new(void)
{
	struct metrics *m = x_calloc(1, sizeof(*m));

	pthread_mutex_init(&m->lock, NULL);
	m->tail = &m->first;
	return m;
}

static void
series_free(struct series *s, size_t nlabels)
{
	size_t	i;

	for (i = 0; i < nlabels; i++)
		free(s->values[i]);
	free(s);
}

void
metrics_free(struct metrics *m)
{
	struct metric_family *f, *fn;
	struct collect_hook *h, *hn;
	struct series *s, *sn;
	size_t	i;

	if (m == NULL)
		return;
	for (f = m->first; f != NULL; f = fn) {
		fn = f->next;
		for (s = f->first; s != NULL; s = sn) {
			sn = s->next;
			series_free(s, f->nlabels);
		}
		for (i = 0; i < f->nlabels; i++)
			free(f->labels[i]);
		free(f->name);
		free(f->help);
		free(f);
	}
	for (h = m->hooks; h != NULL; h = hn) {
		hn = h->next;
		free(h);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* ---- registration ---- */

static bool
name_ok(const char *s, bool colon)
{
	const char *p;

	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return false;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || (colon && *p == ':')))
			return false;
	return true;
}

static struct series *series_get(struct metric_family *,
	    const char *const *values);

static struct metric_family *
family_add(struct metrics *m, const char *name, const char *help,
    enum metric_type type, const char *const *labels)
{
	struct metric_family *f;
	size_t	n = 0;

	if (!name_ok(name, true) || strncmp(name, "__", 2) == 0 ||
	    help == NULL || strchr(help, '\n') != NULL)
		log_panic("metrics: bad metric name or help for \"%s\"",
		    name ? name : "(null)");
	f = x_calloc(1, sizeof(*f));
	f->reg = m;
	f->name = x_strdup(name);
	f->help = x_strdup(help);
	f->type = type;
	f->tail = &f->first;
	for (n = 0; labels != NULL && labels[n] != NULL; n++) {
		if (n == METRIC_MAX_LABELS || !name_ok(labels[n], false) ||
		    strncmp(labels[n], "__", 2) == 0 ||
		    (type == METRIC_HISTOGRAM && strcmp(labels[n], "le") == 0))
			log_panic("metrics: bad label \"%s\" of %s", labels[n],
			    name);
		f->labels[n] = x_strdup(labels[n]);
	}
	f->nlabels = n;
	pthread_mutex_lock(&m->lock);
	*m->tail = f;
	m->tail = &f->next;
	pthread_mutex_unlock(&m->lock);
	return f;
}

struct metric_family *
metrics_counter(struct metrics *m, const char *name, const char *help,
    const char *const *labels)
{
	struct metric_family *f = family_add(m, name, help, METRIC_COUNTER,
	    labels);

	if (f->nlabels == 0)
		metric_touch(f, NULL);
	return f;
}

struct metric_family *
metrics_gauge(struct metrics *m, const char *name, const char *help,
    const char *const *labels)
{
	struct metric_family *f = family_add(m, name, help, METRIC_GAUGE,
	    labels);

	if (f->nlabels == 0)
		metric_touch(f, NULL);
	return f;
}

struct metric_family *
metrics_histogram(struct metrics *m, const char *name, const char *help,
    const char *const *labels, const double *bounds, size_t nbounds)
{
	struct metric_family *f;
	size_t	i;

	if (nbounds == 0 || nbounds > METRIC_MAX_BUCKETS - 1)
		log_panic("metrics: %s: %zu buckets", name, nbounds);
	for (i = 0; i < nbounds; i++)
		if (!isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
			log_panic("metrics: %s: buckets not ascending", name);
	f = family_add(m, name, help, METRIC_HISTOGRAM, labels);
	memcpy(f->bounds, bounds, nbounds * sizeof(*bounds));
	f->nbounds = nbounds;
	if (f->nlabels == 0)
		metric_touch(f, NULL);
	return f;
}

void
metrics_on_collect(struct metrics *m, void (*fn)(struct metrics *, void *),
    void *arg)
{
	struct collect_hook *h = x_calloc(1, sizeof(*h)), **p;

	h->fn = fn;
	h->arg = arg;
	pthread_mutex_lock(&m->lock);
	for (p = &m->hooks; *p != NULL; p = &(*p)->next)
		;
	*p = h;
	pthread_mutex_unlock(&m->lock);
}

/* ---- updates (the registry's mutex held) ---- */

static struct series *
series_get(struct metric_family *f, const char *const *values)
{
	struct series *s;
	size_t	i;

	for (s = f->first; s != NULL; s = s->next) {
		for (i = 0; i < f->nlabels; i++)
			if (strcmp(s->values[i], values[i] ? values[i] : "") != 0)
				break;
		if (i == f->nlabels)
			return s;
	}
	if (f->nseries >= METRIC_MAX_SERIES) {
		f->reg->dropped++;
		return NULL;
	}
	s = x_calloc(1, sizeof(*s));
	for (i = 0; i < f->nlabels; i++)
		s->values[i] = x_strdup(values[i] ? values[i] : "");
	*f->tail = s;
	f->tail = &s->next;
	f->nseries++;
	return s;
}

enum op { OP_ADD, OP_SET, OP_OBSERVE, OP_TOUCH };

static void
update(struct metric_family *f, const char *const *values, enum op op,
    double v)
{
	struct series *s;
	size_t	i;

	if (f == NULL)
		return;
	pthread_mutex_lock(&f->reg->lock);
	if ((s = series_get(f, values)) != NULL) {
		switch (op) {
		case OP_ADD:
			/* a counter only goes up */
			if (f->type != METRIC_COUNTER || v >= 0)
				s->value += v;
			break;
		case OP_SET:
			s->value = v;
			break;
		case OP_OBSERVE:
			for (i = 0; i < f->nbounds && v > f->bounds[i]; i++)
				;
			s->buckets[i]++;
			s->count++;
			s->value += v;
			break;
		case OP_TOUCH:
			break;
		}
	}
	pthread_mutex_unlock(&f->reg->lock);
}

void
metric_add(struct metric_family *f, const char *const *values, double v)
{
	update(f, values, OP_ADD, v);
}

void
metric_inc(struct metric_family *f, const char *const *values)
{
	update(f, values, OP_ADD, 1);
}

void
metric_set(struct metric_family *f, const char *const *values, double v)
{
	update(f, values, OP_SET, v);
}

void
metric_observe(struct metric_family *f, const char *const *values, double v)
{
	update(f, values, OP_OBSERVE, v);
}

void
metric_touch(struct metric_family *f, const char *const *values)
{
	update(f, values, OP_TOUCH, 0);
}

uint64_t
metrics_dropped(struct metrics *m)
{
	uint64_t n;

	pthread_mutex_lock(&m->lock);
	n = m->dropped;
	pthread_mutex_unlock(&m->lock);
	return n;
}

/* ---- exposition ---- */

/* HELP text escapes \ and newline; label values also the double quote. */
static void
put_escaped(FILE *out, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (quote && *s == '"')
			fputs("\\\"", out);
		else
			fputc(*s, out);
	}
}

static void
put_number(FILE *out, double v)
{
	if (isnan(v))
		fputs("NaN", out);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", out);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(out, "%.0f", v);
	else
		fprintf(out, "%.17g", v);
}

/* {a="x",b="y"[,le="0.5"]}, nothing when there is no label at all. */
static void
put_labels(FILE *out, const struct metric_family *f, const struct series *s,
    const char *le)
{
	size_t	i;

	if (f->nlabels == 0 && le == NULL)
		return;
	fputc('{', out);
	for (i = 0; i < f->nlabels; i++) {
		fprintf(out, "%s%s=\"", i ? "," : "", f->labels[i]);
		put_escaped(out, s->values[i], true);
		fputc('"', out);
	}
	if (le != NULL)
		fprintf(out, "%sle=\"%s\"", f->nlabels ? "," : "", le);
	fputc('}', out);
}

static void
put_histogram(FILE *out, const struct metric_family *f, const struct series *s)
{
	char	le[32];
	uint64_t cum = 0;
	size_t	i;

	for (i = 0; i <= f->nbounds; i++) {
		cum += s->buckets[i];
		if (i < f->nbounds)
			snprintf(le, sizeof(le), "%g", f->bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		fprintf(out, "%s_bucket", f->name);
		put_labels(out, f, s, le);
		fprintf(out, " %llu\n", (unsigned long long)cum);
	}
	fprintf(out, "%s_sum", f->name);
	put_labels(out, f, s, NULL);
	fputc(' ', out);
	put_number(out, s->value);
	fprintf(out, "\n%s_count", f->name);
	put_labels(out, f, s, NULL);
	fprintf(out, " %llu\n", (unsigned long long)s->count);
}

static const char *
type_name(enum metric_type t)
{
	return t == METRIC_COUNTER ? "counter" : t == METRIC_GAUGE ? "gauge" :
	    "histogram";
}

char *
metrics_expose(struct metrics *m, size_t *len)
{
	const struct metric_family *f;
	const struct series *s;
	struct collect_hook *h;
	char	*buf = NULL;
	size_t	size = 0;
	FILE	*out;

	/* Hooks are added before the registry is served (registry.h), so
	 * the list can be walked without the lock the hooks themselves take. */
	pthread_mutex_lock(&m->lock);
	h = m->hooks;
	pthread_mutex_unlock(&m->lock);
	for (; h != NULL; h = h->next)
		h->fn(m, h->arg);
	if ((out = open_memstream(&buf, &size)) == NULL)
		log_panic("metrics: open_memstream: out of memory");
	pthread_mutex_lock(&m->lock);
	for (f = m->first; f != NULL; f = f->next) {
		fprintf(out, "# HELP %s ", f->name);
		put_escaped(out, f->help, false);
		fprintf(out, "\n# TYPE %s %s\n", f->name, type_name(f->type));
		for (s = f->first; s != NULL; s = s->next) {
			if (f->type == METRIC_HISTOGRAM) {
				put_histogram(out, f, s);
				continue;
			}
			fputs(f->name, out);
			put_labels(out, f, s, NULL);
			fputc(' ', out);
			put_number(out, s->value);
			fputc('\n', out);
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (fclose(out) != 0 || buf == NULL)
		log_panic("metrics: exposition: out of memory");
	*len = size;
	return buf;
}
