// SPDX-License-Identifier: MIT
/*
 * Thread scale target of `make bench`: starts THREADS threads (64 KiB stacks) that are all alive
 * at once: each does a little work (a progress point "thread" per thread), then waits until all
 * have arrived, and the main thread lets them exit one at a time. Coz keeps thread state in a
 * fixed table of 4096 slots; causal keeps it in the kernel per task. (Releasing all of them at
 * once, through a barrier, makes 10 000 threads runnable together, and on 2 emulated CPUs the
 * guest's RCU kthread then starves for seconds, profiled or not.)
 *
 *   scale_threads [THREADS [ITERS]]     defaults: 1000 threads, 200000 iterations each
 */
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "workload.h"
#include "../vm/workload.h"	/* spin(), sink */

static uint32_t arrived, *may_leave;
static uint64_t iters;
static struct wl_line line_w;

/* each thread's little work (timed as line "W"): the VM workloads' spin(); not what is measured */
static uint64_t __attribute__((noinline)) work(uint64_t n)
{
	return spin(n, 1);
}

static void futex_wait(uint32_t *word, uint32_t val)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *thread(void *arg)
{
	uint32_t *leave = arg;

	WL_TIME(&line_w, iters, sink += work(iters));
	CAUSAL_PROGRESS_NAMED("thread");
	__atomic_add_fetch(&arrived, 1, __ATOMIC_RELEASE);
	futex_wake(&arrived);
	while (!__atomic_load_n(leave, __ATOMIC_ACQUIRE))
		futex_wait(leave, 0);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000, started = 0;
	pthread_attr_t attr;
	pthread_t *t;

	iters = argc > 2 ? strtoull(argv[2], NULL, 0) : 200000;
	t = calloc(n, sizeof(*t));
	may_leave = calloc(n, sizeof(*may_leave));
	if (!t || !may_leave || !n || n > UINT32_MAX)
		return 2;
	wl_start();
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (unsigned long i = 0; i < n; i++) {
		if (pthread_create(&t[i], &attr, thread, &may_leave[i])) {
			fprintf(stderr, "scale_threads: thread %lu of %lu: cannot create\n", i, n);
			return 1;
		}
		started++;
	}
	/* all alive at once: none leaves before the last has arrived */
	for (uint32_t a; (a = __atomic_load_n(&arrived, __ATOMIC_ACQUIRE)) < started;)
		futex_wait(&arrived, a);
	for (unsigned long i = 0; i < started; i++) {
		__atomic_store_n(&may_leave[i], 1, __ATOMIC_RELEASE);
		futex_wake(&may_leave[i]);
		pthread_join(t[i], NULL);
	}
	printf("scale_threads: %lu threads\n", started);
	wl_report("scale_threads", "W", &line_w);
	return 0;
}
