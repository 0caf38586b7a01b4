/* SPDX-License-Identifier: GPL-2.0 */
/* The per-session sample ring: written by the sampler, mmapped and consumed by the controller. */
#ifndef _CAUSAL_RING_H
#define _CAUSAL_RING_H

#include <linux/atomic.h>
#include <linux/causal.h>
#include <linux/types.h>

struct vm_area_struct;

/*
 * Layout (causal_umem_alloc(): zeroed, charged to the memory cgroup): one control page holding
 * struct causal_ring_control at offset 0, then data_pages pages of struct causal_sample;
 * nr_records is the largest power of two that fits. Record n (counting from 0) lives in
 * records[n & mask].
 *
 * Reader protocol (user space, single reader):
 *	for (;;) {
 *		rec = &records[tail & (nr_records - 1)];
 *		if (load_acquire(&rec->seq) != tail + 1)
 *			break;			(not written yet, or still in flight)
 *		copy *rec; tail++;
 *	}
 *	store_release(&ctl->tail, tail);	(the producer may now reuse those slots)
 * head is one past the highest committed record, a hint for how much to expect: records below it
 * may still be in flight, so only seq says that a record is complete. The kernel only raises head,
 * so a reader that stores into it gets its own garbage back. It never reads records, record_size
 * or nr_records back, and reads tail only to decide whether the ring is full: reserve - tail >=
 * nr_records in u64 arithmetic, so a tail ahead of the producer or garbage counts as full and a
 * misbehaving reader gets drops; every index is masked, so nothing is ever written outside the
 * data pages, and loops on what the reader writes are bounded. A lie within the window only garbles
 * the liar's own records.
 */
struct causal_ring {
	void *mem;		/* control page + data pages */
	size_t size;
	struct causal_ring_control *ctl;	/* user-writable */
	struct causal_sample *records;
	u32 mask;		/* nr_records - 1 */
	atomic64_t reserve;	/* records reserved so far: the kernel's own producer index */
	atomic64_t dropped;	/* reservations refused because the ring was full */
};

/* @data_pages: a power of two in 1..CAUSAL_RING_PAGES_MAX, else -EINVAL. Process context. */
int causal_ring_init(struct causal_ring *ring, u32 data_pages);
/*
 * Process context, or an RCU callback (the session's last reference may go in one; the memory is
 * freed through causal_umem_free()). User mappings keep their pages until unmapped.
 */
void causal_ring_free(struct causal_ring *ring);

/*
 * Multi-producer, any context (NMI included): the next free record and its number in *@idx, or
 * NULL (and one more drop) if the ring is full. The caller fills every field but seq, which it
 * must not touch (the slot still holds an older lap's record), then calls causal_ring_commit()
 * without fail and without delay: the reader waits for records in order.
 */
struct causal_sample *causal_ring_reserve(struct causal_ring *ring, u64 *idx);
/* Publishes @rec (from causal_ring_reserve() with @idx). Any context. Does not wake anyone. */
void causal_ring_commit(struct causal_ring *ring, struct causal_sample *rec, u64 idx);
/* The capacity of a ring of @data_pages data pages (records), 0 if that is not a valid size. */
u32 causal_ring_capacity(u32 data_pages);
/*
 * For poll: whether the record at the reader's tail is complete and at least @wakeup records are
 * reserved past the tail (a lying tail only changes the liar's wake-ups). Any context.
 */
bool causal_ring_readable(struct causal_ring *ring, u32 wakeup);
/* Records reserved past the reader's tail (an upper bound of what is unread). Any context. */
u64 causal_ring_unread(struct causal_ring *ring);
u64 causal_ring_dropped(struct causal_ring *ring);

/*
 * Maps the ring into @vma starting @pgoff_in_ring pages into the ring (0 = control page); -EINVAL
 * if the mapping would go past the ring. The caller checks the flags it allows (e.g. VM_SHARED;
 * the control page must be writable for tail). Process context, mmap lock held (.mmap).
 */
int causal_ring_mmap(struct causal_ring *ring, struct vm_area_struct *vma,
		     unsigned long pgoff_in_ring);

#endif /* _CAUSAL_RING_H */
