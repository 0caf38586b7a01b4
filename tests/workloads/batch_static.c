// SPDX-License-Identifier: MIT
/*
 * Known-answer workload 7: a statically linked program (built with -static: no LD_PRELOAD, so no
 * libcausal and no Coz), profiled only through `causalctl run --progress batch_done`, a uprobe on
 * the function the main thread calls once per batch. Each batch, a serial step on the main thread
 * (line M, 1 unit) prepares the input, then two worker threads process it in parallel: worker 1
 * runs line W1 (0.7 unit), worker 2 line W2 (0.4 unit), and the batch ends when both are done. A
 * batch takes M + W1 = 1.7 units: speeding M up by s gains s/1.7, speeding W1 up by s gains
 * min(0.7 s, 0.3)/1.7 (at most 17.6 %), W2 gains nothing.
 * Built with -DOPTIMIZED, line M does 2/3 of its work (33 % faster): the program gains 19.6 %.
 *
 *   batch_static [BATCHES [UNIT_ITERS]]     defaults: 300 batches, 1 unit = 1500000 iterations
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define WL_NO_CAUSAL_H
#include "workload.h"

static pthread_barrier_t start, done;
static uint64_t batches, unit, m_iters;
static volatile uint64_t sink;
static struct wl_line line_m;

static uint64_t __attribute__((noinline)) work_m(uint64_t n)
{
	uint64_t x = 11;

	WL_LCG(x, n, 6364136223846793005ULL, 1442695040888963407ULL); /* line M */
	return x;
}

static uint64_t __attribute__((noinline)) work_w1(uint64_t n)
{
	uint64_t x = 12;

	WL_LCG(x, n, 2862933555777941757ULL, 3037000493ULL); /* line W1 */
	return x;
}

static uint64_t __attribute__((noinline)) work_w2(uint64_t n)
{
	uint64_t x = 13;

	WL_LCG(x, n, 3935559000370003845ULL, 2691343689449507681ULL); /* line W2 */
	return x;
}

/* the progress point: `causalctl run --progress batch_done` puts a uprobe here */
void __attribute__((noinline)) batch_done(uint64_t b)
{
	__asm__ volatile("" : : "r"(b) : "memory");
}

static void *worker(void *arg)
{
	uint64_t n = (uintptr_t)arg;

	for (uint64_t b = 0; b < batches; b++) {
		pthread_barrier_wait(&start);
		sink += n == 1 ? work_w1(unit * 7 / 10) : work_w2(unit * 2 / 5);
		pthread_barrier_wait(&done);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t w1, w2;

	batches = argc > 1 ? strtoull(argv[1], NULL, 0) : 300;
	unit = argc > 2 ? strtoull(argv[2], NULL, 0) : 1500000;
	m_iters = unit;
#ifdef OPTIMIZED
	m_iters = m_iters * 2 / 3;
#endif
	wl_start();
	pthread_barrier_init(&start, NULL, 3);
	pthread_barrier_init(&done, NULL, 3);
	if (pthread_create(&w1, NULL, worker, (void *)1) || pthread_create(&w2, NULL, worker, (void *)2))
		return 1;
	for (uint64_t b = 0; b < batches; b++) {
		WL_TIME(&line_m, m_iters, sink += work_m(m_iters));
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&done);
		batch_done(b);
	}
	pthread_join(w1, NULL);
	pthread_join(w2, NULL);
	printf("batch_static: %llu batches\n", (unsigned long long)batches);
	wl_report("batch_static", "M", &line_m);
	return 0;
}
