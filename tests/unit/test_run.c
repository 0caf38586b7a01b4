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
	uint64_t v = 0;

	(void)state;
	assert_int_equal(parse_duration("1ms", 1, &v), 0);
	assert_int_equal(v, 1000000);
	assert_int_equal(parse_duration("250us", 1, &v), 0);
	assert_int_equal(v, 250000);
	assert_int_equal(parse_duration("1.5s", 1, &v), 0);
	assert_int_equal(v, 1500000000);
	assert_int_equal(parse_duration("2m", 1, &v), 0);
	assert_int_equal(v, 120000000000ULL);
	assert_int_equal(parse_duration("100ns", 1000, &v), 0);
	assert_int_equal(v, 100);
	/* a bare number takes the caller's unit */
	assert_int_equal(parse_duration("3", 1000000000ULL, &v), 0);
	assert_int_equal(v, 3000000000ULL);
	v = 42;
	assert_int_equal(parse_duration("", 1, &v), -EINVAL);
	assert_int_equal(parse_duration("ms", 1, &v), -EINVAL);
	assert_int_equal(parse_duration("5 ms", 1, &v), -EINVAL);
	assert_int_equal(parse_duration("5parsecs", 1, &v), -EINVAL);
	assert_int_equal(parse_duration("-1s", 1, &v), -EINVAL);
	assert_int_equal(parse_duration("1e30s", 1, &v), -EINVAL);
	assert_int_equal(v, 42);
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
		{ "--experiment-length", "10us", "--experiment-length takes at least 1ms" },
		{ "--max-experiments", "0", "--max-experiments takes a positive number" },
		{ "--seed", "x", "--seed takes a number" },
		{ "--duration", "0", "--duration takes a time" },
		{ "--duration", "soon", "--duration takes a time" },
		{ "-p", "1", "-p is an option of attach" },
	};
	struct cli_run r;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		RUN(&r, "run", (char *)bad[i].opt, (char *)bad[i].arg, "--", "true");
		assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
		assert_string_equal(r.out.buf, "");
		assert_contains(r.err.buf, bad[i].says);
		assert_contains(r.err.buf, "causalctl run --help");
		cli_run_done(&r);
	}
	RUN(&r, "run");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "no command to run");
	cli_run_done(&r);
	RUN(&r, "run", "--bogus", "--", "true");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "unknown option '--bogus'");
	cli_run_done(&r);
}

static void run_missing_command_is_127(void **state)
{
	struct cli_run r;

	(void)state;
	RUN(&r, "run", "--", "/nonexistent/causal-unit-program");
	assert_int_equal(r.ret, 127);
	assert_contains(r.err.buf, "command not found");
	cli_run_done(&r);
}

static void run_without_device_says_how_to_load(void **state)
{
	struct cli_run r;

	(void)state;
	RUN(&r, "run", "--device", "/nonexistent/causal", "-o", "/dev/null", "--", "true");
	assert_int_equal(r.ret, 125);
	assert_contains(r.err.buf, "not loaded");
	assert_contains(r.err.buf, "modprobe causal");
	cli_run_done(&r);
	/* a list of speedups gets past the options to the same error */
	RUN(&r, "run", "--device", "/nonexistent/causal", "--fixed-speedup", "0,30,100", "-o",
	    "/dev/null", "--", "true");
	assert_int_equal(r.ret, 125);
	assert_contains(r.err.buf, "not loaded");
	cli_run_done(&r);
}

static void attach_usage_errors(void **state)
{
	struct cli_run r;

	(void)state;
	RUN(&r, "attach");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "which process? (-p PID)");
	cli_run_done(&r);
	RUN(&r, "attach", "-p", "0");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "-p takes a process id");
	cli_run_done(&r);
	RUN(&r, "attach", "-p", "1", "--duration", "never");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "--duration takes a time");
	cli_run_done(&r);
	RUN(&r, "attach", "-p", "1", "--no-preload");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "--no-preload is an option of run");
	cli_run_done(&r);
	RUN(&r, "attach", "-p", "1", "extra");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "unexpected argument 'extra'");
	cli_run_done(&r);
}

static void help_tells_every_option(void **state)
{
	static const char *const run_opts[] = {
		"--output", "--format", "--timeline", "--progress", "--latency", "--binary-scope",
		"--source-scope", "--fixed-line", "--fixed-speedup", "--experiment-length",
		"--max-experiments", "--seed", "--period", "--event", "--thread-model",
		"--no-follow-children", "--device", "--verbose", "--help", "--no-preload",
		"Exit status",
	};
	struct cli_run r;

	(void)state;
	RUN(&r, "run", "--help");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_OK);
	for (size_t i = 0; i < ARRAY_SIZE(run_opts); i++)
		assert_contains(r.out.buf, run_opts[i]);
	cli_run_done(&r);
	RUN(&r, "attach", "--help");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_OK);
	assert_contains(r.out.buf, "--pid PID");
	assert_contains(r.out.buf, "--duration");
	assert_not_contains(r.out.buf, "--no-preload");
	cli_run_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(durations),
		cmocka_unit_test(run_usage_errors),
		cmocka_unit_test(run_missing_command_is_127),
		cmocka_unit_test(run_without_device_says_how_to_load),
		cmocka_unit_test(attach_usage_errors),
		cmocka_unit_test(help_tells_every_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
