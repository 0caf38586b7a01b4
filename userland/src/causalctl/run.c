// SPDX-License-Identifier: GPL-2.0-or-later
/* `causalctl run -- CMD` and `causalctl attach -p PID`: options, the target, signals. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "causalctl.h"
#include "profiler.h"
#include "region.h"
#include "settle.h"

/* exit statuses of `run` besides the command's own, as env(1) and timeout(1) use them */
#define RUN_EXIT_FAILED		125	/* causalctl itself failed */
#define RUN_EXIT_CANNOT_EXEC	126
#define RUN_EXIT_NOT_FOUND	127

enum {
	OPT_FORMAT = 256, OPT_FIXED_LINE, OPT_FIXED_SPEEDUP, OPT_PERIOD, OPT_EVENT,
	OPT_THREAD_MODEL, OPT_NO_FOLLOW, OPT_PROGRESS, OPT_LATENCY, OPT_SEED, OPT_LENGTH,
	OPT_MAX_EXP, OPT_TIMELINE, OPT_NO_PRELOAD, OPT_DEVICE, OPT_DURATION, OPT_UNTIL_SETTLED,
	OPT_POLICY, OPT_UNWIND,
};

/* --until-settled's cap when neither --duration nor --max-experiments gives one */
#define SETTLE_DEFAULT_CAP_NS	(300ULL * 1000000000ULL)

static const struct option common_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "binary-scope", required_argument, NULL, 'b' },
	{ "source-scope", required_argument, NULL, 's' },
	{ "fixed-line", required_argument, NULL, OPT_FIXED_LINE },
	{ "fixed-speedup", required_argument, NULL, OPT_FIXED_SPEEDUP },
	{ "period", required_argument, NULL, OPT_PERIOD },
	{ "event", required_argument, NULL, OPT_EVENT },
	{ "thread-model", required_argument, NULL, OPT_THREAD_MODEL },
	{ "no-follow-children", no_argument, NULL, OPT_NO_FOLLOW },
	{ "unwind", required_argument, NULL, OPT_UNWIND },
	{ "progress", required_argument, NULL, OPT_PROGRESS },
	{ "latency", required_argument, NULL, OPT_LATENCY },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "experiment-length", required_argument, NULL, OPT_LENGTH },
	{ "max-experiments", required_argument, NULL, OPT_MAX_EXP },
	{ "until-settled", no_argument, NULL, OPT_UNTIL_SETTLED },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "timeline", no_argument, NULL, OPT_TIMELINE },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	/* run only */
	{ "no-preload", no_argument, NULL, OPT_NO_PRELOAD },
	/* attach only */
	{ "pid", required_argument, NULL, 'p' },
	{ NULL, 0, NULL, 0 },
};

static void common_usage(FILE *f, bool run)
{
	fprintf(f,
		"Output:\n"
		"  -o, --output FILE          the profile, appended to (default: profile.coz)\n"
		"      --format jsonl|legacy  JSON Lines (default) or Coz's tab-separated records\n"
		"      --timeline             also record every context switch and delay of every\n"
		"                             thread (exact on-CPU spans), for the trace of\n"
		"                             'causalctl report --trace', in FILE.timeline beside the\n"
		"                             profile (which Coz's viewer then reads cleanly)\n"
		"Progress points (besides CAUSAL_PROGRESS/COZ_PROGRESS in the code):\n"
		"      --progress SPEC        count executions of SPEC: SYMBOL (a function), FILE:LINE\n"
		"                             (every address of that line; needs -g), or 0xOFFSET (a\n"
		"                             file offset); BINARY:SPEC for a shared object or another\n"
		"                             executable. Repeatable\n"
		"      --latency SPEC         a latency point: SYMBOL (entry begins, return ends) or\n"
		"                             BEGIN_SPEC,END_SPEC. Repeatable\n"
		"What to speed up:\n"
		"  -b, --binary-scope PAT     binaries whose code may be selected, '%%' matches any text,\n"
		"                             MAIN the main executable (default: MAIN). Repeatable\n"
		"  -s, --source-scope PAT     source files whose lines may be selected (default: %%)\n"
		"      --fixed-line FILE:LINE only experiment on this line; FILE:FIRST-LAST[,..]:\n"
		"                             on these lines as one (a function, a loop; up to\n"
		"                             8 spans of one file)\n"
		"      --fixed-speedup N[,N..] only these speedups, 0..100 %%, taken in turn\n"
		"                             (e.g. 0,30: a baseline beside each experiment at\n"
		"                             30 %%, under the same conditions; default: drawn)\n"
		"      --experiment-length T  shortest experiment (default: 500ms; doubled while a\n"
		"                             progress point sees fewer than 5 visits)\n"
		"      --max-experiments N    stop after N experiments (run: then stop COMMAND\n"
		"                             with SIGTERM)\n"
		"      --duration T           stop after T (default unit: s; run: then stop\n"
		"                             COMMAND with SIGTERM)\n"
		"      --until-settled        stop once the answer settles: the line 'causalctl\n"
		"                             report' ranks first has led for the last %d\n"
		"                             experiments and its impact less its standard error\n"
		"                             is above the runner-up's impact plus its standard\n"
		"                             error (above 0 if it is the only ranked line), and\n"
		"                             its verdict (the effect of a 20 %% speedup) is\n"
		"                             clear of 0 by its standard error, or that error is\n"
		"                             2 %% or less; at the latest at --duration or\n"
		"                             --max-experiments\n"
		"                             (default cap: %llu s), saying which came first\n"
		"      --policy samples|adaptive  which line next: samples (default) draws each line\n"
		"                             in proportion to its recent samples, as Coz does;\n"
		"                             adaptive (a trial, see docs/bench.md) finishes the\n"
		"                             lines it has started and passes over lines that\n"
		"                             cannot lead\n"
		"      --seed N               reproducible choice of lines and speedups\n"
		"Sampling and delays:\n"
		"      --period T             sampling period, 10us..1s (default: 1ms)\n"
		"      --event cpu-clock|cycles  what samples (default: cpu-clock; cycles needs a PMU\n"
		"                             and falls back to cpu-clock without one)\n"
		"      --thread-model task|cpu   key delays by thread (default) or by CPU\n"
		"      --no-follow-children   do not profile child processes (threads always are)\n"
		"      --unwind cfi|fp        callchains through code without frame pointers (libc):\n"
		"                             by the call frame information of the mapped objects\n"
		"                             (default, when the module can), or frame pointers only\n"
		"      --device PATH          the causal device (default: " CAUSAL_DEVICE_PATH ")\n"
		"  -v, --verbose              one line per experiment\n"
		"  -h, --help                 this help\n", SETTLE_STREAK,
		SETTLE_DEFAULT_CAP_NS / 1000000000ULL);
	if (run)
		fprintf(f, "      --no-preload           do not preload libcausal into COMMAND\n");
	fprintf(f,
		"\n"
		"T takes a unit: ns, us, ms, s, m (default: ms; s for --duration). Needs the causal\n"
		"module loaded and root (CAP_PERFMON).\n");
}

void cmd_run_usage(FILE *f)
{
	fprintf(f,
		"Usage: causalctl run [OPTIONS] -- COMMAND [ARGS...]\n"
		"\n"
		"Runs COMMAND under a causal profiling session: its threads and child processes are\n"
		"sampled by the kernel module, and experiments virtually speed up one source line at\n"
		"a time until COMMAND exits, a limit below (--duration, --max-experiments,\n"
		"--until-settled) ends the run, or causalctl gets SIGINT or SIGTERM, which it passes\n"
		"on to COMMAND. The profile is written after every experiment, so it is valid whenever\n"
		"the run ends. libcausal is preloaded so that programs built with causal.h or Coz's\n"
		"coz.h count their progress points; static and Go programs use --progress.\n"
		"\n");
	common_usage(f, true);
	fprintf(f,
		"\n"
		"Exit status: COMMAND's (128+N if a signal N ended it); 125 if causalctl failed, 126\n"
		"if COMMAND cannot run, 127 if it was not found.\n");
}

void cmd_attach_usage(FILE *f)
{
	fprintf(f,
		"Usage: causalctl attach -p PID [OPTIONS]\n"
		"\n"
		"Profiles the running process PID (every thread, and children it creates from now on)\n"
		"until it exits, a limit (--duration, --max-experiments, --until-settled) ends the run,\n"
		"or causalctl gets SIGINT or SIGTERM; the process is left running. Its progress\n"
		"points come from libcausal if it was loaded at the process's start; if not, the\n"
		"causal.h and coz.h macros in its executable are found (DWARF) and counted with\n"
		"uprobes under the same names; and from --progress/--latency.\n"
		"\n"
		"  -p, --pid PID              the process to profile (required)\n");
	common_usage(f, false);
	fprintf(f,
		"\n"
		"Exit status: 0 when the profile is complete, 1 on failure, 2 on a usage error.\n");
}

static void on_stop_signal(int sig)
{
	(void)sig;
	profiler_stop = 1;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* "N" or "N,N,...": 1..POLICY_MAX_FIXED_SPEEDUPS percentages 0..100; -1 (out untouched) if not */
static int parse_speedups(const char *arg, unsigned int *out, unsigned int *n)
{
	unsigned int v[POLICY_MAX_FIXED_SPEEDUPS], k = 0;
	const char *s = arg;
	unsigned long long x;
	char *end;

	do {
		if (k == POLICY_MAX_FIXED_SPEEDUPS || !isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		x = strtoull(s, &end, 10);
		if (errno || end == s || x > 100 || (*end && *end != ','))
			return -1;
		v[k++] = (unsigned int)x;
		s = end + 1;
	} while (*end);
	memcpy(out, v, k * sizeof(*v));
	*n = k;
	return 0;
}

/* What an option group's parser returns for an option of another group. */
#define OPT_NOT_MINE	(-2)

/*
 * For an option that takes one of two words, such as --thread-model task|cpu: *is_second says
 * whether optarg is the second word. 0, or an exit status for anything else.
 */
static int parse_either(const struct cli_env *env, const char *cmd, const char *opt, const char *first,
			const char *second, bool *is_second)
{
	if (!strcmp(optarg, first))
		*is_second = false;
	else if (!strcmp(optarg, second))
		*is_second = true;
	else
		return cli_usage_error(env, cmd, "%s is %s or %s, not '%s'", opt, first, second, optarg);
	return 0;
}

/* -o, --format, --timeline: the files written. */
static int parse_output_opt(const struct cli_env *env, const char *cmd, int c, struct profiler_opts *o)
{
	switch (c) {
	case 'o':
		o->output = optarg;
		return 0;
	case OPT_FORMAT:
		if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "json"))
			o->format = PROFILE_JSONL;
		else if (!strcmp(optarg, "legacy"))
			o->format = PROFILE_LEGACY;
		else
			return cli_usage_error(env, cmd, "--format is jsonl or legacy, not '%s'", optarg);
		return 0;
	case OPT_TIMELINE:
		o->timeline = true;
		return 0;
	case OPT_PROGRESS:
	case OPT_LATENCY:
		if (o->nspecs == PROFILER_MAX_SPECS)
			return cli_usage_error(env, cmd, "at most %d progress points", PROFILER_MAX_SPECS);
		if (!*optarg)
			return cli_usage_error(env, cmd, "empty progress point");
		o->specs[o->nspecs].spec = optarg;
		o->specs[o->nspecs++].latency = c == OPT_LATENCY;
		return 0;
	}
	return OPT_NOT_MINE;
}

/* -b, -s, --fixed-line, --fixed-speedup, --seed: which lines and speedups experiments take. */
static int parse_choice_opt(const struct cli_env *env, const char *cmd, int c, struct profiler_opts *o,
			    bool *have_binary)
{
	char *end;

	switch (c) {
	case 'b':
		if (scope_add_binary(o->scope, optarg))
			return cli_usage_error(env, cmd, "bad --binary-scope '%s'", optarg);
		*have_binary = true;
		return 0;
	case 's':
		if (scope_add_source(o->scope, optarg))
			return cli_usage_error(env, cmd, "bad --source-scope '%s'", optarg);
		return 0;
	case OPT_FIXED_LINE:
		if (!strchr(optarg, ':'))
			return cli_usage_error(env, cmd, "--fixed-line takes FILE:LINE, not '%s'", optarg);
		o->fixed_line = optarg;
		return 0;
	case OPT_FIXED_SPEEDUP:
		if (parse_speedups(optarg, o->fixed_speedups, &o->nfixed_speedups))
			return cli_usage_error(env, cmd,
					       "--fixed-speedup takes 0..100, or up to %u of them separated by commas, not '%s'",
					       POLICY_MAX_FIXED_SPEEDUPS, optarg);
		return 0;
	case OPT_POLICY:
		return parse_either(env, cmd, "--policy", "samples", "adaptive", &o->adaptive_policy);
	case OPT_SEED:
		errno = 0;
		o->seed = strtoull(optarg, &end, 0);
		if (errno || *end || end == optarg)
			return cli_usage_error(env, cmd, "--seed takes a number, not '%s'", optarg);
		o->seed_set = true;
		return 0;
	}
	return OPT_NOT_MINE;
}

/* --experiment-length, --max-experiments, --duration, --until-settled: how long it all runs. */
static int parse_length_opt(const struct cli_env *env, const char *cmd, int c, struct profiler_opts *o)
{
	unsigned long long v;
	char *end;

	switch (c) {
	case OPT_LENGTH:
		if (parse_duration(optarg, 1000000, &o->min_length_ns) || o->min_length_ns < 1000000)
			return cli_usage_error(env, cmd, "--experiment-length takes at least 1ms, not '%s'",
					       optarg);
		return 0;
	case OPT_MAX_EXP:
		errno = 0;
		v = strtoull(optarg, &end, 10);
		if (errno || *end || end == optarg || !v || v > UINT_MAX)
			return cli_usage_error(env, cmd, "--max-experiments takes a positive number");
		o->max_experiments = (unsigned int)v;
		return 0;
	case OPT_DURATION:
		if (parse_duration(optarg, 1000000000ULL, &o->duration_ns) || !o->duration_ns)
			return cli_usage_error(env, cmd, "--duration takes a time, not '%s'", optarg);
		return 0;
	case OPT_UNTIL_SETTLED:
		o->until_settled = true;
		return 0;
	}
	return OPT_NOT_MINE;
}

/* --period, --event, --thread-model, --no-follow-children, --unwind, --device: the kernel session. */
static int parse_session_opt(const struct cli_env *env, const char *cmd, int c, struct profiler_opts *o)
{
	bool cycles = false;	/* gcc 14 cannot see that parse_either() sets it when it returns 0 */
	int r;

	switch (c) {
	case OPT_PERIOD:
		if (parse_duration(optarg, 1000000, &o->period_ns) ||
		    o->period_ns < CAUSAL_PERIOD_MIN_NS || o->period_ns > CAUSAL_PERIOD_MAX_NS)
			return cli_usage_error(env, cmd, "--period takes 10us..1s, not '%s'", optarg);
		return 0;
	case OPT_EVENT:
		r = parse_either(env, cmd, "--event", "cpu-clock", "cycles", &cycles);
		if (!r)
			o->event = cycles ? CAUSAL_EVENT_CYCLES : CAUSAL_EVENT_CPU_CLOCK;
		return r;
	case OPT_THREAD_MODEL:
		return parse_either(env, cmd, "--thread-model", "task", "cpu", &o->cpu_model);
	case OPT_NO_FOLLOW:
		o->no_follow = true;
		return 0;
	case OPT_UNWIND:
		o->unwind_asked = true;
		return parse_either(env, cmd, "--unwind", "cfi", "fp", &o->unwind_fp);
	case OPT_DEVICE:
		o->device = optarg;
		return 0;
	}
	return OPT_NOT_MINE;
}

/* -h, -v, --no-preload (run only), -p (attach only). */
static int parse_own_opt(const struct cli_env *env, const char *cmd, int c, char **argv,
			 struct profiler_opts *o, bool *preload, pid_t *pid)
{
	unsigned long long v;
	char *end;

	switch (c) {
	case 'h':
		if (!strcmp(cmd, "run"))
			cmd_run_usage(env->out);
		else
			cmd_attach_usage(env->out);
		return -1;
	case 'v':
		o->verbose++;
		return 0;
	case OPT_NO_PRELOAD:
		if (!preload)
			return cli_usage_error(env, cmd, "--no-preload is an option of run");
		*preload = false;
		return 0;
	case 'p':
		if (!pid)
			return cli_usage_error(env, cmd, "-p is an option of attach");
		errno = 0;
		v = strtoull(optarg, &end, 10);
		if (errno || *end || end == optarg || !v || v > INT_MAX)
			return cli_usage_error(env, cmd, "-p takes a process id, not '%s'", optarg);
		*pid = (pid_t)v;
		return 0;
	}
	return cli_bad_option(env, cmd, c, argv);
}

/*
 * Parses the options run and attach share, group by group as --help lists them; preload is NULL
 * for attach, pid NULL for run. 0, -1 after --help, or an exit status.
 */
static int parse_opts(const struct cli_env *env, const char *cmd, int argc, char **argv,
		      struct profiler_opts *o, bool *preload, pid_t *pid)
{
	bool have_binary = false;
	int c, r;

	cli_getopt_start();
	while ((c = getopt_long(argc, argv, "+:o:b:s:p:vh", common_opts, NULL)) != -1) {
		r = parse_output_opt(env, cmd, c, o);
		if (r == OPT_NOT_MINE)
			r = parse_choice_opt(env, cmd, c, o, &have_binary);
		if (r == OPT_NOT_MINE)
			r = parse_length_opt(env, cmd, c, o);
		if (r == OPT_NOT_MINE)
			r = parse_session_opt(env, cmd, c, o);
		if (r == OPT_NOT_MINE)
			r = parse_own_opt(env, cmd, c, argv, o, preload, pid);
		if (r)
			return r;
	}
	if (!have_binary)
		scope_add_binary(o->scope, SCOPE_MAIN);
	if (o->until_settled && !o->duration_ns && !o->max_experiments)
		o->duration_ns = SETTLE_DEFAULT_CAP_NS;
	return 0;
}

/*
 * The first of these that exists: where a build tree or an installation puts libcausal, beside
 * causalctl (build/lib, PREFIX/lib, PREFIX/lib/MULTIARCH as make install and the .deb put it),
 * then the system's usual library folders. The name and the multiarch folder come from the build
 * (the VERSION file's major number; the compiler's -print-multiarch, empty if it has none).
 */
static bool find_libcausal(char *out, size_t len)
{
	static const char *const beside_self[] = {
		"", "build/lib/", "../lib/", "../lib/" CAUSAL_MULTIARCH "/",
	};
	static const char *const system_dirs[] = {
		"/usr/local/lib/", "/usr/local/lib/" CAUSAL_MULTIARCH "/", "/usr/lib/" CAUSAL_MULTIARCH "/",
		"/usr/lib/",
	};
	const char *env = getenv("CAUSAL_LIBCAUSAL");
	char self[PATH_MAX], *slash;
	ssize_t n;
	size_t i;

	if (env && *env && !access(env, R_OK)) {
		snprintf(out, len, "%s", env);
		return true;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash)
			slash[1] = 0;
		for (i = 0; i < ARRAY_SIZE(beside_self); i++) {
			if ((size_t)snprintf(out, len, "%s%s%s", self, beside_self[i],
					     CAUSAL_LIBCAUSAL_SONAME) < len && !access(out, R_OK))
				return true;
		}
	}
	for (i = 0; i < ARRAY_SIZE(system_dirs); i++) {
		if ((size_t)snprintf(out, len, "%s%s", system_dirs[i], CAUSAL_LIBCAUSAL_SONAME) < len &&
		    !access(out, R_OK))
			return true;
	}
	return false;
}

/* COMMAND as execvp would find it, as an absolute path: where --progress points go. */
static bool find_command(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	/* realpath() writes up to PATH_MAX bytes */
	if (len < PATH_MAX)
		return false;
	if (strchr(cmd, '/'))
		return realpath(cmd, out) && !access(out, X_OK);
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? path : ".", cmd);
		if (!access(buf, X_OK) && realpath(buf, out))
			return true;
		path += n + (colon ? 1 : 0);
	}
	return false;
}

struct child {
	pid_t pid;
	int status;
	bool reaped;
};

static bool child_done(void *arg)
{
	struct child *c = arg;

	if (!c->reaped && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->reaped = true;
	return c->reaped;
}

static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (i = 0; s && i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* What run hands its child, and the pipes between them. */
struct launch {
	int go[2];		/* the parent writes a byte once the session holds the child */
	int execd[2];		/* the child writes errno if exec fails; closes on exec */
	int region;		/* libcausal's counters (memfd), or -1 */
	const char *exe;
	const char *lib;	/* libcausal to preload, or NULL */
	char **argv;
};

/* In the child: wait for the session, then exec with libcausal preloaded and its region. */
static void __attribute__((noreturn)) run_child(struct launch *l)
{
	char c;
	int e;

	close(l->go[1]);
	close(l->execd[0]);
	if (read(l->go[0], &c, 1) != 1)
		_exit(RUN_EXIT_FAILED);
	if (l->region >= 0 && !fcntl(l->region, F_SETFD, 0)) {
		char num[16];

		snprintf(num, sizeof(num), "%d", l->region);
		setenv(CAUSAL_REGION_FD_ENV, num, 1);
	}
	if (l->lib) {
		const char *old = getenv("LD_PRELOAD");
		char *v = malloc(strlen(l->lib) + (old ? strlen(old) : 0) + 2);

		if (v) {
			sprintf(v, "%s%s%s", l->lib, old && *old ? ":" : "", old ? old : "");
			setenv("LD_PRELOAD", v, 1);
		}
	}
	signal(SIGPIPE, SIG_DFL);
	execv(l->exe, l->argv);
	e = errno;
	/* tell the parent why; the pipe closes on a successful exec instead */
	if (write(l->execd[1], &e, sizeof(e)) < 0)
		_exit(RUN_EXIT_CANNOT_EXEC);
	_exit(e == ENOENT ? RUN_EXIT_NOT_FOUND : RUN_EXIT_CANNOT_EXEC);
}

/*
 * libcausal's counters, made here and handed down: read from the start, kept after the program
 * exits, shared with the processes it forks and execs. Without it libcausal makes its own
 * region, which is found in /proc/PID/maps instead. The fd, or -1.
 */
static int make_region(struct profiler *p)
{
	int region = memfd_create(CAUSAL_REGION_MEMFD_NAME, MFD_CLOEXEC);

	if (region >= 0 && (ftruncate(region, (off_t)CAUSAL_REGION_SIZE) ||
			    profiler_add_region(p, region))) {
		close(region);
		region = -1;
	}
	return region;
}

/*
 * In the parent, once the child is forked: attach the session to it, let it exec, and learn
 * whether the exec worked. 0, or run's exit status (the child is then reaped or killed).
 */
static int start_child(const struct cli_env *env, struct profiler *p, struct launch *l, pid_t pid)
{
	char c = 'g';
	int e;

	close(l->go[0]);
	close(l->execd[1]);
	l->go[0] = l->execd[1] = -1;
	install_signals();
	if (profiler_attach(p, pid, l->exe)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return RUN_EXIT_FAILED;
	}
	if (write(l->go[1], &c, 1) != 1) {
		fprintf(env->err, "causalctl run: cannot start %s\n", l->argv[0]);
		return RUN_EXIT_FAILED;
	}
	if (read(l->execd[0], &e, sizeof(e)) == sizeof(e)) {
		fprintf(env->err, "causalctl run: cannot run %s: %s\n", l->exe, strerror(e));
		waitpid(pid, NULL, 0);
		return e == ENOENT ? RUN_EXIT_NOT_FOUND : RUN_EXIT_CANNOT_EXEC;
	}
	return 0;
}

/* Profiles the running child to its end (or the profile's), then run's exit status: COMMAND's. */
static int profile_child(struct profiler *p, struct child *child)
{
	int r = profiler_loop(p, child_done, child);

	if (profiler_finish(p))
		r = -1;
	/* a profile ended by a signal or --max-experiments stops the command too */
	if (!child_done(child) || r)
		kill(child->pid, SIGTERM);
	if (!child->reaped)
		waitpid(child->pid, &child->status, 0);
	if (r)
		return RUN_EXIT_FAILED;
	if (WIFEXITED(child->status))
		return WEXITSTATUS(child->status);
	if (WIFSIGNALED(child->status))
		return 128 + WTERMSIG(child->status);
	return RUN_EXIT_FAILED;
}

/*
 * run's command line: the options, then COMMAND as a path (into exe) and libcausal to preload
 * (into lib; l->lib NULL without). 0, -1 after --help, or run's exit status.
 */
static int parse_run(const struct cli_env *env, int argc, char **argv, struct profiler_opts *o,
		     struct launch *l, char *exe, size_t exe_len, char *lib, size_t lib_len)
{
	bool preload = true;
	int ret;

	ret = parse_opts(env, "run", argc, argv, o, &preload, NULL);
	if (ret)
		return ret;
	if (optind == argc)
		return cli_usage_error(env, "run", "no command to run (causalctl run -- COMMAND)");
	if (!find_command(argv[optind], exe, exe_len)) {
		fprintf(env->err, "causalctl run: %s: command not found\n", argv[optind]);
		return RUN_EXIT_NOT_FOUND;
	}
	if (preload && !find_libcausal(lib, lib_len)) {
		fprintf(env->err,
			"causalctl run: " CAUSAL_LIBCAUSAL_SONAME " not found (set CAUSAL_LIBCAUSAL): progress "
			"points in the code will not count, only --progress points\n");
		preload = false;
	}
	l->exe = exe;
	l->lib = preload ? lib : NULL;
	l->argv = argv + optind;
	return 0;
}

/* Opens the session, forks COMMAND into it and profiles it to its end: run's exit status. */
static int launch_and_profile(const struct cli_env *env, const struct profiler_opts *o,
			      struct launch *l)
{
	struct child child = { .pid = -1 };
	int ret = RUN_EXIT_FAILED;
	struct profiler *p;

	p = profiler_new(env, o);
	if (!p)
		return RUN_EXIT_FAILED;
	if (pipe2(l->go, O_CLOEXEC) || pipe2(l->execd, O_CLOEXEC)) {
		fprintf(env->err, "causalctl run: pipe: %s\n", strerror(errno));
		goto out;
	}
	l->region = make_region(p);
	fflush(NULL);
	child.pid = fork();
	if (child.pid < 0) {
		fprintf(env->err, "causalctl run: fork: %s\n", strerror(errno));
		goto out;
	}
	if (child.pid == 0)
		run_child(l);
	ret = start_child(env, p, l, child.pid);
	if (!ret) {
		ret = profile_child(p, &child);
		p = NULL;	/* profiler_finish() freed it */
	}
out:
	if (p)
		profiler_abort(p);
	return ret;
}

/* The parent's ends of the pipes and its copy of the region. */
static void launch_close(struct launch *l)
{
	if (l->region >= 0)
		close(l->region);
	for (int i = 0; i < 2; i++) {
		if (l->go[i] >= 0)
			close(l->go[i]);
		if (l->execd[i] >= 0)
			close(l->execd[i]);
	}
}

int cmd_run(const struct cli_env *env, int argc, char **argv)
{
	struct launch l = { .go = { -1, -1 }, .execd = { -1, -1 }, .region = -1 };
	char exe[PATH_MAX], lib[PATH_MAX];
	struct profiler_opts o;
	char *command;
	int ret;

	profiler_opts_init(&o);
	o.scope = scope_new();
	if (!o.scope)
		return RUN_EXIT_FAILED;
	ret = parse_run(env, argc, argv, &o, &l, exe, sizeof(exe), lib, sizeof(lib));
	if (ret) {
		scope_free(o.scope);
		return ret < 0 ? CAUSALCTL_EXIT_OK : ret;
	}
	command = join_args(argc - optind, argv + optind);
	o.command = command;
	ret = launch_and_profile(env, &o, &l);
	launch_close(&l);
	free(command);
	scope_free(o.scope);
	return ret;
}

/* attach's command line: the options, and the process. 0, -1 after --help, or an exit status. */
static int parse_attach(const struct cli_env *env, int argc, char **argv, struct profiler_opts *o,
			pid_t *pid)
{
	int ret = parse_opts(env, "attach", argc, argv, o, NULL, pid);

	if (ret)
		return ret;
	if (optind != argc)
		return cli_usage_error(env, "attach", "unexpected argument '%s'", argv[optind]);
	if (!*pid)
		return cli_usage_error(env, "attach", "which process? (-p PID)");
	return 0;
}

/* Whether this process may look at process pid (link: its /proc/PID/exe); if not, says why. */
static bool can_inspect(const struct cli_env *env, pid_t pid, const char *link)
{
	char exe[PATH_MAX];

	if (readlink(link, exe, sizeof(exe) - 1) >= 0)
		return true;
	if ((errno == EACCES || errno == EPERM) && geteuid() == 0)
		/* root, and still refused: root of another user namespace, or a policy */
		fprintf(env->err,
			"causalctl attach: not allowed to inspect process %d even as root: it is "
			"outside this user namespace (e.g. a container's root attaching to the "
			"host's processes), or an LSM or Yama (kernel.yama.ptrace_scope=3) forbids "
			"it; attach from the namespace that owns it\n", pid);
	else if (errno == EACCES || errno == EPERM)
		fprintf(env->err,
			"causalctl attach: not allowed to profile process %d: it belongs to "
			"another user, or is not dumpable (run causalctl as root)\n", pid);
	else
		fprintf(env->err, "causalctl attach: process %d: %s\n", pid,
			errno == ENOENT ? "no such process" : strerror(errno));
	return false;
}

/* Opens the session, attaches it to pid and profiles it to its end: attach's exit status. */
static int attach_and_profile(const struct cli_env *env, const struct profiler_opts *o, pid_t pid,
			      const char *link)
{
	struct profiler *p;
	int r;

	p = profiler_new(env, o);
	if (!p)
		return CAUSALCTL_EXIT_FAILURE;
	install_signals();
	/* /proc/PID/exe, not its target: it opens the mapped file even when replaced on disk */
	if (profiler_attach(p, pid, link)) {
		profiler_abort(p);
		return CAUSALCTL_EXIT_FAILURE;
	}
	r = profiler_loop(p, NULL, NULL);
	if (profiler_finish(p))
		r = -1;
	return r ? CAUSALCTL_EXIT_FAILURE : CAUSALCTL_EXIT_OK;
}

int cmd_attach(const struct cli_env *env, int argc, char **argv)
{
	char link[64], cmdline[64];
	struct profiler_opts o;
	pid_t pid = 0;
	int ret;

	profiler_opts_init(&o);
	o.scope = scope_new();
	if (!o.scope)
		return CAUSALCTL_EXIT_FAILURE;
	ret = parse_attach(env, argc, argv, &o, &pid);
	if (ret) {
		scope_free(o.scope);
		return ret < 0 ? CAUSALCTL_EXIT_OK : ret;
	}
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	if (!can_inspect(env, pid, link)) {
		scope_free(o.scope);
		return CAUSALCTL_EXIT_FAILURE;
	}
	snprintf(cmdline, sizeof(cmdline), "attach %d", pid);
	o.command = cmdline;
	o.count_sites = true;
	ret = attach_and_profile(env, &o, pid, link);
	scope_free(o.scope);
	return ret;
}
