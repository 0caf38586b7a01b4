/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Report maths: program speedup per (line, progress point, line speedup) computed as Coz's viewer
 * does (coz-notes §3.2), with its filters counted instead of silent, and the ranking scores.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "causalctl.h"
#include "symutil.h"

const char *report_sort_name(enum report_sort s)
{
	static const char *const names[] = {
		[REPORT_SORT_IMPACT] = "impact", [REPORT_SORT_SLOPE] = "slope", [REPORT_SORT_MAX] = "max",
		[REPORT_SORT_MIN] = "min", [REPORT_SORT_IMPACT_SE] = "impact-se",
	};

	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "impact";
}

/* Experiments in the progress-point macros themselves measure the instrumentation, not the program. */
static bool in_header(const char *sel)
{
	return strstr(sel, "/coz.h:") || strstr(sel, "/causal.h:") || !strncmp(sel, "coz.h:", 6) ||
	       !strncmp(sel, "causal.h:", 9);
}

/* "selected\x1fpoint\x1fkind": one series' key in the map below */
static int series_key(char **key, const char *sel, const struct profile_point *pt)
{
	return asprintf(key, "%s\x1f%s\x1f%d", sel, pt->name, (int)pt->kind) < 0 ? -1 : 0;
}

/*
 * The series of (sel, point), made on first use. A map from its key to its index keeps this
 * linear in the records: a profile of Coz's with 40 000 distinct lines took seconds when each
 * record searched the series before it.
 */
static struct report_series *find_series(struct report_result *r, size_t *cap, struct strmap *index,
					 const char *sel, const struct profile_point *pt)
{
	struct report_series *s, *a;
	uint32_t at;
	char *key;

	if (series_key(&key, sel, pt))
		return NULL;
	if (strmap_get(index, key, &at)) {
		free(key);
		return &r->series[at];
	}
	a = array_grow(r->series, r->nseries, cap, sizeof(*r->series), 16);
	if (!a || strmap_put(index, key, (uint32_t)r->nseries)) {
		if (a)
			r->series = a;
		free(key);
		return NULL;
	}
	free(key);
	r->series = a;
	s = &r->series[r->nseries++];
	memset(s, 0, sizeof(*s));
	s->selected = sel;
	s->point = pt->name;
	s->kind = pt->kind;
	return s;
}

static struct report_agg *find_agg(struct report_series *s, int pct)
{
	struct report_agg *a;
	size_t i;

	for (i = 0; i < s->naggs; i++)
		if (s->aggs[i].speedup_pct == pct)
			return &s->aggs[i];
	/* at most 101 distinct whole percents, so growing one at a time is cheap enough */
	a = realloc(s->aggs, (s->naggs + 1) * sizeof(*a));
	if (!a)
		return NULL;
	s->aggs = a;
	a[s->naggs] = (struct report_agg){ .speedup_pct = pct };
	return &a[s->naggs++];
}

static int add_total(struct report_result *r, size_t *cap, const struct profile_point *pt)
{
	struct report_point_total *t, *a;
	size_t i;

	for (i = 0; i < r->npoints; i++) {
		t = &r->points[i];
		if (t->kind == pt->kind && !strcmp(t->name, pt->name))
			goto found;
	}
	a = array_grow(r->points, r->npoints, cap, sizeof(*r->points), 16);
	if (!a)
		return -1;
	r->points = a;
	t = &r->points[r->npoints++];
	memset(t, 0, sizeof(*t));
	t->name = pt->name;
	t->kind = pt->kind;
found:
	t->records++;
	t->total += pt->kind == PROFILE_THROUGHPUT ? pt->delta : pt->arrivals + pt->departures;
	return 0;
}

/* Time per visit (throughput) or mean latency W = L / λ with λ = arrivals / duration (Little's law). */
static double period_of(enum profile_point_kind kind, uint64_t duration, uint64_t delta, uint64_t arrivals,
			double difference)
{
	if (kind == PROFILE_THROUGHPUT)
		return (double)duration / (double)delta;
	return difference / ((double)arrivals / (double)duration);
}

/* One experiment's own period, or 0 when it saw too few visits to count. */
static double exp_period(const struct profile_exp *e, const struct profile_point *pt)
{
	if (!e->duration || (pt->kind == PROFILE_THROUGHPUT ? pt->delta : pt->arrivals) < REPORT_MIN_DELTA)
		return 0;
	return period_of(pt->kind, e->duration, pt->delta, pt->arrivals, (double)pt->difference);
}

static void accumulate(struct report_agg *a, const struct profile_exp *e, const struct profile_point *pt)
{
	uint64_t total = a->duration + e->duration;
	double q = exp_period(e, pt), t = (double)e->duration / 1e9;

	if (q > 0 && isfinite(q)) {
		a->rep_n++;
		a->rep_t += t;
		a->rep_tq += t * q;
		a->rep_tqq += t * q * q;
	}

	a->experiments++;
	if (pt->kind == PROFILE_THROUGHPUT) {
		a->delta += pt->delta;
	} else {
		a->arrivals += pt->arrivals;
		a->departures += pt->departures;
		/* duration-weighted running mean, as Coz's viewer keeps it */
		if (!a->duration || !total)
			a->difference = (double)pt->difference;
		else
			a->difference = a->difference * ((double)a->duration / (double)total) +
					(double)pt->difference * (double)e->duration / (double)total;
	}
	a->duration = total;
}

static int cmp_agg(const void *x, const void *y)
{
	const struct report_agg *a = x, *b = y;

	return (a->speedup_pct > b->speedup_pct) - (a->speedup_pct < b->speedup_pct);
}

/* Visits that count towards MIN_DELTA: deltas for throughput, arrivals for latency. */
static uint64_t visits(const struct report_series *s, const struct report_agg *a)
{
	return s->kind == PROFILE_THROUGHPUT ? a->delta : a->arrivals;
}

static double period(const struct report_series *s, const struct report_agg *a)
{
	return period_of(s->kind, a->duration, a->delta, a->arrivals, a->difference);
}

/*
 * The standard error of the impact. Each speedup's period p_j has a relative error of variance
 * noise / T_j (T_j its experiment time in s), and program speedup y_j = 1 - p_j / p_0 shares the
 * baseline's error with every other point. The impact is a weighted sum of the y_j (trapezoid
 * weights c_j / x over the points up to x), so
 *   Var = sum (c_j r_j / x)^2 noise / T_j + (sum c_j r_j / x)^2 noise / T_0,  r_j = p_j / p_0.
 */
static double impact_se(const struct report_series *s, double noise)
{
	double x = s->impact_x, px = 0, cx, nx, w, var = 0, shared = 0, t0 = 0;
	const struct report_agg *a, *cur = NULL;
	size_t i;

	if (!isfinite(noise) || !(x > 0))
		return NAN;
	/* walk the used points up to x; each one's weight needs the next one's position */
	for (i = 0; i <= s->naggs; i++) {
		a = i < s->naggs ? &s->aggs[i] : NULL;
		if (a && (!a->used || a->speedup_pct / 100.0 > x))
			continue;
		if (cur) {
			cx = cur->speedup_pct / 100.0;
			nx = a ? a->speedup_pct / 100.0 : cx;
			if (!cur->speedup_pct) {
				t0 = (double)cur->duration / 1e9;
			} else {
				/* half the segment before it and half the one after, over x, times r */
				w = (nx - px) / 2 / x * (1 - cur->progress_speedup);
				var += w * w * noise / ((double)cur->duration / 1e9);
				shared += w;
			}
			px = cx;
		}
		if (!a)
			break;
		cur = a;
	}
	if (!(t0 > 0))
		return NAN;
	return sqrt(var + shared * shared * noise / t0);
}

/* Each speedup's own error: r sqrt(noise / T + noise / T_0), 0 for the baseline itself. */
static void point_se(struct report_series *s, double noise)
{
	const struct report_agg *base = NULL;
	struct report_agg *a;
	size_t i;

	for (i = 0; i < s->naggs; i++)
		if (s->aggs[i].used && !s->aggs[i].speedup_pct)
			base = &s->aggs[i];
	for (i = 0; i < s->naggs; i++) {
		a = &s->aggs[i];
		if (!a->used || !base || !isfinite(noise) || !a->duration || !base->duration)
			a->progress_speedup_se = NAN;
		else if (a == base)
			a->progress_speedup_se = 0;
		else
			a->progress_speedup_se = (1 - a->progress_speedup) *
				sqrt(noise / ((double)a->duration / 1e9) + noise / ((double)base->duration / 1e9));
	}
}

/*
 * slope: least squares weighted by each speedup's experiment time. A speedup tried once for a
 * short experiment is a noisy point; unweighted, it counted as much as one tried twenty times,
 * and a line with few experiments could out-rank the real bottleneck on noise alone.
 */
static void score(struct report_series *s, double noise)
{
	double area = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0, den;
	double px = 0, py = 0, x, y, w;
	bool first = true, any_norm = false;
	size_t i;

	s->impact = 0;
	s->impact_x = 0;
	s->max = -INFINITY;
	s->min = INFINITY;
	for (i = 0; i < s->naggs; i++) {
		if (!s->aggs[i].used)
			continue;
		x = s->aggs[i].speedup_pct / 100.0;
		y = s->aggs[i].progress_speedup;
		/*
		 * impact: the largest mean height of the curve over [0, x], i.e. trapezoid area from
		 * 0 to x over x. Coz's viewer floors it at 0; we keep negative values so that lines
		 * that only hurt still rank among themselves.
		 */
		if (!first) {
			area += (x - px) * (y + py) / 2;
			if (x > 0 && (!any_norm || area / x > s->impact)) {
				s->impact = area / x;
				s->impact_x = x;
				any_norm = true;
			}
		}
		first = false;
		px = x;
		py = y;
		w = (double)s->aggs[i].duration;
		sx += w * x;
		sy += w * y;
		sxx += w * x * x;
		sxy += w * x * y;
		n += w;
		if (y > s->max)
			s->max = y;
		if (y < s->min)
			s->min = y;
	}
	den = n * sxx - sx * sx;
	/* relative to the scale: equal speedups leave only rounding in den */
	s->slope = den > 1e-12 * n * n ? (n * sxy - sx * sy) / den : 0;
	if (!s->nused)
		s->max = s->min = 0;
	s->impact_se = impact_se(s, noise);
	point_se(s, noise);
}

static double key(const struct report_series *s, enum report_sort sort)
{
	switch (sort) {
	case REPORT_SORT_SLOPE:
		return s->slope;
	case REPORT_SORT_MAX:
		return s->max;
	case REPORT_SORT_MIN:
		return s->min;
	case REPORT_SORT_IMPACT_SE:
		return s->impact - (isfinite(s->impact_se) ? s->impact_se : 0);
	default:
		return s->impact;
	}
}

/* qsort has no context argument in C11; the sort key for the comparators below. */
static const struct report_result *sorting;

static int better(double a, double b)
{
	/* min: most negative first (contention); the others: largest first */
	if (sorting->sort == REPORT_SORT_MIN)
		return (a > b) - (a < b);
	return (a < b) - (a > b);
}

static int cmp_line(const void *x, const void *y)
{
	const struct report_line *a = x, *b = y;
	int c = better(a->score, b->score);

	return c ? c : strcmp(a->selected, b->selected);
}

static int cmp_series_idx(const void *x, const void *y)
{
	const struct report_series *a = &sorting->series[*(const size_t *)x];
	const struct report_series *b = &sorting->series[*(const size_t *)y];
	int c = better(key(a, sorting->sort), key(b, sorting->sort));

	return c ? c : strcmp(a->point, b->point);
}

static struct report_point_total *find_total(struct report_result *r, const char *name,
					      enum profile_point_kind kind)
{
	size_t i;

	for (i = 0; i < r->npoints; i++)
		if (r->points[i].kind == kind && !strcmp(r->points[i].name, name))
			return &r->points[i];
	return NULL;
}

/*
 * Each point's noise, from the spread of experiments repeated at one (line, speedup): the
 * pooled variance of their periods relative to their mean, each weighted by its length, so
 * one 200 ms experiment is trusted half as much as one of 400 ms.
 */
static void estimate_noise(struct report_result *r)
{
	struct report_point_total *t;
	const struct report_agg *a;
	double q, ss;
	size_t i, j;

	for (i = 0; i < r->npoints; i++)
		r->points[i].noise = 0;
	for (i = 0; i < r->nseries; i++) {
		t = find_total(r, r->series[i].point, r->series[i].kind);
		for (j = 0; t && j < r->series[i].naggs; j++) {
			a = &r->series[i].aggs[j];
			if (a->rep_n < 2 || !(a->rep_t > 0))
				continue;
			q = a->rep_tq / a->rep_t;
			ss = a->rep_tqq - a->rep_tq * q;
			if (!(q > 0) || !isfinite(ss))
				continue;
			t->noise += (ss > 0 ? ss : 0) / (q * q);
			t->noise_dof += a->rep_n - 1;
		}
	}
	for (i = 0; i < r->npoints; i++) {
		t = &r->points[i];
		t->noise = t->noise_dof >= REPORT_MIN_NOISE_DOF ? t->noise / (double)t->noise_dof : NAN;
	}
}

static void finish_series(struct report_result *r, struct report_series *s)
{
	const struct report_point_total *t;
	struct report_agg *base = NULL, *a;
	double p0;
	size_t i;

	if (s->naggs > 1)
		qsort(s->aggs, s->naggs, sizeof(*s->aggs), cmp_agg);
	for (i = 0; i < s->naggs; i++) {
		s->experiments += s->aggs[i].experiments;
		if (s->aggs[i].speedup_pct == 0)
			base = &s->aggs[i];
	}
	if (!base) {
		r->no_baseline++;
		return;
	}
	if (s->timed_above0 && !s->selected_above0) {
		r->unselected++;
		return;
	}
	p0 = period(s, base);
	if (visits(s, base) < REPORT_MIN_DELTA || !isfinite(p0) || p0 <= 0) {
		r->thin_baseline++;
		return;
	}
	for (i = 0; i < s->naggs; i++) {
		a = &s->aggs[i];
		if (visits(s, a) < REPORT_MIN_DELTA) {
			r->thin_points++;
			continue;
		}
		a->period = period(s, a);
		if (!isfinite(a->period))
			continue;
		/*
		 * Both periods are "lower is better" (time per visit, or mean latency W), so one
		 * formula serves both: a shorter latency is a positive program speedup. Negating it
		 * for latency, as the notes describe Coz's viewer, would rank a line that cuts
		 * latency as harmful.
		 */
		a->progress_speedup = (p0 - a->period) / p0;
		if (a->progress_speedup < -1 || a->progress_speedup > 2) {
			r->out_of_range++;
			continue;
		}
		a->used = true;
		s->nused++;
	}
	if (s->nused < r->min_points) {
		r->few_points++;
		return;
	}
	s->ranked = true;
	t = find_total(r, s->point, s->kind);
	score(s, t ? t->noise : NAN);
}

/* One entry per selected line that has a ranked series, grouped through a map from the line. */
static int build_lines(struct report_result *r)
{
	struct strmap index = { 0 };
	bool *any_data = NULL;
	size_t *nall = NULL;
	size_t i, cap = 0, nl = 0, k;
	uint32_t at;
	int ret = -1;

	/* the lines in the order they first appear, each with room for all its series */
	for (i = 0; i < r->nseries; i++) {
		if (strmap_get(&index, r->series[i].selected, &at)) {
			nall[at]++;
			continue;
		}
		if (nl == cap) {
			size_t c = cap ? 2 * cap : 16;
			struct report_line *l = realloc(r->lines, c * sizeof(*l));
			size_t *n2;
			bool *d2;

			if (!l)
				goto out;
			r->lines = l;
			n2 = realloc(nall, c * sizeof(*n2));
			if (!n2)
				goto out;
			nall = n2;
			d2 = realloc(any_data, c * sizeof(*d2));
			if (!d2)
				goto out;
			any_data = d2;
			cap = c;
		}
		if (strmap_put(&index, r->series[i].selected, (uint32_t)nl))
			goto out;
		memset(&r->lines[nl], 0, sizeof(r->lines[nl]));
		r->lines[nl].selected = r->series[i].selected;
		nall[nl] = 1;
		any_data[nl] = false;
		nl++;
	}
	for (k = 0; k < nl; k++) {
		r->lines[k].series = calloc(nall[k], sizeof(*r->lines[k].series));
		if (!r->lines[k].series) {
			r->nlines = nl;	/* report_free frees what was made */
			goto out;
		}
	}
	r->nlines = nl;
	for (i = 0; i < r->nseries; i++) {
		const struct report_series *s = &r->series[i];
		struct report_line *line;

		strmap_get(&index, s->selected, &at);
		line = &r->lines[at];
		any_data[at] |= s->nused > 0;
		if (!s->ranked)
			continue;
		if (!line->nseries || better(key(s, r->sort), line->score) < 0)
			line->score = key(s, r->sort);
		line->series[line->nseries++] = i;
	}
	/* keep the lines with a ranked series, in order; count those with values but too few speedups */
	for (i = k = 0; i < nl; i++) {
		if (!r->lines[i].nseries) {
			if (any_data[i])
				r->lines_few_points++;
			free(r->lines[i].series);
			continue;
		}
		if (r->lines[i].nseries > 1)
			qsort(r->lines[i].series, r->lines[i].nseries, sizeof(*r->lines[i].series),
			      cmp_series_idx);
		r->lines[k++] = r->lines[i];
	}
	r->nlines = k;
	/* qsort's pointer must not be NULL, even for no elements */
	if (r->nlines > 1)
		qsort(r->lines, r->nlines, sizeof(*r->lines), cmp_line);
	ret = 0;
out:
	strmap_free(&index);
	free(nall);
	free(any_data);
	return ret;
}

int report_analyse(const struct profile *p, enum report_sort sort, unsigned int min_points,
		   struct report_result *r)
{
	size_t i, j, scap = 0, pcap = 0;
	struct strmap index = { 0 };
	const struct profile_exp *e;
	const struct profile_point *pt;
	struct report_series *s;
	struct report_agg *a;

	memset(r, 0, sizeof(*r));
	r->sort = sort;
	r->min_points = min_points;
	r->experiments = p->nexps;
	for (i = 0; i < p->nexps; i++) {
		e = &p->exps[i];
		for (j = 0; j < e->npoints; j++)
			if (add_total(r, &pcap, &p->points[e->first_point + j]))
				goto oom;
		if (in_header(e->selected)) {
			r->skipped_header++;
			continue;
		}
		/* threads finishing one by one: not the rate the other experiments measured */
		if (e->target_ended) {
			r->target_ended++;
			continue;
		}
		if (e->speedup_pct > 0 && e->has_times) {
			r->delays.experiments++;
			r->delays.wall_ns += e->end_ns > e->start_ns ? e->end_ns - e->start_ns : 0;
			r->delays.inserted_ns += e->delay_inserted;
			r->delays.paid_ns += e->delay_paid;
			r->delays.payments += e->payments;
			r->delays.error_ns += e->paid_error_ns > 0 ? (uint64_t)e->paid_error_ns : 0;
		}
		for (j = 0; j < e->npoints; j++) {
			pt = &p->points[e->first_point + j];
			s = find_series(r, &scap, &index, e->selected, pt);
			if (!s)
				goto oom;
			a = find_agg(s, e->speedup_pct);
			if (!a)
				goto oom;
			accumulate(a, e, pt);
			if (e->speedup_pct > 0 && e->has_times) {
				s->timed_above0++;
				s->selected_above0 += e->selected_samples;
			}
		}
	}
	strmap_free(&index);
	estimate_noise(r);
	for (i = 0; i < r->nseries; i++)
		finish_series(r, &r->series[i]);
	sorting = r;
	if (build_lines(r))
		goto oom;
	sorting = NULL;
	return 0;
oom:
	strmap_free(&index);
	sorting = NULL;
	report_free(r);
	return -1;
}

/*
 * A local linear fit at x: each measured speedup weighs its experiment time times a triangle of
 * half-width h around x, h widened from 0.25 until the window holds three distinct speedups.
 * One noisy experiment near x then moves the estimate only as much as its weight, where a
 * straight interpolation between neighbours would follow it all the way. The window widens
 * further while the fit's standard error is above REPORT_PREDICT_SE, and the most precise fit is
 * kept: in a short profile each speedup has one or two experiments, and the narrowest window
 * follows their noise (make demo once said -3.3 % at 20 % for a line of impact +31 +- 6 %).
 */
bool report_predict(const struct report_series *s, double x, double *y, double *se)
{
	double h, sw, sx, sy, sxx, sxy, w, ax, den, top = -1, fy, fse;
	bool found = false;
	size_t i, n;

	for (i = 0; i < s->naggs; i++)
		if (s->aggs[i].used && s->aggs[i].speedup_pct / 100.0 > top)
			top = s->aggs[i].speedup_pct / 100.0;
	if (top < x)
		return false;
	for (h = 0.25; h <= 1.0 + 1e-9; h += 0.05) {
		sw = sx = sy = sxx = sxy = 0;
		n = 0;
		for (i = 0; i < s->naggs; i++) {
			if (!s->aggs[i].used)
				continue;
			ax = s->aggs[i].speedup_pct / 100.0;
			if (fabs(ax - x) >= h)
				continue;
			w = (double)s->aggs[i].duration * (1 - fabs(ax - x) / h);
			sw += w;
			sx += w * ax;
			sy += w * s->aggs[i].progress_speedup;
			sxx += w * ax * ax;
			sxy += w * ax * s->aggs[i].progress_speedup;
			n++;
		}
		den = sw * sxx - sx * sx;
		if (n < 3 || !(den > 1e-12 * sw * sw))
			continue;
		fy = (sy * sxx - sx * sxy) / den + (sw * sxy - sx * sy) / den * x;
		/* the fit is a weighted sum of the y_i: its error from theirs (baseline's shared one aside) */
		fse = 0;
		for (i = 0; i < s->naggs; i++) {
			double l;

			ax = s->aggs[i].speedup_pct / 100.0;
			if (!s->aggs[i].used || fabs(ax - x) >= h)
				continue;
			w = (double)s->aggs[i].duration * (1 - fabs(ax - x) / h);
			l = w * ((sxx - sx * ax) + (sw * ax - sx) * x) / den;
			fse += l * l * s->aggs[i].progress_speedup_se * s->aggs[i].progress_speedup_se;
		}
		fse = sqrt(fse);
		if (!found || fse < *se) {
			*y = fy;
			*se = fse;
		}
		found = true;
		/* precise enough, or no error known (then the narrowest window) */
		if (!isfinite(fse) || fse <= REPORT_PREDICT_SE)
			return true;
	}
	return found;
}

void report_free(struct report_result *r)
{
	size_t i;

	for (i = 0; i < r->nseries; i++)
		free(r->series[i].aggs);
	for (i = 0; i < r->nlines; i++)
		free(r->lines[i].series);
	free(r->series);
	free(r->lines);
	free(r->points);
	memset(r, 0, sizeof(*r));
}
