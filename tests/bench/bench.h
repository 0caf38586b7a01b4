/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the benchmark programs of tests/bench (bench_delay, bench_overhead, bench_bystander,
 * bench_progress): clocks, CPU work the compiler cannot fold away, code placed in named sections
 * so that the linker's __start_ and __stop_ symbols bound it exactly (those are the experiment's
 * address ranges), medians and percentiles, memory shared with forked children, children started
 * on a byte from a pipe, the options and the ABBA order of the with/without pairs of
 * bench_overhead and bench_bystander, and the few /dev/causal helpers they need.
 */
#ifndef CAUSAL_BENCH_H
#define CAUSAL_BENCH_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/causal.h>

#define BENCH_SECTION(name) __attribute__((noinline, used, section(name)))
#define BENCH_DECLARE_RANGE(name) extern char __start_##name[], __stop_##name[]

#define US ((uint64_t)1000)
#define MS ((uint64_t)1000000)
#define SEC ((uint64_t)1000000000)

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static inline void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / SEC), .tv_nsec = (long)(ns % SEC) };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* pure CPU work: an LCG; inlined into its caller, so it runs in the caller's section */
static inline __attribute__((always_inline)) uint64_t spin(uint64_t iters, uint64_t x)
{
	for (uint64_t i = 0; i < iters; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

static inline __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	fflush(stdout);
	va_start(ap, fmt);
	printf("BENCH error ");
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (%s)\n", strerror(e));
	fflush(stdout);
	exit(1);
}

static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The size of a job that takes about target ns, from run(n), which times a job of size n: n grows
 * fourfold until a run takes a tenth of target (or n passes max), and is then scaled to target.
 */
static inline uint64_t calibrate(uint64_t (*run)(uint64_t n), uint64_t n, uint64_t target,
				 uint64_t max)
{
	for (;;) {
		uint64_t t = run(n);

		if (t >= target / 10 || n > max)
			return (uint64_t)((double)n * (double)target / (double)(t ? t : 1));
		n *= 4;
	}
}

/* the median of n sorted values, n > 0 */
static inline double median_double(const double *sorted, unsigned int n)
{
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* nearest-rank percentile of n sorted values, p in (0, 1] */
static inline uint64_t percentile(const uint64_t *sorted, size_t n, double p)
{
	size_t rank;

	if (!n)
		return 0;
	rank = (size_t)(p * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static inline uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		errno = EINVAL;
		die("bad %s '%s'", what, s);
	}
	return v;
}

/* at most this many with/without pairs (-p PAIRS) */
#define MAX_PAIRS 64

/*
 * getopt() for bench_overhead and bench_bystander: takes the options they share itself, -p PAIRS,
 * -t TARGET_MS and -P PERIOD_US (into *pairs, *target in ns and *period_ns), and returns the next
 * other option ('?' for an unknown one), or at the end -1 if PAIRS is 1..MAX_PAIRS and TARGET_MS
 * is not 0, '?' if not.
 */
static inline int pairs_getopt(int argc, char **argv, const char *optstring, unsigned int *pairs,
			       uint64_t *target, uint64_t *period_ns)
{
	int opt;

	while ((opt = getopt(argc, argv, optstring)) != -1) {
		switch (opt) {
		case 'p': *pairs = (unsigned int)parse_u64(optarg, "PAIRS"); break;
		case 't': *target = parse_u64(optarg, "TARGET_MS") * MS; break;
		case 'P': *period_ns = parse_u64(optarg, "PERIOD_US") * US; break;
		default: return opt;
		}
	}
	return !*pairs || *pairs > MAX_PAIRS || !*target ? '?' : -1;
}

/*
 * Pair i of an ABBA series: the statements on (the run with) and off (without), on first in even
 * pairs and second in odd ones, so that a drift of the host's speed favours each side in turn.
 */
#define PAIR_ABBA(i, on, off) do {		\
	if ((i) % 2 == 0) {			\
		on;				\
		off;				\
	} else {				\
		off;				\
		on;				\
	}					\
} while (0)

/*
 * Forks a child that calls child(rfd, n), which must not return: rfd is the read end of a pipe
 * whose write end is *go, and the child is to wait for start_child(*go)'s byte on it before it
 * starts what is timed. Dies on an error.
 */
static inline pid_t fork_child(void (*child)(int rfd, uint64_t n), uint64_t n, int *go)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		die("pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(p[1]);
		child(p[0], n);
		_exit(1);
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

/* starts the child of fork_child() that waits on go (and closes go); dies on an error */
static inline void start_child(int go)
{
	if (write(go, "g", 1) != 1)
		die("write start byte");
	close(go);
}

/* dies unless the child whose waitpid() status this is (what) exited with status 0 */
static inline void child_exit_0(int status, const char *what)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = ECHILD;
		die("%s failed (status %#x)", what, status);
	}
}

/* a session attached to pid (period_ns 0: the module's default period); dies on an error */
static inline int causal_open_attach(pid_t pid, uint32_t callchain, uint64_t period_ns)
{
	struct causal_attach a = { .size = sizeof(a), .pid = pid, .callchain = callchain,
				   .period_ns = period_ns };
	int fd = open(CAUSAL_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open %s", CAUSAL_DEVICE_PATH);
	if (ioctl(fd, CAUSAL_IOC_ATTACH, &a) < 0)
		die("CAUSAL_IOC_ATTACH pid %d", (int)pid);
	return fd;
}

/* size bytes of zeroed memory shared with the children forked later; dies on an error */
static inline void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap shared");
	return p;
}

static inline void causal_get_stats(int fd, struct causal_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	if (ioctl(fd, CAUSAL_IOC_STATS, st) < 0)
		die("CAUSAL_IOC_STATS");
}

#endif
