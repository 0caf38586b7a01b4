// SPDX-License-Identifier: MIT
/*
 * A program built against Coz's own coz.h (Debian's coz-profiler package), unchanged: under
 * `causalctl run`, libcausal stands in for libcoz and must count exactly what the program does.
 * Two threads each make ITEMS visits of the throughput point "items" and ITEMS/2 requests, each
 * bracketed by COZ_BEGIN/COZ_END("request"); one thread also passes COZ_PROGRESS (named by its
 * file and line).
 *
 *   coz_counts [ITEMS]     default 10000
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <coz.h>

static uint64_t items;
static volatile uint64_t sink;

static void *worker(void *arg)
{
	for (uint64_t i = 0; i < items; i++) {
		if (i % 2 == 0)
			COZ_BEGIN("request");
		sink += i;
		COZ_PROGRESS_NAMED("items");
		if (i % 2 == 0)
			COZ_END("request");
		if (arg)
			COZ_PROGRESS;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t a, b;

	items = argc > 1 ? strtoull(argv[1], NULL, 0) : 10000;
	if (pthread_create(&a, NULL, worker, NULL) || pthread_create(&b, NULL, worker, &a))
		return 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("coz_counts: %llu items per thread\n", (unsigned long long)items);
	return 0;
}
