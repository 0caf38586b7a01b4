/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `causalctl report --json`: the aggregated points and scores, for scripts, as one JSON object
 * whose layout has a version ("schema", CAUSALCTL_JSON_SCHEMA; causalctl(1) documents it).
 */
#include <math.h>

#include "causalctl.h"
#include "json.h"

static const char *kind_name(enum profile_point_kind k)
{
	return k == PROFILE_LATENCY ? "latency" : "throughput";
}

/* numbers keep 6 significant digits: the estimates are not more precise than that */
#define REPORT_JSON_FLAGS	JSON_REAL_PRECISION(6)

static json_t *agg_json(const struct report_series *s, const struct report_agg *a)
{
	json_t *o = json_pack("{s:f, s:b, s:o, s:o, s:I, s:o}",
			      "speedup", a->speedup_pct / 100.0,
			      "used", a->used,
			      "progress_speedup", a->used ? json_finite(a->progress_speedup) : json_null(),
			      "progress_speedup_se", json_finite(a->used ? a->progress_speedup_se : NAN),
			      "experiments", (json_int_t)a->experiments,
			      "duration", json_u64(a->duration));

	if (!o)
		return NULL;
	if (s->kind == PROFILE_THROUGHPUT ?
	    json_object_set_new(o, "delta", json_u64(a->delta)) :
	    json_object_set_new(o, "arrivals", json_u64(a->arrivals)) ||
	    json_object_set_new(o, "departures", json_u64(a->departures)) ||
	    json_object_set_new(o, "difference", json_finite(a->difference))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *series_json(const struct report_series *s)
{
	json_t *points = json_array();
	size_t i;

	for (i = 0; points && i < s->naggs; i++)
		if (json_array_append_new(points, agg_json(s, &s->aggs[i]))) {
			json_decref(points);
			return NULL;
		}
	return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:o}",
			 "point", json_text(s->point),
			 "kind", kind_name(s->kind),
			 "impact", json_finite(s->impact),
			 "impact_se", json_finite(s->impact_se),
			 "impact_x", json_finite(s->impact_x),
			 "slope", json_finite(s->slope),
			 "max", json_finite(s->max),
			 "min", json_finite(s->min),
			 "speedups", (json_int_t)s->nused,
			 "experiments", (json_int_t)s->experiments,
			 "points", points);
}

static json_t *line_json(const struct report_result *r, const struct report_line *l, size_t rank)
{
	json_t *series = json_array();
	size_t j;

	for (j = 0; series && j < l->nseries; j++)
		if (json_array_append_new(series, series_json(&r->series[l->series[j]]))) {
			json_decref(series);
			return NULL;
		}
	return json_pack("{s:I, s:o, s:o, s:o}", "rank", (json_int_t)rank,
			 "selected", json_text(l->selected), "score", json_finite(l->score),
			 "series", series);
}

static json_t *points_json(const struct report_result *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < r->npoints; i++) {
		const struct report_point_total *pt = &r->points[i];

		if (json_array_append_new(a, json_pack("{s:o, s:s, s:I, s:o, s:b, s:o, s:I}",
						       "name", json_text(pt->name),
						       "kind", kind_name(pt->kind),
						       "records", (json_int_t)pt->records,
						       "total", json_u64(pt->total),
						       "reached", pt->total != 0,
						       "noise", json_finite(pt->noise),
						       "noise_dof", (json_int_t)pt->noise_dof))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

void report_print_json(FILE *f, const char *path, const struct profile *p, const struct report_result *r,
		       size_t top)
{
	json_t *lines = json_array(), *o;
	size_t i;

	if (!top || top > r->nlines)
		top = r->nlines;
	for (i = 0; lines && i < top; i++)
		if (json_array_append_new(lines, line_json(r, &r->lines[i], i + 1))) {
			json_decref(lines);
			lines = NULL;
		}
	o = json_pack("{s:i, s:o, s:i, s:I, s:I, s:o, s:o, s:s, s:i, s:i,"
		      " s:{s:I, s:I, s:I, s:b}, s:o,"
		      " s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
		      " s:{s:I, s:o, s:o, s:o, s:o, s:o}, s:I, s:o}",
		      "schema", CAUSALCTL_JSON_SCHEMA,
		      "profile", json_text(path),
		      "runs", (int)p->runs,
		      "experiments", (json_int_t)r->experiments,
		      "skipped_header_experiments", (json_int_t)r->skipped_header,
		      "thread_model", json_text(p->thread_model),
		      "event", json_text(p->event),
		      "sort", report_sort_name(r->sort),
		      "min_points", (int)r->min_points,
		      "min_delta", REPORT_MIN_DELTA,
		      "parse",
		      "lines", (json_int_t)p->lines, "bad_lines", (json_int_t)p->bad_lines,
		      "orphan_points", (json_int_t)p->orphan_points, "truncated_tail", p->truncated_tail,
		      "progress_points", points_json(r),
		      "dropped",
		      "target_ended", (json_int_t)r->target_ended, "no_baseline", (json_int_t)r->no_baseline,
		      "thin_baseline", (json_int_t)r->thin_baseline, "thin_points", (json_int_t)r->thin_points,
		      "out_of_range", (json_int_t)r->out_of_range, "few_points", (json_int_t)r->few_points,
		      "lines_few_points", (json_int_t)r->lines_few_points,
		      "unselected", (json_int_t)r->unselected,
		      "delays",
		      "experiments", (json_int_t)r->delays.experiments,
		      "wall_ns", json_u64(r->delays.wall_ns), "inserted_ns", json_u64(r->delays.inserted_ns),
		      "paid_ns", json_u64(r->delays.paid_ns), "payments", json_u64(r->delays.payments),
		      "paid_error_ns", json_u64(r->delays.error_ns),
		      "ranked_lines", (json_int_t)r->nlines,
		      "lines", lines);
	json_print(f, o, REPORT_JSON_FLAGS);
}
