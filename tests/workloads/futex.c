// SPDX-License-Identifier: MIT
/*
 * Known-answer workload 4: two threads hand a token back and forth through a raw futex
 * (syscall(SYS_futex), no pthread call on the way), as custom locks, Go and Rust runtimes do.
 * Thread X runs line X (2 units), hands over and waits; thread Y runs line Y (1 unit), counts a
 * round of progress and hands back. Only one of them runs at a time, so a round is X + Y: speeding
 * X up by s speeds the program up by 2s/3, speeding Y up by s gives s/3. An interposition-based
 * profiler (Coz) does not see these waits and wake-ups, so it cannot carry delays across them.
 * Built with -DOPTIMIZED, line X does half of its work (50 % faster): the program gains 33 %.
 *
 *   futex [ROUNDS [Y_ITERS [PIN]]]
 *       defaults: 1000 rounds, Y = 120000 iterations (X = twice that), PIN 0. PIN 1 keeps both
 *       threads on the CPU the program started on: a hand-off is then a switch on one CPU
 *       instead of a wake-up of the other, idle one, whose latency under emulation depends on
 *       how long that CPU idled and so gets shorter with X (tests/workloads/README.md).
 */
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "workload.h"

static uint32_t turn;	/* 0: X's turn, 1: Y's turn, 2: stop */
static uint64_t rounds, x_iters, y_iters;
static volatile uint64_t sink;
static struct wl_line line_x;

static void hand_to(uint32_t who)
{
	__atomic_store_n(&turn, who, __ATOMIC_RELEASE);
	syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void wait_for(uint32_t me)
{
	uint32_t t;

	while ((t = __atomic_load_n(&turn, __ATOMIC_ACQUIRE)) != me)
		syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, t, NULL, NULL, 0);
}

static uint64_t __attribute__((noinline)) work_x(uint64_t n)
{
	uint64_t x = 5;

	WL_LCG(x, n, 6364136223846793005ULL, 1442695040888963407ULL); /* line X */
	return x;
}

static uint64_t __attribute__((noinline)) work_y(uint64_t n)
{
	uint64_t x = 6;

	WL_LCG(x, n, 2862933555777941757ULL, 3037000493ULL); /* line Y */
	return x;
}

static void *thread_x(void *arg)
{
	for (uint64_t r = 0; r < rounds; r++) {
		wait_for(0);
		WL_TIME(&line_x, x_iters, sink += work_x(x_iters));
		hand_to(1);
	}
	return arg;
}

static void *thread_y(void *arg)
{
	for (uint64_t r = 0; r < rounds; r++) {
		wait_for(1);
		sink += work_y(y_iters);
		CAUSAL_PROGRESS_NAMED("round");
		hand_to(0);
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t x, y;

	rounds = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000;
	y_iters = argc > 2 ? strtoull(argv[2], NULL, 0) : 120000;
	x_iters = 2 * y_iters;
	if (argc > 3 && strtoul(argv[3], NULL, 0)) {
		cpu_set_t one;
		int cpu = sched_getcpu();

		CPU_ZERO(&one);
		CPU_SET(cpu < 0 ? 0 : cpu, &one);
		/* before the threads exist, so that both inherit it */
		if (sched_setaffinity(0, sizeof(one), &one)) {
			perror("futex: sched_setaffinity");
			return 2;
		}
	}
#ifdef OPTIMIZED
	x_iters /= 2;
#endif
	wl_start();
	if (pthread_create(&x, NULL, thread_x, NULL) || pthread_create(&y, NULL, thread_y, NULL))
		return 1;
	pthread_join(x, NULL);
	pthread_join(y, NULL);
	printf("futex: %llu rounds\n", (unsigned long long)rounds);
	wl_report("futex", "X", &line_x);
	return 0;
}
