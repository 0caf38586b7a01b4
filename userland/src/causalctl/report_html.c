/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `causalctl report --html`: one self-contained file (inline CSS and SVG, no script, nothing
 * fetched), one plot per ranked line with a series per progress point.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "causalctl.h"

#define W	440
#define H	240
#define ML	60	/* margins: room for the y labels on the left, the x labels below */
#define MR	16
#define MT	14
#define MB	44

static const char *const colours[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b" };

/* s with the characters HTML gives a meaning, in text and in quoted attributes, escaped */
static void html(FILE *f, const char *s)
{
	static const char special[] = "&<>\"'";
	static const char *const entity[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
	const char *c;

	for (; s && *s; s++) {
		c = strchr(special, *s);
		if (c)
			fputs(entity[c - special], f);
		else
			fputc(*s, f);
	}
}

static double px_x(double speedup)
{
	return ML + speedup * (W - ML - MR);
}

static double px_y(double v, double lo, double hi)
{
	return MT + (hi - v) / (hi - lo) * (H - MT - MB);
}

/* A progress point's colour: by its place among the profile's points, the same in every plot. */
static const char *colour_of(const struct report_result *r, const struct report_series *s)
{
	size_t i;

	for (i = 0; i < r->npoints; i++)
		if (r->points[i].kind == s->kind && !strcmp(r->points[i].name, s->point))
			return colours[i % ARRAY_SIZE(colours)];
	return colours[0];
}

/* A round step for about four intervals over a range: 1, 2, 2.5 or 5 times a power of ten. */
static double tick_step(double range)
{
	double raw = range / 4, mag = pow(10, floor(log10(raw))), n = raw / mag;

	return mag * (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10);
}

static void plot(FILE *f, const struct report_result *r, const struct report_line *l, double lo, double hi,
		 double step)
{
	size_t j, i;
	double v;
	int k;

	fprintf(f, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"role=\"img\">\n", W, H, W, H);
	/* frame, grid and ticks */
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"frame\"/>\n", ML, MT, W - ML - MR,
		H - MT - MB);
	for (k = 0; k <= 4; k++) {
		double x = px_x(k / 4.0);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/>"
			"<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%d%%</text>\n",
			x, MT, x, H - MB, x, H - MB + 16, 25 * k);
	}
	/* round values from lo to hi, 0 among them (lo and hi are multiples of step around 0) */
	for (v = lo; v <= hi + step / 2; v += step) {
		double y = px_y(v, lo, hi), pct = 100 * v;

		if (fabs(pct) < 1e-9)
			pct = 0;
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>"
			"<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%+.*f%%</text>\n",
			ML, y, W - MR, y, ML - 6, y + 4,
			fabs(100 * step - round(100 * step)) > 1e-9 ? 1 : 0, pct);
	}
	if (lo < 0 && hi > 0)
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"zero\"/>\n", ML,
			px_y(0, lo, hi), W - MR, px_y(0, lo, hi));
	fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">line speedup</text>\n",
		(ML + W - MR) / 2, H - 8);
	fprintf(f, "<text x=\"14\" y=\"%d\" class=\"axis\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">"
		"program speedup</text>\n", (MT + H - MB) / 2, (MT + H - MB) / 2);
	for (j = 0; j < l->nseries; j++) {
		const struct report_series *s = &r->series[l->series[j]];
		const char *c = colour_of(r, s);

		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", c);
		for (i = 0; i < s->naggs; i++)
			if (s->aggs[i].used)
				fprintf(f, "%.1f,%.1f ", px_x(s->aggs[i].speedup_pct / 100.0),
					px_y(s->aggs[i].progress_speedup, lo, hi));
		fputs("\"/>\n", f);
		for (i = 0; i < s->naggs; i++) {
			const struct report_agg *a = &s->aggs[i];

			if (!a->used)
				continue;
			/* one standard error each way, clipped to the plot */
			if (isfinite(a->progress_speedup_se) && a->progress_speedup_se > 0)
				fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
					"class=\"err\"/>\n", px_x(a->speedup_pct / 100.0),
					px_y(fmin(hi, a->progress_speedup + a->progress_speedup_se), lo, hi),
					px_x(a->speedup_pct / 100.0),
					px_y(fmax(lo, a->progress_speedup - a->progress_speedup_se), lo, hi), c);
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>", px_x(a->speedup_pct / 100.0),
				px_y(a->progress_speedup, lo, hi), c);
			html(f, s->point);
			fprintf(f, ": line %d%% \u2192 program %+.1f%%", a->speedup_pct, 100 * a->progress_speedup);
			if (isfinite(a->progress_speedup_se))
				fprintf(f, " \u00b1 %.1f", 100 * a->progress_speedup_se);
			fprintf(f, " (%u experiments)</title></circle>\n", a->experiments);
		}
	}
	fputs("</svg>\n", f);
}

void report_print_html(FILE *f, const char *path, const struct profile *p, const struct report_result *r,
		       size_t top)
{
	double lo = 0, hi = 0, pad, step;
	size_t i, j;

	if (!top || top > r->nlines)
		top = r->nlines;
	/* one y scale for every plot, as Coz's viewer does, so that plots compare at a glance */
	for (i = 0; i < top; i++)
		for (j = 0; j < r->lines[i].nseries; j++) {
			const struct report_series *s = &r->series[r->lines[i].series[j]];

			lo = fmin(lo, s->min);
			hi = fmax(hi, s->max);
		}
	/* a little room around the points, then out to round ticks; 0 is always one (lo <= 0 <= hi) */
	pad = (hi - lo) * 0.05;
	if (pad <= 0)
		pad = 0.05;
	step = tick_step(hi - lo + 2 * pad);
	lo = step * floor((lo - pad) / step);
	hi = step * ceil((hi + pad) / step);

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>causal report: ", f);
	html(f, path);
	fputs("</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:1.5em;color:#222}\n"
	      "table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right}\n"
	      "td.n,th.n{text-align:left;font-family:monospace}\n"
	      ".plots{display:flex;flex-wrap:wrap;gap:12px}\n"
	      ".plot{border:1px solid #ccc;padding:6px}\n.plot h3{font-size:0.9em;font-family:monospace;margin:0 0 4px}\n"
	      ".frame{fill:none;stroke:#888}.grid{stroke:#eee}.zero{stroke:#888;stroke-dasharray:4 3}\n"
	      ".err{stroke-width:1;stroke-opacity:0.5}\n"
	      ".tick{font-size:10px;fill:#555}.axis{font-size:11px;fill:#333}\n"
	      ".legend span{font-family:monospace;font-size:0.8em;margin-right:1em}\n"
	      ".notes{color:#844}\n"
	      "</style>\n</head>\n<body>\n<h1>causal report</h1>\n<p>Profile <code>", f);
	html(f, path);
	fprintf(f, "</code>: %u run(s), %zu experiments", p->runs, r->experiments);
	if (p->thread_model) {
		fputs(", thread model ", f);
		html(f, p->thread_model);
	}
	if (p->event) {
		fputs(", event ", f);
		html(f, p->event);
	}
	fprintf(f, ". %zu lines ranked by %s (at least %u distinct speedups).</p>\n", r->nlines,
		report_sort_name(r->sort), r->min_points);

	fputs("<ul class=\"notes\">\n", f);
	if (r->target_ended)
		fprintf(f, "<li>%zu experiments left out: the program ended during them (winding down)</li>\n",
			r->target_ended);
	if (r->delays.payments)
		fprintf(f, "<li>delays: %" PRIu64 " payments in %zu experiments, %.0f &micro;s each and off by "
			"%.0f &micro;s on average (how late this machine wakes a sleeping thread)</li>\n",
			r->delays.payments, r->delays.experiments,
			(double)r->delays.paid_ns / (double)r->delays.payments / 1e3,
			(double)r->delays.error_ns / (double)r->delays.payments / 1e3);
	if (r->no_baseline)
		fprintf(f, "<li>%zu line/point series dropped: no 0%% baseline</li>\n", r->no_baseline);
	if (r->thin_baseline)
		fprintf(f, "<li>%zu series dropped: baseline with fewer than %d visits</li>\n", r->thin_baseline,
			REPORT_MIN_DELTA);
	if (r->thin_points)
		fprintf(f, "<li>%zu speedup values dropped: fewer than %d visits</li>\n", r->thin_points,
			REPORT_MIN_DELTA);
	if (r->out_of_range)
		fprintf(f, "<li>%zu speedup values dropped: outside [-100%%, +200%%]</li>\n", r->out_of_range);
	if (r->few_points)
		fprintf(f, "<li>%zu series filtered: fewer than %u distinct speedups</li>\n", r->few_points,
			r->min_points);
	if (r->unselected)
		fprintf(f, "<li>%zu series dropped: their experiments above 0%% selected no sample</li>\n",
			r->unselected);
	for (i = 0; i < r->npoints; i++)
		if (!r->points[i].total) {
			fputs("<li>progress point <code>", f);
			html(f, r->points[i].name);
			fputs("</code> was never reached</li>\n", f);
		}
	if (p->bad_lines)
		fprintf(f, "<li>%lu profile lines could not be parsed</li>\n", p->bad_lines);
	fputs("</ul>\n", f);

	fputs("<table>\n<tr><th>rank</th><th class=\"n\">line</th><th class=\"n\">progress point</th>"
	      "<th>impact</th><th>&plusmn;</th><th>slope</th><th>max</th><th>min</th><th>speedups</th><th>experiments</th></tr>\n", f);
	for (i = 0; i < top; i++)
		for (j = 0; j < r->lines[i].nseries; j++) {
			const struct report_series *s = &r->series[r->lines[i].series[j]];

			fprintf(f, "<tr><td>%zu</td><td class=\"n\">", i + 1);
			html(f, s->selected);
			fputs("</td><td class=\"n\">", f);
			html(f, s->point);
			fprintf(f, "%s</td><td>%+.1f%%</td>", s->kind == PROFILE_LATENCY ? " (latency)" : "",
				100 * s->impact);
			if (isfinite(s->impact_se))
				fprintf(f, "<td>%.1f</td>", 100 * s->impact_se);
			else
				fputs("<td>-</td>", f);
			fprintf(f, "<td>%+.2f</td><td>%+.1f%%</td><td>%+.1f%%</td><td>%zu</td><td>%u</td></tr>\n",
				s->slope, 100 * s->max, 100 * s->min, s->nused, s->experiments);
		}
	fputs("</table>\n<p>&plusmn;: the standard error of the impact, from the spread of repeated experiments "
	      "(-: too few repeats); in the plots, a bar is one standard error of a point each way.</p>\n"
	      "<div class=\"plots\">\n", f);
	for (i = 0; i < top; i++) {
		const struct report_line *l = &r->lines[i];

		fprintf(f, "<div class=\"plot\">\n<h3>%zu. ", i + 1);
		html(f, l->selected);
		fputs("</h3>\n", f);
		plot(f, r, l, lo, hi, step);
		fputs("<div class=\"legend\">", f);
		for (j = 0; j < l->nseries; j++) {
			const struct report_series *s = &r->series[l->series[j]];

			fprintf(f, "<span style=\"color:%s\">\u25cf ", colour_of(r, s));
			html(f, s->point);
			fprintf(f, "%s</span>", s->kind == PROFILE_LATENCY ? " (latency)" : "");
		}
		fputs("</div>\n</div>\n", f);
	}
	fputs("</div>\n</body>\n</html>\n", f);
}
