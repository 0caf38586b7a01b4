/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for causalctl run and attach: durations, option checks and their messages. */
#include <errno.h>

#include "unit.h"
#include "profiler.h"

#define RUN(r, ...) do {								\
	char *argv_[] = { "causalctl", __VA_ARGS__, NULL };				\
	cli_run_argv(r, "/nonexistent", ARRAY_SIZE(argv_) - 1, argv_);			\
} while (0)

static void durations(void **state)
{
	static const struct {
		const char *text;
		uint64_t unit, ns;
	} good[] = {
		{ "1ms", 1, 1000000 },
		{ "250us", 1, 250000 },
		{ "1.5s", 1, 1500000000 },
		{ "2m", 1, 120000000000ULL },
		{ "100ns", 1000, 100 },
		/* a bare number takes the caller's unit */
		{ "3", 1000000000ULL, 3000000000ULL },
	};
	/* refused, the value left as it was */
	static const char *const bad[] = { "", "ms", "5 ms", "5parsecs", "-1s", "1e30s" };
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		v = 0;
		assert_int_equal(parse_duration(good[i].text, good[i].unit, &v), 0);
		assert_int_equal(v, good[i].ns);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v = 42;
		assert_int_equal(parse_duration(bad[i], 1, &v), -EINVAL);
		assert_int_equal(v, 42);
	}
}

static void run_usage_errors(void **state)
{
	static const struct {
		const char *opt, *arg, *says;
	} bad[] = {
		{ "--format", "xml", "--format is jsonl or legacy" },
		{ "--fixed-speedup", "101", "--fixed-speedup takes 0..100" },
		{ "--fixed-speedup", "ten", "--fixed-speedup takes 0..100" },
		{ "--fixed-speedup", "0,101", "--fixed-speedup takes 0..100" },
		{ "--fixed-speedup", "0,", "--fixed-speedup takes 0..100" },
		{ "--fixed-speedup", ",30", "--fixed-speedup takes 0..100" },
		{ "--fixed-speedup", "0,,30", "--fixed-speedup takes 0..100" },
		{ "--fixed-speedup", "-1", "--fixed-speedup takes 0..100" },
		{ "--fixed-speedup", "0 ,30", "--fixed-speedup takes 0..100" },
		{ "--fixed-speedup", "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
		  "--fixed-speedup takes 0..100" },
		{ "--fixed-line", "main.c", "--fixed-line takes FILE:LINE" },
		{ "--period", "1us", "--period takes 10us..1s" },
		{ "--period", "2s", "--period takes 10us..1s" },
		{ "--event", "instructions", "--event is cpu-clock or cycles" },
		{ "--thread-model", "goroutine", "--thread-model is task or cpu" },
		{ "--unwind", "dwarf", "--unwind is cfi or fp" },
		{ "--experiment-length", "10us", "--experiment-length takes at least 1ms" },
		{ "--max-experiments", "0", "--max-experiments takes a positive number" },
		{ "--seed", "x", "--seed takes a number" },
		{ "--duration", "0", "--duration takes a time" },
		{ "--duration", "soon", "--duration takes a time" },
		{ "-p", "1", "-p is an option of attach" },
	};
	static const struct cli_case cases[] = {
		{ { "run" }, { CAUSALCTL_EXIT_USAGE, .err = { "no command to run" } } },
		{ { "run", "--bogus", "--", "true" }, { CAUSALCTL_EXIT_USAGE, .err = { "unknown option '--bogus'" } } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *argv[] = { "run", bad[i].opt, bad[i].arg, "--", "true", NULL };
		const struct cli_expect e = { CAUSALCTL_EXIT_USAGE, .out_is = "",
					      .err = { bad[i].says, "causalctl run --help" } };

		cli_check("/nonexistent", argv, &e);
	}
	cli_check_cases("/nonexistent", cases, ARRAY_SIZE(cases));
}

static void run_missing_command_is_127(void **state)
{
	static const struct cli_case cases[] = {
		{ { "run", "--", "/nonexistent/causal-unit-program" }, { 127, .err = { "command not found" } } },
	};

	(void)state;
	cli_check_cases("/nonexistent", cases, ARRAY_SIZE(cases));
}

static void run_without_device_says_how_to_load(void **state)
{
	static const struct cli_case cases[] = {
		{ { "run", "--device", "/nonexistent/causal", "-o", "/dev/null", "--", "true" },
		  { 125, .err = { "not loaded", "modprobe causal" } } },
		/* either unwinding gets past the options to the same error */
		{ { "run", "--device", "/nonexistent/causal", "--unwind", "fp", "-o", "/dev/null", "--", "true" },
		  { 125, .err = { "not loaded" } } },
		{ { "run", "--device", "/nonexistent/causal", "--unwind", "cfi", "-o", "/dev/null", "--", "true" },
		  { 125, .err = { "not loaded" } } },
		/* a list of speedups gets past the options to the same error */
		{ { "run", "--device", "/nonexistent/causal", "--fixed-speedup", "0,30,100", "-o", "/dev/null", "--",
		    "true" }, { 125, .err = { "not loaded" } } },
	};

	(void)state;
	cli_check_cases("/nonexistent", cases, ARRAY_SIZE(cases));
}

static void attach_usage_errors(void **state)
{
	static const struct cli_case cases[] = {
		{ { "attach" }, { CAUSALCTL_EXIT_USAGE, .err = { "which process? (-p PID)" } } },
		{ { "attach", "-p", "0" }, { CAUSALCTL_EXIT_USAGE, .err = { "-p takes a process id" } } },
		{ { "attach", "-p", "1", "--duration", "never" }, { CAUSALCTL_EXIT_USAGE,
								    .err = { "--duration takes a time" } } },
		{ { "attach", "-p", "1", "--no-preload" }, { CAUSALCTL_EXIT_USAGE,
							     .err = { "--no-preload is an option of run" } } },
		{ { "attach", "-p", "1", "--unwind", "dwarf" }, { CAUSALCTL_EXIT_USAGE,
								  .err = { "--unwind is cfi or fp, not 'dwarf'" } } },
		{ { "attach", "-p", "1", "extra" }, { CAUSALCTL_EXIT_USAGE, .err = { "unexpected argument 'extra'" } } },
	};

	(void)state;
	cli_check_cases("/nonexistent", cases, ARRAY_SIZE(cases));
}

static void help_tells_every_option(void **state)
{
	static const char *const run_opts[] = {
		"--output", "--format", "--timeline", "--progress", "--latency", "--binary-scope",
		"--source-scope", "--fixed-line", "--fixed-speedup", "--experiment-length",
		"--max-experiments", "--seed", "--period", "--event", "--thread-model",
		"--no-follow-children", "--unwind cfi|fp", "--device", "--verbose", "--help", "--no-preload",
		"Exit status",
	};
	static const struct cli_case cases[] = {
		{ { "attach", "--help" }, { CAUSALCTL_EXIT_OK, .out = { "--pid PID", "--duration" },
					    .not_out = { "--no-preload" } } },
	};
	struct cli_run r;

	(void)state;
	RUN(&r, "run", "--help");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_OK);
	for (size_t i = 0; i < ARRAY_SIZE(run_opts); i++)
		assert_contains(r.out.buf, run_opts[i]);
	cli_run_done(&r);
	cli_check_cases("/nonexistent", cases, ARRAY_SIZE(cases));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(durations),
	cmocka_unit_test(run_usage_errors),
	cmocka_unit_test(run_missing_command_is_127),
	cmocka_unit_test(run_without_device_says_how_to_load),
	cmocka_unit_test(attach_usage_errors),
	cmocka_unit_test(help_tells_every_option),
};

UNIT_MAIN(tests, NULL, NULL)
