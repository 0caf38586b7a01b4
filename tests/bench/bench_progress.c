// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of a progress point (host benchmark, no module needed): ns per visit of a causal.h site
 * (CAUSAL_PROGRESS_NAMED) against a plain relaxed atomic add on a static counter, in tight loops,
 * median of ROUNDS timed rounds of ITERS visits each, and their ratio.
 *
 *   bench_progress [-n ITERS] [-r ROUNDS]        (defaults 50000000 and 7)
 *
 * Built with libcausal, the sites count into its shared region (the figure that matters while
 * profiling); built without it (and not preloaded), they are no-ops and the figure is what a
 * program pays for leaving its progress points in. From the top of the tree, after
 * `make -C userland`:
 *
 *   gcc -O2 -D_GNU_SOURCE -Iuserland/include -Iuapi -o bench_progress tests/bench/bench_progress.c -Luserland/build/lib -Wl,-rpath,$PWD/userland/build/lib -Wl,--no-as-needed -lcausal
 *   gcc -O2 -D_GNU_SOURCE -Iuserland/include -Iuapi -o bench_progress_noop tests/bench/bench_progress.c
 *
 * Prints one "BENCH progress_* ..." line per figure.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>

#include <causal.h>

#include "bench.h"

static size_t plain_counter;

/* noinline: each loop is timed as one call, and the compiler cannot merge the two */
__attribute__((noinline)) static uint64_t run_plain(uint64_t iters)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < iters; i++) {
		__atomic_fetch_add(&plain_counter, 1, __ATOMIC_RELAXED);
		__asm__ volatile("" ::: "memory");
	}
	return now_ns() - t0;
}

__attribute__((noinline)) static uint64_t run_causal(uint64_t iters)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < iters; i++) {
		CAUSAL_PROGRESS_NAMED("bench-progress");
		__asm__ volatile("" ::: "memory");
	}
	return now_ns() - t0;
}

int main(int argc, char **argv)
{
	uint64_t iters = 50000000, plain[64], causal[64], pm, cm;
	unsigned int rounds = 7;
	causal_counter_t *c;
	causal_get_counter_fn get;
	void *p;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		switch (opt) {
		case 'n': iters = parse_u64(optarg, "ITERS"); break;
		case 'r': rounds = (unsigned int)parse_u64(optarg, "ROUNDS"); break;
		default:
			fprintf(stderr, "usage: %s [-n ITERS] [-r ROUNDS]\n", argv[0]);
			return 2;
		}
	}
	if (!iters || !rounds || rounds > 64) {
		fprintf(stderr, "bench_progress: ITERS > 0 and 1 <= ROUNDS <= 64\n");
		return 2;
	}

	/* warm up: the site resolves its counter on its first visit */
	run_plain(iters / 10);
	run_causal(iters / 10);
	/* interleaved, so that frequency changes hit both alike */
	for (unsigned int r = 0; r < rounds; r++) {
		plain[r] = run_plain(iters);
		causal[r] = run_causal(iters);
	}
	qsort(plain, rounds, sizeof(*plain), cmp_u64);
	qsort(causal, rounds, sizeof(*causal), cmp_u64);
	pm = plain[rounds / 2];
	cm = causal[rounds / 2];

	/* with the library, the site's counter must have seen every visit: check, do not assume */
	c = NULL;
	if (dlsym && (p = dlsym(RTLD_DEFAULT, "causal_get_counter"))) {
		memcpy(&get, &p, sizeof(get));	/* by name: the no-op build does not link it */
		c = get(CAUSAL_COUNTER_THROUGHPUT, "bench-progress");
	}
	printf("BENCH progress_config iters=%" PRIu64 " rounds=%u libcausal=%s counted=%" PRIu64 "\n", iters,
	       rounds, c ? "loaded" : "absent", c ? (uint64_t)c->count : 0);
	if (c && c->count != iters / 10 + (uint64_t)rounds * iters) {
		printf("BENCH error progress counted %zu visits, expected %" PRIu64 "\n", c->count,
		       iters / 10 + (uint64_t)rounds * iters);
		return 1;
	}
	printf("BENCH progress_plain_atomic ns_per_hit=%.3f\n", (double)pm / (double)iters);
	printf("BENCH progress_causal_%s ns_per_hit=%.3f\n", c ? "counted" : "noop", (double)cm / (double)iters);
	printf("BENCH progress_ratio causal_over_plain=%.3f\n", (double)cm / (double)pm);
	return 0;
}
