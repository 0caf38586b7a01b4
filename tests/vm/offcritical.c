// SPDX-License-Identifier: GPL-2.0
/*
 * VM test workload whose critical line is not its most-sampled one, so that ranking it first is
 * something a plain sample-count profiler cannot do (tests/vm/profile.sh).
 *
 * One thread works in rounds: line "critical" (WORK_US of LCG steps, calibrated at start), then a
 * sleep of twice that, then round_done() (the progress point, a uprobe). SIDE threads meanwhile
 * each loop over line "side" (the same work) and the same sleep, for ever: each runs a third of a
 * CPU, as the round thread does, so line "side" gets about SIDE times the samples of line
 * "critical" (twice with 2 side threads, which with the round thread ask for one of a 2-CPU
 * guest's CPUs: little contention). Nothing waits for the side threads: speeding line "side" up
 * gains nothing, while speeding line "critical" up by s shortens a round by s/3.
 *
 *   offcritical [ROUNDS [SIDE [WORK_US]]]    defaults: 1000000000 rounds, 2 side threads, 2000 us
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"

static uint64_t iters, work_us;
static volatile uint64_t sink;

static uint64_t __attribute__((noinline)) work_critical(uint64_t n, uint64_t x)
{
	for (uint64_t i = 0; i < n; i++) { x = x * 6364136223846793005ULL + 1442695040888963407ULL; __asm__ volatile("" : "+r"(x)); } /* critical */
	return x;
}

static uint64_t __attribute__((noinline)) work_side(uint64_t n, uint64_t x)
{
	for (uint64_t i = 0; i < n; i++) { x = x * 2862933555777941757ULL + 3037000493ULL; __asm__ volatile("" : "+r"(x)); } /* side */
	return x;
}

/* the progress point: one call per round */
__attribute__((noinline, used)) uint64_t round_done(uint64_t x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

static void *side(void *arg)
{
	uint64_t x = (uintptr_t)arg;

	for (;;) {
		x = work_side(iters, x);
		sink = x;
		sleep_ns(2 * work_us * 1000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t rounds = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000000ULL;
	long nside = argc > 2 ? strtol(argv[2], NULL, 0) : 2;
	uint64_t x = 1, best = UINT64_MAX;
	pthread_t t;

	work_us = argc > 3 ? strtoull(argv[3], NULL, 0) : 2000;
	if (nside < 0 || nside > 64 || !work_us) {
		fprintf(stderr, "usage: offcritical [ROUNDS [SIDE (0..64) [WORK_US (> 0)]]]\n");
		return 2;
	}
	/* LCG steps in WORK_US on this machine: the fastest of 5 timed runs of a million */
	for (int i = 0; i < 5; i++) {
		uint64_t t0 = now_ns(), dt;

		x = work_critical(1000000, x);
		dt = now_ns() - t0;
		if (dt < best)
			best = dt;
	}
	iters = work_us * 1000 * 1000000 / (best ? best : 1);
	printf("offcritical: %llu steps in %llu us, %ld side threads\n", (unsigned long long)iters,
	       (unsigned long long)work_us, nside);
	fflush(stdout);
	for (long i = 0; i < nside; i++)
		if (pthread_create(&t, NULL, side, (void *)(uintptr_t)(i + 2))) {
			perror("pthread_create");
			return 1;
		}
	for (uint64_t r = 0; r < rounds; r++) {
		x = work_critical(iters, x);
		sleep_ns(2 * work_us * 1000);
		x = round_done(x);
	}
	sink = x;
	return 0;
}
