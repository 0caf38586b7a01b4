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
 *   pipeline [ITEMS [S2_ITERS]]     defaults: 1000 items, S2 = 300000 iterations
 */
#include <pthread.h>
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

int main(int argc, char **argv)
{
	pthread_t t1, t2, t3;

	items = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000;
	s2_iters = argc > 2 ? strtoull(argv[2], NULL, 0) : 300000;
	s13_iters = s2_iters * 3 / 10;
#ifdef OPTIMIZED
	s2_iters = s2_iters * 3 / 4;
#endif
	wl_start();
	if (pthread_create(&t1, NULL, run_stage1, NULL) || pthread_create(&t2, NULL, run_stage2, NULL) ||
	    pthread_create(&t3, NULL, run_stage3, NULL))
		return 1;
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_join(t3, NULL);
	printf("pipeline: %llu items\n", (unsigned long long)items);
	wl_report("pipeline", "S2", &line_s2);
	return 0;
}
