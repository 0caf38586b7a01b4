/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `causalctl report --trace`: Chrome trace event JSON (Perfetto, chrome://tracing). One process
 * track for causal itself: the experiments, and each progress point's rate during each of them as
 * a counter. Per profiled process (from `run --timeline`): each thread's spans on its own track
 * (on a CPU, runnable but waiting for one, asleep paying a delay) and a utilisation counter (how
 * many of its threads run, beside the number of CPUs): the parallel-efficiency picture.
 * Timestamps are microseconds relative to the earliest record; otherData says where that is.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "causalctl.h"

/* The experiments track: pid 0 is never a profiled process. */
#define EXP_PID 0
#define EXP_TID 0

static void us(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

static uint64_t base_time(const struct profile *p)
{
	uint64_t base = UINT64_MAX;
	size_t i, j;

	for (i = 0; i < p->nexps; i++)
		if (p->exps[i].has_times && p->exps[i].start_ns < base)
			base = p->exps[i].start_ns;
	for (i = 0; i < p->nspans; i++)
		for (j = 0; j < p->spans[i].n; j++)
			if (p->spans[i].spans[j][0] < base)
				base = p->spans[i].spans[j][0];
	return base == UINT64_MAX ? 0 : base;
}

static bool seen_before(const struct profile *p, size_t i, bool thread)
{
	size_t k;

	for (k = 0; k < i; k++)
		if (p->spans[k].pid == p->spans[i].pid && (!thread || p->spans[k].tid == p->spans[i].tid))
			return true;
	return false;
}

static const char *const span_names[] = {
	[PROFILE_SPAN_ONCPU] = "oncpu",
	[PROFILE_SPAN_RUNNABLE] = "runnable",
	[PROFILE_SPAN_DELAY] = "delay",
};

static void print_names(FILE *f, const struct profile *p)
{
	size_t i;

	fprintf(f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
		"\"args\":{\"name\":\"causal experiments\"}},\n", EXP_PID, EXP_TID);
	fprintf(f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":\"experiments\"}}",
		EXP_PID, EXP_TID);
	for (i = 0; i < p->nspans; i++) {
		const struct profile_spans *s = &p->spans[i];

		if (!seen_before(p, i, false))
			fprintf(f, ",\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
				"\"args\":{\"name\":\"pid %d\"}}", s->pid, s->pid, s->pid);
		if (!seen_before(p, i, true))
			fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
				"\"args\":{\"name\":\"tid %d\"}}", s->pid, s->tid, s->tid);
	}
}

/* A counter sample: one "C" event, its series named by the args. */
static void counter_begin(FILE *f, const char *name, int pid, uint64_t ts)
{
	fputs(",\n{\"name\":", f);
	json_string(f, name);
	fputs(",\"ph\":\"C\",\"ts\":", f);
	us(f, ts);
	fprintf(f, ",\"pid\":%d,\"args\":{", pid);
}

/* The experiments, and each progress point's rate during each, on causal's own track. */
static void print_experiments(FILE *f, const struct profile *p, uint64_t base)
{
	uint64_t cursor = 0, ts, dur;
	size_t i, k;

	for (i = 0; i < p->nexps; i++) {
		const struct profile_exp *e = &p->exps[i];
		char *name;

		/* Coz's profiles have no timestamps: lay their experiments end to end */
		if (e->has_times) {
			ts = e->start_ns - base;
			dur = e->end_ns - e->start_ns;
		} else {
			ts = cursor;
			dur = e->duration;
		}
		cursor = ts + dur;
		fputs(",\n{\"name\":", f);
		if (asprintf(&name, "%s +%d%%", e->selected, e->speedup_pct) < 0)
			name = NULL;
		json_string(f, name ? name : e->selected);
		free(name);
		fputs(",\"cat\":\"experiment\",\"ph\":\"X\",\"ts\":", f);
		us(f, ts);
		fputs(",\"dur\":", f);
		us(f, dur);
		fprintf(f, ",\"pid\":%d,\"tid\":%d,\"args\":{\"selected\":", EXP_PID, EXP_TID);
		json_string(f, e->selected);
		fprintf(f, ",\"speedup\":%.2f,\"duration_ns\":%" PRIu64 ",\"selected_samples\":%" PRIu64
			",\"delay_inserted\":%" PRIu64 ",\"delay_paid\":%" PRIu64 ",\"paid_error_ns\":%" PRId64
			",\"payments\":%" PRIu64 ",\"target_ended\":%s}}", e->speedup, e->duration,
			e->selected_samples, e->delay_inserted, e->delay_paid, e->paid_error_ns, e->payments,
			e->target_ended ? "true" : "false");
		/* visits (arrivals, for a latency point) per second of the experiment, until the next */
		for (k = e->first_point; dur && k < e->first_point + e->npoints && k < p->npoints; k++) {
			const struct profile_point *pt = &p->points[k];
			uint64_t n = pt->kind == PROFILE_THROUGHPUT ? pt->delta : pt->arrivals;
			char *cname;

			if (asprintf(&cname, "progress %s", pt->name) < 0)
				continue;
			counter_begin(f, cname, EXP_PID, ts);
			fprintf(f, "\"per second\":%.3f}}", n * 1e9 / (double)e->duration);
			if (i + 1 == p->nexps) {
				counter_begin(f, cname, EXP_PID, ts + dur);
				fputs("\"per second\":0}}", f);
			}
			free(cname);
		}
	}
}

struct edge {
	uint64_t t;
	int d;			/* +1 a thread starts running, -1 one stops */
};

static int edge_cmp(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->d - y->d;	/* stops first: back-to-back spans do not count twice */
}

/*
 * The utilisation of process pid: how many of its threads are on a CPU, at every change, from
 * the on-CPU spans of every thread (exact when they come from context switches).
 */
static void print_utilisation(FILE *f, const struct profile *p, int pid, uint64_t base)
{
	struct edge *ev;
	size_t i, j, n = 0, m = 0;
	int running = 0;

	for (i = 0; i < p->nspans; i++)
		if (p->spans[i].pid == pid && p->spans[i].kind == PROFILE_SPAN_ONCPU)
			n += 2 * p->spans[i].n;
	if (!n)
		return;
	ev = malloc(n * sizeof(*ev));
	if (!ev)
		return;
	for (i = 0; i < p->nspans; i++) {
		const struct profile_spans *s = &p->spans[i];

		if (s->pid != pid || s->kind != PROFILE_SPAN_ONCPU)
			continue;
		for (j = 0; j < s->n; j++) {
			ev[m++] = (struct edge){ s->spans[j][0], +1 };
			ev[m++] = (struct edge){ s->spans[j][0] + s->spans[j][1], -1 };
		}
	}
	qsort(ev, m, sizeof(*ev), edge_cmp);
	for (i = 0; i < m; i = j) {
		for (j = i; j < m && ev[j].t == ev[i].t; j++)
			running += ev[j].d;
		counter_begin(f, "utilisation", pid, ev[i].t - base);
		fprintf(f, "\"running threads\":%d", running);
		if (p->timeline_cpus)
			fprintf(f, ",\"CPUs\":%u", p->timeline_cpus);
		fputs("}}", f);
	}
	free(ev);
}

void report_print_trace(FILE *f, const struct profile *p)
{
	uint64_t base = base_time(p);
	size_t i, j;

	fputs("{\"displayTimeUnit\":\"ns\",", f);
	/* for tools that relate the trace to other clocks: ts 0 is base_ns of CLOCK_MONOTONIC */
	fprintf(f, "\"otherData\":{\"clock\":\"CLOCK_MONOTONIC\",\"base_ns\":%" PRIu64
		",\"cpus\":%u,\"spans\":\"%s\",\"records_dropped\":%" PRIu64 "},\n", base,
		p->timeline_cpus, !p->nspans ? "none" : p->timeline_switches ? "context switches" :
		"samples", p->timeline_dropped);
	fputs("\"traceEvents\":[\n", f);
	print_names(f, p);
	print_experiments(f, p, base);
	for (i = 0; i < p->nspans; i++) {
		const struct profile_spans *s = &p->spans[i];
		const char *kind = span_names[s->kind];

		for (j = 0; j < s->n; j++) {
			fprintf(f, ",\n{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":", kind, kind);
			us(f, s->spans[j][0] - base);
			fputs(",\"dur\":", f);
			us(f, s->spans[j][1]);
			fprintf(f, ",\"pid\":%d,\"tid\":%d", s->pid, s->tid);
			if (s->cpu >= 0)
				fprintf(f, ",\"args\":{\"cpu\":%d}", s->cpu);
			fputc('}', f);
		}
	}
	for (i = 0; i < p->nspans; i++)
		if (!seen_before(p, i, false))
			print_utilisation(f, p, p->spans[i].pid, base);
	fputs("\n]}\n", f);
}
