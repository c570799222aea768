/*
 * svg - see svg.h.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report/escape.h"
#include "report/svg.h"

#define LW	600		/* line chart: size and plot margins */
#define LH	250
#define LL	52
#define LR	16
#define LT	16
#define LB	56
#define BW	600		/* bar chart: width, label column, row */
#define BLABEL	190
#define BROW	22
#define BT	10
#define LABEL_MAX 30		/* bytes of a label shown */

static const char *const palette[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#7f7f7f",
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

/* A label cut to LABEL_MAX bytes on a character boundary. */
static void
put_label(FILE *out, const char *s)
{
	char	buf[LABEL_MAX + 4];
	size_t	n = strlen(s);

	if (n <= LABEL_MAX) {
		put_html(out, s);
		return;
	}
	n = LABEL_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, s, n);
	memcpy(buf + n, "...", 4);
	put_html(out, buf);
}

static void
open_svg(FILE *out, const char *id, const char *title, int w, int h)
{
	fprintf(out, "<svg id=\"%s\" class=\"chart\" role=\"img\" "
	    "aria-labelledby=\"%s-title\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">"
	    "<title id=\"%s-title\">", id, id, w, h, w, h, id);
	put_html(out, title);
	fputs("</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>",
	    out);
}

/* A round step for about five ticks up to max. */
static double
tick_step(double max)
{
	double	raw = max / 5, mag = pow(10, floor(log10(raw))), r = raw / mag;

	return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

static void
time_label(char *buf, size_t size, int64_t t, int64_t width)
{
	time_t	tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, size, "?");
	else
		strftime(buf, size, width >= 86400 ? "%Y-%m-%d" :
		    "%m-%d %H:%M", &tm);
}

void
svg_lines(FILE *out, const char *id, const char *title,
    const struct timeline *tl, const struct svg_line *lines, size_t n,
    double ymax, const char *unit)
{
	double	pw = LW - LL - LR, ph = LH - LT - LB, step, y, x, vmax = 0;
	size_t	i, k, labels, every;
	bool	any = false, pen;
	char	buf[32];

	for (i = 0; i < n; i++)
		for (k = 0; k < tl->n; k++)
			if (lines[i].present[k]) {
				any = true;
				if (lines[i].v[k] > vmax)
					vmax = lines[i].v[k];
			}
	if (ymax <= 0)		/* scaled to the data */
		ymax = vmax > 0 ? vmax : 1;
	open_svg(out, id, title, LW, LH + (int)(n + 1) / 2 * 18);
	/* the grid and the y axis */
	step = tick_step(ymax);
	for (y = 0; y <= ymax * 1.0001; y += step) {
		double	py = LT + ph * (1 - y / ymax);

		fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
		    "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" "
		    "text-anchor=\"end\" fill=\"#444\">%g%s</text>", LL, py,
		    LW - LR, py, LL - 4, py + 4, y, unit);
	}
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#888\"/>", LL, LT + (int)ph, LW - LR, LT + (int)ph);
	if (!any) {
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"14\" "
		    "text-anchor=\"middle\" fill=\"#888\">no data</text></svg>",
		    LW / 2, LT + (int)ph / 2);
		return;
	}
	/* time labels: at most six, on bucket starts */
	labels = tl->n < 6 ? tl->n : 6;
	every = (tl->n + labels - 1) / labels;
	for (k = 0; k < tl->n; k += every) {
		x = LL + pw * ((double)k + 0.5) / (double)tl->n;
		time_label(buf, sizeof(buf), tl->start + (int64_t)k * tl->width,
		    tl->width);
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
		    "text-anchor=\"middle\" fill=\"#444\">%s</text>", x,
		    LT + (int)ph + 16, buf);
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#666\">"
	    "UTC, buckets of %lld %s</text>", LL, LT + (int)ph + 32,
	    (long long)(tl->width >= 86400 ? tl->width / 86400 :
	    tl->width >= 3600 ? tl->width / 3600 : tl->width / 60),
	    tl->width >= 86400 ? "day(s)" : tl->width >= 3600 ? "hour(s)" :
	    "minute(s)");
	for (i = 0; i < n; i++) {
		const char *color = palette[i % NPALETTE];

		pen = false;
		fprintf(out, "<path class=\"series\" fill=\"none\" stroke=\"%s\" "
		    "stroke-width=\"2\" d=\"", color);
		for (k = 0; k < tl->n; k++) {
			if (!lines[i].present[k]) {
				pen = false;
				continue;
			}
			fprintf(out, "%s%.1f %.1f ", pen ? "L" : "M",
			    LL + pw * ((double)k + 0.5) / (double)tl->n,
			    LT + ph * (1 - lines[i].v[k] / ymax));
			pen = true;
		}
		fputs("\"/>", out);
		for (k = 0; k < tl->n; k++)
			if (lines[i].present[k])
				fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" "
				    "r=\"2.5\" fill=\"%s\"/>", LL + pw *
				    ((double)k + 0.5) / (double)tl->n, LT + ph *
				    (1 - lines[i].v[k] / ymax), color);
		/* the legend, two per row */
		fprintf(out, "<rect x=\"%zu\" y=\"%zu\" width=\"12\" "
		    "height=\"12\" fill=\"%s\"/><text x=\"%zu\" y=\"%zu\" "
		    "font-size=\"12\" fill=\"#222\">", (size_t)LL + i % 2 * 270,
		    (size_t)LH - 8 + i / 2 * 18, color, (size_t)LL + 18 + i % 2 *
		    270, (size_t)LH + 2 + i / 2 * 18);
		put_label(out, lines[i].name);
		fputs("</text>", out);
	}
	fputs("</svg>", out);
}

void
svg_bars(FILE *out, const char *id, const char *title,
    const struct svg_bar *bars, size_t n, const char *const *segments,
    const char *const *colors, size_t nseg, const char *unit)
{
	double	max = 0, sum, x, w, pw = BW - BLABEL - 70;
	size_t	i, k;
	int	h = BT + (int)(n ? n : 1) * BROW + (nseg > 1 ? 26 : 6);

	for (i = 0; i < n; i++) {
		for (sum = 0, k = 0; k < nseg; k++)
			sum += bars[i].v[k];
		if (sum > max)
			max = sum;
	}
	open_svg(out, id, title, BW, h);
	if (n == 0 || max <= 0) {
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"14\" "
		    "text-anchor=\"middle\" fill=\"#888\">no data</text></svg>",
		    BW / 2, BT + 15);
		return;
	}
	for (i = 0; i < n; i++) {
		int	y = BT + (int)i * BROW;

		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\" "
		    "text-anchor=\"end\" fill=\"#222\">", BLABEL - 6, y + 15);
		put_label(out, bars[i].label);
		fputs("</text>", out);
		for (sum = 0, x = BLABEL, k = 0; k < nseg; k++) {
			w = pw * bars[i].v[k] / max;
			sum += bars[i].v[k];
			if (w <= 0)
				continue;
			fprintf(out, "<rect class=\"bar\" x=\"%.1f\" y=\"%d\" "
			    "width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", x,
			    y + 3, w, BROW - 6, colors ? colors[k] :
			    palette[k % NPALETTE]);
			x += w;
		}
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
		    "fill=\"#444\">%g%s</text>", x + 4, y + 15,
		    round(sum * 10) / 10, unit);
	}
	for (k = 0; nseg > 1 && k < nseg; k++) {
		int	lx = 12 + (int)k * 100;

		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" "
		    "fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"11\" "
		    "fill=\"#222\">", lx, h - 18, colors ? colors[k] :
		    palette[k % NPALETTE], lx + 14, h - 9);
		put_html(out, segments[k]);
		fputs("</text>", out);
	}
	fputs("</svg>", out);
}
