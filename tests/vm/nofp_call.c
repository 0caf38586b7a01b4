// SPDX-License-Identifier: GPL-2.0
/*
 * VM test workload built as most C code is: -O2 without frame pointers, linked to the shared libc,
 * whose memset() keeps none either. Its line "nofp" spends its time in memset(): the
 * frame-pointer chain of those samples starts from whatever rbp holds and does not reach the
 * line; the call frame rows causalctl gives the module (CAUSAL_IOC_UNWIND_SET) do, so the
 * samples are the line's and an experiment on the line delays for them (tests/vm/profile.sh).
 *
 *   nofp_call [ROUNDS [BYTES]]    defaults: 1000000000 rounds of 256 KiB
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile uint64_t sink;

/* the progress point: one call per round; reading the buffer keeps the memset() */
__attribute__((noinline, used)) void round_done(const char *buf, uint64_t i)
{
	sink += buf[i];
}

int main(int argc, char **argv)
{
	uint64_t rounds = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000000ULL;
	uint64_t bytes = argc > 2 ? strtoull(argv[2], NULL, 0) : 256 << 10;
	char *buf;

	buf = bytes ? malloc(bytes) : NULL;
	if (!buf) {
		fprintf(stderr, "usage: nofp_call [ROUNDS [BYTES (> 0)]]\n");
		return 2;
	}
	for (uint64_t i = 0; i < rounds; i++) {
		memset(buf, (int)i, bytes); /* nofp */
		round_done(buf, i % bytes);
	}
	free(buf);
	return 0;
}
