/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `causalctl report --trace`: Chrome trace event JSON (Perfetto, chrome://tracing) with the
 * experiments on their own track and each thread's on-CPU and delay spans on its own.
 * Timestamps are microseconds relative to the earliest record.
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

void report_print_trace(FILE *f, const struct profile *p)
{
	uint64_t base = base_time(p), cursor = 0, ts, dur;
	size_t i, j;

	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", f);
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
	}
	for (i = 0; i < p->nspans; i++) {
		const struct profile_spans *s = &p->spans[i];
		const char *kind = s->delay ? "delay" : "oncpu";

		for (j = 0; j < s->n; j++) {
			fprintf(f, ",\n{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":", kind, kind);
			us(f, s->spans[j][0] - base);
			fputs(",\"dur\":", f);
			us(f, s->spans[j][1]);
			fprintf(f, ",\"pid\":%d,\"tid\":%d}", s->pid, s->tid);
		}
	}
	fputs("\n]}\n", f);
}
