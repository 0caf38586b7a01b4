// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The experiment loop: between experiments the ring is drained and the progress points read
 * until the policy picks a line and a speedup; the module runs the experiment; the points'
 * deltas over it go to the profile, which is flushed after every experiment so that a killed
 * run still leaves a valid profile; the profile so far is ranked for --until-settled and the
 * adaptive policy.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "policy.h"
#include "profiler_internal.h"
#include "symbols.h"
#include "timeline.h"
#include "unwind.h"

#define POLICY_WAIT_NS	20000000ULL	/* between looks for an experiment to start */
#define POINT_WAIT_MAX_NS	250000000ULL	/* the same, while there is no progress point */

/* ---- waiting, and the status line meanwhile ---- */

static bool target_gone(struct profiler *p)
{
	return !p->sess.stats->tasks_attached;
}

static void status_line(struct profiler *p, const char *line, unsigned int pct, bool force)
{
	uint64_t now = mono_ns(), el;

	if (!p->tty || (!force && now - p->last_status < 250000000ULL))
		return;
	p->last_status = now;
	el = (now - p->start_mono) / 1000000000ULL;
	snprintf(p->status_line, sizeof(p->status_line),
		 "causal: %u experiments, %02" PRIu64 ":%02" PRIu64 " elapsed, now %s at +%u%%",
		 p->experiments, el / 60, el % 60, line ? line : "(waiting for samples)", pct);
	/* one line, redrawn: \r, the text, clear to the end of the line */
	fprintf(p->env->err, "\r%.*s\033[K", 100, p->status_line);
	fflush(p->env->err);
}

void status_line_clear(struct profiler *p)
{
	if (p->tty && p->last_status)
		fprintf(p->env->err, "\r\033[K");
	p->last_status = 0;
}

/*
 * Waits until deadline (CLOCK_MONOTONIC), draining the ring. Returns false when the run must end
 * (target gone, stop requested, is_done), true at the deadline.
 */
static bool wait_until(struct profiler *p, uint64_t deadline, bool (*is_done)(void *), void *arg,
		       const char *line, unsigned int pct)
{
	for (;;) {
		uint64_t now = mono_ns();
		int ms;

		records_drain(&p->rec, &p->sess);
		if (profiler_stop || target_gone(p) || (is_done && is_done(arg)))
			return false;
		if (p->o->duration_ns && now - p->start_mono >= p->o->duration_ns)
			return false;
		if (now >= deadline)
			return true;
		status_line(p, line, pct, false);
		ms = (int)((deadline - now + 999999) / 1000000);
		session_wait(&p->sess, ms > 50 ? 50 : ms);
	}
}

static bool any_points(struct profiler *p)
{
	return p->points.n > 0;
}

/*
 * How long to wait before looking again when no experiment can start: 20 ms, but while there is
 * no progress point at all, twice as long each time up to 250 ms. Each look scans the target's
 * mappings for libcausal's counters, which cost a quarter of a CPU at 50 looks a second in the
 * emulated test guest, for a target that may never have a point.
 */
static uint64_t idle_wait_ns(struct profiler *p)
{
	if (any_points(p))
		return POLICY_WAIT_NS;
	p->point_wait_ns = p->point_wait_ns ? p->point_wait_ns * 2 : POLICY_WAIT_NS;
	if (p->point_wait_ns > POINT_WAIT_MAX_NS)
		p->point_wait_ns = POINT_WAIT_MAX_NS;
	return p->point_wait_ns;
}

/* ---- the profile so far, ranked ---- */

/* The adaptive policy's estimates: each ranked line's best series, its impact and error. */
static void feed_estimates(struct profiler *p, const struct report_result *r)
{
	struct policy_stats st;
	struct policy_line_stats *lines;
	struct policy_estimate *est;
	size_t n = 0;

	policy_stats(p->policy, &st);
	lines = calloc(st.lines + 1, sizeof(*lines));
	est = calloc(st.lines + 1, sizeof(*est));
	if (!lines || !est)
		goto out;	/* the policy keeps its last estimates: a choice, not a result */
	policy_lines(p->policy, lines, st.lines);
	for (size_t i = 0; i < st.lines; i++) {
		const char *name = symbols_line_name(p->sym, lines[i].line);

		for (size_t j = 0; name && j < r->nlines; j++) {
			const struct report_series *se = &r->series[r->lines[j].series[0]];

			if (strcmp(r->lines[j].selected, name))
				continue;
			est[n++] = (struct policy_estimate){
				.line = lines[i].line,
				.impact = se->impact,
				.se = se->impact_se,
			};
			break;
		}
	}
	policy_note_estimates(p->policy, est, n);
out:
	free(lines);
	free(est);
}

/*
 * After each logged experiment: the profile so far, read back from the file and ranked as
 * `causalctl report` ranks it by default, for --until-settled's rule and the adaptive policy's
 * estimates, so that both judge what the user will read.
 */
static void rank_so_far(struct profiler *p, uint32_t fixed)
{
	bool settle = p->o->until_settled, adapt = p->o->adaptive_policy && !fixed;
	struct report_result r;
	struct profile prof;
	char err[512];

	if ((!settle && !adapt) || p->rank_failed)
		return;
	if (settle_rank_file(p->o->output, &prof, &r, err, sizeof(err))) {
		errf(p, "cannot rank the profile so far (%s):%s%s\n", err,
		     settle ? " --until-settled runs on until the other limits;" : "",
		     adapt ? " --policy adaptive draws lines by their samples from now on" : "");
		p->rank_failed = true;
		return;
	}
	if (settle)
		settle_feed(&p->settle, &r);
	if (adapt)
		feed_estimates(p, &r);
	report_free(&r);
	profile_free(&prof);
}

/* ---- one experiment ---- */

/*
 * The line's address ranges, at most as many as the module takes; false when it has none (its
 * object went away).
 */
static bool take_line_ranges(struct profiler *p, line_id line)
{
	int r;

	free(p->exp_ranges);
	p->exp_ranges = NULL;
	r = symbols_line_ranges(p->sym, line, &p->exp_ranges, &p->exp_nranges);
	if (r || !p->exp_nranges)
		return false;
	if (p->exp_nranges > CAUSAL_MAX_RANGES)
		p->exp_nranges = CAUSAL_MAX_RANGES;
	return true;
}

/*
 * The scope now (a library may have been loaded): as many of its ranges as the module takes
 * after the line's. 0, or the error that left none (the line's own instructions only).
 */
static int take_scope_ranges(struct profiler *p)
{
	int err;

	free(p->scope_ranges);
	p->scope_ranges = NULL;
	p->scope_nranges = 0;
	err = symbols_scope_ranges(p->sym, CAUSAL_MAX_RANGES - p->exp_nranges,
				   &p->scope_ranges, &p->scope_nranges);
	if (err)
		p->scope_nranges = 0;	/* out of memory: the line's own instructions only */
	return err;
}

/* Reads the points where the experiment starts, then starts it. 0, or -1 after printing why. */
static int start_experiment(struct profiler *p, const struct policy_choice *c, const char *name,
			    int scope_err)
{
	bool scoped;
	int r;

	points_read(&p->points, true);
	points_mark_start(&p->points);
	r = session_exp_start(&p->sess, c->delay_ns, p->exp_ranges, p->exp_nranges,
			      p->scope_ranges, p->scope_nranges, &scoped, NULL);
	if (r) {
		errf(p, "cannot start an experiment on %s: %s\n", name, strerror(-r));
		return -1;
	}
	if (!scoped && !p->scope_warned) {
		p->scope_warned = true;
		errf(p, "%s: an experiment speeds up the line's own instructions only, not the code "
		     "out of scope it calls\n", p->scope_nranges ?
		     "the loaded causal module is older than this causalctl (load the module of this "
		     "release)" : scope_err ? "out of memory for the scope's address ranges" :
		     "a line with too many address ranges to pass the scope along");
	}
	return 0;
}

/* Reads the points where the experiment ends, then stops it. 0, or -1 after printing why. */
static int stop_experiment(struct profiler *p, const char *name, struct causal_experiment_result *res)
{
	int r;

	points_read(&p->points, false);
	r = session_exp_stop(&p->sess, res);
	if (r) {
		errf(p, "cannot stop the experiment on %s: %s\n", name, strerror(-r));
		return -1;
	}
	records_drain(&p->rec, &p->sess);
	return 0;
}

/*
 * The experiment and each point's delta over it, to the profile (and the timeline so far),
 * flushed; deltas[] what the policy takes (a latency point: the lesser of arrivals and
 * departures). 0, or -1 after printing why.
 */
static int log_experiment(struct profiler *p, const struct profile_experiment *e, uint64_t *deltas)
{
	profile_write_experiment(p->w, e);
	for (size_t i = 0; i < p->points.n; i++) {
		struct point *pt = &p->points.list[i];
		uint64_t d = pt->begin - pt->begin0;

		pt->total += d;
		if (pt->kind == PROFILE_THROUGHPUT) {
			profile_write_throughput(p->w, pt->name, d);
			deltas[i] = d;
		} else {
			uint64_t de = pt->end - pt->end0;

			profile_write_latency(p->w, pt->name, d, de, (int64_t)(pt->begin - pt->end));
			deltas[i] = d < de ? d : de;
		}
	}
	if (p->timeline)
		timeline_write(p->timeline, p->tw, 0);
	if (profile_flush(p->w)) {
		errf(p, "cannot write %s: %s\n", p->o->output, strerror(errno));
		return -1;
	}
	if (p->tw && profile_flush(p->tw)) {
		errf(p, "cannot write %s: %s\n", p->timeline_path, strerror(errno));
		return -1;
	}
	p->experiments++;
	p->ended_experiments += e->target_ended;
	return 0;
}

static void say_experiment(struct profiler *p, const struct policy_choice *c, const char *name,
			   const struct causal_experiment_result *res)
{
	status_line_clear(p);
	errf(p, "experiment %u: %s +%u%%, %" PRIu64 " ms, %" PRIu64 " selected samples, "
	     "delay %" PRIu64 " us inserted / %" PRIu64 " us paid\n", p->experiments, name,
	     c->speedup_pct, (uint64_t)res->effective / 1000000,
	     (uint64_t)res->selected_samples, (uint64_t)res->delay_inserted / 1000,
	     (uint64_t)res->delay_paid / 1000);
}

/*
 * The experiment c, then the pause after it (cooloff); *go_on false when the run must end.
 * 0, or -1 after printing why.
 */
static int run_experiment(struct profiler *p, const struct policy_choice *c,
			  bool (*is_done)(void *), void *arg, bool *go_on)
{
	const char *name = symbols_line_name(p->sym, c->line);
	struct causal_experiment_result res;
	struct profile_experiment e;
	uint64_t *deltas, start;
	bool logged;
	int r;

	if (!take_line_ranges(p, c->line) || !name) {
		/* the object went away (dlclose), or no memory to name the line: nothing happened */
		p->unmapped_lines++;
		*go_on = true;
		return policy_done(p->policy, c, NULL, 0, false);
	}
	if (start_experiment(p, c, name, take_scope_ranges(p)))
		return -1;
	start = mono_ns();
	*go_on = wait_until(p, start + c->length_ns, is_done, arg, name, c->speedup_pct);
	if (stop_experiment(p, name, &res))
		return -1;
	/*
	 * The target ended during it or in the pause after it (not a stop or --duration): its
	 * threads were finishing one by one, at a rate no other experiment sees (a median 1.4 times
	 * slower per unit of progress in the workload benchmark, docs/bench-history.md run 14).
	 * Kept in the profile, marked; the report leaves it out.
	 */
	if (*go_on)
		*go_on = wait_until(p, mono_ns() + c->cooloff_ns, is_done, arg, NULL, 0);
	e = (struct profile_experiment){
		.selected = name,
		.speedup = c->speedup_pct / 100.0,
		.duration = res.effective,
		.selected_samples = res.selected_samples,
		.start_ns = start,
		.end_ns = start + res.wall,
		.delay_inserted = res.delay_inserted,
		.delay_paid = res.delay_paid,
		.paid_error_ns = (int64_t)res.paid_error,
		.payments = res.payments,
		.target_ended = !*go_on && !profiler_stop && (target_gone(p) || (is_done && is_done(arg))),
	};
	logged = res.effective > 0;
	deltas = calloc(p->points.n + 1, sizeof(*deltas));
	if (!deltas)
		return -1;
	if (logged && log_experiment(p, &e, deltas)) {
		free(deltas);
		return -1;
	}
	r = policy_done(p->policy, c, deltas, p->points.n, logged);
	free(deltas);
	if (p->o->verbose)
		say_experiment(p, c, name, &res);
	return r ? -1 : 0;
}

/* ---- the loop ---- */

/* What became of the call frame rows, on stderr: always what was left out, the rest with -v. */
static void say_unwind(struct profiler *p, size_t n)
{
	struct unwind_counts c;

	unwind_counts(p->unwind, &c);
	if (p->o->verbose)
		fprintf(p->env->err, "causal: callchains through code without frame pointers: %zu call "
			"frame rows from %zu of %zu objects (%zu of the main executable; %zu rows the "
			"module cannot apply, %zu overlapping, left out)\n", n, c.objects_cfi, c.objects,
			c.main_rows, c.unusable, c.overlapping);
	if (c.over_limit)
		fprintf(p->env->err, "causal: %zu call frame rows left out past the module's %u (the "
			"main executable's kept): callchains through those objects follow frame pointers\n",
			c.over_limit, CAUSAL_MAX_UNWIND_ROWS);
}

/*
 * The call frame rows of the objects mapped now, to the module (unless --unwind fp), after the
 * symbols were (re)read: when the objects changed. A module that cannot take them, or a failure,
 * leaves the callchains to frame pointers for the rest of the run; said once (a module without
 * the feature only when --unwind was given).
 */
static void update_unwind(struct profiler *p)
{
	const struct causal_unwind_row *rows;
	size_t n = 0;
	int r;

	if (p->unwind_off)
		return;
	if (!p->unwind)
		p->unwind = unwind_new(0);
	r = p->unwind ? unwind_update(p->unwind, p->sym) : -ENOMEM;
	if (!r)
		return;		/* the same objects */
	if (r > 0) {
		rows = unwind_rows(p->unwind, &n);
		r = session_unwind_set(&p->sess, rows, n);
	}
	if (!r) {
		p->unwind_rows = n;
		say_unwind(p, n);
		return;
	}
	p->unwind_off = true;
	/* rows of objects since unmapped would mislead: none then */
	if (p->unwind_rows && !session_unwind_set(&p->sess, NULL, 0))
		p->unwind_rows = 0;
	if (r == -EOPNOTSUPP && p->o->unwind_asked)
		errf(p, "warning: --unwind cfi: the loaded causal module cannot unwind by call frame "
		     "information (load the module of this release); callchains follow frame pointers\n");
	else if (r != -EOPNOTSUPP)
		errf(p, "warning: cannot give the module the call frame rows (%s); callchains follow "
		     "frame pointers\n", strerror(-r));
}

/* The target's symbols, and the --fixed-line in them as *fixed. 0, or -1 after printing why. */
static int load_symbols(struct profiler *p, line_id *fixed)
{
	char err[1024];

	p->sym = symbols_open(p->pid, p->o->scope, err, sizeof(err));
	if (!p->sym) {
		errf(p, "%s\n", err);
		return -1;
	}
	p->rec.sym = p->sym;
	p->unwind_off = p->o->unwind_fp;
	update_unwind(p);
	if (p->o->fixed_line &&
	    symbols_find_line(p->sym, p->o->fixed_line, fixed, err, sizeof(err))) {
		errf(p, "--fixed-line %s: %s\n", p->o->fixed_line, err);
		return -1;
	}
	return 0;
}

/* The profile's first record: what ran, how, where. */
static void write_startup(struct profiler *p)
{
	struct profile_meta meta = { 0 };
	struct utsname u;

	uname(&u);
	meta.tool_version = CAUSAL_VERSION;
	meta.thread_model = p->o->cpu_model ? "cpu" : "task";
	meta.event = p->event_used == CAUSAL_EVENT_CYCLES ? "cycles" : "cpu-clock";
	meta.period_ns = p->o->period_ns;
	meta.command = p->o->command;
	meta.kernel_release = u.release;
	meta.unwind = p->unwind_rows ? "cfi" : "fp";
	profile_write_startup(p->w, p->start_real, &meta);
	profile_flush(p->w);
}

int profiler_loop(struct profiler *p, bool (*is_done)(void *arg), void *arg)
{
	line_id fixed = 0;
	bool go_on = true;
	unsigned int before;

	p->start_mono = mono_ns();
	p->start_real = real_ns();
	if (load_symbols(p, &fixed))
		return -1;
	write_startup(p);
	while (go_on) {
		struct policy_choice c;

		if (p->o->max_experiments && p->experiments >= p->o->max_experiments)
			break;
		records_drain(&p->rec, &p->sess);
		if (symbols_unknown_ips(p->sym) != p->unknown_seen) {
			/* samples outside every known mapping: a library loaded since */
			p->unknown_seen = symbols_unknown_ips(p->sym);
			if (symbols_refresh(p->sym) >= 0)
				update_unwind(p);
		}
		points_read(&p->points, true);
		/* as Coz: experiments only mean something once a progress point exists */
		if (!any_points(p) || !policy_next(p->policy, fixed, &c)) {
			go_on = wait_until(p, mono_ns() + idle_wait_ns(p), is_done, arg, NULL, 0);
			continue;
		}
		/* the experiment, then the pause after it (cooloff) */
		before = p->experiments;
		if (run_experiment(p, &c, is_done, arg, &go_on))
			return -1;
		if (p->experiments > before)
			rank_so_far(p, fixed);
		if (p->settle.settled)
			break;
	}
	status_line_clear(p);
	return 0;
}
