/* SPDX-License-Identifier: GPL-2.0 */
/* The user address ranges an experiment selects, and the sampler's lookup in them. */
#ifndef _CAUSAL_RANGES_H
#define _CAUSAL_RANGES_H

#include <linux/causal.h>
#include <linux/types.h>

/* [start, end) ranges sorted by start, merged: no two overlap or touch. Immutable once built. */
struct causal_ranges {
	u32 nr;
	struct causal_range r[];
};

/*
 * Validates @in (already copied from user space) and builds a sorted, merged set in *@out.
 * -EINVAL for nr == 0, an empty or inverted range, or an end above TASK_SIZE_MAX; -E2BIG for
 * nr > CAUSAL_MAX_RANGES; -ENOMEM. Process context (kvmalloc).
 */
int causal_ranges_build(const struct causal_range *in, u32 nr, struct causal_ranges **out);
/*
 * Process context, or an RCU callback (an experiment is freed from one): kvfree() defers a
 * vfree() from softirq. NULL is fine. Readers must be gone (e.g. after a grace period).
 */
void causal_ranges_free(struct causal_ranges *rs);
/* Whether @ip lies in one of the ranges; false for NULL. Any context, NMI included. */
bool causal_ranges_contains(const struct causal_ranges *rs, u64 ip);

#endif /* _CAUSAL_RANGES_H */
