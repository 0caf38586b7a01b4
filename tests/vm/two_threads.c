// SPDX-License-Identifier: GPL-2.0
/*
 * VM test workload: thread A spins in section causal_a, NB threads B spin in section causal_b,
 * each for ITERS iterations of pure CPU work, with no synchronisation between them. An experiment
 * on A's range makes the B threads (and nobody else that runs) pay about the delay inserted.
 *
 *   two_threads [ITERS [NB]]     defaults: 20000000 iterations, 1 B thread
 */
#include <sys/prctl.h>

#include <pthread.h>

#include "workload.h"

static uint64_t iters;

WORK_FUNCTION(a, 1)
WORK_FUNCTION(b, 2)

static void *thread_a(void *arg)
{
	(void)arg;
	/* core_test finds A by its name (its CPU time checks CAUSAL_EXPERIMENT_ELAPSED) */
	prctl(PR_SET_NAME, "a");
	sink += work_a(iters);
	return NULL;
}

WORK_THREAD(b, iters)

int main(int argc, char **argv)
{
	pthread_t a, b[64];
	uint64_t nb, i;

	iters = workload_arg(argc, argv, 1, 20000000);
	nb = workload_arg(argc, argv, 2, 1);
	if (nb > 64)
		nb = 64;
	PRINT_RANGE("a", causal_a);
	PRINT_RANGE("b", causal_b);
	workload_ready();

	if (pthread_create(&a, NULL, thread_a, NULL))
		return 1;
	for (i = 0; i < nb; i++)
		if (pthread_create(&b[i], NULL, thread_b, NULL))
			return 1;
	pthread_join(a, NULL);
	for (i = 0; i < nb; i++)
		pthread_join(b[i], NULL);
	return 0;
}
