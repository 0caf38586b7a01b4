// SPDX-License-Identifier: MIT
/*
 * Thread scale target of `make bench`: starts THREADS threads (64 KiB stacks) that are all alive
 * at once: each does a little work (a progress point "thread" per thread), then all wait on one
 * barrier and exit. Coz keeps thread state in a fixed table of 4096 slots; causal keeps it in the
 * kernel per task.
 *
 *   scale_threads [THREADS [ITERS]]     defaults: 1000 threads, 200000 iterations each
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "workload.h"

static pthread_barrier_t all;
static uint64_t iters;
static volatile uint64_t sink;
static struct wl_line line_w;

static uint64_t __attribute__((noinline)) work(uint64_t n)
{
	uint64_t x = 1;

	WL_LCG(x, n, 6364136223846793005ULL, 1442695040888963407ULL); /* line W */
	return x;
}

static void *thread(void *arg)
{
	WL_TIME(&line_w, iters, sink += work(iters));
	CAUSAL_PROGRESS_NAMED("thread");
	pthread_barrier_wait(&all);
	return arg;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000, started = 0;
	pthread_attr_t attr;
	pthread_t *t;

	iters = argc > 2 ? strtoull(argv[2], NULL, 0) : 200000;
	t = calloc(n, sizeof(*t));
	if (!t || !n)
		return 2;
	wl_start();
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	pthread_barrier_init(&all, NULL, (unsigned int)n);
	for (unsigned long i = 0; i < n; i++) {
		if (pthread_create(&t[i], &attr, thread, NULL)) {
			fprintf(stderr, "scale_threads: thread %lu of %lu: cannot create\n", i, n);
			return 1;
		}
		started++;
	}
	for (unsigned long i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	printf("scale_threads: %lu threads\n", started);
	wl_report("scale_threads", "W", &line_w);
	return 0;
}
