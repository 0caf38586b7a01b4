/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The terminal form of `causalctl report`: a ranked table with a sparkline per series. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "causalctl.h"

#define SPARK_COLS 21	/* 0 %, 5 %, ... 100 % line speedup */
#define NAME_MAX_COLS 48

/*
 * One character per 5 % of line speedup: the block height is the program speedup, scaled between
 * min(0, lowest) and max(0, highest) so that 0 sits at the same height for the whole series; a
 * dot where no experiment measured that speedup.
 */
static void sparkline(FILE *f, const struct report_series *s, bool ascii)
{
	static const char *const blocks[8] = { "\u2581", "\u2582", "\u2583", "\u2584",
						"\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii_levels[] = "_.-:=+*#";
	double lo = s->min < 0 ? s->min : 0, hi = s->max > 0 ? s->max : 0;
	const struct report_agg *best;
	size_t i;
	int c, level, d;

	for (c = 0; c < SPARK_COLS; c++) {
		best = NULL;
		for (i = 0; i < s->naggs; i++) {
			if (!s->aggs[i].used)
				continue;
			d = s->aggs[i].speedup_pct - 5 * c;
			if (d >= -2 && d <= 2 && (!best || abs(d) < abs(best->speedup_pct - 5 * c)))
				best = &s->aggs[i];
		}
		if (!best) {
			fputs(ascii ? " " : "\u00b7", f);
			continue;
		}
		level = hi > lo ? (int)lround((best->progress_speedup - lo) / (hi - lo) * 7) : 0;
		if (level < 0)
			level = 0;
		if (level > 7)
			level = 7;
		if (ascii)
			fputc(ascii_levels[level], f);
		else
			fputs(blocks[level], f);
	}
}

/* "±4.8" right-aligned in 6 columns, one word for scripts that split on blanks; "-" if unknown. */
static void se_cell(FILE *f, double se, bool ascii)
{
	char cell[32];

	if (!isfinite(se)) {
		fprintf(f, "%6s", "-");
		return;
	}
	snprintf(cell, sizeof(cell), "%s%.1f", ascii ? "+-" : "\u00b1", 100 * se);
	/* the UTF-8 '±' takes two bytes and one column */
	fprintf(f, "%*s", ascii ? 6 : 7, cell);
}

/*
 * A name from a profile as the terminal may show it: control characters (C0, DEL, and C1 as
 * UTF-8 encodes them, which terminals also obey) become '?', so that a file name or a point name
 * cannot move the cursor, change colours or retitle the window.
 */
static const char *clean(const char *in, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t n = 0;

	while (*p && n + 1 < len) {
		if (*p < 0x20 || *p == 0x7f) {
			buf[n++] = '?';
			p++;
		} else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			buf[n++] = '?';
			p += 2;
		} else {
			buf[n++] = (char)*p++;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* Long paths keep their tail, which has the file name and line number. */
static void name_cell(FILE *f, const char *raw, int width)
{
	char buf[1024];
	const char *name = clean(raw, buf, sizeof(buf));
	int len = (int)strlen(name);

	if (len > width)
		fprintf(f, "...%s", name + len - (width - 3));
	else
		fprintf(f, "%-*s", width, name);
}

static int name_width(const struct report_result *r, size_t top, bool point)
{
	size_t i, j;
	int w = point ? 14 : 4, len;

	for (i = 0; i < r->nlines && i < top; i++) {
		for (j = 0; j < r->lines[i].nseries; j++) {
			const struct report_series *s = &r->series[r->lines[i].series[j]];

			len = (int)strlen(point ? s->point : s->selected) + (point && s->kind == PROFILE_LATENCY ? 10 : 0);
			if (len > w)
				w = len;
		}
	}
	return w > NAME_MAX_COLS ? NAME_MAX_COLS : w;
}

static void print_notes(FILE *f, const struct report_result *r)
{
	size_t i, reached = 0;
	char name[1024];

	if (r->skipped_header)
		fprintf(f, "note: %zu experiments in coz.h/causal.h (the progress-point macros) left out\n",
			r->skipped_header);
	if (r->target_ended)
		fprintf(f, "note: %zu experiments during which the program ended left out (it was winding down)\n",
			r->target_ended);
	if (r->delays.payments)
		fprintf(f, "delays: %" PRIu64 " payments in %zu experiments, %.0f us each and off by %.0f us on "
			"average (|slept - owed|, carried to the next payment; mostly how late this machine "
			"wakes a sleeping thread)\n", r->delays.payments, r->delays.experiments,
			(double)r->delays.paid_ns / (double)r->delays.payments / 1e3,
			(double)r->delays.error_ns / (double)r->delays.payments / 1e3);
	if (r->no_baseline)
		fprintf(f, "dropped: %zu line/point series without a 0%% speedup experiment (no baseline)\n",
			r->no_baseline);
	if (r->thin_baseline)
		fprintf(f, "dropped: %zu line/point series whose 0%% baseline has fewer than %d visits\n",
			r->thin_baseline, REPORT_MIN_DELTA);
	if (r->thin_points)
		fprintf(f, "dropped: %zu speedup values with fewer than %d visits\n", r->thin_points,
			REPORT_MIN_DELTA);
	if (r->out_of_range)
		fprintf(f, "dropped: %zu speedup values with program speedup outside [-100%%, +200%%]\n",
			r->out_of_range);
	if (r->few_points)
		fprintf(f, "filtered: %zu line/point series with fewer than %u distinct speedups (--min-points)\n",
			r->few_points, r->min_points);
	if (r->unselected)
		fprintf(f, "dropped: %zu line/point series whose experiments above 0%% selected no sample "
			"(nothing was delayed: the line's time is where its callchain does not lead)\n",
			r->unselected);
	for (i = 0; i < r->npoints; i++) {
		if (r->points[i].total)
			reached++;
		else
			fprintf(f, "warning: progress point %s was never reached (%lu records, all zero)\n",
				clean(r->points[i].name, name, sizeof(name)), r->points[i].records);
	}
	if (r->npoints && !reached)
		fprintf(f, "warning: no progress point was ever reached, so no speedup can be measured\n");
}

void report_print_verdict(FILE *f, const struct report_result *r)
{
	const struct report_series *s;
	double y, se;
	char pm[32] = "", sel[1024], pt[1024];
	int pct = (int)lround(100 * REPORT_VERDICT_SPEEDUP);

	if (!r->nlines)
		return;
	s = &r->series[r->lines[0].series[0]];
	clean(s->selected, sel, sizeof(sel));
	clean(s->point, pt, sizeof(pt));
	if (!report_predict(s, REPORT_VERDICT_SPEEDUP, &y, &se)) {
		size_t i, used = 0;
		bool reached = false;

		for (i = 0; i < s->naggs; i++) {
			used += s->aggs[i].used;
			reached |= s->aggs[i].used && s->aggs[i].speedup_pct >= pct;
		}
		if (reached)
			fprintf(f, "verdict: %s ranks first, but its experiments have %zu distinct speedups; "
				"predicting %d %% takes 3\n", sel, used, pct);
		else
			fprintf(f, "verdict: %s ranks first, but no experiment sped it up by %d %% or more\n",
				sel, pct);
		return;
	}
	if (s->impact <= 0 || y <= 0) {
		fprintf(f, "verdict: none of the %zu ranked lines would speed the program up; the best, %s, "
			"changes progress at %s by %+.1f %% when sped up by %d %%\n", r->nlines, sel, pt,
			100 * y, pct);
		return;
	}
	if (isfinite(se))
		snprintf(pm, sizeof(pm), " (+-%.0f)", 100 * se);
	fprintf(f, "verdict: speeding up %s by %d %% would speed the program up by about %.0f %%%s "
		"(progress point %s%s)\n", sel, pct, 100 * y, pm, pt,
		s->kind == PROFILE_LATENCY ? ", latency" : "");
}

/* The table's columns besides the two names, as printed: with the plot (whose header is 26 wide), without */
#define TABLE_FIXED_COLS	87
#define TABLE_NO_PLOT_COLS	59

void report_print_text(FILE *f, const struct report_result *r, size_t top, bool ascii, int columns)
{
	int lw, pw, avail;
	bool plot = true;
	size_t i, j, shown;

	if (!top || top > r->nlines)
		top = r->nlines;
	shown = top;
	if (!r->nlines) {
		print_notes(f, r);
		fprintf(f, "no line has a baseline and %u distinct speedups with data", r->min_points);
		if (r->lines_few_points)
			fprintf(f, ": %zu lines were filtered by --min-points %u; a lower --min-points shows them, "
				"or a longer run gives them more experiments\n", r->lines_few_points, r->min_points);
		else if (r->target_ended && r->target_ended + r->skipped_header == r->experiments)
			fputs(": every experiment ran while the program ended; a shorter --experiment-length or a "
			      "longer run gives it whole ones\n", f);
		else
			fputs("\n", f);
		return;
	}
	lw = name_width(r, top, false);
	pw = name_width(r, top, true);
	/*
	 * In a terminal (or with COLUMNS), fit its width: the names give up their heads first (they
	 * keep the file name and line), the point's down to 14 columns; the plot goes if even then
	 * the line would wrap.
	 */
	if (columns > 0) {
		avail = columns - TABLE_FIXED_COLS;
		if (avail < 30) {
			plot = false;
			avail = columns - TABLE_NO_PLOT_COLS;
		}
		if (lw + pw > avail) {
			if (pw > avail / 3)
				pw = avail / 3 > 14 ? avail / 3 : 14;
			lw = avail - pw > 10 ? avail - pw : 10;
		}
	}
	fprintf(f, "%4s  %-*s  %-*s  %8s  %*s  %6s  %8s  %6s  %5s%s%s\n", "rank", lw, "line", pw, "progress point",
		"impact", ascii ? 6 : 7, ascii ? "+-" : "\u00b1", "slope", "max", "points", "exps",
		plot ? "  " : "", plot ? "0% .. line speedup .. 100%" : "");
	for (i = 0; i < top; i++) {
		const struct report_line *l = &r->lines[i];

		for (j = 0; j < l->nseries; j++) {
			const struct report_series *s = &r->series[l->series[j]];
			char point[NAME_MAX_COLS * 2 + 16];

			snprintf(point, sizeof(point), "%s%s", s->point,
				 s->kind == PROFILE_LATENCY ? " (latency)" : "");
			if (j)
				fprintf(f, "%4s  %-*s  ", "", lw, "");
			else {
				fprintf(f, "%4zu  ", i + 1);
				name_cell(f, l->selected, lw);
				fputs("  ", f);
			}
			name_cell(f, point, pw);
			fprintf(f, "  %+7.1f%%  ", 100 * s->impact);
			se_cell(f, s->impact_se, ascii);
			fprintf(f, "  %+6.2f  %+7.1f%%  %6zu  %5u", s->slope, 100 * s->max, s->nused, s->experiments);
			if (plot) {
				fputs("  ", f);
				sparkline(f, s, ascii);
			}
			fputc('\n', f);
		}
	}
	if (shown < r->nlines)
		fprintf(f, "(%zu more lines; --top 0 shows all)\n", r->nlines - shown);
	fprintf(f, "sorted by %s; impact: mean program speedup over line speedups 0..x, best x; %s: its standard "
		"error, from the spread of repeated experiments ('-': too few repeats); slope: least squares weighted "
		"by experiment time, program speedup per unit of line speedup\n", report_sort_name(r->sort),
		ascii ? "+-" : "\u00b1");
	print_notes(f, r);
	report_print_verdict(f, r);
}
