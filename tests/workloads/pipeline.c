// SPDX-License-Identifier: MIT
/*
 * Known-answer workload 3: an unbalanced three-stage pipeline, one thread per stage, bounded
 * queues (mutex + condition variables) between them. Per item, stage 1 (line S1) costs 0.3 units,
 * stage 2 (line S2) 1 unit, stage 3 (line S3) 0.3 units and counts the item as progress. Stage 2
 * limits throughput (also on 2 CPUs: S2 alone needs more than S1 + S3 together), so speeding S2
 * up by s speeds the program up by s as long as S2 stays the slowest stage (s < 70 %), and S1 and
 * S3 gain nothing.
 * Built with -DOPTIMIZED, line S2 does 3/4 of its work (25 % faster).
 *
 *   pipeline [ITEMS [S2_ITERS [PIN]]]
 *       defaults: 1000 items, S2 = 300000 iterations, PIN 0. PIN 1 puts stage 2 on one CPU and
 *       stages 1 and 3 on another (on 2 CPUs or more): left to the scheduler, three threads on
 *       two CPUs sometimes share S2's CPU with another stage, and the run is as slow as that
 *       placement, not as S2.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "workload.h"

#define QCAP 8

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty, nonfull;
	uint64_t items[QCAP];
	unsigned int head, n;
};

static struct queue q12 = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
			    { 0 }, 0, 0 };
static struct queue q23 = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
			    { 0 }, 0, 0 };
static uint64_t items, s2_iters, s13_iters;
static volatile uint64_t sink;
static struct wl_line line_s2;

static void put(struct queue *q, uint64_t v)
{
	pthread_mutex_lock(&q->lock);
	while (q->n == QCAP)
		pthread_cond_wait(&q->nonfull, &q->lock);
	q->items[(q->head + q->n++) % QCAP] = v;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

static uint64_t get(struct queue *q)
{
	uint64_t v;

	pthread_mutex_lock(&q->lock);
	while (q->n == 0)
		pthread_cond_wait(&q->nonempty, &q->lock);
	v = q->items[q->head];
	q->head = (q->head + 1) % QCAP;
	q->n--;
	pthread_cond_signal(&q->nonfull);
	pthread_mutex_unlock(&q->lock);
	return v;
}

static uint64_t __attribute__((noinline)) stage1(uint64_t x, uint64_t n)
{
	WL_LCG(x, n, 6364136223846793005ULL, 1442695040888963407ULL); /* line S1 */
	return x;
}

static uint64_t __attribute__((noinline)) stage2(uint64_t x, uint64_t n)
{
	WL_LCG(x, n, 2862933555777941757ULL, 3037000493ULL); /* line S2 */
	return x;
}

static uint64_t __attribute__((noinline)) stage3(uint64_t x, uint64_t n)
{
	WL_LCG(x, n, 3935559000370003845ULL, 2691343689449507681ULL); /* line S3 */
	return x;
}

static void *run_stage1(void *arg)
{
	for (uint64_t i = 0; i < items; i++)
		put(&q12, stage1(i, s13_iters));
	return arg;
}

static void *run_stage2(void *arg)
{
	uint64_t v;

	for (uint64_t i = 0; i < items; i++) {
		v = get(&q12);
		WL_TIME(&line_s2, s2_iters, v = stage2(v, s2_iters));
		put(&q23, v);
	}
	return arg;
}

static void *run_stage3(void *arg)
{
	for (uint64_t i = 0; i < items; i++) {
		sink += stage3(get(&q23), s13_iters);
		CAUSAL_PROGRESS_NAMED("item");
	}
	return arg;
}

/*
 * Creates a thread running fn; with PIN (allowed, the program's CPUs), on the n-th of them, so
 * that a taskset around the program still holds.
 */
static int start(pthread_t *t, void *(*fn)(void *), const cpu_set_t *allowed, int n)
{
	pthread_attr_t attr;
	cpu_set_t one;
	int ret;

	if (!allowed)
		return pthread_create(t, NULL, fn, NULL);
	CPU_ZERO(&one);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, allowed) && n-- == 0) {
			CPU_SET(cpu, &one);
			break;
		}
	}
	pthread_attr_init(&attr);
	ret = pthread_attr_setaffinity_np(&attr, sizeof(one), &one) ?:
	      pthread_create(t, &attr, fn, NULL);
	pthread_attr_destroy(&attr);
	return ret;
}

int main(int argc, char **argv)
{
	pthread_t t1, t2, t3;
	cpu_set_t cpus, *allowed = NULL;

	items = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000;
	s2_iters = argc > 2 ? strtoull(argv[2], NULL, 0) : 300000;
	if (argc > 3 && strtoul(argv[3], NULL, 0)) {
		if (sched_getaffinity(0, sizeof(cpus), &cpus) || CPU_COUNT(&cpus) < 2) {
			fprintf(stderr, "pipeline: PIN needs 2 CPUs\n");
			return 2;
		}
		allowed = &cpus;
	}
	s13_iters = s2_iters * 3 / 10;
#ifdef OPTIMIZED
	s2_iters = s2_iters * 3 / 4;
#endif
	wl_start();
	/* with PIN, stage 2 alone on the second CPU, stages 1 and 3 on the first */
	if (start(&t1, run_stage1, allowed, 0) || start(&t2, run_stage2, allowed, 1) ||
	    start(&t3, run_stage3, allowed, 0))
		return 1;
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_join(t3, NULL);
	printf("pipeline: %llu items\n", (unsigned long long)items);
	wl_report("pipeline", "S2", &line_s2);
	return 0;
}
