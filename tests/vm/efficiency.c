// SPDX-License-Identifier: GPL-2.0
/*
 * A program whose parallel efficiency is known by construction, and measured as it runs, for the
 * timeline test (tests/report/timeline-check.py): two threads in three phases of PHASE_MS each,
 *   one:  the main thread spins, the other waits at a barrier     (1 of 2 CPUs busy)
 *   two:  both spin                                              (2 of 2)
 *   gaps: both spin 200 us, sleep 200 us, over and over          (about 1 of 2, in gaps far
 *         shorter than a 1 ms sampling period: a timeline made from samples cannot see them)
 * What really happened (the emulator and causalctl take CPUs too) is each thread's own CPU time
 * (CLOCK_THREAD_CPUTIME_ID) over each phase, printed at the end as
 *   phase NAME tid TID start START_NS end END_NS cpu CPU_NS
 * with CLOCK_MONOTONIC times: the truth the trace's spans and utilisation are checked against.
 * unit_done() is called after every 200 us of spinning: a progress point for causalctl, so that it
 * runs experiments and the trace has delays too.
 *
 *   efficiency [PHASE_MS]     (default 1000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"

#define NPHASES 3

static const char *const phase_names[NPHASES] = { "one", "two", "gaps" };
static pthread_barrier_t barrier;
static uint64_t phase_ns;

struct mark {
	uint64_t start, end, cpu0, cpu1;
};

struct thread {
	pthread_t th;
	int tid;
	struct mark m[NPHASES];
};

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * SEC + ts.tv_nsec;
}

/* a progress point for the run (--progress unit_done): experiments, and so delays, happen */
__attribute__((noinline)) void unit_done(void)
{
	__asm__ volatile("" ::: "memory");
}

/* in units of 200 us, each a visit of the progress point */
static void spin_until(uint64_t end)
{
	uint64_t now;

	while ((now = now_ns()) < end) {
		uint64_t unit = now + 200000 < end ? now + 200000 : end;

		while (now_ns() < unit)
			;
		unit_done();
	}
}

/* main (index 0) and the other thread run the same phases; the barrier starts and ends each */
static void phases(struct thread *t, int self)
{
	for (int i = 0; i < NPHASES; i++) {
		uint64_t end;

		pthread_barrier_wait(&barrier);
		t->m[i].start = now_ns();
		t->m[i].cpu0 = thread_cpu_ns();
		end = t->m[i].start + phase_ns;
		if (i == 0 && self == 0)
			spin_until(end);
		else if (i == 1)
			spin_until(end);
		else if (i == 2)
			while (now_ns() < end) {
				spin_until(now_ns() + 200000);	/* one unit */
				sleep_ns(200000);
			}
		/* phase one, the other thread: blocked here until main is done */
		pthread_barrier_wait(&barrier);
		t->m[i].end = now_ns();
		t->m[i].cpu1 = thread_cpu_ns();
	}
}

static struct thread threads[2];

static void *other(void *arg)
{
	(void)arg;
	threads[1].tid = (int)syscall(SYS_gettid);
	phases(&threads[1], 1);
	return NULL;
}

int main(int argc, char **argv)
{
	phase_ns = (argc > 1 ? strtoull(argv[1], NULL, 10) : 1000) * MS;
	if (!phase_ns) {
		fprintf(stderr, "usage: efficiency [PHASE_MS]\n");
		return 2;
	}
	pthread_barrier_init(&barrier, NULL, 2);
	threads[0].tid = (int)syscall(SYS_gettid);
	if (pthread_create(&threads[1].th, NULL, other, NULL)) {
		perror("pthread_create");
		return 1;
	}
	phases(&threads[0], 0);
	pthread_join(threads[1].th, NULL);
	for (int i = 0; i < NPHASES; i++)
		for (int k = 0; k < 2; k++)
			printf("phase %s tid %d start %llu end %llu cpu %llu\n", phase_names[i],
			       threads[k].tid, (unsigned long long)threads[k].m[i].start,
			       (unsigned long long)threads[k].m[i].end,
			       (unsigned long long)(threads[k].m[i].cpu1 - threads[k].m[i].cpu0));
	return 0;
}
