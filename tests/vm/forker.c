// SPDX-License-Identifier: GPL-2.0
/*
 * VM test workload: the parent creates one thread and forks N children; the thread and every child
 * spin in section causal_a and exit. The parent waits for all of them. With default attach flags a
 * session follows N + 1 new tasks; with CAUSAL_ATTACH_NO_FOLLOW only the thread.
 *
 *   forker [N [ITERS]]     defaults: 4 children, 2000000 iterations each
 */
#include <pthread.h>

#include "workload.h"

static uint64_t iters;

WORK_FUNCTION(a, 1)

WORK_THREAD(a, iters)

int main(int argc, char **argv)
{
	uint64_t n, i;
	pthread_t t;
	int fails;
	pid_t pid;

	n = workload_arg(argc, argv, 1, 4);
	iters = workload_arg(argc, argv, 2, 2000000);
	PRINT_RANGE("a", causal_a);
	workload_ready();

	if (pthread_create(&t, NULL, thread_a, NULL))
		return 1;
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			sink += work_a(iters);
			_exit(0);
		}
	}
	fails = workload_reap(0);
	pthread_join(t, NULL);
	return fails ? 1 : 0;
}
