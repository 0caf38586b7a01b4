// SPDX-License-Identifier: GPL-2.0
/*
 * VM test workload: the pipe_pingpong handoff through raw futex syscalls on one atomic int, with
 * no pthread synchronisation. Thread A computes in section causal_a, sets turn = 1 and wakes B;
 * B waits for turn 1, computes a little in section causal_b, sets turn = 0 and wakes A.
 *
 *   futex_handoff [ROUNDS [A_ITERS [B_ITERS]]]     defaults: 300 rounds, 100000, 10000
 */
#include <linux/futex.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include "workload.h"

static uint64_t rounds, a_iters, b_iters;
static _Atomic int turn;	/* 0: A's turn, 1: B's turn, 2: done */

WORK_FUNCTION(a, 1)
WORK_FUNCTION(b, 2)

static void futex_wait(_Atomic int *f, int val)
{
	syscall(SYS_futex, f, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic int *f)
{
	syscall(SYS_futex, f, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *thread_a(void *arg)
{
	(void)arg;
	for (uint64_t r = 0; r < rounds; r++) {
		sink += work_a(a_iters);
		atomic_store(&turn, 1);
		futex_wake(&turn);
		while (atomic_load(&turn) == 1)
			futex_wait(&turn, 1);
	}
	atomic_store(&turn, 2);
	futex_wake(&turn);
	return NULL;
}

static void *thread_b(void *arg)
{
	int t;

	(void)arg;
	for (;;) {
		while ((t = atomic_load(&turn)) == 0)
			futex_wait(&turn, 0);
		if (t == 2)
			return NULL;
		sink += work_b(b_iters);
		atomic_store(&turn, 0);
		futex_wake(&turn);
	}
}

int main(int argc, char **argv)
{
	rounds = workload_arg(argc, argv, 1, 300);
	a_iters = workload_arg(argc, argv, 2, 100000);
	b_iters = workload_arg(argc, argv, 3, 10000);
	PRINT_RANGE("a", causal_a);
	PRINT_RANGE("b", causal_b);
	workload_ready();
	return workload_run_pair(thread_a, thread_b);
}
