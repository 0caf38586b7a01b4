// SPDX-License-Identifier: GPL-2.0
/*
 * VM test workload: ROUNDS rounds of creating T threads that spin briefly in section causal_a
 * and exit, joined each round; every few rounds a child process does the same with its own
 * thread. Threads appear and vanish all the time, so a session attaching mid-run races with clone
 * and exit.
 *
 *   thread_churn [ROUNDS [T [ITERS]]]     defaults: 200 rounds, 4 threads, 200000 iterations
 */
#include <pthread.h>
#include <sys/wait.h>

#include "workload.h"

static uint64_t iters;

WORK_FUNCTION(a, 1)

WORK_THREAD(a, iters)

int main(int argc, char **argv)
{
	uint64_t rounds, nt, r, i;
	pthread_t t[64];
	int fails = 0;
	pid_t pid;

	rounds = workload_arg(argc, argv, 1, 200);
	nt = workload_arg(argc, argv, 2, 4);
	iters = workload_arg(argc, argv, 3, 200000);
	if (nt > 64)
		nt = 64;
	PRINT_RANGE("a", causal_a);
	workload_ready();

	for (r = 0; r < rounds; r++) {
		pid = r % 8 == 0 ? fork() : 1;
		if (pid < 0)
			return 1;
		if (pid == 0) {
			/* a child process with a thread of its own */
			if (pthread_create(&t[0], NULL, thread_a, NULL))
				_exit(1);
			pthread_join(t[0], NULL);
			_exit(0);
		}
		for (i = 0; i < nt; i++)
			if (pthread_create(&t[i], NULL, thread_a, NULL))
				return 1;
		for (i = 0; i < nt; i++)
			pthread_join(t[i], NULL);
		fails += workload_reap(WNOHANG);
	}
	fails += workload_reap(0);
	return fails ? 1 : 0;
}
