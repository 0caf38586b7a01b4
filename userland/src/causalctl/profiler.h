/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The experiment driver behind `causalctl run` and `causalctl attach`: one session on a target,
 * its progress points (libcausal counters and uprobes), samples → lines, experiments chosen by
 * the policy, and the profile written after each experiment. profiler.c sets it up and ends it,
 * experiments.c runs the loop, summary.c tells what the run did; points.c and records.c are the
 * parts they call (profiler_internal.h).
 */
#ifndef CAUSALCTL_PROFILER_H
#define CAUSALCTL_PROFILER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"
#include "profile.h"
#include "scope.h"
#include "session.h"

struct cli_env;

/* a --progress or --latency option */
struct point_spec {
	const char *spec;	/* SYMBOL, FILE:LINE, 0xOFFSET, BINARY:SPEC; latency: also BEGIN,END */
	bool latency;
};

#define PROFILER_MAX_SPECS	64

struct profiler_opts {
	const char *output;		/* profile file, appended to */
	enum profile_format format;
	struct scope *scope;
	const char *fixed_line;		/* NULL: chosen by the policy */
	unsigned int fixed_speedups[POLICY_MAX_FIXED_SPEEDUPS];
	unsigned int nfixed_speedups;	/* 0: drawn */
	uint64_t period_ns;
	uint32_t event;			/* CAUSAL_EVENT_* */
	bool cpu_model;
	bool no_follow;
	bool unwind_fp;			/* --unwind fp: callchains by frame pointers only */
	bool unwind_asked;		/* --unwind given: a module that cannot is warned about */
	bool timeline;			/* record per-thread spans for `report --trace` */
	struct point_spec specs[PROFILER_MAX_SPECS];
	size_t nspecs;
	uint64_t seed;
	bool seed_set;
	bool adaptive_policy;		/* --policy adaptive (policy.h), not Coz's draw by samples */
	int verbose;
	uint64_t duration_ns;		/* 0: until the target ends */
	uint64_t min_length_ns;		/* 0: the policy's default */
	unsigned int max_experiments;	/* 0: no bound */
	bool until_settled;		/* stop once the answer settles (settle.h) */
	bool count_sites;		/* attach: count causal.h/coz.h sites with uprobes when the
					   target runs without libcausal (sites.h) */
	const char *device;
	const char *command;		/* for the startup record */
};

void profiler_opts_init(struct profiler_opts *o);

/* Set from signal handlers: stop after the running experiment, write the profile, exit. */
extern volatile sig_atomic_t profiler_stop;

struct profiler;

/* Opens the device and the output; NULL after printing why to env->err. */
struct profiler *profiler_new(const struct cli_env *env, const struct profiler_opts *o);
/*
 * Attaches to pid and registers the --progress/--latency points on main_exe (or the binary a
 * spec names). 0, or -1 after printing why.
 */
int profiler_attach(struct profiler *p, pid_t pid, const char *main_exe);
/*
 * Loads the target's symbols (call it once the target runs its own program, after exec) and
 * runs experiments until the target ends, the duration passes, max_experiments are done, the
 * answer settles (until_settled) or profiler_stop is set. is_done, if given, is polled too (run: whether the child exited).
 * 0 when the profile is complete, -1 after printing why.
 */
int profiler_loop(struct profiler *p, bool (*is_done)(void *arg), void *arg);
/* Writes the closing records, prints a summary; 0 or -1 (write error). Frees p. */
int profiler_finish(struct profiler *p);
/* Reads libcausal's counters from the region open as fd (see run), from now on. 0 or -errno. */
int profiler_add_region(struct profiler *p, int fd);
/* Frees p without writing anything more (setup failed). */
void profiler_abort(struct profiler *p);

#endif /* CAUSALCTL_PROFILER_H */
