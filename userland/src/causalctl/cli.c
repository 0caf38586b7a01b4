/* SPDX-License-Identifier: GPL-2.0-or-later */
/* causalctl's subcommand table, global options and dispatch, and what the options' values share. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "causalctl.h"

static int cmd_help(const struct cli_env *env, int argc, char **argv);
static void cmd_help_usage(FILE *f);

static const struct cli_cmd commands[] = {
	{ "run", "run a command and profile it causally", cmd_run, cmd_run_usage },
	{ "attach", "profile a running process causally", cmd_attach, cmd_attach_usage },
	{ "report", "rank source lines by their causal impact, from a profile", cmd_report, cmd_report_usage },
	{ "status", "report whether the causal module is loaded and usable", cmd_status, cmd_status_usage },
	{ "help", "show help for causalctl or one of its subcommands", cmd_help, cmd_help_usage },
};

static const struct cli_option global_opts[] = {
	{ "help", 'h', NULL, "show this help and exit" },
	{ "version", 'V', NULL, "show causalctl's version and exit" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: causalctl [--help | --version] SUBCOMMAND [ARGS...]\n"
		"\n"
		"Controller for causal, kernel-assisted causal profiling: which source lines would make\n"
		"a program faster if optimized. 'causalctl run -- CMD' profiles a command,\n"
		"'causalctl report profile.coz' shows the result.\n"
		"\n"
		"Subcommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nOptions:\n");
	cli_print_options(f, global_opts, ARRAY_SIZE(global_opts), 17);
	fprintf(f,
		"\n"
		"'causalctl help SUBCOMMAND' or 'causalctl SUBCOMMAND --help' describes a subcommand.\n"
		"\n"
		"Exit status:\n"
		"  0  success\n"
		"  1  runtime failure (for status: the module is not ready to use, or a check blocks)\n"
		"  2  usage error\n"
		"'causalctl run' exits with the command's own status instead; see its --help.\n");
}

const struct cli_cmd *cli_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int parse_duration(const char *s, uint64_t unit_ns, uint64_t *out)
{
	static const struct { const char *suffix; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 },
		{ "min", 60e9 }, { "h", 3600e9 },
	};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!*end) {
		v *= (double)unit_ns;
	} else {
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (!strcmp(end, units[i].suffix))
				break;
		if (i == ARRAY_SIZE(units))
			return -EINVAL;
		v *= units[i].ns;
	}
	if (v >= 1.8e19)
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}

int cli_usage_error(const struct cli_env *env, const char *cmd, const char *fmt, ...)
{
	const char *sep = cmd ? " " : "";
	va_list ap;

	if (!cmd)
		cmd = "";
	fprintf(env->err, "causalctl%s%s: ", sep, cmd);
	va_start(ap, fmt);
	vfprintf(env->err, fmt, ap);
	va_end(ap);
	fprintf(env->err, "; see 'causalctl%s%s --help'\n", sep, cmd);
	return CAUSALCTL_EXIT_USAGE;
}

/*
 * getopt_long from argv[1] again, for a new command line (optind 0 also resets glibc's own state,
 * as each subcommand and each in-process test parses anew), its errors left to cli_bad_option.
 */
void cli_getopt_start(void)
{
	optind = 0;
	opterr = 0;
}

/*
 * getopt_long over a subcommand's options opts[0..n), after cli_getopt_start(), with the option
 * string and table made from them: the short options are the ones whose value is below 256,
 * after flags ("", or "+" to stop at the first argument that is not an option) and the ':' that
 * cli_bad_option needs. The next option's value ('?' or ':' for a bad one), or -1 after the last.
 */
int cli_getopt(int argc, char **argv, const char *flags, const struct cli_option *opts, size_t n)
{
	struct option longopts[CLI_MAX_OPTIONS + 1];
	char shortopts[3 + 2 * CLI_MAX_OPTIONS];
	size_t i, k;

	/* a longer table or other flags are a bug, which the subcommand's unit tests meet first */
	if (n > CLI_MAX_OPTIONS || strlen(flags) > 1)
		abort();
	k = (size_t)snprintf(shortopts, sizeof(shortopts), "%s:", flags);
	for (i = 0; i < n; i++) {
		longopts[i] = (struct option){ opts[i].name, opts[i].arg ? required_argument : no_argument,
					       NULL, opts[i].val };
		if (opts[i].val < 256) {
			shortopts[k++] = (char)opts[i].val;
			if (opts[i].arg)
				shortopts[k++] = ':';
		}
	}
	shortopts[k] = '\0';
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	return getopt_long(argc, argv, shortopts, longopts, NULL);
}

/*
 * The options' part of a --help: each of opts[0..n) as "  -n, --top N", its help from the column
 * on, each further line of its help starting at the column too.
 */
void cli_print_options(FILE *f, const struct cli_option *opts, size_t n, int column)
{
	const char *help, *nl;
	size_t i;
	int w;

	for (i = 0; i < n; i++) {
		if (opts[i].val < 256)
			w = fprintf(f, "  -%c, --%s", opts[i].val, opts[i].name);
		else
			w = fprintf(f, "      --%s", opts[i].name);
		if (opts[i].arg)
			w += fprintf(f, " %s", opts[i].arg);
		/* two spaces after an option that reaches the column */
		w = w < column ? column - w : 2;
		for (help = opts[i].help; (nl = strchr(help, '\n')); help = nl + 1) {
			fprintf(f, "%*s%.*s\n", w, "", (int)(nl - help), help);
			w = column;
		}
		fprintf(f, "%*s%s\n", w, "", help);
	}
}

/*
 * Reports a '?' or ':' from getopt_long (called with opterr = 0 and a leading ':' in optstring, so
 * that messages go to env->err and name the subcommand). optopt is 0 for an unknown long option
 * and the option's value for a long one missing its argument, so the word in argv names it then.
 */
int cli_bad_option(const struct cli_env *env, const char *cmd, int c, char **argv)
{
	const char *word = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, '\0' };
	const char *name = optopt && strncmp(word, "--", 2) ? shortopt : word;

	if (c == ':')
		return cli_usage_error(env, cmd, "option '%s' needs an argument", name);
	return cli_usage_error(env, cmd, "unknown option '%s'", name);
}

/* The subcommand called name, or NULL after saying that there is none. */
static const struct cli_cmd *find_subcommand(const struct cli_env *env, const char *name)
{
	const struct cli_cmd *cmd = cli_find(name);

	if (!cmd)
		cli_usage_error(env, NULL, "'%s' is not a causalctl subcommand", name);
	return cmd;
}

static int cmd_help(const struct cli_env *env, int argc, char **argv)
{
	/* its help lists no options */
	static const struct cli_option opts[] = {
		{ "help", 'h', NULL, NULL },
	};
	const struct cli_cmd *cmd;
	int c;

	cli_getopt_start();
	/* its only option ends it, so one call reads it */
	c = cli_getopt(argc, argv, "", opts, ARRAY_SIZE(opts));
	if (c == 'h') {
		cmd_help_usage(env->out);
		return CAUSALCTL_EXIT_OK;
	}
	if (c != -1)
		return cli_bad_option(env, "help", c, argv);
	if (optind == argc) {
		usage(env->out);
		return CAUSALCTL_EXIT_OK;
	}
	if (argc - optind > 1)
		return cli_usage_error(env, "help", "unexpected argument '%s'", argv[optind + 1]);
	cmd = find_subcommand(env, argv[optind]);
	if (!cmd)
		return CAUSALCTL_EXIT_USAGE;
	cmd->usage(env->out);
	return CAUSALCTL_EXIT_OK;
}

static void cmd_help_usage(FILE *f)
{
	fprintf(f,
		"Usage: causalctl help [SUBCOMMAND]\n"
		"\n"
		"Shows the help of SUBCOMMAND, or causalctl's own help without one.\n");
}

int causalctl_run(const struct cli_env *env, int argc, char **argv)
{
	const struct cli_cmd *cmd;
	int c;

	cli_getopt_start();
	/* '+': stop at the subcommand, whose options are its own */
	while ((c = cli_getopt(argc, argv, "+", global_opts, ARRAY_SIZE(global_opts))) != -1) {
		switch (c) {
		case 'h':
			usage(env->out);
			return CAUSALCTL_EXIT_OK;
		case 'V':
			fprintf(env->out, "causalctl %s\n", CAUSAL_VERSION);
			return CAUSALCTL_EXIT_OK;
		default:
			return cli_bad_option(env, NULL, c, argv);
		}
	}
	if (optind == argc) {
		usage(env->err);
		return CAUSALCTL_EXIT_USAGE;
	}
	cmd = find_subcommand(env, argv[optind]);
	if (!cmd)
		return CAUSALCTL_EXIT_USAGE;
	return cmd->run(env, argc - optind, argv + optind);
}

int causalctl_main(int argc, char **argv)
{
	const struct cli_env env = { .out = stdout, .err = stderr, .sysfs = "/sys" };
	int ret = causalctl_run(&env, argc, argv);

	/* a report that did not reach its reader is a failure (e.g. stdout on a full disk) */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "causalctl: cannot write output: %s\n", strerror(errno));
		if (ret == CAUSALCTL_EXIT_OK)
			ret = CAUSALCTL_EXIT_FAILURE;
	}
	return ret;
}
