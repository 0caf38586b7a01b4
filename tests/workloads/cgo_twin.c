// SPDX-License-Identifier: MIT
/*
 * The C twin of tests/workloads/go/cgocb: THREADS threads each do some work of their own and then
 * call a callback that takes one global mutex (as cgo's C→Go callback path does through the
 * runtime's extra-M list lock). Every thread must pass through the critical section (line
 * "critical"), one at a time: with INSIDE steps in it and OUTSIDE steps of work of its own, one
 * callback takes INSIDE steps of serial time and (OUTSIDE + INSIDE) / CPUS of CPU time, so the
 * mutex is the bottleneck when INSIDE > OUTSIDE / (CPUS - 1), as with the defaults on 2 CPUs
 * (400 > 50) or 4 CPUs (400 > 17): by a wide margin, so that a short profile under emulation
 * ranks it first every time (with 200 against 100 it did one time in three). The lines from the
 * lock to the unlock (marked "contended"), or the call into them, must rank first; speeding up
 * the work outside gains nothing. (The call: Debian's libc sets up no frame in
 * pthread_mutex_lock, so the frame-pointer walk skips callback() and charges the lock's time to
 * the call, where experiments now delay for it too, CAUSAL_EXPERIMENT_SCOPE.) The progress point is one causal.h counter per callback (a uprobe per callback would
 * cost more than the callback itself under emulation).
 * With -DOPTIMIZED the critical section does half its work.
 *
 *   cgo_twin [THREADS [CALLS [OUTSIDE [INSIDE]]]]    defaults 4, 20000, 50, 400 (LCG steps)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "causal.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long calls, outside, inside;
static uint64_t shared_state;
static volatile uint64_t sink;

__attribute__((noinline)) void callback(uint64_t v)
{
	pthread_mutex_lock(&lock); /* contended */
	for (long k = 0; k < inside; k++) /* contended */
		shared_state = shared_state * 2862933555777941757ULL + v; /* contended: critical */
	pthread_mutex_unlock(&lock); /* contended */
}

static void *worker(void *arg)
{
	uint64_t x = (uintptr_t)arg;

	for (long i = 0; i < calls; i++) {
		for (long k = 0; k < outside; k++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL; /* outside */
		callback(x); /* the call into the contended section */
		CAUSAL_PROGRESS_NAMED("callback");
	}
	sink += x;
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = argc > 1 ? strtol(argv[1], NULL, 0) : 4;
	pthread_t t[256];

	calls = argc > 2 ? strtol(argv[2], NULL, 0) : 20000;
	outside = argc > 3 ? strtol(argv[3], NULL, 0) : 50;
	inside = argc > 4 ? strtol(argv[4], NULL, 0) : 400;
#ifdef OPTIMIZED
	inside /= 2;
#endif
	if (threads < 1 || threads > 256)
		return 2;
	for (long i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1)))
			return 1;
	for (long i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("cgo_twin: %ld callbacks from %ld threads\n", threads * calls, threads);
	return 0;
}
