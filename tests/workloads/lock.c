// SPDX-License-Identifier: MIT
/*
 * Known-answer workload 2: the shape of a cgo C->Go callback under contention. WORKERS threads
 * each loop: wait for their next event (a short sleep, off the CPU, standing for the Go side or
 * the network), prepare it (line P, private work, in parallel), then call the "callback", which
 * takes one global mutex and runs line C inside it; each callback is one unit of progress.
 * Every worker queues on the mutex, so the critical section is the bottleneck: the program runs
 * one line C after another, and speeding C up by s speeds the program up by about s (less the
 * mutex hand-off between threads, which does not get faster); line P runs while another worker
 * holds the mutex and gains nothing.
 * Built with -DOPTIMIZED, line C does 2/3 of its work (33 % faster).
 *
 *   lock [CALLBACKS_PER_WORKER [C_ITERS [WORKERS]]]   defaults: 300, 150000, 6
 *   (P = C/4 iterations, the sleep is 300 us)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "workload.h"

static pthread_mutex_t big = PTHREAD_MUTEX_INITIALIZER;
static uint64_t callbacks, c_iters, p_iters;
static volatile uint64_t sink;
static struct wl_line line_c;

static uint64_t __attribute__((noinline)) work_c(uint64_t n)
{
	uint64_t x = 3;

	WL_LCG(x, n, 6364136223846793005ULL, 1442695040888963407ULL); /* line C */
	return x;
}

static uint64_t __attribute__((noinline)) work_p(uint64_t n)
{
	uint64_t x = 4;

	WL_LCG(x, n, 2862933555777941757ULL, 3037000493ULL); /* line P */
	return x;
}

/* the callback from the "runtime": everything in it runs under the global lock */
static void __attribute__((noinline)) callback(void)
{
	pthread_mutex_lock(&big);
	WL_TIME(&line_c, c_iters, sink += work_c(c_iters));
	pthread_mutex_unlock(&big);
	CAUSAL_PROGRESS_NAMED("callback");
}

static void *worker(void *arg)
{
	const struct timespec wait = { 0, 300000 };

	for (uint64_t i = 0; i < callbacks; i++) {
		nanosleep(&wait, NULL);
		sink += work_p(p_iters);
		callback();
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t t[64];
	unsigned int workers;

	callbacks = argc > 1 ? strtoull(argv[1], NULL, 0) : 300;
	c_iters = argc > 2 ? strtoull(argv[2], NULL, 0) : 150000;
	workers = argc > 3 ? (unsigned int)strtoul(argv[3], NULL, 0) : 6;
	if (workers < 1 || workers > 64)
		return 2;
	p_iters = c_iters / 4;
#ifdef OPTIMIZED
	c_iters = c_iters * 2 / 3;
#endif
	wl_start();
	for (unsigned int i = 0; i < workers; i++)
		if (pthread_create(&t[i], NULL, worker, NULL))
			return 1;
	for (unsigned int i = 0; i < workers; i++)
		pthread_join(t[i], NULL);
	printf("lock: %u workers x %llu callbacks\n", workers, (unsigned long long)callbacks);
	wl_report("lock", "C", &line_c);
	return 0;
}
