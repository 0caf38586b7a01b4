// SPDX-License-Identifier: GPL-2.0
/* The per-session sample ring: written by the sampler, mmapped and consumed by the controller. */

#include <linux/log2.h>
#include <linux/mm.h>
#include <asm/barrier.h>

#include "ring.h"
#include "umem.h"

static_assert(sizeof(struct causal_ring_control) <= PAGE_SIZE);

u32 causal_ring_capacity(u32 data_pages)
{
	if (!data_pages || data_pages > CAUSAL_RING_PAGES_MAX || !is_power_of_2(data_pages))
		return 0;
	return rounddown_pow_of_two(((size_t)data_pages << PAGE_SHIFT) /
				    sizeof(struct causal_sample));
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ring_capacity);

int causal_ring_init(struct causal_ring *ring, u32 data_pages)
{
	size_t bytes, nr;

	nr = causal_ring_capacity(data_pages);
	if (!nr)
		return -EINVAL;
	bytes = (size_t)data_pages << PAGE_SHIFT;
	ring->size = bytes + PAGE_SIZE;
	ring->mem = causal_umem_alloc(ring->size);
	if (!ring->mem)
		return -ENOMEM;
	ring->ctl = ring->mem;
	ring->records = ring->mem + PAGE_SIZE;
	ring->mask = nr - 1;
	atomic64_set(&ring->reserve, 0);
	atomic64_set(&ring->dropped, 0);
	ring->ctl->record_size = sizeof(struct causal_sample);
	ring->ctl->nr_records = nr;
	return 0;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ring_init);

void causal_ring_free(struct causal_ring *ring)
{
	causal_umem_free(ring->mem);
	ring->mem = NULL;
	ring->ctl = NULL;
	ring->records = NULL;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ring_free);

struct causal_sample *causal_ring_reserve(struct causal_ring *ring, u64 *idx)
{
	s64 r = atomic64_read(&ring->reserve);
	u64 tail;

	do {
		/* acquire: the reader has finished with the slot before we write into it */
		tail = smp_load_acquire(&ring->ctl->tail);
		if ((u64)r - tail > ring->mask) {
			atomic64_inc(&ring->dropped);
			return NULL;
		}
	} while (!atomic64_try_cmpxchg(&ring->reserve, &r, r + 1));
	*idx = r;
	return &ring->records[r & ring->mask];
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ring_reserve);

/* Bounded: head is in the reader's memory, and a reader storing into it must not keep us here. */
#define CAUSAL_RING_HEAD_TRIES	16

void causal_ring_commit(struct causal_ring *ring, struct causal_sample *rec, u64 idx)
{
	unsigned int tries;
	u64 head;

	/* pairs with the reader's acquire of seq: the record is complete before seq says so */
	smp_store_release(&rec->seq, idx + 1);
	/* a plain store could move head back under a concurrent commit of a later record */
	head = READ_ONCE(ring->ctl->head);
	for (tries = 0; head < idx + 1 && tries < CAUSAL_RING_HEAD_TRIES; tries++)
		if (try_cmpxchg64(&ring->ctl->head, &head, idx + 1))
			break;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ring_commit);

u64 causal_ring_unread(struct causal_ring *ring)
{
	return (u64)atomic64_read(&ring->reserve) - READ_ONCE(ring->ctl->tail);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ring_unread);

bool causal_ring_readable(struct causal_ring *ring, u32 wakeup)
{
	u64 tail = READ_ONCE(ring->ctl->tail);

	return READ_ONCE(ring->records[tail & ring->mask].seq) == tail + 1 &&
	       (u64)atomic64_read(&ring->reserve) - tail >= wakeup;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ring_readable);

u64 causal_ring_dropped(struct causal_ring *ring)
{
	return atomic64_read(&ring->dropped);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ring_dropped);

int causal_ring_mmap(struct causal_ring *ring, struct vm_area_struct *vma,
		     unsigned long pgoff_in_ring)
{
	return causal_umem_mmap(vma, ring->mem, ring->size, pgoff_in_ring);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ring_mmap);
