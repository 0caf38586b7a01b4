// SPDX-License-Identifier: GPL-2.0
/*
 * VM test workload: the parent creates one thread and forks N children; the thread and every child
 * spin in section causal_a and exit. The parent waits for all of them. With default attach flags a
 * session follows N + 1 new tasks; with CAUSAL_ATTACH_NO_FOLLOW only the thread.
 *
 *   forker [N [ITERS]]     defaults: 4 children, 2000000 iterations each
 */
#include <pthread.h>
#include <sys/wait.h>

#include "workload.h"

DECLARE_RANGE(causal_a);

static uint64_t iters;
static volatile uint64_t sink;

WORK_SECTION("causal_a") uint64_t work_a(uint64_t n)
{
	return spin(n, 1);
}

static void *thread_fn(void *arg)
{
	(void)arg;
	sink += work_a(iters);
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t n, i;
	pthread_t t;
	int status, fails = 0;
	pid_t pid;

	n = workload_arg(argc, argv, 1, 4);
	iters = workload_arg(argc, argv, 2, 2000000);
	PRINT_RANGE("a", causal_a);
	workload_ready();

	if (pthread_create(&t, NULL, thread_fn, NULL))
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
	while ((pid = wait(&status)) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fails++;
	pthread_join(t, NULL);
	return fails ? 1 : 0;
}
