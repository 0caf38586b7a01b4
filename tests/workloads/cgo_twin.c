// SPDX-License-Identifier: MIT
/*
 * The C twin of tests/workloads/go/cgocb: THREADS threads each do some work of their own and then
 * call a callback that takes one global mutex (as cgo's C→Go callback path does through the
 * runtime's extra-M list lock). The critical section (line "critical") is short, but every
 * thread must pass through it: with 4 threads and a critical section a third as long as the work
 * outside it, the mutex is the bottleneck. The progress point is a uprobe on callback
 * (--progress callback), as for the Go program; no profiler code inside.
 * With -DOPTIMIZED the critical section does half its work.
 *
 *   cgo_twin [THREADS [CALLS [OUTSIDE [INSIDE]]]]    defaults 4, 20000, 300, 100 (LCG steps)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long calls, outside, inside;
static uint64_t shared_state;
static volatile uint64_t sink;

__attribute__((noinline)) void callback(uint64_t v)
{
	pthread_mutex_lock(&lock);
	for (long k = 0; k < inside; k++)
		shared_state = shared_state * 2862933555777941757ULL + v; /* critical */
	pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
	uint64_t x = (uintptr_t)arg;

	for (long i = 0; i < calls; i++) {
		for (long k = 0; k < outside; k++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL; /* outside */
		callback(x);
	}
	sink += x;
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = argc > 1 ? strtol(argv[1], NULL, 0) : 4;
	pthread_t t[256];

	calls = argc > 2 ? strtol(argv[2], NULL, 0) : 20000;
	outside = argc > 3 ? strtol(argv[3], NULL, 0) : 300;
	inside = argc > 4 ? strtol(argv[4], NULL, 0) : 100;
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
