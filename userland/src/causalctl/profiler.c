// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The profiler's setup and its end: the session, the policy and the output files are opened,
 * the target attached to with its progress points; the experiment loop (experiments.c) runs; the
 * closing records are written and the summary (summary.c) told.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callchain.h"
#include "policy.h"
#include "profiler_internal.h"
#include "symbols.h"
#include "timeline.h"
#include "unwind.h"

volatile sig_atomic_t profiler_stop;

#define TIMELINE_RING_PAGES	1024	/* 4 MiB: 32768 records, four times the default */

void profiler_opts_init(struct profiler_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->output = "profile.coz";
	o->format = PROFILE_JSONL;
	o->period_ns = CAUSAL_PERIOD_DEFAULT_NS;
	o->event = CAUSAL_EVENT_CPU_CLOCK;
	o->device = CAUSAL_DEVICE_PATH;
}

static struct policy *make_policy(const struct profiler_opts *o)
{
	struct policy_config cfg;

	policy_config_defaults(&cfg);
	cfg.period_ns = o->period_ns;
	memcpy(cfg.fixed_speedups, o->fixed_speedups, sizeof(cfg.fixed_speedups));
	cfg.nfixed_speedups = o->nfixed_speedups;
	if (o->min_length_ns) {
		cfg.min_length_ns = o->min_length_ns;
		if (cfg.max_length_ns < 16 * o->min_length_ns)
			cfg.max_length_ns = 16 * o->min_length_ns;
	}
	cfg.seed = o->seed_set ? o->seed : real_ns() ^ ((uint64_t)getpid() << 32);
	cfg.adaptive = o->adaptive_policy;
	return policy_new(&cfg);
}

/* The profile, and beside it the callchains and the timeline. 0, or -1 after printing why. */
static int open_outputs(struct profiler *p)
{
	const struct profiler_opts *o = p->o;
	char err[512];

	p->w = profile_writer_open(o->output, o->format, err, sizeof(err));
	if (!p->w) {
		errf(p, "%s\n", err);
		return -1;
	}
	/*
	 * The callchains too, for the same reason, in the profile's syntax. Without them the profile
	 * still means what it says (an output of /dev/null has no writable FILE.stacks): a warning.
	 */
	snprintf(p->stacks_path, sizeof(p->stacks_path), "%s%s", o->output, PROFILE_STACKS_SUFFIX);
	p->cc = callchains_new();
	if (!p->cc) {
		errf(p, "out of memory\n");
		return -1;
	}
	p->sw = profile_writer_open(p->stacks_path, o->format, err, sizeof(err));
	if (!p->sw)
		errf(p, "warning: %s; the callchains (for report --pprof) are not kept\n", err);
	/*
	 * The per-thread spans go beside the profile, not in it: Coz's viewer reads the profile and
	 * raises an alert for every record it does not know. report reads both.
	 */
	if (o->timeline) {
		snprintf(p->timeline_path, sizeof(p->timeline_path), "%s%s", o->output, PROFILE_TIMELINE_SUFFIX);
		p->tw = profile_writer_open(p->timeline_path, PROFILE_JSONL, err, sizeof(err));
		if (!p->tw) {
			errf(p, "%s\n", err);
			return -1;
		}
	}
	return 0;
}

struct profiler *profiler_new(const struct cli_env *env, const struct profiler_opts *o)
{
	struct profiler *p;
	char err[512];

	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->env = env;
	p->o = o;
	p->sess.fd = -1;
	/* a redrawn status line needs a terminal that understands \r and erase-to-end */
	p->tty = isatty(fileno(env->err)) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");
	if (session_open(&p->sess, o->device, err, sizeof(err))) {
		errf(p, "%s\n", err);
		goto fail;
	}
	p->policy = make_policy(o);
	if (points_init(&p->points, &p->sess, env->err, o->verbose) || !p->policy) {
		errf(p, "out of memory\n");
		goto fail;
	}
	if (open_outputs(p))
		goto fail;
	/* where the ring's records go; the timeline and the symbols join them at the attach and the loop */
	p->rec.cc = p->cc;
	p->rec.policy = p->policy;
	p->rec.points = &p->points;
	return p;
fail:
	profiler_abort(p);
	return NULL;
}

void profiler_abort(struct profiler *p)
{
	if (!p)
		return;
	profile_writer_close(p->w);
	profile_writer_close(p->tw);
	profile_writer_close(p->sw);
	callchains_free(p->cc);
	session_close(&p->sess);
	policy_free(p->policy);
	points_free(&p->points);
	symbols_close(p->sym);
	unwind_free(p->unwind);
	records_free(&p->rec);
	free(p->exp_ranges);
	free(p->scope_ranges);
	timeline_free(p->timeline);
	free(p);
}

/* The module's attach flags; --timeline's ring and timeline. 0, or -1 after printing why. */
static int attach_session(struct profiler *p, pid_t pid)
{
	uint32_t flags = 0;
	char err[512];

	if (p->o->no_follow)
		flags |= CAUSAL_ATTACH_NO_FOLLOW;
	if (p->o->cpu_model)
		flags |= CAUSAL_ATTACH_CPU_MODEL;
	if (p->o->timeline) {
		flags |= CAUSAL_ATTACH_TRACE_SWITCHES;
		/* every switch of every thread: room for bursts while causalctl symbolises */
		p->sess.ring_pages = TIMELINE_RING_PAGES;
		p->timeline = timeline_new(mono_ns());
		if (!p->timeline) {
			errf(p, "out of memory\n");
			return -1;
		}
		p->rec.timeline = p->timeline;
	}
	if (session_attach(&p->sess, pid, flags, p->o->period_ns, p->o->event, &p->event_used,
			   err, sizeof(err))) {
		errf(p, "%s\n", err);
		return -1;
	}
	p->pid = pid;
	if (p->tw)
		profile_write_timeline_start(p->tw, (unsigned int)sysconf(_SC_NPROCESSORS_ONLN),
					     timeline_start(p->timeline));
	return 0;
}

int profiler_attach(struct profiler *p, pid_t pid, const char *main_exe)
{
	size_t i;

	if (attach_session(p, pid))
		return -1;
	/* the file itself (attach names it /proc/PID/exe, gone with the process) */
	if (!main_exe || !realpath(main_exe, p->main_exe))
		snprintf(p->main_exe, sizeof(p->main_exe), "%s", main_exe ? main_exe : "");
	points_note_pid(&p->points, pid);
	for (i = 0; i < p->o->nspecs; i++)
		if (points_add_spec(&p->points, main_exe, p->o->specs[i].spec, p->o->specs[i].latency))
			return -1;
	if (p->o->count_sites && main_exe && points_add_sites(&p->points, pid, main_exe))
		return -1;
	/* last: a harness may wait for this line to know that every point counts */
	fprintf(p->env->err, "causal: attached to process %d\n", pid);
	return 0;
}

int profiler_add_region(struct profiler *p, int fd)
{
	return points_add_region(&p->points, fd);
}

/* The run's length and each line's samples; the profile closed. 0, or -1 after printing why. */
static int close_profile(struct profiler *p, uint64_t runtime)
{
	int ret = 0;

	if (p->start_mono) {
		profile_write_runtime(p->w, runtime);
		for (size_t i = 0; i < p->rec.line_cap; i++) {
			const char *name;

			if (!p->rec.line_samples[i])
				continue;
			/* names are made on first use: out of memory leaves a line unnamed */
			name = symbols_line_name(p->sym, (line_id)i);
			if (name)
				profile_write_samples(p->w, name, p->rec.line_samples[i]);
		}
	}
	if (profile_writer_close(p->w)) {
		errf(p, "cannot write %s\n", p->o->output);
		ret = -1;
	}
	p->w = NULL;
	return ret;
}

/* --timeline: the spans still open end now; the timeline closed. 0, or -1 after printing why. */
static int close_timeline(struct profiler *p)
{
	const struct causal_stats *st = (const struct causal_stats *)p->sess.stats;
	uint64_t end;
	int ret = 0;

	if (!p->tw)
		return 0;
	end = mono_ns();
	timeline_write(p->timeline, p->tw, end);
	profile_write_timeline_end(p->tw, end, st ? (uint64_t)st->samples_dropped : 0);
	if (timeline_lost(p->timeline))
		errf(p, "out of memory: %" PRIu64 " timeline records not kept\n",
		     timeline_lost(p->timeline));
	if (profile_writer_close(p->tw)) {
		errf(p, "cannot write %s\n", p->timeline_path);
		ret = -1;
	}
	p->tw = NULL;
	return ret;
}

/*
 * The callchains, symbolised now, not between experiments: the time it takes (a CU's functions
 * indexed on first use, under emulation seconds) would hold the experiments up and let the ring
 * fill. *sym_ns the time it took. 0, or -1 after printing why.
 */
static int close_stacks(struct profiler *p, uint64_t *sym_ns)
{
	uint64_t start = mono_ns();
	int ret = 0;

	if (p->start_mono && p->sw)
		callchains_write_stacks(p->cc, p->sym, p->sw);
	if (p->sw && profile_writer_close(p->sw)) {
		errf(p, "cannot write %s\n", p->stacks_path);
		ret = -1;
	} else if (!p->sw) {
		p->stacks_path[0] = '\0';	/* nothing written: not named in the summary */
	}
	p->sw = NULL;
	*sym_ns = mono_ns() - start;
	if (callchains_lost(p->cc))
		errf(p, "%" PRIu64 " samples' callchains were lost (out of memory)\n", callchains_lost(p->cc));
	return ret;
}

int profiler_finish(struct profiler *p)
{
	uint64_t runtime = mono_ns() - p->start_mono, sym_ns;
	int ret = 0;

	records_drain_all(&p->rec, &p->sess);
	status_line_clear(p);
	if (close_profile(p, runtime))
		ret = -1;
	if (close_timeline(p))
		ret = -1;
	if (close_stacks(p, &sym_ns))
		ret = -1;
	summary_print(p, runtime, sym_ns);
	profiler_abort(p);
	return ret;
}
