/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Coz-compatible profile: its writer (profile_write.c), its parser (profile_read.c) and the
 * `causalctl report` analysis (report*.c).
 *
 * Records follow Coz (JSON Lines by default, or tab-separated key=value "legacy" records) so that
 * Coz's viewer reads our profiles. Our additions are extra keys, which the viewer ignores, and
 * one extra record type, "thread-spans", for `report --trace`: Coz's viewer does not know that
 * type and shows an "invalid line" warning for it (the plots still render), so the driver should
 * write spans only when the user asked for a trace.
 */
#ifndef CAUSAL_PROFILE_H
#define CAUSAL_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cli_env;

/* ---- writer (profile_write.c) ---- */

enum profile_format { PROFILE_JSONL, PROFILE_LEGACY };

/* Our extra startup fields; NULL strings and 0 numbers are left out. */
struct profile_meta {
	const char *tool_version;	/* CAUSAL_VERSION */
	const char *thread_model;	/* "task" | "cpu" */
	const char *event;		/* "cpu-clock" | "cycles" */
	uint64_t period_ns;
	const char *command;		/* the profiled command line, joined with spaces */
	const char *kernel_release;	/* uname -r */
	const char *unwind;		/* the callchains': "cfi" (call frame rows) | "fp" */
};

struct profile_experiment {
	const char *selected;		/* "path:line" */
	double speedup;			/* 0.00 .. 1.00, written with 2 decimals */
	uint64_t duration;		/* effective ns: wall time minus the delay the experiment inserted */
	uint64_t selected_samples;
	/* extras (CLOCK_MONOTONIC ns, and the module's per-experiment counters) */
	uint64_t start_ns;
	uint64_t end_ns;
	uint64_t delay_inserted;
	uint64_t delay_paid;
	int64_t paid_error_ns;
	uint64_t payments;
	/* the target ended during it: it measured the program winding down, not running */
	bool target_ended;
};

struct profile_writer;

/* Opens path in append mode (runs accumulate, as with Coz); NULL with a message in err. */
struct profile_writer *profile_writer_open(const char *path, enum profile_format fmt, char *err, size_t errlen);
/* The same on an open stream, which profile_writer_close() does not close (tests, stdout). */
struct profile_writer *profile_writer_stream(FILE *f, enum profile_format fmt);
/* run --timeline writes the per-thread spans to the profile's name with this appended (JSON Lines) */
#define PROFILE_TIMELINE_SUFFIX	".timeline"
void profile_write_startup(struct profile_writer *w, uint64_t realtime_ns, const struct profile_meta *meta);
void profile_write_experiment(struct profile_writer *w, const struct profile_experiment *e);
void profile_write_throughput(struct profile_writer *w, const char *name, uint64_t delta);
void profile_write_latency(struct profile_writer *w, const char *name, uint64_t arrivals, uint64_t departures,
			   int64_t difference);
void profile_write_runtime(struct profile_writer *w, uint64_t ns);
void profile_write_samples(struct profile_writer *w, const char *location, uint64_t count);
/*
 * [start_ns, duration_ns] pairs, CLOCK_MONOTONIC; kind is "oncpu" (on CPU cpu), "runnable"
 * (preempted, waiting for a CPU) or "delay" (asleep paying a delay); cpu < 0: not written.
 */
void profile_write_thread_spans(struct profile_writer *w, int pid, int tid, const char *kind,
				int cpu, const uint64_t (*spans)[2], size_t n);
/*
 * The timeline's frame (run --timeline): at the start the CPUs and the attach time, at the end
 * the end time and the ring records the module dropped (0: every switch is in the spans).
 */
void profile_write_timeline_start(struct profile_writer *w, unsigned int cpus, uint64_t start_ns);
void profile_write_timeline_end(struct profile_writer *w, uint64_t end_ns, uint64_t dropped);
/*
 * The callchains (callchain.c) go to the profile's name with this appended, in the profile's
 * syntax: Coz's viewer reads the profile and raises an alert for every record type it does not
 * know, so they stay out of it, as the timeline does. Four record types, whose ids are the
 * writing run's own (a later definition of an id replaces an earlier one, so runs append):
 *   object    id, path, build_id (hex, may be absent), start, end (its ELF address range)
 *   function  id, name, system_name (the linkage name, may be absent), file, start_line
 *   frame     id, object (0: none), address (ELF address in the object: stable across runs and
 *             ASLR), lines: [function, line] pairs, innermost inlined function first
 *   stack     count, frames (leaf first), line (the in-scope line the samples were charged to,
 *             as in samples records; may be absent)
 */
#define PROFILE_STACKS_SUFFIX	".stacks"
void profile_write_object(struct profile_writer *w, uint32_t id, const char *path, const char *build_id,
			  uint64_t start, uint64_t end);
void profile_write_function(struct profile_writer *w, uint32_t id, const char *name, const char *system_name,
			    const char *file, uint64_t start_line);
void profile_write_frame(struct profile_writer *w, uint32_t id, uint32_t object, uint64_t address,
			 const uint64_t (*lines)[2], size_t n);
void profile_write_stack(struct profile_writer *w, uint64_t count, const char *line, const uint32_t *frames,
			 size_t n);
/* Write errors are sticky: flush and close return the first as -errno (0 if none); closing NULL is 0. */
int profile_flush(struct profile_writer *w);
int profile_writer_close(struct profile_writer *w);

/* ---- parser (profile_read.c) ---- */

enum profile_point_kind { PROFILE_THROUGHPUT, PROFILE_LATENCY };

/* One progress point's record after an experiment. */
struct profile_point {
	char *name;
	enum profile_point_kind kind;
	uint64_t delta;			/* throughput */
	uint64_t arrivals;		/* latency */
	uint64_t departures;
	int64_t difference;
};

struct profile_exp {
	char *selected;
	double speedup;
	int speedup_pct;		/* speedup rounded to a whole percent: the aggregation key */
	uint64_t duration;
	uint64_t selected_samples;
	bool has_times;			/* start_ns/end_ns present (our profiles, not Coz's) */
	uint64_t start_ns, end_ns;
	uint64_t delay_inserted, delay_paid, payments;
	int64_t paid_error_ns;
	bool target_ended;		/* left out of the estimates (profile_experiment) */
	unsigned int run;		/* 0-based index of the startup record it follows */
	size_t first_point, npoints;	/* its records in profile.points */
	unsigned long line;		/* where it is in the file */
};

enum profile_span_kind { PROFILE_SPAN_ONCPU, PROFILE_SPAN_RUNNABLE, PROFILE_SPAN_DELAY };

struct profile_spans {
	int pid, tid;
	enum profile_span_kind kind;
	int cpu;			/* the CPU of oncpu spans; -1 if the record does not say */
	uint64_t (*spans)[2];
	size_t n;
};

/* The callchain records, as read: indexes into the profile's arrays, not the file's ids. */
struct profile_object {
	char *path, *build_id;		/* build_id may be NULL */
	uint64_t start, end;
};

struct profile_function {
	char *name, *system_name, *file;	/* system_name may be NULL */
	uint64_t start_line;
};

struct profile_frame_line {
	size_t function;		/* index into profile.functions */
	uint64_t line;
};

struct profile_frame {
	size_t object;			/* index + 1 into profile.objects; 0: none */
	uint64_t address;
	struct profile_frame_line *lines;	/* innermost first; may be empty */
	size_t nlines;
};

struct profile_stack {
	uint64_t count;
	char *line;			/* may be NULL */
	size_t *frames;			/* indexes into profile.frames, leaf first */
	size_t nframes;
};

/* A file id → index + 1 map (0: undefined); ids above PROFILE_MAX_ID are refused. */
#define PROFILE_MAX_ID	(1u << 24)
struct profile_ids {
	size_t *idx;
	size_t cap;
};

#define PROFILE_MAX_WARNINGS 5

struct profile {
	struct profile_exp *exps;
	size_t nexps, exps_cap;
	struct profile_point *points;
	size_t npoints, points_cap;
	struct profile_spans *spans;
	size_t nspans, spans_cap;
	struct profile_object *objects;
	size_t nobjects, objects_cap;
	struct profile_function *functions;
	size_t nfunctions, functions_cap;
	struct profile_frame *frames;
	size_t nframes, frames_cap;
	struct profile_stack *stacks;
	size_t nstacks, stacks_cap;
	struct profile_ids object_ids, function_ids, frame_ids;
	uint64_t stack_samples;		/* Σ stack counts (saturating) */
	uint64_t line_samples;		/* Σ samples record counts (saturating) */
	unsigned int runs;		/* startup records */
	unsigned long lines;		/* non-empty lines read */
	unsigned long bad_lines;	/* lines that did not parse or made no sense */
	unsigned long orphan_points;	/* point records before any experiment */
	bool truncated_tail;		/* the last line had no newline and did not parse: ignored */
	bool in_run_exp;		/* parser state: an experiment since the last startup */
	unsigned long warning_line[PROFILE_MAX_WARNINGS];
	char warning[PROFILE_MAX_WARNINGS][160];
	/* from the last startup record that had them */
	char *tool_version, *thread_model, *event, *command, *kernel_release;
	uint64_t period_ns;
	uint64_t runtime_ns;		/* the last runtime record */
	/* the timeline's frame (FILE.timeline); 0 when absent */
	unsigned int timeline_cpus;
	uint64_t timeline_start_ns, timeline_end_ns, timeline_dropped;
	bool timeline_switches;		/* spans from context switches (exact), else from samples */
};

/* Reads path; -errno with a message in err if it cannot be read at all (garbage is not an error). */
int profile_read(const char *path, struct profile *p, char *err, size_t errlen);
int profile_read_stream(FILE *f, struct profile *p);
/* Parses one line (no newline); false if it did not parse (then p->warning has why). */
bool profile_parse_line(struct profile *p, const char *line, unsigned long lineno);
void profile_free(struct profile *p);

/* ---- analysis (report.c) ---- */

#define REPORT_MIN_DELTA	5
#define REPORT_DEFAULT_MIN_POINTS 5
#define REPORT_DEFAULT_SORT	REPORT_SORT_IMPACT_SE

/* replicated measurements (degrees of freedom) a point needs before its noise is estimated */
#define REPORT_MIN_NOISE_DOF	3

enum report_sort {
	REPORT_SORT_IMPACT, REPORT_SORT_SLOPE, REPORT_SORT_MAX, REPORT_SORT_MIN, REPORT_SORT_IMPACT_SE
};

/* The aggregate of one (line, point, speedup). */
struct report_agg {
	int speedup_pct;
	unsigned int experiments;
	uint64_t duration;		/* Σ duration */
	uint64_t delta;			/* Σ delta (throughput) */
	uint64_t arrivals, departures;	/* Σ (latency) */
	double difference;		/* duration-weighted mean (latency) */
	double period;			/* ns per visit (throughput) or W, Little's law (latency) */
	double progress_speedup;
	double progress_speedup_se;	/* its standard error; NAN when the point's noise is unknown */
	bool used;			/* passed MIN_DELTA and the [-1, 2] range */
	/* per experiment with MIN_DELTA visits: n, Σ t, Σ t q, Σ t q² (t in s, q its own period) */
	unsigned int rep_n;
	double rep_t, rep_tq, rep_tqq;
};

/* One (line, progress point) series. */
struct report_series {
	const char *selected;
	const char *point;
	enum profile_point_kind kind;
	struct report_agg *aggs;	/* sorted by speedup */
	size_t naggs;
	size_t nused;			/* distinct speedups with a value */
	unsigned int experiments;
	bool ranked;			/* has a baseline and at least min_points values */
	double impact, slope, max, min;
	double impact_x;		/* the line speedup (0..1) whose running mean is the impact */
	double impact_se;		/* its standard error; NAN when the point's noise is unknown */
	/* our profiles' experiments above 0 %, and the samples they selected (see unselected) */
	unsigned int timed_above0;
	uint64_t selected_above0;
};

struct report_line {
	const char *selected;
	size_t *series;			/* indexes into result.series, best first */
	size_t nseries;
	double score;			/* over its ranked series, by the sort key */
};

struct report_point_total {
	const char *name;
	enum profile_point_kind kind;
	uint64_t total;			/* Σ delta, or Σ arrivals + departures */
	unsigned long records;
	/*
	 * The measurement noise: the variance of one experiment's period relative to the mean, times
	 * its length in s, pooled over repeated (line, speedup) experiments; NAN with fewer than
	 * REPORT_MIN_NOISE_DOF degrees of freedom.
	 */
	double noise;
	unsigned long noise_dof;
};

struct report_result {
	struct report_series *series;
	size_t nseries;
	struct report_line *lines;	/* ranked lines only, best first */
	size_t nlines;
	struct report_point_total *points;
	size_t npoints;
	enum report_sort sort;
	unsigned int min_points;
	size_t experiments;		/* all of them */
	size_t skipped_header;		/* experiments in coz.h / causal.h */
	size_t target_ended;		/* experiments during which the target ended, left out */
	/* what did not make it, never silently */
	size_t no_baseline;		/* series without a speedup-0 aggregate */
	size_t thin_baseline;		/* series whose baseline has < MIN_DELTA visits or no valid period */
	size_t thin_points;		/* aggregates other than baselines with < MIN_DELTA visits */
	size_t out_of_range;		/* values outside [-1, 2] */
	size_t few_points;		/* series with a baseline but fewer than min_points values */
	size_t lines_few_points;	/* lines with no ranked series because of min_points */
	/*
	 * series whose experiments above 0 % (causalctl's, which record what the module selected)
	 * selected no sample at all: nothing was delayed, so their "speedups" are noise. Coz's
	 * profiles are ranked as its viewer ranks them.
	 */
	size_t unselected;
	/*
	 * How the delays of the estimated experiments above 0 % were paid (our profiles only): how
	 * late this machine wakes a sleeping thread shows in the error.
	 */
	struct report_delays {
		size_t experiments;
		uint64_t wall_ns, inserted_ns, paid_ns, payments, error_ns;
	} delays;
};

const char *report_sort_name(enum report_sort s);
int report_analyse(const struct profile *p, enum report_sort sort, unsigned int min_points,
		   struct report_result *r);
void report_free(struct report_result *r);
/*
 * The program speedup the series predicts at line speedup x (0..1): a local linear fit of the
 * measured speedups around x, weighted by experiment time, and its standard error (NAN when the
 * noise is unknown). False beyond the largest speedup measured, or with fewer than three.
 */
bool report_predict(const struct report_series *s, double x, double *y, double *se);
/* The line speedup the verdict speaks of: a fifth, an optimisation one can hope for. */
#define REPORT_VERDICT_SPEEDUP	0.20
/* report_predict() widens its window while the fit's standard error is above this */
#define REPORT_PREDICT_SE	0.05
/* One sentence on the top-ranked line: what speeding it up by REPORT_VERDICT_SPEEDUP would do. */
void report_print_verdict(FILE *f, const struct report_result *r);
/* The ranked table; columns > 0 fits it to that width (names shortened, then the plot left out). */
void report_print_text(FILE *f, const struct report_result *r, size_t top, bool ascii, int columns);
void report_print_json(FILE *f, const char *path, const struct profile *p, const struct report_result *r,
		       size_t top);

/* report_html.c */
void report_print_html(FILE *f, const char *path, const struct profile *p, const struct report_result *r,
		       size_t top);

/* report_pprof.c: the callchains as a gzip'd pprof profile.proto; 0, or -errno with err set */
int report_write_pprof(const char *path, const struct profile *p, const struct report_result *r, char *err,
		       size_t errlen);

/* report_trace.c */
void report_print_trace(FILE *f, const struct profile *p);

int cmd_report(const struct cli_env *env, int argc, char **argv);
void cmd_report_usage(FILE *f);

#endif /* CAUSAL_PROFILE_H */
