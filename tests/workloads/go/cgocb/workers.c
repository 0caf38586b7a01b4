// SPDX-License-Identifier: MIT
/* The C side of cgocb: threads Go did not create, calling back into Go. */
#include <pthread.h>
#include <stdint.h>

#include "_cgo_export.h"

static long calls, cwork;
static volatile uint64_t c_sink;

/* a unit of progress: 100 callbacks done */
__attribute__((noinline)) void batch_done(void)
{
	__asm__ volatile("");
}

static void *worker(void *arg)
{
	for (long i = 0; i < calls; i++) {
		uint64_t x = (uint64_t)(uintptr_t)arg;

		for (long k = 0; k < cwork; k++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL; /* C work */
		c_sink += x;
		goCallback((int)i);
		if (i % 100 == 99)
			batch_done();
	}
	return 0;
}

int run_workers(int threads, long n, long work)
{
	pthread_t t[256];

	calls = n;
	cwork = work;
	if (threads > 256)
		threads = 256;
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], 0, worker, (void *)(uintptr_t)(i + 1)))
			return -1;
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], 0);
	return 0;
}
