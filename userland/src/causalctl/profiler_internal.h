/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What profiler.c (setup and the end), experiments.c (the loop) and summary.c (what the run
 * did, told at its end) share: the profiler's state. The parts they call (points.h, records.h,
 * timeline.h, settle.h, policy.h, symbols.h) know nothing of it.
 */
#ifndef CAUSALCTL_PROFILER_INTERNAL_H
#define CAUSALCTL_PROFILER_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "causalctl.h"
#include "points.h"
#include "profiler.h"
#include "records.h"
#include "session.h"
#include "settle.h"

struct profiler {
	const struct cli_env *env;
	const struct profiler_opts *o;
	struct causal_session sess;
	struct profile_writer *w;
	struct profile_writer *tw;	/* --timeline: OUTPUT.timeline (profiler.h) */
	char timeline_path[PATH_MAX];
	struct profile_writer *sw;	/* the callchains: OUTPUT.stacks (profile.h) */
	char stacks_path[PATH_MAX];
	struct callchains *cc;
	struct policy *policy;
	struct symbols *sym;
	struct timeline *timeline;	/* --timeline, from the attach */
	pid_t pid;
	uint32_t event_used;
	bool tty;

	struct points points;		/* the progress points and their counts */
	struct records rec;		/* what the ring's records came to (it borrows the above) */
	uint64_t unknown_seen;		/* symbols_unknown_ips() when the symbols were last refreshed */
	uint64_t point_wait_ns;		/* the last wait for a first progress point */

	unsigned int experiments, unmapped_lines;
	unsigned int ended_experiments;	/* logged, marked target_ended */
	uint64_t start_mono, start_real, last_status;
	char status_line[160];
	struct causal_range *exp_ranges;
	size_t exp_nranges;
	struct causal_range *scope_ranges;	/* where attribution stops: CAUSAL_EXPERIMENT_SCOPE */
	size_t scope_nranges;
	bool scope_warned;			/* the module cannot take them: said once */
	char main_exe[PATH_MAX];	/* the target's executable, for the closing hints */
	struct settle settle;		/* --until-settled */
	bool rank_failed;		/* the profile could not be re-read: said once */
	struct unwind *unwind;		/* the call frame rows given to the module (unwind.h) */
	bool unwind_off;		/* --unwind fp, or the module took no rows: frame pointers */
	size_t unwind_rows;		/* rows the module holds */
};

#define errf(p, ...)	fprintf((p)->env->err, "causalctl: " __VA_ARGS__)

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* experiments.c: the status line redrawn on a terminal while experiments run, erased. */
void status_line_clear(struct profiler *p);

/* summary.c: what the run did and, when it found nothing, why; runtime and sym_ns in ns. */
void summary_print(struct profiler *p, uint64_t runtime, uint64_t sym_ns);

#endif /* CAUSALCTL_PROFILER_INTERNAL_H */
