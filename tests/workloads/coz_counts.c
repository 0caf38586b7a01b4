// SPDX-License-Identifier: MIT
/*
 * A program built against Coz's own coz.h (Debian's coz-profiler package), unchanged: under
 * `causalctl run`, libcausal stands in for libcoz and must count exactly what the program does.
 * Two threads each make ITEMS visits of the throughput point "items" and ITEMS/2 requests, each
 * bracketed by COZ_BEGIN/COZ_END("request"); one thread also passes COZ_PROGRESS (named by its
 * file and line). With DELAY_MS, the threads start that late: no point exists before then, so
 * causalctl must go on looking for one.
 *
 *   coz_counts [ITEMS [DELAY_MS]]     defaults: 10000, 0
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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
	unsigned long long delay_ms = argc > 2 ? strtoull(argv[2], NULL, 0) : 0;
	struct timespec delay = { (time_t)(delay_ms / 1000), (long)(delay_ms % 1000) * 1000000 };

	items = argc > 1 ? strtoull(argv[1], NULL, 0) : 10000;
	while (nanosleep(&delay, &delay) && errno == EINTR)
		;
	if (pthread_create(&a, NULL, worker, NULL) || pthread_create(&b, NULL, worker, &a))
		return 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("coz_counts: %llu items per thread\n", (unsigned long long)items);
	return 0;
}
