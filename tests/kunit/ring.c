// SPDX-License-Identifier: GPL-2.0
/* KUnit: the sample ring's capacity, producer, reader protocol and defences against the reader. */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "ring.h"

#include "suite.h"

static int ring_test_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct causal_ring), GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static void ring_test_exit(struct kunit *test)
{
	struct causal_ring *ring = test->priv;

	if (ring->mem)
		causal_ring_free(ring);
}

static struct causal_ring *ring_new(struct kunit *test, u32 pages)
{
	struct causal_ring *ring = test->priv;

	KUNIT_ASSERT_EQ(test, causal_ring_init(ring, pages), 0);
	return ring;
}

static u32 nr_of(struct causal_ring *ring)
{
	return ring->mask + 1;
}

static u64 ip_of(u64 idx)
{
	return 0x400000 + idx * 3;
}

/* one sample the way the sampler writes it; false if dropped */
static bool produce(struct kunit *test, struct causal_ring *ring)
{
	struct causal_sample *rec;
	u64 idx;

	rec = causal_ring_reserve(ring, &idx);
	if (!rec)
		return false;
	KUNIT_EXPECT_PTR_EQ(test, rec, &ring->records[idx & ring->mask]);
	rec->time_ns = ~idx;
	rec->tid = (u32)idx;
	rec->ip = ip_of(idx);
	causal_ring_commit(ring, rec, idx);
	return true;
}

/* the reader protocol of ring.h; checks every record against what produce() wrote */
static unsigned int consume(struct kunit *test, struct causal_ring *ring, unsigned int max)
{
	u64 tail = ring->ctl->tail;
	struct causal_sample *rec;
	unsigned int n;

	for (n = 0; n < max; n++, tail++) {
		rec = &ring->records[tail & (ring->ctl->nr_records - 1)];
		/* pairs with the release in causal_ring_commit() */
		if (smp_load_acquire(&rec->seq) != tail + 1)
			break;
		KUNIT_EXPECT_EQ(test, rec->ip, ip_of(tail));
		KUNIT_EXPECT_EQ(test, rec->tid, (u32)tail);
		KUNIT_EXPECT_EQ(test, rec->time_ns, ~tail);
	}
	/* pairs with the acquire in causal_ring_reserve(): we are done with these slots */
	smp_store_release(&ring->ctl->tail, tail);
	return n;
}

static void init_rejects_bad_sizes(struct kunit *test)
{
	static const u32 bad[] = { 0, 3, 6, 12, CAUSAL_RING_PAGES_MAX + 1,
				   CAUSAL_RING_PAGES_MAX * 2, U32_MAX, 1U << 31 };
	struct causal_ring *ring = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, causal_ring_init(ring, bad[i]), -EINVAL, "%u pages",
				    bad[i]);
		KUNIT_EXPECT_NULL(test, ring->mem);
	}
	KUNIT_ASSERT_EQ(test, causal_ring_init(ring, CAUSAL_RING_PAGES_MAX), 0);
	causal_ring_free(ring);
	KUNIT_EXPECT_NULL(test, ring->mem);
}

static void capacity_is_a_power_of_two(struct kunit *test)
{
	static const u32 pages[] = { 1, 2, 4, 64 };
	struct causal_ring *ring = test->priv;
	size_t bytes, expect;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		KUNIT_ASSERT_EQ(test, causal_ring_init(ring, pages[i]), 0);
		bytes = (size_t)pages[i] * PAGE_SIZE;
		for (expect = 1; expect * 2 * sizeof(struct causal_sample) <= bytes; expect *= 2)
			;
		KUNIT_EXPECT_EQ(test, (size_t)nr_of(ring), expect);
		KUNIT_EXPECT_EQ(test, (size_t)ring->ctl->nr_records, expect);
		KUNIT_EXPECT_EQ(test, (size_t)causal_ring_capacity(pages[i]), expect);
		KUNIT_EXPECT_EQ(test, ring->ctl->record_size, (u32)sizeof(struct causal_sample));
		KUNIT_EXPECT_EQ(test, ring->size, bytes + PAGE_SIZE);
		KUNIT_EXPECT_PTR_EQ(test, (void *)ring->ctl, ring->mem);
		KUNIT_EXPECT_PTR_EQ(test, (void *)ring->records, ring->mem + PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, ring->ctl->head, 0ULL);
		KUNIT_EXPECT_EQ(test, ring->ctl->tail, 0ULL);
		KUNIT_EXPECT_NULL(test, memchr_inv(ring->records, 0, bytes));
		KUNIT_EXPECT_EQ(test, causal_ring_dropped(ring), 0ULL);
		KUNIT_EXPECT_FALSE(test, causal_ring_readable(ring, 1));
		causal_ring_free(ring);
	}
}

static void reserve_commit_consume_in_order(struct kunit *test)
{
	struct causal_ring *ring = ring_new(test, 1);
	struct causal_sample *rec[3];
	u64 idx[3];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		rec[i] = causal_ring_reserve(ring, &idx[i]);
		KUNIT_ASSERT_NOT_NULL(test, rec[i]);
		KUNIT_EXPECT_EQ(test, idx[i], (u64)i);
		rec[i]->time_ns = ~idx[i];
		rec[i]->tid = i;
		rec[i]->ip = ip_of(i);
	}
	/* committed out of order: the reader waits for record 0 */
	causal_ring_commit(ring, rec[2], idx[2]);
	KUNIT_EXPECT_EQ(test, ring->ctl->head, 3ULL);
	KUNIT_EXPECT_EQ(test, consume(test, ring, 10), 0U);
	causal_ring_commit(ring, rec[0], idx[0]);
	KUNIT_EXPECT_EQ(test, ring->ctl->head, 3ULL);
	KUNIT_EXPECT_EQ(test, consume(test, ring, 10), 1U);
	causal_ring_commit(ring, rec[1], idx[1]);
	KUNIT_EXPECT_EQ(test, consume(test, ring, 10), 2U);
	KUNIT_EXPECT_EQ(test, ring->ctl->tail, 3ULL);
	KUNIT_EXPECT_EQ(test, consume(test, ring, 10), 0U);

	KUNIT_EXPECT_TRUE(test, produce(test, ring));
	KUNIT_EXPECT_EQ(test, ring->ctl->head, 4ULL);
	KUNIT_EXPECT_EQ(test, consume(test, ring, 10), 1U);
	KUNIT_EXPECT_EQ(test, causal_ring_dropped(ring), 0ULL);
}

static void wraps_over_many_laps(struct kunit *test)
{
	struct causal_ring *ring = ring_new(test, 1);
	u32 nr = nr_of(ring);
	u64 produced = 0, consumed = 0;
	unsigned int chunk = 1, i;

	/* uneven chunks, so reader and writer meet at every offset in the ring */
	while (produced < 6ULL * nr) {
		for (i = 0; i < chunk; i++, produced++)
			KUNIT_ASSERT_TRUE(test, produce(test, ring));
		consumed += consume(test, ring, U32_MAX);
		KUNIT_ASSERT_EQ(test, consumed, produced);
		chunk = chunk % nr + 1;
	}
	KUNIT_EXPECT_EQ(test, ring->ctl->head, produced);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&ring->reserve), produced);
	KUNIT_EXPECT_EQ(test, causal_ring_dropped(ring), 0ULL);
	/* every slot holds the newest record that maps to it */
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_EQ(test, ring->records[i].seq & ring->mask, (u64)(i + 1) & ring->mask);
}

static void full_ring_drops_the_excess(struct kunit *test)
{
	struct causal_ring *ring = ring_new(test, 2);
	u32 nr = nr_of(ring), i, ok = 0;

	for (i = 0; i < nr + 7; i++)
		ok += produce(test, ring);
	KUNIT_EXPECT_EQ(test, ok, nr);
	KUNIT_EXPECT_EQ(test, causal_ring_dropped(ring), 7ULL);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&ring->reserve), (u64)nr);
	KUNIT_EXPECT_EQ(test, ring->ctl->head, (u64)nr);
	/* nothing was overwritten: the reader gets all of the first lap */
	KUNIT_EXPECT_EQ(test, consume(test, ring, U32_MAX), nr);
	KUNIT_EXPECT_FALSE(test, causal_ring_readable(ring, 1));
}

static void consumer_frees_slots(struct kunit *test)
{
	struct causal_ring *ring = ring_new(test, 1);
	u32 nr = nr_of(ring), i;

	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_TRUE(test, produce(test, ring));
	KUNIT_EXPECT_FALSE(test, produce(test, ring));
	KUNIT_EXPECT_EQ(test, consume(test, ring, 5), 5U);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_TRUE(test, produce(test, ring));
	KUNIT_EXPECT_FALSE(test, produce(test, ring));
	KUNIT_EXPECT_EQ(test, causal_ring_dropped(ring), 2ULL);
	KUNIT_EXPECT_EQ(test, consume(test, ring, U32_MAX), nr);
	KUNIT_EXPECT_TRUE(test, produce(test, ring));
}

/* reserve with a tail the reader made up: returns whether a slot was handed out */
static bool reserve_with_tail(struct kunit *test, struct causal_ring *ring, u64 tail)
{
	struct causal_sample *rec;
	u64 idx;

	WRITE_ONCE(ring->ctl->tail, tail);
	rec = causal_ring_reserve(ring, &idx);
	if (!rec)
		return false;
	KUNIT_EXPECT_TRUE(test, rec >= ring->records && rec < ring->records + nr_of(ring));
	causal_ring_commit(ring, rec, idx);
	return true;
}

static void garbage_tail_means_drops(struct kunit *test)
{
	struct causal_ring *ring = ring_new(test, 1);
	u32 nr = nr_of(ring), i;
	size_t used = (size_t)nr * sizeof(struct causal_sample);
	size_t slack = PAGE_SIZE - used;
	u8 *after = (u8 *)ring->records + used;
	u64 r, dropped;

	/* 4 KiB pages hold 39 records, so the ring of 32 leaves bytes nobody may touch */
	memset(after, 0x5a, slack);
	for (i = 0; i < 3 * nr + nr / 2; i++) {
		KUNIT_ASSERT_TRUE(test, produce(test, ring));
		if (i % nr == nr - 1)
			consume(test, ring, U32_MAX);
	}
	r = atomic64_read(&ring->reserve);
	dropped = causal_ring_dropped(ring);

	KUNIT_EXPECT_FALSE(test, reserve_with_tail(test, ring, r + 5));	/* ahead */
	KUNIT_EXPECT_FALSE(test, causal_ring_readable(ring, 1));
	KUNIT_EXPECT_FALSE(test, reserve_with_tail(test, ring, r + 1));
	KUNIT_EXPECT_FALSE(test, reserve_with_tail(test, ring, U64_MAX));
	KUNIT_EXPECT_FALSE(test, reserve_with_tail(test, ring, 1ULL << 63));
	KUNIT_EXPECT_FALSE(test, reserve_with_tail(test, ring, 0));	/* laps behind */
	KUNIT_EXPECT_FALSE(test, reserve_with_tail(test, ring, r - nr));	/* exactly full */
	KUNIT_EXPECT_EQ(test, causal_ring_dropped(ring), dropped + 6);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&ring->reserve), r);

	/* a tail that claims everything was read: the ring wraps, within its bounds */
	for (i = 0; i < 2 * nr; i++) {
		r = atomic64_read(&ring->reserve);
		KUNIT_EXPECT_TRUE(test, reserve_with_tail(test, ring, r));
	}
	KUNIT_EXPECT_NULL(test, memchr_inv(after, 0x5a, slack));
	KUNIT_EXPECT_NULL(test, memchr_inv((u8 *)ring->ctl + sizeof(*ring->ctl), 0,
					   PAGE_SIZE - sizeof(*ring->ctl)));
	/* poll must not fault on garbage either */
	WRITE_ONCE(ring->ctl->tail, U64_MAX);
	causal_ring_readable(ring, 1);
	causal_ring_readable(ring, U32_MAX);
	causal_ring_unread(ring);
}

static void readable_means_next_record_complete(struct kunit *test)
{
	struct causal_ring *ring = ring_new(test, 1);
	struct causal_sample *a, *b;
	u64 ia, ib;

	KUNIT_EXPECT_FALSE(test, causal_ring_readable(ring, 1));
	a = causal_ring_reserve(ring, &ia);
	b = causal_ring_reserve(ring, &ib);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_FALSE(test, causal_ring_readable(ring, 1));
	a->ip = ip_of(ia);
	a->tid = (u32)ia;
	a->time_ns = ~ia;
	b->ip = ip_of(ib);
	b->tid = (u32)ib;
	b->time_ns = ~ib;
	/* the second record alone is not enough: the reader is waiting for the first */
	causal_ring_commit(ring, b, ib);
	KUNIT_EXPECT_FALSE(test, causal_ring_readable(ring, 1));
	causal_ring_commit(ring, a, ia);
	KUNIT_EXPECT_TRUE(test, causal_ring_readable(ring, 1));
	KUNIT_EXPECT_EQ(test, consume(test, ring, 1), 1U);
	KUNIT_EXPECT_TRUE(test, causal_ring_readable(ring, 1));
	KUNIT_EXPECT_EQ(test, consume(test, ring, 1), 1U);
	KUNIT_EXPECT_FALSE(test, causal_ring_readable(ring, 1));
	KUNIT_EXPECT_TRUE(test, produce(test, ring));
	KUNIT_EXPECT_TRUE(test, causal_ring_readable(ring, 1));
}

/* With a wake-up batch, poll() reports the ring only once that many records are unread. */
static void readable_waits_for_the_wakeup_batch(struct kunit *test)
{
	struct causal_ring *ring = ring_new(test, 1);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, causal_ring_unread(ring), 0ULL);
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_TRUE(test, produce(test, ring));
	KUNIT_EXPECT_EQ(test, causal_ring_unread(ring), 3ULL);
	KUNIT_EXPECT_TRUE(test, causal_ring_readable(ring, 0));
	KUNIT_EXPECT_TRUE(test, causal_ring_readable(ring, 3));
	KUNIT_EXPECT_FALSE(test, causal_ring_readable(ring, 4));
	KUNIT_ASSERT_TRUE(test, produce(test, ring));
	KUNIT_EXPECT_TRUE(test, causal_ring_readable(ring, 4));
	/* what the reader consumed no longer counts */
	KUNIT_EXPECT_EQ(test, consume(test, ring, 2), 2U);
	KUNIT_EXPECT_EQ(test, causal_ring_unread(ring), 2ULL);
	KUNIT_EXPECT_FALSE(test, causal_ring_readable(ring, 3));
	KUNIT_EXPECT_TRUE(test, causal_ring_readable(ring, 2));
	/* a full ring is readable at its whole capacity */
	while (produce(test, ring))
		;
	KUNIT_EXPECT_EQ(test, causal_ring_unread(ring), (u64)nr_of(ring));
	KUNIT_EXPECT_TRUE(test, causal_ring_readable(ring, nr_of(ring)));
	KUNIT_EXPECT_FALSE(test, causal_ring_readable(ring, nr_of(ring) + 1));
}

static void mmap_rejects_mappings_past_the_ring(struct kunit *test)
{
	struct causal_ring *ring = ring_new(test, 4);
	struct vm_area_struct *vma = kunit_kzalloc(test, sizeof(*vma), GFP_KERNEL);
	unsigned long pages = ring->size >> PAGE_SHIFT;

	KUNIT_ASSERT_NOT_NULL(test, vma);
	KUNIT_EXPECT_EQ(test, pages, 5UL);
	/* these fail before anything is mapped, so no mm is needed */
	vma->vm_start = 0x10000000;
	vma->vm_end = vma->vm_start + (pages + 1) * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, causal_ring_mmap(ring, vma, 0), -EINVAL);
	vma->vm_end = vma->vm_start + pages * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, causal_ring_mmap(ring, vma, 1), -EINVAL);
	vma->vm_end = vma->vm_start + PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, causal_ring_mmap(ring, vma, pages), -EINVAL);
	KUNIT_EXPECT_EQ(test, causal_ring_mmap(ring, vma, ULONG_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, causal_ring_mmap(ring, vma, ULONG_MAX >> PAGE_SHIFT), -EINVAL);
}

#define PRODUCERS	2
#define PRODUCER_ROUNDS	20

struct producer {
	struct causal_ring *ring;
	atomic_t *ready;	/* producers at the start line, per round */
	atomic_t *round_done;
	struct completion done;
	unsigned int ok[PRODUCER_ROUNDS];
};

static int producer_fn(void *arg)
{
	struct producer *p = arg;
	unsigned int round, i, nr = p->ring->mask + 1;
	struct causal_sample *rec;
	u64 idx;

	for (round = 0; round < PRODUCER_ROUNDS; round++) {
		/* both start a round together, once the test has emptied the ring */
		atomic_inc(p->ready);
		while (atomic_read(p->ready) < PRODUCERS * (round + 1))
			cond_resched();
		for (i = 0; i < nr; i++) {
			rec = causal_ring_reserve(p->ring, &idx);
			if (!rec)
				continue;
			rec->ip = ip_of(idx);
			rec->tid = (u32)idx;
			rec->time_ns = ~idx;
			causal_ring_commit(p->ring, rec, idx);
			p->ok[round]++;
		}
		atomic_inc(p->round_done);
		while (atomic_read(p->round_done) < PRODUCERS * (round + 1) + round + 1)
			cond_resched();
	}
	/* module text may go away once done is completed: exit without returning into it */
	kthread_complete_and_exit(&p->done, 0);
}

/* Two CPUs fill the ring at once, many times: each slot is handed out once a lap, the rest drop. */
static void concurrent_producers_share_slots(struct kunit *test)
{
	struct causal_ring *ring = ring_new(test, 16);
	struct producer *p = kunit_kcalloc(test, PRODUCERS, sizeof(*p), GFP_KERNEL);
	unsigned int nr = nr_of(ring), i, round, started = 0, both = 0;
	unsigned int cpu = cpumask_first(cpu_online_mask);
	atomic_t ready = ATOMIC_INIT(0), round_done = ATOMIC_INIT(0);
	struct task_struct *t;
	u64 base;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < PRODUCERS; i++) {
		p[i].ring = ring;
		p[i].ready = &ready;
		p[i].round_done = &round_done;
		init_completion(&p[i].done);
	}
	for (i = 0; i < PRODUCERS; i++, started++) {
		t = kthread_create(producer_fn, &p[i], "causal_ring/%u", i);
		if (IS_ERR(t))
			break;
		if (cpu < nr_cpu_ids) {
			kthread_bind(t, cpu);
			cpu = cpumask_next(cpu, cpu_online_mask);
		}
		wake_up_process(t);
	}
	if (started < PRODUCERS) {
		/* let the started ones run through every round */
		atomic_add(PRODUCERS * PRODUCER_ROUNDS, &ready);
		atomic_add((PRODUCERS + 1) * PRODUCER_ROUNDS, &round_done);
	}
	for (round = 0; round < PRODUCER_ROUNDS && started == PRODUCERS; round++) {
		while (atomic_read(&round_done) < PRODUCERS * (round + 1) + round)
			cond_resched();
		base = (u64)round * nr;
		KUNIT_EXPECT_EQ(test, p[0].ok[round] + p[1].ok[round], nr);
		KUNIT_EXPECT_EQ(test, causal_ring_dropped(ring), base + nr);
		KUNIT_EXPECT_EQ(test, ring->ctl->head, base + nr);
		for (i = 0; i < nr; i++)
			KUNIT_EXPECT_EQ(test, ring->records[i].seq, base + i + 1);
		KUNIT_EXPECT_EQ(test, consume(test, ring, U32_MAX), nr);
		both += p[0].ok[round] && p[1].ok[round];
		atomic_inc(&round_done);	/* next round */
	}
	for (i = 0; i < started; i++)
		wait_for_completion(&p[i].done);
	KUNIT_ASSERT_EQ(test, started, PRODUCERS);
	kunit_info(test, "%u rounds of %u records, %u with both CPUs producing", PRODUCER_ROUNDS,
		   nr, both);
}

static struct kunit_case causal_ring_cases[] = {
	KUNIT_CASE(init_rejects_bad_sizes),
	KUNIT_CASE(capacity_is_a_power_of_two),
	KUNIT_CASE(reserve_commit_consume_in_order),
	KUNIT_CASE(wraps_over_many_laps),
	KUNIT_CASE(full_ring_drops_the_excess),
	KUNIT_CASE(consumer_frees_slots),
	KUNIT_CASE(garbage_tail_means_drops),
	KUNIT_CASE(readable_means_next_record_complete),
	KUNIT_CASE(readable_waits_for_the_wakeup_batch),
	KUNIT_CASE(mmap_rejects_mappings_past_the_ring),
	KUNIT_CASE(concurrent_producers_share_slots),
	{}
};

CAUSAL_KUNIT_SUITE(ring, .init = ring_test_init, .exit = ring_test_exit);
