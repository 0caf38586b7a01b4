// SPDX-License-Identifier: MIT
/*
 * Known-answer workload 6: a program in two phases with different bottlenecks. Two threads work in
 * rounds joined at a barrier (as in join.c); each round is one unit of progress.
 *   phase 1 (ROUNDS rounds): thread 1 runs line P1 (1.5 units), thread 2 line Q1 (1 unit);
 *   phase 2 (ROUNDS rounds): thread 1 runs line Q2 (1 unit), thread 2 line P2 (1.2 units).
 * P1 is the critical path of phase 1 and P2 of phase 2. Speeding P1 up by s shortens phase 1 by
 * min(s, 1/3) x 1.5 units a round and leaves phase 2 alone: over the whole run (2.7 units a round
 * pair) the program gains min(s, 1/3) x 1.5 / 2.7, i.e. 18.5 % at s = 1/3. Within phase 1 alone it
 * gains 33 %, which is what a profiler that only looks while P1 runs would see. P2 can give at most
 * 1 - 1/1.2 = 17 % of phase 2 (7.4 % of the run). Q1 and Q2 gain nothing.
 * Built with -DOPTIMIZED, line P1 does 2/3 of its work (33 % faster).
 *
 *   phased [ROUNDS [UNIT_ITERS [Q1_PERCENT]]]
 *       defaults: 150 rounds per phase, 1 unit = 2000000 iterations, Q1 = 2/3 of P1 (Q1_PERCENT
 *       of P1's if given, 1..99). At the default the optimized 33 % is exactly where Q1 becomes
 *       critical (the kink, see README.md); with Q1 at p %, P1's effect on phase 1 is linear up to
 *       100 - p %, and the answers above do not change.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "workload.h"

static pthread_barrier_t start, done;
static uint64_t rounds, unit, p1_iters, q1_iters;
static volatile uint64_t sink;
static struct wl_line line_p1;

static uint64_t __attribute__((noinline)) work_p1(uint64_t n)
{
	uint64_t x = 7;

	WL_LCG(x, n, 6364136223846793005ULL, 1442695040888963407ULL); /* line P1 */
	return x;
}

static uint64_t __attribute__((noinline)) work_q1(uint64_t n)
{
	uint64_t x = 8;

	WL_LCG(x, n, 2862933555777941757ULL, 3037000493ULL); /* line Q1 */
	return x;
}

static uint64_t __attribute__((noinline)) work_q2(uint64_t n)
{
	uint64_t x = 9;

	WL_LCG(x, n, 3935559000370003845ULL, 2691343689449507681ULL); /* line Q2 */
	return x;
}

static uint64_t __attribute__((noinline)) work_p2(uint64_t n)
{
	uint64_t x = 10;

	WL_LCG(x, n, 6364136223846793005ULL, 3037000493ULL); /* line P2 */
	return x;
}

static void *thread_1(void *arg)
{
	for (uint64_t r = 0; r < 2 * rounds; r++) {
		pthread_barrier_wait(&start);
		if (r < rounds)
			WL_TIME(&line_p1, p1_iters, sink += work_p1(p1_iters));
		else
			sink += work_q2(unit);
		pthread_barrier_wait(&done);
	}
	return arg;
}

static void *thread_2(void *arg)
{
	for (uint64_t r = 0; r < 2 * rounds; r++) {
		pthread_barrier_wait(&start);
		if (r < rounds)
			sink += work_q1(q1_iters);
		else
			sink += work_p2(unit * 6 / 5);
		pthread_barrier_wait(&done);
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t a, b;

	rounds = argc > 1 ? strtoull(argv[1], NULL, 0) : 150;
	unit = argc > 2 ? strtoull(argv[2], NULL, 0) : 2000000;
	p1_iters = unit * 3 / 2;
	q1_iters = unit;
	if (argc > 3)
		q1_iters = p1_iters * wl_percent_arg("phased", "Q1_PERCENT", argv[3]) / 100;
#ifdef OPTIMIZED
	p1_iters = p1_iters * 2 / 3;
#endif
	wl_start();
	pthread_barrier_init(&start, NULL, 3);
	pthread_barrier_init(&done, NULL, 3);
	if (pthread_create(&a, NULL, thread_1, NULL) || pthread_create(&b, NULL, thread_2, NULL))
		return 1;
	for (uint64_t r = 0; r < 2 * rounds; r++) {
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&done);
		CAUSAL_PROGRESS_NAMED("round");
	}
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("phased: 2 x %llu rounds\n", (unsigned long long)rounds);
	wl_report("phased", "P1", &line_p1);
	return 0;
}
