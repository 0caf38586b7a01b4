/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the VM test workloads (two_threads, pipe_pingpong, futex_handoff, forker, thread_churn,
 * progress_calls; bench_uprobe, and scale_threads's spin()): the range and start protocol that
 * tests/vm/core_test.c drives,
 * and the work, threads and children these programs run.
 *
 * A workload prints one line per selectable code range, "RANGE <name> 0x<start> 0x<end>", then
 * "READY", and waits for one byte on stdin before it starts working, so that the harness can
 * attach first. Hot functions live in their own sections (WORK_SECTION("causal_a")) so that the
 * linker's __start_causal_a / __stop_causal_a bound them exactly.
 */
#ifndef CAUSAL_TEST_WORKLOAD_H
#define CAUSAL_TEST_WORKLOAD_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define WORK_SECTION(name) __attribute__((noinline, used, section(name)))

/* declares the linker's bounds of section NAME */
#define DECLARE_RANGE(name) extern char __start_##name[], __stop_##name[]
#define PRINT_RANGE(label, name) \
	printf("RANGE %s %#lx %#lx\n", label, (unsigned long)__start_##name, \
	       (unsigned long)__stop_##name)

/* where the work's results go, so that the compiler keeps the work */
static volatile uint64_t sink;

/* pure CPU work: an LCG the compiler cannot fold away; inlined into its caller's section */
static inline __attribute__((always_inline)) uint64_t spin(uint64_t iters, uint64_t x)
{
	for (uint64_t i = 0; i < iters; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

/*
 * Declares section causal_NAME's bounds and defines work_NAME(n) in it: n iterations of spin()
 * from SEED. The workloads' hot functions: core_test selects them by their ranges.
 */
#define WORK_FUNCTION(name, seed)						\
	DECLARE_RANGE(causal_##name);						\
	WORK_SECTION("causal_" #name) uint64_t work_##name(uint64_t n)		\
	{									\
		return spin(n, seed);						\
	}

/* thread_NAME(), a thread's start routine: work_NAME(ITERS) once */
#define WORK_THREAD(name, iters)						\
	static void *thread_##name(void *arg)					\
	{									\
		(void)arg;							\
		sink += work_##name(iters);					\
		return NULL;							\
	}

/* prints READY and blocks until the harness writes one byte (or closes stdin) */
static inline void workload_ready(void)
{
	char c;

	printf("READY\n");
	fflush(stdout);
	if (read(STDIN_FILENO, &c, 1) < 0)
		exit(1);
}

static inline uint64_t workload_arg(int argc, char **argv, int i, uint64_t def)
{
	return argc > i ? strtoull(argv[i], NULL, 0) : def;
}

/* runs a and b in threads of their own until both return, b started first; 1 if one cannot start */
static inline int workload_run_pair(void *(*a)(void *), void *(*b)(void *))
{
	pthread_t ta, tb;

	if (pthread_create(&tb, NULL, b, NULL) || pthread_create(&ta, NULL, a, NULL))
		return 1;
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	return 0;
}

/* reaps the children that have exited (waitpid() OPTIONS: 0 waits for all); how many failed */
static inline int workload_reap(int options)
{
	int status, fails = 0;

	while (waitpid(-1, &status, options) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fails++;
	return fails;
}

/*
 * The file offset of code address addr in this program's executable mapping, from
 * /proc/self/maps: where a uprobe on it goes (CAUSAL_IOC_PROGRESS_ADD); -1 if not mapped.
 */
static inline long long workload_file_offset(unsigned long addr)
{
	unsigned long start, end, off;
	char line[512], perm[8];
	long long ret = -1;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %lx", &start, &end, perm, &off) == 4 &&
		    addr >= start && addr < end && strchr(perm, 'x')) {
			ret = (long long)(addr - start + off);
			break;
		}
	}
	if (f)
		fclose(f);
	return ret;
}

#endif
