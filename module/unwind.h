/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A sample's callchain: the return addresses above its IP, found by the session's call frame rows
 * (CAUSAL_IOC_UNWIND_SET) while the code has them, then by the frame-pointer chain.
 */
#ifndef _CAUSAL_UNWIND_H
#define _CAUSAL_UNWIND_H

#include <linux/causal.h>
#include <linux/types.h>

/* A session's rows: sorted by start, none empty, none overlapping. Immutable once checked. */
struct causal_unwind_table {
	u32 nr;
	struct causal_unwind_row rows[];
};

/* Where an unwind stands: the frame's IP, stack pointer and rbp; moved up one frame per step. */
struct causal_unwind_regs {
	u64 ip;
	u64 sp;
	u64 bp;
};

/* Copies @len bytes of user memory at @addr to @buf, never faulting or sleeping: 0 or -EFAULT. */
typedef int (*causal_unwind_read_t)(u64 addr, void *buf, u32 len);

/* The ioctl's own fields: -EINVAL for flags or reserved, -E2BIG above CAUSAL_MAX_UNWIND_ROWS. */
int causal_unwind_check(const struct causal_unwind *a);
/* A table for @nr rows (1..CAUSAL_MAX_UNWIND_ROWS) to be filled; NULL without memory. May sleep. */
struct causal_unwind_table *causal_unwind_alloc(u32 nr);
/* Whether the filled rows keep the uapi's rules (see uapi/linux/causal.h): 0 or -EINVAL. */
int causal_unwind_validate(const struct causal_unwind_table *t);
/* Process context or an RCU callback; NULL is fine. */
void causal_unwind_free(struct causal_unwind_table *t);
/* The row that covers @ip, or NULL (also for a NULL table). Any context. */
const struct causal_unwind_row *causal_unwind_find(const struct causal_unwind_table *t, u64 ip);
/*
 * Fills @out with up to @max return addresses, innermost first, of the frames above @r (the
 * sampled user registers; moved to the last frame reached): by the rows of @t while the frame's
 * code has one, then along the frame pointers. Reads the stack with @read only. Any context,
 * NMI included.
 */
u16 causal_unwind_callchain(const struct causal_unwind_table *t, struct causal_unwind_regs *r,
			    u64 *out, u16 max, causal_unwind_read_t read);

#endif /* _CAUSAL_UNWIND_H */
