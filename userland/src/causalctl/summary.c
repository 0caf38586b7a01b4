// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a run did, told on stderr at its end: experiments, samples, the profiler's own cost, each
 * progress point's count; when it found nothing, the likely reason and what to do; with
 * --until-settled, whether the answer settled.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callchain.h"
#include "profiler_internal.h"

static double timeval_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/*
 * Whether the executable at path holds the progress-point macros: causal.h and coz.h look up
 * libcausal by name at run time, so the name is in the binary whether or not libcausal is there.
 */
static bool has_macro_sites(const char *path)
{
	static const char *const names[] = { "causal_get_counter", "_coz_get_counter" };
	bool found = false;
	struct stat st;
	void *m;
	size_t i;
	int fd;

	if (!path[0])
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
		close(fd);
		return false;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return false;
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && !found; i++)
		found = memmem(m, (size_t)st.st_size, names[i], strlen(names[i])) != NULL;
	munmap(m, (size_t)st.st_size);
	return found;
}

/* Experiments, samples, the files written, the CPU causalctl took. */
static void say_counts(struct profiler *p, uint64_t runtime, uint64_t sym_ns)
{
	const struct causal_stats *st = (const struct causal_stats *)p->sess.stats;
	struct rusage ru;

	fprintf(p->env->err,
		"causal: %u experiments in %.1f s, %" PRIu64 " samples (%" PRIu64 " in scope, %"
		PRIu64 " lost, %" PRIu64 " more while paying delays, left out), profile in %s\n",
		p->experiments, runtime / 1e9, p->rec.samples, p->rec.in_scope,
		st ? (uint64_t)st->samples_dropped : 0, p->rec.paying, p->o->output);
	if (p->start_mono && p->stacks_path[0])
		fprintf(p->env->err, "causal: callchains: %zu distinct stacks, %zu frames (symbolised in %.1f s), "
			"in %s\n", callchains_stacks(p->cc), callchains_frames(p->cc), sym_ns / 1e9, p->stacks_path);
	/* the controller's own cost: CPU time the target may have wanted */
	if (!getrusage(RUSAGE_SELF, &ru) && runtime) {
		double cpu = timeval_s(&ru.ru_utime) + timeval_s(&ru.ru_stime);

		fprintf(p->env->err, "causal: causalctl used %.2f s of CPU (%.1f %% of one CPU)\n",
			cpu, 100 * cpu / (runtime / 1e9));
	}
}

/* Each point's count over the whole run; true if one was never reached during an experiment. */
static bool say_points(struct profiler *p)
{
	bool never = false;
	size_t i;

	/* the counters are cumulative: what the whole run did, experiments or not */
	points_read(&p->points, false);
	for (i = 0; i < p->points.n; i++) {
		const struct point *pt = &p->points.list[i];

		if (pt->kind == PROFILE_LATENCY)
			fprintf(p->env->err, "causal: latency point '%s': %" PRIu64 " begins, %" PRIu64
				" ends in total\n", pt->name, pt->begin, pt->end);
		else
			fprintf(p->env->err, "causal: progress point '%s': %" PRIu64
				" visits in total\n", pt->name, pt->begin);
	}
	for (i = 0; i < p->points.n; i++) {
		if (p->points.list[i].total)
			continue;
		fprintf(p->env->err,
			"causal: progress point '%s' was never reached during an experiment\n",
			p->points.list[i].name);
		never = true;
	}
	points_say_region_losses(&p->points);
	return never;
}

/* Why the profile holds no result, when it does not, and what to do about it. */
static void say_why_empty(struct profiler *p, bool never)
{
	if (p->start_mono && !p->points.n && has_macro_sites(p->main_exe))
		fprintf(p->env->err,
			"causal: no progress point counted, but %s has CAUSAL_PROGRESS/COZ_PROGRESS "
			"sites: they count only when libcausal is loaded at the program's start (causalctl "
			"run preloads it; attach cannot add it to a running process). Start the program "
			"under 'causalctl run', or with LD_PRELOAD=" CAUSAL_LIBCAUSAL_SONAME " and then attach, or "
			"count a function with --progress SYMBOL (the only way for a static binary)\n",
			p->main_exe);
	else if (p->start_mono && !p->points.n)
		fprintf(p->env->err,
			"causal: no progress point: add CAUSAL_PROGRESS (causal.h) or COZ_PROGRESS "
			"(coz.h) to the code that completes a unit of work, or name a function with "
			"--progress SYMBOL\n");
	else if (p->start_mono && !p->rec.in_scope)
		fprintf(p->env->err,
			"causal: no sample was in scope: check --binary-scope/--source-scope (default: "
			"the main executable, every source file) and that the program was built with "
			"-g\n");
	else if (p->experiments == p->ended_experiments && !never)
		fprintf(p->env->err,
			"causal: no experiment completed: the program ended too soon; run it longer "
			"or lower --experiment-length\n");
}

/* Why an --until-settled run stopped, and where the ranking stood. */
static void say_settled(struct profiler *p, uint64_t runtime)
{
	const struct settle *s = &p->settle;
	int pct = (int)lround(100 * REPORT_VERDICT_SPEEDUP);
	char cap[64];

	if (s->settled) {
		if (s->runner[0])
			fprintf(p->env->err, "causal: settled after %u experiments in %.1f s: %s has led "
				"for the last %u, its impact less its standard error (%+.1f %%) above the "
				"runner-up %s's impact plus its standard error (%+.1f %%); at %d %% it "
				"predicts %+.1f +- %.1f %%\n", p->experiments, runtime / 1e9, s->leader,
				s->streak, 100 * s->lead_lo, s->runner, 100 * s->runner_hi, pct,
				100 * s->verdict, 100 * s->verdict_se);
		else
			fprintf(p->env->err, "causal: settled after %u experiments in %.1f s: %s, the "
				"only ranked line, has led for the last %u, its impact less its standard "
				"error %+.1f %%; at %d %% it predicts %+.1f +- %.1f %%\n", p->experiments,
				runtime / 1e9, s->leader, s->streak, 100 * s->lead_lo, pct,
				100 * s->verdict, 100 * s->verdict_se);
		return;
	}
	if (p->o->max_experiments && p->experiments >= p->o->max_experiments)
		snprintf(cap, sizeof(cap), "the cap of %u experiments", p->o->max_experiments);
	else if (p->o->duration_ns && runtime >= p->o->duration_ns)
		snprintf(cap, sizeof(cap), "the cap of %.0f s", p->o->duration_ns / 1e9);
	else if (profiler_stop)
		snprintf(cap, sizeof(cap), "a signal");
	else
		snprintf(cap, sizeof(cap), "the program's end");
	if (!s->ranked)
		fprintf(p->env->err, "causal: NOT settled: %s came first, with no line ranked yet (a line "
			"needs a baseline and %d distinct speedups); a longer run gives an answer\n", cap,
			REPORT_DEFAULT_MIN_POINTS);
	else if (s->streak >= SETTLE_STREAK && s->lead_lo > s->runner_hi && s->verdict_open)
		fprintf(p->env->err, "causal: NOT settled: %s came first; %s leads clearly (for the last "
			"%u experiments), but what speeding it up by %d %% would do is not decided yet "
			"(%+.1f +- %.1f %%); a longer run gives a firmer answer\n", cap, s->leader,
			s->streak, pct, 100 * s->verdict, 100 * s->verdict_se);
	else if (s->runner[0])
		fprintf(p->env->err, "causal: NOT settled: %s came first; %s leads (for the last %u "
			"experiments, lower bound %+.1f %%) over %s (upper bound %+.1f %%); the ranking may "
			"still change, a longer run gives a firmer answer\n", cap, s->leader, s->streak,
			100 * s->lead_lo, s->runner, 100 * s->runner_hi);
	else
		fprintf(p->env->err, "causal: NOT settled: %s came first; %s is the only ranked line (for "
			"the last %u experiments, lower bound %+.1f %%)%s; a longer run gives a firmer answer\n",
			cap, s->leader, s->streak, 100 * s->lead_lo, s->wait_runner ?
			", the others have too few speedups to rank" : "");
}

void summary_print(struct profiler *p, uint64_t runtime, uint64_t sym_ns)
{
	bool never;

	say_counts(p, runtime, sym_ns);
	never = say_points(p);
	say_why_empty(p, never);
	if (p->o->until_settled && p->start_mono)
		say_settled(p, runtime);
	if (p->unmapped_lines)
		fprintf(p->env->err, "causal: %u experiments skipped: their line was unmapped\n",
			p->unmapped_lines);
	if (p->experiments)
		fprintf(p->env->err, "causal: see the results with 'causalctl report %s'\n",
			p->o->output);
}
