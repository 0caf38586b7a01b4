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
#include "json.h"

/* The experiments track: pid 0 is never a profiled process. */
#define EXP_PID 0
#define EXP_TID 0

/* trace timestamps are microseconds; 15 digits keep nanoseconds over days */
static json_t *us(uint64_t ns)
{
	return json_real((double)ns / 1000.0);
}

/* Appends v to the array; out of memory (v NULL) makes the whole trace fail, not lose a part. */
static void add(json_t **events, json_t *v)
{
	if (*events && json_array_append_new(*events, v)) {
		json_decref(*events);
		*events = NULL;
	}
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

static json_t *meta(const char *what, int pid, int tid, const char *name)
{
	return json_pack("{s:s, s:s, s:i, s:i, s:{s:o}}", "name", what, "ph", "M", "pid", pid,
			 "tid", tid, "args", "name", json_text(name));
}

static void add_names(json_t **ev, const struct profile *p)
{
	char name[32];
	size_t i;

	add(ev, meta("process_name", EXP_PID, EXP_TID, "causal experiments"));
	add(ev, meta("thread_name", EXP_PID, EXP_TID, "experiments"));
	for (i = 0; i < p->nspans; i++) {
		const struct profile_spans *s = &p->spans[i];

		if (!seen_before(p, i, false)) {
			snprintf(name, sizeof(name), "pid %d", s->pid);
			add(ev, meta("process_name", s->pid, s->pid, name));
		}
		if (!seen_before(p, i, true)) {
			snprintf(name, sizeof(name), "tid %d", s->tid);
			add(ev, meta("thread_name", s->pid, s->tid, name));
		}
	}
}

/* A counter sample: one "C" event, its series named by args' keys (args is stolen). */
static json_t *counter(const char *name, int pid, uint64_t ts, json_t *args)
{
	return json_pack("{s:o, s:s, s:o, s:i, s:o}", "name", json_text(name), "ph", "C", "ts", us(ts),
			 "pid", pid, "args", args);
}

/* The experiments, and each progress point's rate during each, on causal's own track. */
static void add_experiments(json_t **ev, const struct profile *p, uint64_t base)
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
		if (asprintf(&name, "%s +%d%%", e->selected, e->speedup_pct) < 0)
			name = NULL;
		add(ev, json_pack("{s:o, s:s, s:s, s:o, s:o, s:i, s:i, s:{s:o, s:f, s:o, s:o, s:o, s:o,"
				  " s:I, s:o, s:b}}",
				  "name", json_text(name ? name : e->selected), "cat", "experiment",
				  "ph", "X", "ts", us(ts), "dur", us(dur), "pid", EXP_PID, "tid", EXP_TID,
				  "args", "selected", json_text(e->selected), "speedup", e->speedup,
				  "duration_ns", json_u64(e->duration),
				  "selected_samples", json_u64(e->selected_samples),
				  "delay_inserted", json_u64(e->delay_inserted),
				  "delay_paid", json_u64(e->delay_paid),
				  "paid_error_ns", (json_int_t)e->paid_error_ns,
				  "payments", json_u64(e->payments), "target_ended", e->target_ended));
		free(name);
		/* visits (arrivals, for a latency point) per second of the experiment, until the next */
		for (k = e->first_point; dur && k < e->first_point + e->npoints && k < p->npoints; k++) {
			const struct profile_point *pt = &p->points[k];
			uint64_t n = pt->kind == PROFILE_THROUGHPUT ? pt->delta : pt->arrivals;
			char *cname;

			if (asprintf(&cname, "progress %s", pt->name) < 0) {
				add(ev, NULL);
				continue;
			}
			add(ev, counter(cname, EXP_PID, ts,
					json_pack("{s:f}", "per second", n * 1e9 / (double)e->duration)));
			if (i + 1 == p->nexps)
				add(ev, counter(cname, EXP_PID, ts + dur, json_pack("{s:i}", "per second", 0)));
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
static void add_utilisation(json_t **evs, const struct profile *p, int pid, uint64_t base)
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
	if (!ev) {
		add(evs, NULL);
		return;
	}
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
		add(evs, counter("utilisation", pid, ev[i].t - base,
				 p->timeline_cpus ?
				 json_pack("{s:i, s:i}", "running threads", running, "CPUs",
					   (int)p->timeline_cpus) :
				 json_pack("{s:i}", "running threads", running)));
	}
	free(ev);
}

void report_print_trace(FILE *f, const struct profile *p)
{
	uint64_t base = base_time(p);
	json_t *ev = json_array();
	size_t i, j;

	add_names(&ev, p);
	add_experiments(&ev, p, base);
	for (i = 0; i < p->nspans; i++) {
		const struct profile_spans *s = &p->spans[i];
		const char *kind = span_names[s->kind];

		for (j = 0; j < s->n && ev; j++) {
			json_t *e = json_pack("{s:s, s:s, s:s, s:o, s:o, s:i, s:i}", "name", kind,
					      "cat", kind, "ph", "X", "ts", us(s->spans[j][0] - base),
					      "dur", us(s->spans[j][1]), "pid", s->pid, "tid", s->tid);

			if (e && s->cpu >= 0 &&
			    json_object_set_new(e, "args", json_pack("{s:i}", "cpu", s->cpu))) {
				json_decref(e);
				e = NULL;
			}
			add(&ev, e);
		}
	}
	for (i = 0; i < p->nspans; i++)
		if (!seen_before(p, i, false))
			add_utilisation(&ev, p, p->spans[i].pid, base);
	/* for tools that relate the trace to other clocks: ts 0 is base_ns of CLOCK_MONOTONIC */
	json_print(f, json_pack("{s:s, s:{s:s, s:o, s:i, s:s, s:o}, s:o}", "displayTimeUnit", "ns",
				"otherData", "clock", "CLOCK_MONOTONIC", "base_ns", json_u64(base),
				"cpus", (int)p->timeline_cpus,
				"spans", !p->nspans ? "none" : p->timeline_switches ?
				"context switches" : "samples",
				"records_dropped", json_u64(p->timeline_dropped),
				"traceEvents", ev), JSON_REAL_PRECISION(15));
}
