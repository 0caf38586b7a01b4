/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for causalctl's dispatch: subcommands, global options, help and exit codes. */
#include <getopt.h>
#include <unistd.h>

#include "unit.h"

static char sysfs[] = "/tmp/causal-unit-cli-XXXXXX";

#define RUN(r, ...) do {								\
	char *argv_[] = { "causalctl", __VA_ARGS__, NULL };				\
	cli_run_argv(r, sysfs, ARRAY_SIZE(argv_) - 1, argv_);				\
} while (0)

static int setup(void **state)
{
	(void)state;
	return mkdtemp(sysfs) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(sysfs);
}

#define USAGE	CAUSALCTL_EXIT_USAGE
#define OK	CAUSALCTL_EXIT_OK
#define FAILURE	CAUSALCTL_EXIT_FAILURE

static void no_arguments_is_a_usage_error(void **state)
{
	static const struct cli_case cases[] = {
		{ { NULL }, { USAGE, .out_is = "", .err = { "Usage: causalctl" } } },
	};

	(void)state;
	cli_check_cases(sysfs, cases, ARRAY_SIZE(cases));
}

static void help_lists_what_exists(void **state)
{
	static const struct cli_case cases[] = {
		{ { "--help" }, { OK, .err_is = "", .out = { "Usage: causalctl", "\n  status ", "\n  help ",
			"\n  report ", "0  success", "1  runtime failure", "2  usage error", "\n  run ",
			"\n  attach " } } },
	};

	(void)state;
	cli_check_cases(sysfs, cases, ARRAY_SIZE(cases));
}

static void short_help_and_help_subcommand_match_long_help(void **state)
{
	struct cli_run a, b, c;

	(void)state;
	RUN(&a, "--help");
	RUN(&b, "-h");
	RUN(&c, "help");
	assert_int_equal(b.ret, CAUSALCTL_EXIT_OK);
	assert_int_equal(c.ret, CAUSALCTL_EXIT_OK);
	assert_string_equal(a.out.buf, b.out.buf);
	assert_string_equal(a.out.buf, c.out.buf);
	cli_run_done(&a);
	cli_run_done(&b);
	cli_run_done(&c);
}

static void version(void **state)
{
	static const struct cli_case cases[] = {
		{ { "--version" }, { OK, .out_is = "causalctl " CAUSAL_VERSION "\n", .err_is = "" } },
		{ { "-V" }, { OK, .out_is = "causalctl " CAUSAL_VERSION "\n" } },
	};

	(void)state;
	cli_check_cases(sysfs, cases, ARRAY_SIZE(cases));
}

static void unknown_subcommand(void **state)
{
	static const struct cli_case cases[] = {
		{ { "frobnicate", "--json" }, { USAGE, .out_is = "", .err = { "'frobnicate'", "causalctl --help" } } },
		{ { "record", "--", "true" }, { USAGE, .err = { "'record' is not a causalctl subcommand" } } },
	};

	(void)state;
	cli_check_cases(sysfs, cases, ARRAY_SIZE(cases));
}

static void unknown_global_option(void **state)
{
	static const struct cli_case cases[] = {
		{ { "--frobnicate", "status" }, { USAGE, .err = { "unknown option '--frobnicate'" } } },
		{ { "-x" }, { USAGE, .err = { "unknown option '-x'" } } },
	};

	(void)state;
	cli_check_cases(sysfs, cases, ARRAY_SIZE(cases));
}

static void global_options_stop_at_the_subcommand(void **state)
{
	static const struct cli_case cases[] = {
		/* --version after the subcommand belongs to status, which does not know it */
		{ { "status", "--version" }, { USAGE, .err = { "causalctl status: unknown option '--version'",
							       "causalctl status --help" } } },
	};

	(void)state;
	cli_check_cases(sysfs, cases, ARRAY_SIZE(cases));
}

static void help_for_a_subcommand(void **state)
{
	static const struct cli_case cases[] = {
		{ { "help", "status" }, { OK, .out = { "Usage: causalctl status [--json] [--device PATH] [PROGRAM]" } } },
		{ { "help", "help" }, { OK, .out = { "Usage: causalctl help" } } },
	};
	struct cli_run a, b;

	(void)state;
	cli_check_cases(sysfs, cases, ARRAY_SIZE(cases));
	RUN(&a, "help", "status");
	RUN(&b, "status", "--help");
	assert_int_equal(b.ret, CAUSALCTL_EXIT_OK);
	assert_string_equal(a.out.buf, b.out.buf);
	cli_run_done(&a);
	cli_run_done(&b);
}

static void help_for_an_unknown_subcommand(void **state)
{
	static const struct cli_case cases[] = {
		{ { "help", "frobnicate" }, { USAGE, .out_is = "", .err = { "'frobnicate'" } } },
		{ { "help", "status", "extra" }, { USAGE, .err = { "unexpected argument 'extra'" } } },
	};

	(void)state;
	cli_check_cases(sysfs, cases, ARRAY_SIZE(cases));
}

static void status_usage_errors(void **state)
{
	static const struct cli_case cases[] = {
		{ { "status", "--frobnicate" }, { USAGE, .out_is = "", .err = { "unknown option '--frobnicate'" } } },
		{ { "status", "--device" }, { USAGE, .err = { "option '--device' needs an argument" } } },
		{ { "status", "--json", "-d" }, { USAGE, .err = { "option '-d' needs an argument" } } },
		/* one PROGRAM, no more */
		{ { "status", "prog", "extra", "--json" }, { USAGE, .err = { "unexpected argument 'extra'" } } },
	};

	(void)state;
	cli_check_cases(sysfs, cases, ARRAY_SIZE(cases));
}

static void status_without_module_fails(void **state)
{
	static const struct cli_case cases[] = {
		{ { "status", "--device", "/nonexistent/causal" }, { FAILURE,
			.out = { "module:    not loaded\n", "device:    /nonexistent/causal: not found\n" },
			.err = { "the causal module is not loaded", "'sudo insmod causal.ko' in a source tree" } } },
	};

	(void)state;
	cli_check_cases(sysfs, cases, ARRAY_SIZE(cases));
}

static void status_json_keeps_stderr_quiet(void **state)
{
	static const struct cli_case cases[] = {
		{ { "status", "-j", "-d", "/nonexistent/causal" }, { FAILURE, .err_is = "",
			.out = { "\"module_loaded\":false", "\"device\":\"/nonexistent/causal\"" } } },
	};
	struct cli_run r;

	(void)state;
	cli_check_cases(sysfs, cases, ARRAY_SIZE(cases));
	/* one JSON object */
	RUN(&r, "status", "-j", "-d", "/nonexistent/causal");
	assert_int_equal(r.out.buf[0], '{');
	assert_string_equal(r.out.buf + strlen(r.out.buf) - 2, "}\n");
	cli_run_done(&r);
}

/* Every short option means the same long option in every subcommand that has it. */
static void short_options_mean_one_thing(void **state)
{
	static const char *const subs[] = { "run", "attach", "report", "status" };
	char longs[128][40] = { { 0 } };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(subs); i++) {
		char *argv[] = { "causalctl", (char *)subs[i], "--help", NULL };
		struct cli_run r;
		const char *p;

		cli_run_argv(&r, "/nonexistent", 3, argv);
		assert_int_equal(r.ret, CAUSALCTL_EXIT_OK);
		for (p = r.out.buf; (p = strstr(p, "\n  -")); p++) {
			unsigned char c = (unsigned char)p[4];
			char lng[40];

			if (p[5] != ',' || sscanf(p + 6, " --%39[a-z-]", lng) != 1)
				continue;
			if (!longs[c & 127][0])
				snprintf(longs[c & 127], sizeof(longs[0]), "%s", lng);
			else if (strcmp(longs[c & 127], lng))
				fail_msg("-%c is --%s in %s but --%s elsewhere", c, lng, subs[i],
					 longs[c & 127]);
		}
		cli_run_done(&r);
	}
	/* the check saw the options it is about */
	assert_string_equal(longs['s'], "source-scope");
	assert_string_equal(longs['o'], "output");
	assert_string_equal(longs['j'], "json");
}

/*
 * A subcommand's option table: cli_getopt() reads its short and long options (abbreviated too)
 * and says what is wrong, cli_print_options() lays out its help.
 */
static void option_tables(void **state)
{
	static const struct cli_option opts[] = {
		{ "top", 'n', "N", "the N best\nlines" },
		{ "json", 'j', NULL, "JSON" },
		{ "a-rather-long-name", 0x100, "VALUE", "past the column: two spaces" },
	};
	char *argv[] = { "x", "-n5", "--js", "--a-rather=v", "file", "-j", "-q", "--top", NULL };
	char *sub[] = { "x", "-j", "sub", "-n", "1", NULL };
	struct capture c;

	(void)state;
	capture_open(&c);
	cli_print_options(c.f, opts, ARRAY_SIZE(opts), 15);
	assert_string_equal(capture_text(&c), "  -n, --top N  the N best\n"
						"               lines\n"
						"  -j, --json   JSON\n"
						"      --a-rather-long-name VALUE  past the column: two spaces\n");
	capture_close(&c);

	cli_getopt_start();
	assert_int_equal(cli_getopt(8, argv, "", opts, ARRAY_SIZE(opts)), 'n');
	assert_string_equal(optarg, "5");
	assert_int_equal(cli_getopt(8, argv, "", opts, ARRAY_SIZE(opts)), 'j');
	assert_int_equal(cli_getopt(8, argv, "", opts, ARRAY_SIZE(opts)), 0x100);
	assert_string_equal(optarg, "v");
	/* options after an argument too, without "+" */
	assert_int_equal(cli_getopt(8, argv, "", opts, ARRAY_SIZE(opts)), 'j');
	assert_int_equal(cli_getopt(8, argv, "", opts, ARRAY_SIZE(opts)), '?');
	assert_int_equal(optopt, 'q');
	assert_int_equal(cli_getopt(8, argv, "", opts, ARRAY_SIZE(opts)), ':');
	assert_int_equal(optopt, 'n');
	assert_int_equal(cli_getopt(8, argv, "", opts, ARRAY_SIZE(opts)), -1);
	assert_string_equal(argv[optind], "file");

	/* "+": the first argument ends the options */
	cli_getopt_start();
	assert_int_equal(cli_getopt(5, sub, "+", opts, ARRAY_SIZE(opts)), 'j');
	assert_int_equal(cli_getopt(5, sub, "+", opts, ARRAY_SIZE(opts)), -1);
	assert_int_equal(optind, 2);
}

static void find(void **state)
{
	(void)state;
	assert_non_null(cli_find("status"));
	assert_ptr_equal(cli_find("status")->run, cmd_status);
	assert_non_null(cli_find("help"));
	assert_null(cli_find("stat"));
	assert_null(cli_find(""));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(no_arguments_is_a_usage_error),
	cmocka_unit_test(short_options_mean_one_thing),
	cmocka_unit_test(help_lists_what_exists),
	cmocka_unit_test(short_help_and_help_subcommand_match_long_help),
	cmocka_unit_test(version),
	cmocka_unit_test(unknown_subcommand),
	cmocka_unit_test(unknown_global_option),
	cmocka_unit_test(global_options_stop_at_the_subcommand),
	cmocka_unit_test(help_for_a_subcommand),
	cmocka_unit_test(help_for_an_unknown_subcommand),
	cmocka_unit_test(status_usage_errors),
	cmocka_unit_test(status_without_module_fails),
	cmocka_unit_test(status_json_keeps_stderr_quiet),
	cmocka_unit_test(option_tables),
	cmocka_unit_test(find),
};

UNIT_MAIN(tests, setup, teardown)
