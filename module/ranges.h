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
/*
 * Whether a sample at @ip, with the return addresses @chain[0..@n) of its callers, belongs to
 * @line in @scope (CAUSAL_EXPERIMENT_SCOPE): its IP is in the line, or its IP is out of the scope
 * and the first caller's call instruction (return address - 1) in the scope is in the line. Any
 * context, NMI included.
 */
bool causal_ranges_first_in_scope(const struct causal_ranges *line,
				  const struct causal_ranges *scope, u64 ip, const u64 *chain,
				  u16 n);

#endif /* _CAUSAL_RANGES_H */
