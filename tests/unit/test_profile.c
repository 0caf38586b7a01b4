/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the profile writer and parser: both formats, Coz's records, garbage. */
#include <errno.h>
#include <unistd.h>

#include "profile_unit.h"

/* A warning the parser should have kept, in order: its line (0: not checked) and part of its text
 * (NULL: not checked). */
struct warn {
	unsigned long line;
	const char *text;
};

static void assert_warnings(const struct profile *p, const struct warn *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (w[i].line)
			assert_int_equal(p->warning_line[i], w[i].line);
		if (w[i].text)
			assert_contains(p->warning[i], w[i].text);
	}
}

static const struct profile_meta meta = {
	.tool_version = "0.1",
	.thread_model = "task",
	.event = "cpu-clock",
	.period_ns = 1000000,
	.command = "./server --name \"x\"\t-v",
	.kernel_release = "6.1.0-18-amd64",
	.unwind = "cfi",
};

static const struct profile_experiment exp1 = {
	.selected = "/src/a \"q\".c:12",
	.speedup = 0.35,
	.duration = 500214432,
	.selected_samples = 17,
	.start_ns = 1000,
	.end_ns = 600001000,
	.delay_inserted = 7000000,
	.delay_paid = 6900000,
	.paid_error_ns = -1234,
	.payments = 42,
};

static const uint64_t spans[3][2] = { { 5000, 100 }, { 9000, 250 }, { 20000, 1 } };

/* Writes one run of every record type to a string. */
static char *write_all(enum profile_format fmt)
{
	struct capture c;
	struct profile_writer *w;
	char *text;

	capture_open(&c);
	w = profile_writer_stream(c.f, fmt);
	assert_non_null(w);
	profile_write_startup(w, 1427223983237973526ULL, &meta);
	profile_write_experiment(w, &exp1);
	profile_write_throughput(w, "main.c:73", 2034);
	profile_write_latency(w, "req\tlat", 120, 118, -3);
	profile_write_samples(w, "main.c:55", 9);
	profile_write_runtime(w, 987654321);
	profile_write_thread_spans(w, 10, 11, "delay", -1, spans, 3);
	profile_write_thread_spans(w, 10, 12, "oncpu", 1, spans, 0);
	profile_write_thread_spans(w, 10, 12, "runnable", -1, spans, 1);
	profile_write_timeline_start(w, 2, 777);
	profile_write_timeline_end(w, 888, 3);
	assert_int_equal(profile_flush(w), 0);
	assert_int_equal(profile_writer_close(w), 0);
	text = strdup(capture_text(&c));
	capture_close(&c);
	return text;
}

static void check_round_trip(const struct profile *p, const char *lat_name, const char *command)
{
	const struct profile_exp *e;

	assert_int_equal(p->bad_lines, 0);
	assert_false(p->truncated_tail);
	assert_int_equal(p->runs, 1);
	assert_int_equal(p->lines, 11);
	assert_string_equal(p->tool_version, "0.1");
	assert_string_equal(p->thread_model, "task");
	assert_string_equal(p->event, "cpu-clock");
	assert_string_equal(p->command, command);
	assert_string_equal(p->kernel_release, "6.1.0-18-amd64");
	assert_int_equal(p->period_ns, 1000000);
	assert_int_equal(p->runtime_ns, 987654321);
	assert_int_equal(p->nexps, 1);
	e = &p->exps[0];
	assert_string_equal(e->selected, "/src/a \"q\".c:12");
	assert_float_equal(e->speedup, 0.35, 1e-12);
	assert_int_equal(e->speedup_pct, 35);
	assert_int_equal(e->duration, 500214432);
	assert_int_equal(e->selected_samples, 17);
	assert_true(e->has_times);
	assert_int_equal(e->start_ns, 1000);
	assert_int_equal(e->end_ns, 600001000);
	assert_int_equal(e->delay_inserted, 7000000);
	assert_int_equal(e->delay_paid, 6900000);
	assert_int_equal(e->paid_error_ns, -1234);
	assert_int_equal(e->payments, 42);
	assert_false(e->target_ended);
	assert_int_equal(e->npoints, 2);
	assert_int_equal(p->npoints, 2);
	assert_string_equal(p->points[0].name, "main.c:73");
	assert_int_equal(p->points[0].kind, PROFILE_THROUGHPUT);
	assert_int_equal(p->points[0].delta, 2034);
	assert_string_equal(p->points[1].name, lat_name);
	assert_int_equal(p->points[1].kind, PROFILE_LATENCY);
	assert_int_equal(p->points[1].arrivals, 120);
	assert_int_equal(p->points[1].departures, 118);
	assert_int_equal(p->points[1].difference, -3);
	assert_int_equal(p->nspans, 3);
	assert_int_equal(p->spans[0].pid, 10);
	assert_int_equal(p->spans[0].tid, 11);
	assert_int_equal(p->spans[0].kind, PROFILE_SPAN_DELAY);
	assert_int_equal(p->spans[0].cpu, -1);
	assert_int_equal(p->spans[0].n, 3);
	assert_int_equal(p->spans[0].spans[1][0], 9000);
	assert_int_equal(p->spans[0].spans[1][1], 250);
	assert_int_equal(p->spans[0].spans[2][0], 20000);
	assert_int_equal(p->spans[1].kind, PROFILE_SPAN_ONCPU);
	assert_int_equal(p->spans[1].cpu, 1);
	assert_int_equal(p->spans[1].n, 0);
	assert_int_equal(p->spans[2].kind, PROFILE_SPAN_RUNNABLE);
	assert_int_equal(p->spans[2].n, 1);
	assert_int_equal(p->timeline_cpus, 2);
	assert_int_equal(p->timeline_start_ns, 777);
	assert_int_equal(p->timeline_end_ns, 888);
	assert_int_equal(p->timeline_dropped, 3);
	assert_true(p->timeline_switches);
}

/* What write_all(fmt) writes (among the rest), and the names it reads back. */
static const struct round_trip {
	enum profile_format fmt;
	const char *has[8];
	const char *lat_name, *command;
} jsonl = {
	PROFILE_JSONL,
	{
		/* Coz's exact record shapes first, our extras after */
		"{\"type\":\"startup\",\"time\":1427223983237973526,\"tool\":\"causal\"",
		"{\"type\":\"experiment\",\"selected\":\"/src/a \\\"q\\\".c:12\",\"speedup\":0.35,"
		"\"duration\":500214432,\"selected_samples\":17,\"start_ns\":1000,",
		"{\"type\":\"throughput-point\",\"name\":\"main.c:73\",\"delta\":2034}\n",
		"{\"type\":\"latency-point\",\"name\":\"req\\tlat\",\"arrivals\":120,"
		"\"departures\":118,\"difference\":-3}\n",
		"{\"type\":\"runtime\",\"time\":987654321}\n",
		"{\"type\":\"samples\",\"location\":\"main.c:55\",\"count\":9}\n",
		"\"spans\":[[5000,100],[9000,250],[20000,1]]}\n",
		"\"kernel\":\"6.1.0-18-amd64\",\"unwind\":\"cfi\"}\n",
	},
	"req\tlat", "./server --name \"x\"\t-v",
}, legacy = {
	PROFILE_LEGACY,
	{
		"startup\ttime=1427223983237973526\t",
		"experiment\tselected=/src/a \"q\".c:12\tspeedup=0.35\tduration=500214432\t"
		"selected-samples=17\tstart-ns=1000\t",
		"throughput-point\tname=main.c:73\tdelta=2034\n",
		/* legacy has no quoting: a tab in a value becomes a space */
		"latency-point\tname=req lat\tarrivals=120\tdepartures=118\tdifference=-3\n",
		"thread-spans\tpid=10\ttid=11\tkind=delay\tspans=5000:100,9000:250,20000:1\n",
		"\tkernel=6.1.0-18-amd64\tunwind=cfi\n",
	},
	"req lat", "./server --name \"x\" -v",
};

/* Writes everything in the format of the round_trip *state and reads it back. */
static void round_trip(void **state)
{
	const struct round_trip *t = *state;
	char *text = write_all(t->fmt);
	struct profile p;

	for (size_t i = 0; i < ARRAY_SIZE(t->has) && t->has[i]; i++)
		assert_contains(text, t->has[i]);
	profile_read_text(&p, text);
	check_round_trip(&p, t->lat_name, t->command);
	profile_free(&p);
	free(text);
}

/* The mark on an experiment the target's end cut short: written only when set, read in both formats. */
static void target_ended_mark(void **state)
{
	static const enum profile_format fmts[] = { PROFILE_JSONL, PROFILE_LEGACY };
	struct profile_experiment ended = exp1;
	const char *key, *text;
	size_t i;

	(void)state;
	ended.target_ended = true;
	for (i = 0; i < 2; i++) {
		struct profile_writer *w;
		struct capture c;
		struct profile p;

		capture_open(&c);
		w = profile_writer_stream(c.f, fmts[i]);
		assert_non_null(w);
		profile_write_experiment(w, &exp1);
		profile_write_experiment(w, &ended);
		assert_int_equal(profile_writer_close(w), 0);
		key = fmts[i] == PROFILE_JSONL ? "\"target_ended\":1" : "\ttarget-ended=1";
		/* on the second record only */
		text = capture_text(&c);
		assert_non_null(strstr(text, key));
		assert_null(strstr(strstr(text, key) + 1, key));
		assert_true(strstr(text, key) > strchr(text, '\n'));
		profile_read_text(&p, capture_text(&c));
		assert_int_equal(p.bad_lines, 0);
		assert_int_equal(p.nexps, 2);
		assert_false(p.exps[0].target_ended);
		assert_true(p.exps[1].target_ended);
		profile_free(&p);
		capture_close(&c);
	}
}

/*
 * A profile text and what the parser makes of it, all of it checked (what a case leaves out is 0):
 * the counts, the first two experiments and points kept, the last runtime record, the thread
 * model (NULL: none) and the warnings as assert_warnings() checks them.
 */
struct read_case {
	const char *text;
	size_t len;			/* 0: up to the text's NUL */
	unsigned int runs;
	unsigned long lines, bad_lines, orphan_points;
	bool truncated_tail;
	size_t nexps, npoints;
	struct {
		const char *selected;
		double speedup;
		int pct;
		uint64_t duration, selected_samples;
		bool has_times;
		size_t npoints;
	} exps[2];
	struct {
		const char *name;
		enum profile_point_kind kind;
		uint64_t delta;
	} points[2];
	uint64_t runtime_ns;
	const char *thread_model;
	struct warn warnings[PROFILE_MAX_WARNINGS];
};

static void read_case(void **state)
{
	const struct read_case *c = *state;
	struct profile p;

	profile_read_text_len(&p, c->text, c->len ? c->len : strlen(c->text));
	assert_int_equal(p.runs, c->runs);
	assert_int_equal(p.lines, c->lines);
	assert_int_equal(p.bad_lines, c->bad_lines);
	assert_int_equal(p.orphan_points, c->orphan_points);
	assert_int_equal(p.truncated_tail, c->truncated_tail);
	assert_int_equal(p.nexps, c->nexps);
	assert_int_equal(p.npoints, c->npoints);
	for (size_t i = 0; i < p.nexps && i < ARRAY_SIZE(c->exps); i++) {
		const struct profile_exp *e = &p.exps[i];

		assert_string_equal(e->selected, c->exps[i].selected);
		assert_true(e->speedup == c->exps[i].speedup);
		assert_int_equal(e->speedup_pct, c->exps[i].pct);
		assert_int_equal(e->duration, c->exps[i].duration);
		assert_int_equal(e->selected_samples, c->exps[i].selected_samples);
		assert_int_equal(e->has_times, c->exps[i].has_times);
		assert_int_equal(e->npoints, c->exps[i].npoints);
	}
	for (size_t i = 0; i < p.npoints && i < ARRAY_SIZE(c->points); i++) {
		assert_string_equal(p.points[i].name, c->points[i].name);
		assert_int_equal(p.points[i].kind, c->points[i].kind);
		assert_int_equal(p.points[i].delta, c->points[i].delta);
	}
	assert_int_equal(p.runtime_ns, c->runtime_ns);
	if (c->thread_model)
		assert_string_equal(p.thread_model, c->thread_model);
	else
		assert_null(p.thread_model);
	assert_warnings(&p, c->warnings, ARRAY_SIZE(c->warnings));
	profile_free(&p);
}

/* The record lines of Coz's bundled sqlite profile (2015, historic format). */
static const struct read_case coz_sqlite = {
	.text = "startup\ttime=1427223983237973526\n"
		"experiment\tselected=sqlite3.c:123263\tspeedup=0.55\tduration=500214432\tselected-samples=0\n"
		"progress-point\tname=main.c:73\ttype=source\tdelta=2034\n"
		"runtime\ttime=500173637\n"
		"samples\tlocation=main.c:55\tcount=1\n"
		"shutdown\ttime=1427224000600601814\tsamples=12456\n",
	.runs = 1, .lines = 6, .nexps = 1, .npoints = 1,
	.exps = { { .selected = "sqlite3.c:123263", .speedup = 0.55, .pct = 55, .duration = 500214432,
		    .npoints = 1 } },
	.points = { { .name = "main.c:73", .kind = PROFILE_THROUGHPUT, .delta = 2034 } },
	.runtime_ns = 500173637,
};

static const struct read_case underscore = {
	.text = "{\"type\":\"startup\",\"time\":1}\n"
		"{ \"type\" : \"experiment\", \"selected\":\"/a.c:1\", \"speedup\":0, \"duration\":10,"
		" \"selected_samples\":0 }\n"
		"{\"type\":\"throughput_point\",\"name\":\"p\",\"delta\":7}\n"
		"{\"type\":\"latency_point\",\"name\":\"l\",\"arrivals\":3,\"departures\":2,\"difference\":1}\n"
		"{\"type\":\"unknown-but-json\"}\n",
	/* an unknown record type is counted, not fatal */
	.runs = 1, .lines = 5, .bad_lines = 1, .nexps = 1, .npoints = 2,
	.exps = { { .selected = "/a.c:1", .duration = 10, .npoints = 2 } },
	.points = { { .name = "p", .kind = PROFILE_THROUGHPUT, .delta = 7 },
		    { .name = "l", .kind = PROFILE_LATENCY } },
	.warnings = { { 5, "unknown record type 'unknown-but-json'" } },
};

static const struct read_case garbage = {
	.text = "experiment\tselected=a.c:1\tspeedup=0.00\tduration=100\n"		/* 1 */
		"throughput-point\tname=p\tdelta=10\n"					/* 2 */
		"\xff\xfe binary\n"							/* 3 */
		"{\"type\":\"experiment\",\"selected\":\"a.c:1\",\"speedup\":0.5\n"	/* 4 */
		"experiment\tselected=a.c:1\tspeedup=1.5\tduration=100\n"		/* 5 */
		"experiment\tselected=a.c:1\tspeedup=0.10\tduration=-4\n"		/* 6 */
		"throughput-point\tname=p\tdelta=12x\n"					/* 7 */
		"latency-point\tname=l\tarrivals=1\tdepartures=1\n"			/* 8 */
		"{\"type\":\"experiment\",\"selected\":\"a.c:1\",\"speedup\":\"\\u00\"}\n"	/* 9 */
		"\n"									/* 10 */
		"{]\n"									/* 11 */
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":5} trailing\n"	/* 12 */
		"throughput-point\tname=p\tdelta=3\n"					/* 13: line 9's */
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"del",			/* 14: cut */
	/* line 13 follows the rejected experiment of line 9: an orphan, not experiment 1's */
	.lines = 13, .bad_lines = 10, .orphan_points = 1, .truncated_tail = true, .nexps = 1, .npoints = 1,
	.exps = { { .selected = "a.c:1", .duration = 100, .npoints = 1 } },
	.points = { { .name = "p", .kind = PROFILE_THROUGHPUT, .delta = 10 } },
	.warnings = { { 3, NULL }, { 4, "cut short" }, { 5, "speedup=1.5" }, { 6, "duration=-4" }, { 7, NULL } },
};

/*
 * Coz writes a negative duration as an unsigned number (its bundled ferret.coz has five): the
 * experiment is rejected with a warning, and its points go with it instead of to the one before.
 */
static const struct read_case negative_unsigned = {
	.text = "experiment\tselected=a.c:1\tspeedup=0.00\tduration=100\n"
		"throughput-point\tname=p\tdelta=10\n"
		"experiment\tselected=a.c:1\tspeedup=0.50\tduration=18446744073709547616\n"
		"throughput-point\tname=p\tdelta=7\n"
		"experiment\tselected=a.c:1\tspeedup=0.50\tduration=9223372036854775807\n"
		"throughput-point\tname=p\tdelta=9223372036854775808\n",
	.lines = 6, .bad_lines = 3, .orphan_points = 1, .nexps = 2, .npoints = 1,
	.exps = {
		{ .selected = "a.c:1", .duration = 100, .npoints = 1 },
		/* 2^63 - 1 is still a number */
		{ .selected = "a.c:1", .speedup = 0.5, .pct = 50, .duration = INT64_MAX },
	},
	.points = { { .name = "p", .kind = PROFILE_THROUGHPUT, .delta = 10 } },
	.warnings = {
		{ 3, "duration=18446744073709547616 is 2^63 or more" },
		{ 4, NULL },
		{ 6, "delta=9223372036854775808 is 2^63 or more" },
	},
};

/*
 * JSON records have types: a number written as a string or with a fraction is not a count, and an
 * integer JSON parsers cannot hold (2^63 or more, in a field or in a list) is named as legacy ones are.
 */
static const struct read_case json_fields = {
	.text = "{\"type\":\"experiment\",\"selected\":\"a.c:1\",\"speedup\":0,\"duration\":100}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":\"10\"}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":10.5}\n"
		"{\"type\":\"throughput-point\",\"name\":7,\"delta\":1}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":18446744073709547616}\n"
		"{\"type\":\"latency-point\",\"name\":\"l\",\"arrivals\":1,\"departures\":1,"
		"\"difference\":-9223372036854775809}\n",
	.lines = 6, .bad_lines = 5, .nexps = 1,
	.exps = { { .selected = "a.c:1", .duration = 100 } },
	.warnings = {
		{ 0, "delta=\"10\" is not a non-negative integer" },
		{ 0, "delta=10.5 is not a non-negative integer" },
		{ 0, "name is not a string" },
		{ 0, "throughput-point: delta=18446744073709547616 is 2^63 or more: a negative value" },
		{ 0, "latency-point: difference=-9223372036854775809 is below -2^63" },
	},
};

static const struct read_case json_records = {
	.text = "{\"type\":\"stack\",\"count\":1,\"frames\":[1,18446744073709551615]}\n"
		"{\"type\":\"throughput-point\",\"name\":\"\xff\",\"delta\":1}\n"
		"[1,2]\n"
		"{\"type\":\"experiment\",\"selected\":\"a.c:1\",\"speedup\":1,\"duration\":100,"
		"\"selected-samples\":5}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":3,\"delta\":4}\n",
	.lines = 5, .bad_lines = 3, .nexps = 1, .npoints = 1,
	/* keys compare with '-' and '_' alike in both formats */
	.exps = { { .selected = "a.c:1", .speedup = 1, .pct = 100, .duration = 100, .selected_samples = 5,
		    .npoints = 1 } },
	/* a repeated key: the last one wins, as in JSON.parse */
	.points = { { .name = "p", .kind = PROFILE_THROUGHPUT, .delta = 4 } },
	.warnings = {
		{ 0, "stack: frames=18446744073709551615 is 2^63 or more" },
		{ 0, "not JSON" },
		/* a line that does not open an object is a legacy record */
		{ 3, "unknown record type '[1,2]'" },
	},
};

static const char nul_text[] = "experiment\tselected=a.c:1\tspeedup=0.00\tduration=100\n"
			       "throughput-point\tname=p\0\tdelta=10\n"
			       "throughput-point\tname=p\tdelta=20";	/* cut from delta=2034? not trusted */

static const struct read_case nul_bytes = {
	.text = nul_text, .len = sizeof(nul_text) - 1,
	.lines = 3, .bad_lines = 1, .truncated_tail = true, .nexps = 1,
	.exps = { { .selected = "a.c:1", .duration = 100 } },
	.warnings = { { 0, "NUL" } },
};

static const struct read_case points_without_experiment = {
	.text = "throughput-point\tname=p\tdelta=10\n"
		"experiment\tselected=a.c:1\tspeedup=0.00\tduration=100\n"
		"startup\ttime=2\n"
		"throughput-point\tname=p\tdelta=10\n",
	/* the second point follows a new startup: it belongs to no experiment of that run */
	.runs = 1, .lines = 4, .bad_lines = 2, .orphan_points = 2, .nexps = 1,
	.exps = { { .selected = "a.c:1", .duration = 100 } },
};

#define NONSENSE_5	"nonsense\nnonsense\nnonsense\nnonsense\nnonsense\n"

/* 20 bad lines: the warnings kept are the first ones */
static const struct read_case many_warnings = {
	.text = NONSENSE_5 NONSENSE_5 NONSENSE_5 NONSENSE_5,
	.lines = 20, .bad_lines = 20,
	.warnings = { [PROFILE_MAX_WARNINGS - 1] = { PROFILE_MAX_WARNINGS, NULL } },
};

static void appended_runs(void **state)
{
	char path[] = "/tmp/causal-unit-profile-XXXXXX", err[256];
	struct profile_experiment e = { .selected = "/a.c:3", .duration = 100 };
	struct profile_writer *w;
	struct profile p;
	int fd = mkstemp(path), run;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	for (run = 0; run < 2; run++) {
		w = profile_writer_open(path, run ? PROFILE_LEGACY : PROFILE_JSONL, err, sizeof(err));
		assert_non_null(w);
		profile_write_startup(w, 1, NULL);
		e.speedup = run * 0.5;
		profile_write_experiment(w, &e);
		profile_write_throughput(w, "p", 10 + run);
		assert_int_equal(profile_writer_close(w), 0);
	}
	assert_int_equal(profile_read(path, &p, err, sizeof(err)), 0);
	assert_int_equal(p.runs, 2);
	assert_int_equal(p.nexps, 2);
	assert_int_equal(p.exps[0].run, 0);
	assert_int_equal(p.exps[1].run, 1);
	assert_int_equal(p.exps[1].speedup_pct, 50);
	assert_int_equal(p.points[1].delta, 11);
	/* no start/end times were given: the trace must not believe zeros */
	assert_false(p.exps[0].has_times);
	profile_free(&p);
	unlink(path);
}

static void open_errors(void **state)
{
	char err[256];
	struct profile p;

	(void)state;
	assert_null(profile_writer_open("/nonexistent/dir/p.coz", PROFILE_JSONL, err, sizeof(err)));
	assert_contains(err, "cannot open the profile /nonexistent/dir/p.coz for writing");
	assert_int_equal(profile_read("/nonexistent/p.coz", &p, err, sizeof(err)), -ENOENT);
	assert_contains(err, "cannot open /nonexistent/p.coz");
	profile_free(&p);
	assert_int_equal(profile_read("/tmp", &p, err, sizeof(err)), -EISDIR);
	assert_contains(err, "cannot read /tmp: Is a directory");
	profile_free(&p);
}

static void write_errors_reach_flush(void **state)
{
	char err[256];
	struct profile_writer *w = profile_writer_open("/dev/full", PROFILE_JSONL, err, sizeof(err));
	int i;

	(void)state;
	if (!w)
		skip();
	for (i = 0; i < 1000; i++)
		profile_write_throughput(w, "p", 1);
	assert_int_equal(profile_flush(w), -ENOSPC);
	assert_int_equal(profile_writer_close(w), -ENOSPC);
}

/* A test named test reading the read_case c. */
#define read_test(test, c)	unit_test_with(test, read_case, &(c))

static const struct CMUnitTest tests[] = {
	unit_test_with(jsonl_round_trip, round_trip, &jsonl),
	unit_test_with(legacy_round_trip, round_trip, &legacy),
	cmocka_unit_test(target_ended_mark),
	read_test(coz_sqlite_example, coz_sqlite),
	read_test(underscore_types, underscore),
	read_test(garbage_is_counted, garbage),
	read_test(negative_written_unsigned, negative_unsigned),
	read_test(json_values_are_typed, json_fields),
	read_test(json_records_lists_and_keys, json_records),
	read_test(nul_bytes_and_unterminated_legacy, nul_bytes),
	read_test(points_need_an_experiment, points_without_experiment),
	read_test(many_warnings_keep_the_first, many_warnings),
	cmocka_unit_test(appended_runs),
	cmocka_unit_test(open_errors),
	cmocka_unit_test(write_errors_reach_flush),
};

UNIT_MAIN(tests, NULL, NULL)
