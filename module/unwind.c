// SPDX-License-Identifier: GPL-2.0
/*
 * Callchains of samples. The frame-pointer chain is what every user stack offers, but most C code
 * keeps no frame pointer (gcc's -O2, Debian's libc): from a sample in pthread_mutex_lock() it
 * skips the caller, whose line is the one a profiler must charge. The controller therefore gives
 * the session the call frame information of the code mapped in the target (.eh_frame, which
 * every x86-64 ELF object has for unwinding exceptions), reduced to rows the sampler can apply in
 * atomic context: a constant offset from rsp or rbp to the caller's stack pointer, the return
 * address just below it, and where the caller's rbp was saved. This is the subset of DWARF call
 * frame rules that compilers emit for ordinary functions, as the kernel's own ORC unwinder keeps
 * for the kernel; anything else (PLT entries, signal frames) has no row and falls back to the
 * frame pointers, as before.
 */

#include <linux/bsearch.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "unwind.h"

int causal_unwind_check(const struct causal_unwind *a)
{
	if (a->flags || a->reserved)
		return -EINVAL;
	if (a->nr_rows > CAUSAL_MAX_UNWIND_ROWS)
		return -E2BIG;
	return 0;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_unwind_check);

struct causal_unwind_table *causal_unwind_alloc(u32 nr)
{
	struct causal_unwind_table *t;

	if (!nr || nr > CAUSAL_MAX_UNWIND_ROWS)
		return NULL;
	/* up to 6 MiB, charged to the opener's memory cgroup */
	t = kvmalloc(struct_size(t, rows, nr), GFP_KERNEL_ACCOUNT);
	if (t)
		t->nr = nr;
	return t;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_unwind_alloc);

static bool causal_unwind_row_ok(const struct causal_unwind_row *row)
{
	if (!row->len || row->start + row->len < row->start ||
	    row->start + row->len > TASK_SIZE_MAX)
		return false;
	if (row->flags & ~CAUSAL_UNWIND_ROW_FLAGS)
		return false;
	if (row->cfa_off < 8 || row->cfa_off > CAUSAL_UNWIND_OFF_MAX)
		return false;
	if (row->flags & CAUSAL_UNWIND_RBP_SAVED)
		return row->rbp_off >= -CAUSAL_UNWIND_OFF_MAX && row->rbp_off <= -16;
	return !row->rbp_off;
}

int causal_unwind_validate(const struct causal_unwind_table *t)
{
	u32 i;

	for (i = 0; i < t->nr; i++) {
		if (!causal_unwind_row_ok(&t->rows[i]))
			return -EINVAL;
		/* sorted, not overlapping: the lookup is a binary search */
		if (i && t->rows[i].start < t->rows[i - 1].start + t->rows[i - 1].len)
			return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_unwind_validate);

void causal_unwind_free(struct causal_unwind_table *t)
{
	kvfree(t);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_unwind_free);

static int causal_unwind_row_cmp(const void *key, const void *elt)
{
	u64 ip = *(const u64 *)key;
	const struct causal_unwind_row *row = elt;

	if (ip < row->start)
		return -1;
	return ip - row->start >= row->len ? 1 : 0;
}

const struct causal_unwind_row *causal_unwind_find(const struct causal_unwind_table *t, u64 ip)
{
	if (!t)
		return NULL;
	return bsearch(&ip, t->rows, t->nr, sizeof(t->rows[0]), causal_unwind_row_cmp);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_unwind_find);

/*
 * One step by @row: the caller's stack pointer (the CFA), its IP (the return address) and its rbp.
 * The CFA must lie above the stack pointer, so that every step moves up the stack.
 */
static bool causal_unwind_step(const struct causal_unwind_row *row, struct causal_unwind_regs *r,
			       causal_unwind_read_t read)
{
	u64 cfa = (row->flags & CAUSAL_UNWIND_CFA_RBP ? r->bp : r->sp) + row->cfa_off;
	u64 ret, bp = r->bp;

	if (cfa <= r->sp || cfa > TASK_SIZE_MAX)
		return false;
	if (read(cfa - 8, &ret, sizeof(ret)) || !ret)
		return false;
	if ((row->flags & CAUSAL_UNWIND_RBP_SAVED) && read(cfa + row->rbp_off, &bp, sizeof(bp)))
		return false;
	r->ip = ret;
	r->sp = cfa;
	r->bp = bp;
	return true;
}

u16 causal_unwind_callchain(const struct causal_unwind_table *t, struct causal_unwind_regs *r,
			    u64 *out, u16 max, causal_unwind_read_t read)
{
	const struct causal_unwind_row *row;
	struct { u64 next, ret; } frame;
	u64 fp, prev;
	u16 n = 0;

	/* the sampled IP is the instruction itself, a return address the one after the call */
	row = causal_unwind_find(t, r->ip);
	while (n < max && row) {
		if (!causal_unwind_step(row, r, read))
			return n;
		out[n++] = r->ip;
		row = causal_unwind_find(t, r->ip - 1);
	}
	/*
	 * A frame pointer lies above the stack pointer and each one above the last: anything else
	 * is rbp used as a general register by code that keeps no frame pointer.
	 */
	prev = r->sp ? r->sp - 1 : 0;
	fp = r->bp;
	while (n < max && fp > prev && !(fp & (sizeof(u64) - 1)) && fp < TASK_SIZE_MAX) {
		if (read(fp, &frame, sizeof(frame)) || !frame.ret)
			break;
		out[n++] = frame.ret;
		prev = fp;
		fp = frame.next;
	}
	return n;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_unwind_callchain);
