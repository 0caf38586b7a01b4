/* SPDX-License-Identifier: GPL-2.0-or-later */
/* causalctl report: read a profile, rank its lines, print them and write the HTML and trace files. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "causalctl.h"
#include "settle.h"

#define DEFAULT_TERMINAL_TOP 20
#define DEFAULT_PROFILE "profile.coz"

enum { OPT_HTML = 0x100, OPT_TRACE, OPT_PPROF, OPT_ASCII, OPT_SETTLE, OPT_SORT };

static const struct cli_option report_opts[] = {
	{ "top", 'n', "N",
	  "show the N best lines (default: " CLI_STR(DEFAULT_TERMINAL_TOP) " in the table, all with --json or\n"
	  "--html; 0: all)" },
	{ "min-points", 'm', "N",
	  "rank only line/point series with at least N distinct speedups with a\n"
	  "value (default: " CLI_STR(REPORT_DEFAULT_MIN_POINTS) "; Coz's viewer uses 10)" },
	{ "sort", OPT_SORT, "KEY",
	  "impact-se (default): impact less its standard error (the table's \u00b1\n"
	  "column), so that a line measured too little to be sure of ranks\n"
	  "lower; impact: the largest mean program speedup over line speedups\n"
	  "0..x, as Coz's viewer ranks; slope: least-squares slope weighted by\n"
	  "experiment time (steadier on a noisy machine); max: the largest\n"
	  "program speedup; min: the most negative first (contention)" },
	{ "json", 'j', NULL, "print the result as one JSON object instead of the table" },
	{ "html", OPT_HTML, "OUT", "also write a self-contained HTML report with a plot per line to OUT" },
	{ "trace", OPT_TRACE, "OUT",
	  "also write the experiments and progress rates, and for a\n"
	  "profile made with 'run --timeline' each thread's on-CPU,\n"
	  "runnable and delay spans and each process's utilisation, as\n"
	  "Chrome trace JSON (Perfetto, chrome://tracing)" },
	{ "pprof", OPT_PPROF, "OUT",
	  "also write the profile's callchains (every sample's stack, from\n"
	  "FILE.stacks beside FILE) as a gzip'd pprof profile to OUT, for\n"
	  "'go tool pprof' and Go's profile-guided optimisation (go build\n"
	  "-pgo=OUT); the ranked lines' impacts go with it as sample labels\n"
	  "(causal_line, causal_impact) and comments. Written also when the\n"
	  "profile has no experiments or progress points to rank" },
	{ "ascii", OPT_ASCII, NULL,
	  "draw the table's plots with ASCII instead of Unicode blocks (the\n"
	  "default where the locale's character set is not UTF-8)" },
	{ "settle", OPT_SETTLE, NULL,
	  "instead of the table: replay the profile one experiment at a time\n"
	  "and say after which one 'run --until-settled' would have stopped\n"
	  "(its rule, whatever --sort and --min-points say), or that it never\n"
	  "would have; works on Coz's profiles too" },
	{ "help", 'h', NULL, "show this help and exit" },
};

void cmd_report_usage(FILE *f)
{
	fprintf(f,
		"Usage: causalctl report [OPTIONS] [FILE...]\n"
		"\n"
		"Reads a profile written by 'causalctl run' or 'causalctl attach' (or by Coz: JSON Lines\n"
		"or legacy records, several runs appended to one file add up) and ranks the source lines\n"
		"by how much speeding them up would speed the program up, measured at its progress points.\n"
		"Several FILEs add up as appended runs do; FILE defaults to profile.coz (what run and\n"
		"attach write, as Coz does); - reads the standard input. The table fits the terminal's width (or COLUMNS): long names lose\n"
		"their heads first, then the plot goes.\n"
		"\n"
		"For each line and progress point, program speedup at line speedup s is 1 - p(s)/p(0), where\n"
		"p is the time per visit of the point, or for a latency point the mean latency (Little's\n"
		"law): both lower is better, so a positive value is a faster program either way, with no\n"
		"sign flipped. (Coz's viewer flips latency's sign once more: there a line that shortens\n"
		"latency plots as harmful.) A line needs experiments at 0%% speedup and\n"
		"at least %d visits per speedup to count. Whatever is left out is counted and said.\n"
		"\n"
		"Options:\n", REPORT_MIN_DELTA);
	cli_print_options(f, report_opts, ARRAY_SIZE(report_opts), 22);
	fprintf(f,
		"\n"
		"Exit status: 0 on success (also when no line passes the filters, which is said), 1 if the\n"
		"profile cannot be read or has no experiments or progress points, 2 on a usage error.\n");
}

/*
 * Whether the user's locale (LC_ALL, LC_CTYPE, LANG) writes UTF-8: the table's blocks and '±'
 * are garbage on a terminal that does not. The process's own locale is left as it was.
 */
static bool locale_is_utf8(void)
{
	const char *now = setlocale(LC_CTYPE, NULL), *cs;
	char saved[256];
	bool utf8;

	snprintf(saved, sizeof(saved), "%s", now ? now : "C");
	if (!setlocale(LC_CTYPE, ""))
		return false;
	cs = nl_langinfo(CODESET);
	utf8 = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
	setlocale(LC_CTYPE, saved);
	return utf8;
}

/* The width to fit the table to: COLUMNS if set, else the terminal's; 0 (no limit) for a file or pipe. */
static int terminal_columns(FILE *out)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	char *end;
	long v;

	if (env && *env) {
		v = strtol(env, &end, 10);
		if (!*end && v > 0 && v < 100000)
			return (int)v;
	}
	if (isatty(fileno(out)) && !ioctl(fileno(out), TIOCGWINSZ, &ws) && ws.ws_col)
		return ws.ws_col;
	return 0;
}

/* report --settle: where the stop rule of --until-settled first held in this profile */
static int print_settle(FILE *f, const struct profile *p)
{
	struct settle s;
	uint64_t ns;
	size_t at;

	if (settle_replay(p, &s, &at, &ns))
		return -1;
	if (at)
		fprintf(f, "settle: held after experiment %zu of %zu (%.1f s of experiments): %s led for the "
			"last %u, impact less its standard error %+.1f %% above %s%s %+.1f %%, verdict %+.1f "
			"+- %.1f %%\n", at, p->nexps, ns / 1e9, s.leader, s.streak, 100 * s.lead_lo,
			s.runner[0] ? "the runner-up " : "",
			s.runner[0] ? s.runner : "0 (the only line measured):", 100 * s.runner_hi,
			100 * s.verdict, 100 * s.verdict_se);
	else if (s.leader[0] && s.streak >= SETTLE_STREAK && s.lead_lo > s.runner_hi && s.verdict_open)
		fprintf(f, "settle: never held in %zu experiments (%.1f s of experiments); at the end %s led "
			"clearly for the last %u, but its verdict was not decided (%+.1f +- %.1f %%)\n",
			p->nexps, ns / 1e9, s.leader, s.streak, 100 * s.verdict, 100 * s.verdict_se);
	else if (s.leader[0])
		fprintf(f, "settle: never held in %zu experiments (%.1f s of experiments); at the end %s led "
			"for the last %u, impact less its standard error %+.1f %%, %s%s%s\n", p->nexps, ns / 1e9,
			s.leader, s.streak, 100 * s.lead_lo, s.runner[0] ? "the runner-up " : "",
			s.runner[0] ? s.runner : (s.wait_runner ? "the other lines not ranked" : "no other line"),
			s.runner[0] ? "'s upper bound above it or unknown" : "");
	else
		fprintf(f, "settle: never held in %zu experiments (%.1f s of experiments): no line was ever "
			"ranked\n", p->nexps, ns / 1e9);
	return 0;
}

static bool parse_count(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !errno && !*end && *v <= max;
}

static bool parse_sort(const char *s, enum report_sort *sort)
{
	static const enum report_sort all[] = { REPORT_SORT_IMPACT, REPORT_SORT_IMPACT_SE, REPORT_SORT_SLOPE,
						REPORT_SORT_MAX, REPORT_SORT_MIN };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(all); i++)
		if (!strcmp(s, report_sort_name(all[i]))) {
			*sort = all[i];
			return true;
		}
	return false;
}

/* The warnings of one file, whose lines were the ones counted from bad_lines `from` on. */
static void print_parse_warnings(const struct cli_env *env, const char *path, const struct profile *p,
				 unsigned long from)
{
	unsigned long i, n = p->bad_lines - from;

	for (i = from; i < p->bad_lines && i < PROFILE_MAX_WARNINGS; i++)
		fprintf(env->err, "causalctl report: %s:%lu: warning: %s; line ignored\n", path, p->warning_line[i],
			p->warning[i]);
	if (n && p->bad_lines > PROFILE_MAX_WARNINGS)
		fprintf(env->err, "causalctl report: %s: warning: %lu lines ignored in all (the first %lu shown)\n",
			path, n, from < PROFILE_MAX_WARNINGS ? PROFILE_MAX_WARNINGS - from : 0);
	if (p->truncated_tail)
		fprintf(env->err, "causalctl report: %s: note: the last line has no end (was the profile still "
			"being written?); ignored\n", path);
}

/*
 * A file run writes beside FILE when there is one: FILE.timeline (the spans of `run --timeline`)
 * or FILE.stacks (the callchains). 0 or -1.
 */
static int read_beside(const struct cli_env *env, const char *file, const char *suffix, struct profile *p)
{
	char path[PATH_MAX + 16];
	unsigned long from = p->bad_lines;
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s%s", file, suffix);
	f = fopen(path, "re");
	if (!f && errno == ENOENT)
		return 0;
	if (!f) {
		fprintf(env->err, "causalctl report: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	p->truncated_tail = false;
	r = profile_read_stream(f, p);
	fclose(f);
	if (r) {
		fprintf(env->err, "causalctl report: cannot read %s: %s\n", path, strerror(-r));
		return -1;
	}
	print_parse_warnings(env, path, p, from);
	return 0;
}

/*
 * Reads the profiles named in files[0..n) ("-": the standard input) into p, one after the other
 * as appended runs are; each file's warnings under its own name. 0, or -1 after saying why.
 */
static int read_profiles(const struct cli_env *env, char **files, int n, bool stacks, struct profile *p)
{
	bool truncated = false;
	char err[512];
	int k, r;

	memset(p, 0, sizeof(*p));
	for (k = 0; k < n; k++) {
		const char *name = strcmp(files[k], "-") ? files[k] : "(standard input)";
		unsigned long from = p->bad_lines;
		FILE *f = strcmp(files[k], "-") ? fopen(files[k], "re") : stdin;

		if (!f) {
			fprintf(env->err, "causalctl report: cannot open %s: %s\n", name, strerror(errno));
			return -1;
		}
		/* a file's first points never belong to the previous file's last experiment */
		p->in_run_exp = false;
		p->truncated_tail = false;
		r = profile_read_stream(f, p);
		if (f != stdin)
			fclose(f);
		if (r) {
			snprintf(err, sizeof(err), "%s", strerror(-r));
			fprintf(env->err, "causalctl report: cannot read %s: %s\n", name, err);
			return -1;
		}
		print_parse_warnings(env, name, p, from);
		truncated |= p->truncated_tail;
		if (strcmp(files[k], "-") && read_beside(env, files[k], PROFILE_TIMELINE_SUFFIX, p))
			return -1;
		truncated |= p->truncated_tail;
		/* only --pprof reads the callchains, which can be large */
		if (stacks && strcmp(files[k], "-") && read_beside(env, files[k], PROFILE_STACKS_SUFFIX, p))
			return -1;
		truncated |= p->truncated_tail;
	}
	p->truncated_tail = truncated;
	return 0;
}

static int write_file(const struct cli_env *env, const char *out, const char *what, const char *path,
		      const struct profile *p, const struct report_result *r, size_t top)
{
	FILE *f = fopen(out, "we");
	int err;

	if (!f) {
		fprintf(env->err, "causalctl report: cannot create %s: %s\n", out, strerror(errno));
		return CAUSALCTL_EXIT_FAILURE;
	}
	if (r)
		report_print_html(f, path, p, r, top);
	else
		report_print_trace(f, p);
	err = ferror(f) ? errno : 0;
	if (fclose(f) == EOF && !err)
		err = errno;
	if (err) {
		fprintf(env->err, "causalctl report: cannot write %s: %s\n", out, strerror(err ? err : EIO));
		return CAUSALCTL_EXIT_FAILURE;
	}
	fprintf(env->err, "causalctl report: wrote the %s to %s\n", what, out);
	return CAUSALCTL_EXIT_OK;
}

/* --pprof OUT; r may be NULL (nothing ranked). 0, or -1 after saying why. */
static int write_pprof(const struct cli_env *env, const char *out, const struct profile *p,
		       const struct report_result *r)
{
	char err[512];

	if (report_write_pprof(out, p, r, err, sizeof(err))) {
		fprintf(env->err, "causalctl report: %s\n", err);
		return -1;
	}
	fprintf(env->err, "causalctl report: wrote the pprof profile (%zu stacks, %" PRIu64 " samples) to %s\n",
		p->nstacks, p->stack_samples, out);
	return 0;
}

/* Says why the report failed, after "causalctl report: ", and gives the exit status for it. */
static PRINTF_LIKE(2, 3) int report_failure(const struct cli_env *env, const char *fmt, ...)
{
	va_list ap;

	fputs("causalctl report: ", env->err);
	va_start(ap, fmt);
	vfprintf(env->err, fmt, ap);
	va_end(ap);
	return CAUSALCTL_EXIT_FAILURE;
}

int cmd_report(const struct cli_env *env, int argc, char **argv)
{
	const char *html = NULL, *trace = NULL, *pprof = NULL, *path;
	enum report_sort sort = REPORT_DEFAULT_SORT;
	unsigned long top = 0, min_points = REPORT_DEFAULT_MIN_POINTS;
	bool json = false, ascii = false, top_given = false, settle = false;
	struct report_result r;
	struct profile p;
	static char *default_files[] = { DEFAULT_PROFILE };
	char **files, many[PATH_MAX + 32];
	int nfiles;
	int c, ret = CAUSALCTL_EXIT_OK;

	cli_getopt_start();
	while ((c = cli_getopt(argc, argv, "", report_opts, ARRAY_SIZE(report_opts))) != -1) {
		switch (c) {
		case 'n':
			if (!parse_count(optarg, SIZE_MAX, &top))
				return cli_usage_error(env, "report", "--top wants a count, not '%s'", optarg);
			top_given = true;
			break;
		case 'm':
			if (!parse_count(optarg, 101, &min_points))
				return cli_usage_error(env, "report", "--min-points wants 0 to 101, not '%s'", optarg);
			break;
		case OPT_SORT:
			if (!parse_sort(optarg, &sort))
				return cli_usage_error(env, "report",
						       "--sort wants impact, impact-se, slope, max or min, not '%s'", optarg);
			break;
		case 'j':
			json = true;
			break;
		case OPT_HTML:
			html = optarg;
			break;
		case OPT_TRACE:
			trace = optarg;
			break;
		case OPT_PPROF:
			pprof = optarg;
			break;
		case OPT_ASCII:
			ascii = true;
			break;
		case OPT_SETTLE:
			settle = true;
			break;
		case 'h':
			cmd_report_usage(env->out);
			return CAUSALCTL_EXIT_OK;
		default:
			/* -s is --source-scope in run and attach: one meaning per letter */
			if (c == '?' && optopt == 's')
				return cli_usage_error(env, "report", "-s is run's and attach's --source-scope; "
						       "report sorts with --sort KEY");
			return cli_bad_option(env, "report", c, argv);
		}
	}
	if (optind == argc) {
		if (access(DEFAULT_PROFILE, F_OK))
			return cli_usage_error(env, "report", "which profile? There is no %s here (what run and "
					       "attach write by default): name one, or - for the standard input",
					       DEFAULT_PROFILE);
		files = default_files;
		nfiles = 1;
	} else {
		files = argv + optind;
		nfiles = argc - optind;
	}
	/* one name for the outputs that carry one: the first file, and how many more */
	if (nfiles > 1)
		snprintf(many, sizeof(many), "%s (and %d more)", files[0], nfiles - 1);
	path = nfiles > 1 ? many : strcmp(files[0], "-") ? files[0] : "(standard input)";
	if (read_profiles(env, files, nfiles, pprof != NULL, &p)) {
		profile_free(&p);
		return CAUSALCTL_EXIT_FAILURE;
	}
	if (!p.lines) {
		ret = report_failure(env, "%s is empty: no profiler wrote to it (was the program run under "
				     "causalctl run, and did it exit or get stopped normally?)\n", path);
		goto out;
	}
	/* callchains need no experiments: a profile without progress points still has them */
	if (pprof && (!p.nexps || !p.npoints)) {
		if (write_pprof(env, pprof, &p, NULL))
			ret = CAUSALCTL_EXIT_FAILURE;
		else
			fprintf(env->err, "causalctl report: %s: %s, so the pprof profile carries no causal results\n",
				path, p.nexps ? "no progress-point records" : "no experiments");
		goto out;
	}
	if (!p.nexps) {
		ret = report_failure(env, "%s: the profile has no experiments: was the program run under "
				     "causalctl run, and did it reach a progress point?\n", path);
		goto out;
	}
	/* the trace shows experiments even when the program speedups cannot be computed */
	if (trace && write_file(env, trace, "trace", path, &p, NULL, 0))
		ret = CAUSALCTL_EXIT_FAILURE;
	if (!p.npoints) {
		ret = report_failure(env, "%s: %zu experiments but no progress-point records, so no speedup "
				     "can be measured. Add a progress point where the program finishes a unit of "
				     "work: CAUSAL_PROGRESS (or CAUSAL_BEGIN/CAUSAL_END for latency) from causal.h, "
				     "Coz's COZ_PROGRESS, or no recompilation with 'causalctl run --progress "
				     "SYMBOL'\n", path, p.nexps);
		goto out;
	}
	if (settle) {
		if (print_settle(env->out, &p))
			ret = CAUSALCTL_EXIT_FAILURE;
		goto out;
	}
	if (report_analyse(&p, sort, (unsigned int)min_points, &r)) {
		ret = report_failure(env, "out of memory\n");
		goto out;
	}
	if (json)
		report_print_json(env->out, path, &p, &r, top);
	else
		report_print_text(env->out, &r, top_given ? top : DEFAULT_TERMINAL_TOP,
				  ascii || !locale_is_utf8(), terminal_columns(env->out));
	if (html && write_file(env, html, "HTML report", path, &p, &r, top))
		ret = CAUSALCTL_EXIT_FAILURE;
	if (pprof && write_pprof(env, pprof, &p, &r))
		ret = CAUSALCTL_EXIT_FAILURE;
	report_free(&r);
out:
	profile_free(&p);
	return ret;
}
