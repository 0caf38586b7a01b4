// SPDX-License-Identifier: GPL-2.0
/*
 * VM test workload: thread A computes in section causal_a, then writes a byte to a pipe; thread B
 * blocks reading that pipe, computes a little in section causal_b and answers on a second pipe.
 * Every round A's write wakes B, so an experiment on A's range carries A's delay to B.
 *
 *   pipe_pingpong [ROUNDS [A_ITERS [B_ITERS]]]     defaults: 300 rounds, 100000, 10000
 */
#include "workload.h"

static uint64_t rounds, a_iters, b_iters;
static int ping[2], pong[2];

WORK_FUNCTION(a, 1)
WORK_FUNCTION(b, 2)

static void *thread_a(void *arg)
{
	char c = 'x';

	(void)arg;
	for (uint64_t r = 0; r < rounds; r++) {
		sink += work_a(a_iters);
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			exit(1);
	}
	close(ping[1]);
	return NULL;
}

static void *thread_b(void *arg)
{
	char c;

	(void)arg;
	while (read(ping[0], &c, 1) == 1) {
		sink += work_b(b_iters);
		if (write(pong[1], &c, 1) != 1)
			exit(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	rounds = workload_arg(argc, argv, 1, 300);
	a_iters = workload_arg(argc, argv, 2, 100000);
	b_iters = workload_arg(argc, argv, 3, 10000);
	if (pipe(ping) || pipe(pong))
		return 1;
	PRINT_RANGE("a", causal_a);
	PRINT_RANGE("b", causal_b);
	workload_ready();
	return workload_run_pair(thread_a, thread_b);
}
