/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for causalctl's dispatch: subcommands, global options, help and exit codes. */
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

static void no_arguments_is_a_usage_error(void **state)
{
	char *argv[] = { "causalctl", NULL };
	struct cli_run r;

	(void)state;
	cli_run_argv(&r, sysfs, 1, argv);
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_string_equal(r.out.buf, "");
	assert_contains(r.err.buf, "Usage: causalctl");
	cli_run_done(&r);
}

static void help_lists_what_exists(void **state)
{
	struct cli_run r;

	(void)state;
	RUN(&r, "--help");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_OK);
	assert_string_equal(r.err.buf, "");
	assert_contains(r.out.buf, "Usage: causalctl");
	assert_contains(r.out.buf, "\n  status ");
	assert_contains(r.out.buf, "\n  help ");
	assert_contains(r.out.buf, "\n  report ");
	assert_contains(r.out.buf, "0  success");
	assert_contains(r.out.buf, "1  runtime failure");
	assert_contains(r.out.buf, "2  usage error");
	assert_contains(r.out.buf, "\n  run ");
	assert_contains(r.out.buf, "\n  attach ");
	cli_run_done(&r);
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
	struct cli_run r;

	(void)state;
	RUN(&r, "--version");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_OK);
	assert_string_equal(r.out.buf, "causalctl " CAUSAL_VERSION "\n");
	assert_string_equal(r.err.buf, "");
	cli_run_done(&r);
	RUN(&r, "-V");
	assert_string_equal(r.out.buf, "causalctl " CAUSAL_VERSION "\n");
	cli_run_done(&r);
}

static void unknown_subcommand(void **state)
{
	struct cli_run r;

	(void)state;
	RUN(&r, "frobnicate", "--json");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_string_equal(r.out.buf, "");
	assert_contains(r.err.buf, "'frobnicate'");
	assert_contains(r.err.buf, "causalctl --help");
	cli_run_done(&r);
	RUN(&r, "record", "--", "true");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "'record' is not a causalctl subcommand");
	cli_run_done(&r);
}

static void unknown_global_option(void **state)
{
	struct cli_run r;

	(void)state;
	RUN(&r, "--frobnicate", "status");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "unknown option '--frobnicate'");
	cli_run_done(&r);
	RUN(&r, "-x");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "unknown option '-x'");
	cli_run_done(&r);
}

static void global_options_stop_at_the_subcommand(void **state)
{
	struct cli_run r;

	(void)state;
	/* --version after the subcommand belongs to status, which does not know it */
	RUN(&r, "status", "--version");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "causalctl status: unknown option '--version'");
	assert_contains(r.err.buf, "causalctl status --help");
	cli_run_done(&r);
}

static void help_for_a_subcommand(void **state)
{
	struct cli_run a, b;

	(void)state;
	RUN(&a, "help", "status");
	RUN(&b, "status", "--help");
	assert_int_equal(a.ret, CAUSALCTL_EXIT_OK);
	assert_int_equal(b.ret, CAUSALCTL_EXIT_OK);
	assert_contains(a.out.buf, "Usage: causalctl status [--json] [--device PATH] [PROGRAM]");
	assert_string_equal(a.out.buf, b.out.buf);
	cli_run_done(&a);
	cli_run_done(&b);
	RUN(&a, "help", "help");
	assert_int_equal(a.ret, CAUSALCTL_EXIT_OK);
	assert_contains(a.out.buf, "Usage: causalctl help");
	cli_run_done(&a);
}

static void help_for_an_unknown_subcommand(void **state)
{
	struct cli_run r;

	(void)state;
	RUN(&r, "help", "frobnicate");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_string_equal(r.out.buf, "");
	assert_contains(r.err.buf, "'frobnicate'");
	cli_run_done(&r);
	RUN(&r, "help", "status", "extra");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "unexpected argument 'extra'");
	cli_run_done(&r);
}

static void status_usage_errors(void **state)
{
	struct cli_run r;

	(void)state;
	RUN(&r, "status", "--frobnicate");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_string_equal(r.out.buf, "");
	assert_contains(r.err.buf, "unknown option '--frobnicate'");
	cli_run_done(&r);
	RUN(&r, "status", "--device");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "option '--device' needs an argument");
	cli_run_done(&r);
	RUN(&r, "status", "--json", "-d");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "option '-d' needs an argument");
	cli_run_done(&r);
	/* one PROGRAM, no more */
	RUN(&r, "status", "prog", "extra", "--json");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_USAGE);
	assert_contains(r.err.buf, "unexpected argument 'extra'");
	cli_run_done(&r);
}

static void status_without_module_fails(void **state)
{
	struct cli_run r;

	(void)state;
	RUN(&r, "status", "--device", "/nonexistent/causal");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_FAILURE);
	assert_contains(r.out.buf, "module:    not loaded\n");
	assert_contains(r.out.buf, "device:    /nonexistent/causal: not found\n");
	assert_contains(r.err.buf, "the causal module is not loaded");
	assert_contains(r.err.buf, "'sudo insmod causal.ko' in a source tree");
	cli_run_done(&r);
}

static void status_json_keeps_stderr_quiet(void **state)
{
	struct cli_run r;

	(void)state;
	RUN(&r, "status", "-j", "-d", "/nonexistent/causal");
	assert_int_equal(r.ret, CAUSALCTL_EXIT_FAILURE);
	assert_string_equal(r.err.buf, "");
	assert_contains(r.out.buf, "\"module_loaded\":false");
	assert_contains(r.out.buf, "\"device\":\"/nonexistent/causal\"");
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
	cmocka_unit_test(find),
};

UNIT_MAIN(tests, setup, teardown)
