// SPDX-License-Identifier: GPL-2.0
/*
 * VM test workload: a mutex handed from a thread that owes delay to one that owes none. Thread B
 * takes mutex m, works in section causal_b for ITERS, unlocks, and works outside the lock for an
 * eighth of that; thread A ("a") works in section causal_a for ITERS, then takes m for a moment.
 * A reaches the mutex shortly before B unlocks it (B's next hold began an eighth of ITERS after
 * A's last one), blocks, and B's unlock wakes it. With an experiment on A's
 * range, A owes nothing of its own (it is the only one credited), and B owes what A inserted
 * while B held the mutex: what B has not paid when it unlocks, A owes after the wake-up (Coz's B
 * would have paid before the unlock, and A would have got the mutex that much later).
 *
 *   mutex_handoff [ROUNDS [ITERS]]     defaults: 400 rounds, 2000000 iterations
 */
#include <pthread.h>
#include <sys/prctl.h>

#include "workload.h"

WORK_FUNCTION(a, 1)
WORK_FUNCTION(b, 2)

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static uint64_t rounds, iters;

static void *thread_a(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "a");
	for (uint64_t i = 0; i < rounds; i++) {
		sink += work_a(iters);
		pthread_mutex_lock(&m);
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

static void *thread_b(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "b");
	for (uint64_t i = 0; i < rounds; i++) {
		pthread_mutex_lock(&m);
		sink += work_b(iters);
		pthread_mutex_unlock(&m);
		sink += work_b(iters / 8);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t a, b;

	rounds = workload_arg(argc, argv, 1, 400);
	iters = workload_arg(argc, argv, 2, 2000000);
	PRINT_RANGE("a", causal_a);
	PRINT_RANGE("b", causal_b);
	workload_ready();

	if (pthread_create(&b, NULL, thread_b, NULL) || pthread_create(&a, NULL, thread_a, NULL))
		return 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
