// SPDX-License-Identifier: MIT
/*
 * Known-answer workload 1, and the example `make demo` profiles: two threads work in rounds and
 * meet at a barrier; each round is one unit of progress. Thread A's work (line "A") takes
 * about 1.5x thread B's (line "B"), so A is the critical path:
 *   - speeding line A up by s makes a round faster by about min(s, 1/3) x A's time: the program
 *     gains up to 33 % (at s = 33 %, A and B take equally long) and nothing beyond;
 *   - speeding line B up gains nothing: B already waits for A every round.
 * Built with -DOPTIMIZED, line A does 2/3 of its work (really 33 % faster), which is the
 * optimized variant that checks the prediction. Each marked line is the whole loop (one source
 * line), so the line the profiler speeds up is exactly the code the optimized variant shortens.
 *
 *   join [ROUNDS [A_ITERS [B_PERCENT]]]
 *       defaults: 200 rounds, A = 3000000 iterations, B = 2/3 of A's (B_PERCENT of A's if given,
 *       1..99; with B at p %, line A's effect grows up to 100 - p % before B becomes critical)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "workload.h"

static pthread_barrier_t start, done;
static uint64_t rounds, a_iters, b_iters;
static volatile uint64_t sink;
static struct wl_line line_a;

static uint64_t __attribute__((noinline)) work_a(uint64_t n)
{
	uint64_t x = 1;

	WL_LCG(x, n, 6364136223846793005ULL, 1442695040888963407ULL); /* line A */
	return x;
}

static uint64_t __attribute__((noinline)) work_b(uint64_t n)
{
	uint64_t x = 2;

	WL_LCG(x, n, 2862933555777941757ULL, 3037000493ULL); /* line B */
	return x;
}

static void *thread_a(void *arg)
{
	for (uint64_t r = 0; r < rounds; r++) {
		pthread_barrier_wait(&start);
		WL_TIME(&line_a, a_iters, sink += work_a(a_iters));
		pthread_barrier_wait(&done);
	}
	return arg;
}

static void *thread_b(void *arg)
{
	for (uint64_t r = 0; r < rounds; r++) {
		pthread_barrier_wait(&start);
		sink += work_b(b_iters);
		pthread_barrier_wait(&done);
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t a, b;

	rounds = argc > 1 ? strtoull(argv[1], NULL, 0) : 200;
	a_iters = argc > 2 ? strtoull(argv[2], NULL, 0) : 3000000;
	b_iters = a_iters * 2 / 3;
	if (argc > 3)
		b_iters = a_iters * wl_percent_arg("join", "B_PERCENT", argv[3]) / 100;
#ifdef OPTIMIZED
	a_iters = a_iters * 2 / 3;
#endif
	wl_start();
	pthread_barrier_init(&start, NULL, 3);
	pthread_barrier_init(&done, NULL, 3);
	if (pthread_create(&a, NULL, thread_a, NULL) || pthread_create(&b, NULL, thread_b, NULL))
		return 1;
	for (uint64_t r = 0; r < rounds; r++) {
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&done);
		CAUSAL_PROGRESS;
	}
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("join: %llu rounds\n", (unsigned long long)rounds);
	wl_report("join", "A", &line_a);
	return 0;
}
