// SPDX-License-Identifier: MIT
/*
 * Known-answer workload 8: a pool of more CPU-bound threads than CPUs (4 workers on the
 * benchmark's 2 CPUs), as a thread pool sized without regard to the machine is. Each worker, in
 * rounds: line S (1 unit), then line R (1/2 unit), then one unit of progress. No thread ever
 * waits for another; the CPUs are the only thing they share, so the program's speed is the CPUs'
 * speed over the CPU time a round needs, and speeding S up by s speeds the program up by
 * s x (S's share of that time): 2s/3, **22 %** at s = 33 % (R: s/3).
 * That is the case where the threads waiting for a CPU are delayed by the line without running:
 * the ones that wait behind a thread in S must still pay its delay when they run, since the CPU
 * they give up to sleep is taken by another runnable thread, not left idle.
 * Built with -DOPTIMIZED, line S does 2/3 of its work (33 % faster).
 *
 *   pool [ROUNDS [UNIT_ITERS [THREADS]]]     defaults: 200 rounds, 300000 iterations, 4 threads
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "workload.h"

#define POOL_MAX_THREADS 64

static uint64_t rounds, unit, s_iters;
static volatile uint64_t sink;
static struct wl_line line_s;

/* noipa: the same call every round must not be hoisted out of the loop */
static uint64_t __attribute__((noipa)) work_s(uint64_t n)
{
	uint64_t x = 3;

	WL_LCG(x, n, 6364136223846793005ULL, 1442695040888963407ULL); /* line S */
	return x;
}

static uint64_t __attribute__((noipa)) work_r(uint64_t n)
{
	uint64_t x = 4;

	WL_LCG(x, n, 6364136223846793005ULL, 1442695040888963407ULL); /* line R */
	return x;
}

static void *worker(void *arg)
{
	for (uint64_t r = 0; r < rounds; r++) {
		WL_TIME(&line_s, s_iters, sink += work_s(s_iters));
		sink += work_r(unit / 2);
		CAUSAL_PROGRESS;
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t t[POOL_MAX_THREADS];
	uint64_t threads;

	rounds = argc > 1 ? strtoull(argv[1], NULL, 0) : 200;
	unit = argc > 2 ? strtoull(argv[2], NULL, 0) : 300000;
	threads = argc > 3 ? strtoull(argv[3], NULL, 0) : 4;
	if (!threads || threads > POOL_MAX_THREADS) {
		fprintf(stderr, "pool: THREADS must be 1..%d\n", POOL_MAX_THREADS);
		return 2;
	}
	s_iters = unit;
#ifdef OPTIMIZED
	s_iters = unit * 2 / 3;
#endif
	wl_start();
	for (uint64_t i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, worker, NULL))
			return 1;
	for (uint64_t i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("pool: %llu threads x %llu rounds\n", (unsigned long long)threads,
	       (unsigned long long)rounds);
	wl_report("pool", "S", &line_s);
	return 0;
}
