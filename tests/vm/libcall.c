// SPDX-License-Identifier: GPL-2.0
/*
 * VM test workload whose line spends its time in a library: line "libcall" calls lib_work()
 * (libcall_lib.h), whose lines are out of the source scope the test profiles with
 * (-s '%libcall.c'), so causalctl attributes those samples to the calling line through the
 * callchain (tests/vm/profile.sh). An experiment on the line must delay for that time too
 * (CAUSAL_EXPERIMENT_SCOPE), as Coz does: the program does nothing else, so speeding the line up
 * by s speeds it up by about s. Matching only the line's own instructions (the call), the
 * line's predicted effect was about 0.
 *
 *   libcall [ROUNDS [ITERATIONS]]    defaults: 1000000000 rounds of 200000 LCG steps
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "libcall_lib.h"

static volatile uint64_t sink;

/* the progress point: one call per round */
__attribute__((noinline, used)) void round_done(uint64_t x)
{
	sink += x;
}

int main(int argc, char **argv)
{
	uint64_t rounds = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000000ULL;
	uint64_t iters = argc > 2 ? strtoull(argv[2], NULL, 0) : 200000;
	uint64_t x = 1;

	if (!iters) {
		fprintf(stderr, "usage: libcall [ROUNDS [ITERATIONS (> 0)]]\n");
		return 2;
	}
	for (uint64_t i = 0; i < rounds; i++) {
		x = lib_work(iters, x); /* libcall */
		round_done(x);
	}
	return 0;
}
