/* SPDX-License-Identifier: MIT */
/*
 * Shared by the known-answer workloads (tests/workloads/README.md): progress points (causal.h,
 * which also works under Coz: it falls back to Coz's _coz_get_counter) and the measurement of the
 * marked line's own cost, so that the accuracy benchmark can say how much the optimized variant
 * really speeds that line up instead of assuming it.
 *
 * The line's cost is the thread CPU time of the calls to the function that holds it (each such
 * function is one loop on one source line, so the function is the line), summed over every
 * thread, and over every process when the sum lives in shared memory. A workload prints, on
 * stderr when it ends:
 *
 *   WORKLOAD name=NAME variant=base|optimized line=LABEL line_ns=N line_calls=N line_min_ns=N
 *            line_work=N wall_ns=N user_ns=N sys_ns=N
 *
 * line_work counts the iterations of the line's loop: the line is the same instructions in both
 * variants, so the ratio of iterations per call is the line's speedup wherever the cost of one
 * iteration does not change between runs. Under emulation on a busy host it does (thread CPU time
 * also counts time the vCPU lost to the host, and TCG's speed varies with load), so the timings
 * (line_ns, and line_min_ns, the cheapest call) are a cross-check there, not the measure.
 * wall_ns is the time from wl_start() to wl_report(); user_ns and sys_ns the CPU time of the whole
 * program in user mode and in the kernel (its threads and the child processes it has reaped), so
 * that the benchmark can tell how much of a speedup came from the kernel's time. Define
 * WL_NO_CAUSAL_H in a program that cannot use libcausal (the static workload).
 */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#ifndef WL_NO_CAUSAL_H
#include "causal.h"
#endif

#ifdef OPTIMIZED
#define WL_VARIANT "optimized"
#else
#define WL_VARIANT "base"
#endif

struct wl_line {
	uint64_t ns;
	uint64_t calls;
	uint64_t work;		/* iterations of the line's loop */
	uint64_t min_ns;	/* the cheapest call: what the line costs when nothing else interferes */
};

static uint64_t wl_t0;

static inline uint64_t wl_ns(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static inline void wl_start(void)
{
	wl_t0 = wl_ns(CLOCK_MONOTONIC);
}

/* a line counter in memory that forked children share with their parent */
static inline struct wl_line *wl_line_shared(void)
{
	void *p = mmap(NULL, sizeof(struct wl_line), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : (struct wl_line *)p;
}

/*
 * WL_TIME(line, n, expr): run expr, a call of the marked line's function that runs its loop n
 * times, and add its CPU time and its n iterations
 */
#define WL_TIME(line, n, expr) do {								\
	uint64_t wl_w_ = wl_ns(CLOCK_MONOTONIC), wl_a_ = wl_ns(CLOCK_THREAD_CPUTIME_ID);	\
	expr;											\
	wl_a_ = wl_ns(CLOCK_THREAD_CPUTIME_ID) - wl_a_;						\
	wl_account((line), (n), wl_a_);								\
	wl_log_call(wl_w_, wl_ns(CLOCK_MONOTONIC) - wl_w_, wl_a_);				\
} while (0)

/*
 * With WL_CALL_LOG=FILE, every timed call is also kept (start, wall and CPU time, in ns, the start
 * on CLOCK_MONOTONIC like the profile's experiment times) and written to FILE at wl_report(): the
 * benchmark splits the line's cost by experiment with it, to tell whether the marked line itself
 * runs slower while others pay delays. The first WL_CALL_LOG_MAX calls of a process are kept.
 */
#define WL_CALL_LOG_MAX 65536
struct wl_call {
	uint64_t start, wall, cpu;
};
static struct wl_call *wl_calls;
static uint64_t wl_ncalls;
static int wl_calls_off;

static inline void wl_log_call(uint64_t start, uint64_t wall, uint64_t cpu)
{
	uint64_t i;

	if (__atomic_load_n(&wl_calls_off, __ATOMIC_RELAXED))
		return;
	if (!__atomic_load_n(&wl_calls, __ATOMIC_ACQUIRE)) {
		struct wl_call *c = NULL;

		if (getenv("WL_CALL_LOG"))
			c = calloc(WL_CALL_LOG_MAX, sizeof(*c));
		if (!c) {
			__atomic_store_n(&wl_calls_off, 1, __ATOMIC_RELAXED);
			return;
		}
		if (!__atomic_compare_exchange_n(&wl_calls, &(struct wl_call *){ NULL }, c, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			free(c);
	}
	i = __atomic_fetch_add(&wl_ncalls, 1, __ATOMIC_RELAXED);
	if (i < WL_CALL_LOG_MAX)
		wl_calls[i] = (struct wl_call){ start, wall, cpu };
}

static inline void wl_write_calls(void)
{
	const char *path = getenv("WL_CALL_LOG");
	uint64_t n = wl_ncalls < WL_CALL_LOG_MAX ? wl_ncalls : WL_CALL_LOG_MAX;
	FILE *f;

	if (!path || !wl_calls || !(f = fopen(path, "a")))
		return;
	for (uint64_t i = 0; i < n; i++)
		fprintf(f, "%llu %llu %llu\n", (unsigned long long)wl_calls[i].start,
			(unsigned long long)wl_calls[i].wall, (unsigned long long)wl_calls[i].cpu);
	fclose(f);
}

static inline void wl_account(struct wl_line *line, uint64_t n, uint64_t d)
{
	uint64_t m = __atomic_load_n(&line->min_ns, __ATOMIC_RELAXED);

	__atomic_fetch_add(&line->work, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&line->ns, d, __ATOMIC_RELAXED);
	__atomic_fetch_add(&line->calls, 1, __ATOMIC_RELAXED);
	while ((!m || d < m) &&
	       !__atomic_compare_exchange_n(&line->min_ns, &m, d, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static inline uint64_t wl_tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ULL + (uint64_t)tv.tv_usec * 1000ULL;
}

static inline void wl_report(const char *name, const char *label, const struct wl_line *line)
{
	uint64_t wall = wl_ns(CLOCK_MONOTONIC) - wl_t0, user = 0, sys = 0;
	struct rusage ru;

	if (!getrusage(RUSAGE_SELF, &ru)) {
		user += wl_tv_ns(ru.ru_utime);
		sys += wl_tv_ns(ru.ru_stime);
	}
	if (!getrusage(RUSAGE_CHILDREN, &ru)) {
		user += wl_tv_ns(ru.ru_utime);
		sys += wl_tv_ns(ru.ru_stime);
	}
	wl_write_calls();
	fprintf(stderr, "WORKLOAD name=%s variant=%s line=%s line_ns=%llu line_calls=%llu line_min_ns=%llu "
		"line_work=%llu wall_ns=%llu user_ns=%llu sys_ns=%llu\n", name, WL_VARIANT, label,
		(unsigned long long)line->ns, (unsigned long long)line->calls,
		(unsigned long long)line->min_ns, (unsigned long long)line->work,
		(unsigned long long)wall, (unsigned long long)user, (unsigned long long)sys);
}

/* A 1..99 percentage argument of program PROG, or exit 2 with a message naming it (NAME). */
static inline uint64_t wl_percent_arg(const char *prog, const char *name, const char *arg)
{
	uint64_t pct = strtoull(arg, NULL, 0);

	if (pct < 1 || pct > 99) {
		fprintf(stderr, "%s: %s must be 1..99\n", prog, name);
		exit(2);
	}
	return pct;
}

/* n steps of a 64-bit LCG: the unit of work of every marked line (one loop, one source line) */
#define WL_LCG(x, n, a, c) for (uint64_t wl_i_ = 0; wl_i_ < (n); wl_i_++) (x) = (x) * (a) + (c)

#endif /* WORKLOAD_H */
