/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `causalctl report --json`: the aggregated points and scores, for scripts. */
#include <inttypes.h>
#include <math.h>

#include "causalctl.h"

static const char *kind_name(enum profile_point_kind k)
{
	return k == PROFILE_LATENCY ? "latency" : "throughput";
}

/* JSON has no NaN or infinity; the maths never keeps one, but a null is better than bad JSON. */
static void num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fputs("null", f);
}

static void print_series(FILE *f, const struct report_series *s)
{
	size_t i;

	fputs("{\"point\":", f);
	json_string(f, s->point);
	fprintf(f, ",\"kind\":\"%s\",\"impact\":", kind_name(s->kind));
	num(f, s->impact);
	fputs(",\"impact_se\":", f);
	num(f, s->impact_se);
	fputs(",\"impact_x\":", f);
	num(f, s->impact_x);
	fputs(",\"slope\":", f);
	num(f, s->slope);
	fputs(",\"max\":", f);
	num(f, s->max);
	fputs(",\"min\":", f);
	num(f, s->min);
	fprintf(f, ",\"speedups\":%zu,\"experiments\":%u,\"points\":[", s->nused, s->experiments);
	for (i = 0; i < s->naggs; i++) {
		const struct report_agg *a = &s->aggs[i];

		fprintf(f, "%s{\"speedup\":%.2f,\"used\":%s,\"progress_speedup\":", i ? "," : "",
			a->speedup_pct / 100.0, a->used ? "true" : "false");
		if (a->used)
			num(f, a->progress_speedup);
		else
			fputs("null", f);
		fputs(",\"progress_speedup_se\":", f);
		num(f, a->used ? a->progress_speedup_se : NAN);
		fprintf(f, ",\"experiments\":%u,\"duration\":%" PRIu64, a->experiments, a->duration);
		if (s->kind == PROFILE_THROUGHPUT)
			fprintf(f, ",\"delta\":%" PRIu64, a->delta);
		else {
			fprintf(f, ",\"arrivals\":%" PRIu64 ",\"departures\":%" PRIu64 ",\"difference\":",
				a->arrivals, a->departures);
			num(f, a->difference);
		}
		fputc('}', f);
	}
	fputs("]}", f);
}

void report_print_json(FILE *f, const char *path, const struct profile *p, const struct report_result *r,
		       size_t top)
{
	size_t i, j;

	if (!top || top > r->nlines)
		top = r->nlines;
	fputs("{\"profile\":", f);
	json_string(f, path);
	fprintf(f, ",\"runs\":%u,\"experiments\":%zu,\"skipped_header_experiments\":%zu", p->runs, r->experiments,
		r->skipped_header);
	fputs(",\"thread_model\":", f);
	json_string(f, p->thread_model);
	fputs(",\"event\":", f);
	json_string(f, p->event);
	fprintf(f, ",\"sort\":\"%s\",\"min_points\":%u,\"min_delta\":%d", report_sort_name(r->sort), r->min_points,
		REPORT_MIN_DELTA);
	fprintf(f, ",\"parse\":{\"lines\":%lu,\"bad_lines\":%lu,\"orphan_points\":%lu,\"truncated_tail\":%s}",
		p->lines, p->bad_lines, p->orphan_points, p->truncated_tail ? "true" : "false");
	fputs(",\"progress_points\":[", f);
	for (i = 0; i < r->npoints; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		json_string(f, r->points[i].name);
		fprintf(f, ",\"kind\":\"%s\",\"records\":%lu,\"total\":%" PRIu64 ",\"reached\":%s",
			kind_name(r->points[i].kind), r->points[i].records, r->points[i].total,
			r->points[i].total ? "true" : "false");
		fputs(",\"noise\":", f);
		num(f, r->points[i].noise);
		fprintf(f, ",\"noise_dof\":%lu}", r->points[i].noise_dof);
	}
	fprintf(f, "],\"dropped\":{\"target_ended\":%zu,\"no_baseline\":%zu,\"thin_baseline\":%zu,"
		"\"thin_points\":%zu,\"out_of_range\":%zu,\"few_points\":%zu,\"lines_few_points\":%zu}",
		r->target_ended, r->no_baseline, r->thin_baseline, r->thin_points, r->out_of_range,
		r->few_points, r->lines_few_points);
	fprintf(f, ",\"delays\":{\"experiments\":%zu,\"wall_ns\":%" PRIu64 ",\"inserted_ns\":%" PRIu64
		",\"paid_ns\":%" PRIu64 ",\"payments\":%" PRIu64 ",\"paid_error_ns\":%" PRIu64 "}",
		r->delays.experiments, r->delays.wall_ns, r->delays.inserted_ns, r->delays.paid_ns,
		r->delays.payments, r->delays.error_ns);
	fprintf(f, ",\"ranked_lines\":%zu,\"lines\":[", r->nlines);
	for (i = 0; i < top; i++) {
		const struct report_line *l = &r->lines[i];

		fprintf(f, "%s{\"rank\":%zu,\"selected\":", i ? "," : "", i + 1);
		json_string(f, l->selected);
		fputs(",\"score\":", f);
		num(f, l->score);
		fputs(",\"series\":[", f);
		for (j = 0; j < l->nseries; j++) {
			if (j)
				fputc(',', f);
			print_series(f, &r->series[l->series[j]]);
		}
		fputs("]}", f);
	}
	fputs("]}\n", f);
}
