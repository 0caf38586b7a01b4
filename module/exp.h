/* SPDX-License-Identifier: GPL-2.0 */
/* An experiment: the object the sampler credits against and the delay engine pays for. */
#ifndef _CAUSAL_EXP_H
#define _CAUSAL_EXP_H

#include <linux/atomic.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include "ranges.h"

/* The running experiment; read by the sampler under RCU. */
struct causal_exp {
	u64 id;
	u32 flags;				/* CAUSAL_EXPERIMENT_* */
	u64 delay_ns;
	u64 max_samples;
	u64 deadline_ns;			/* 0: no time bound */
	u64 start_ns;
	u64 global_at_start;
	atomic64_t selected;
	atomic64_t session_samples;
	atomic64_t paid;
	atomic64_t paid_error;
	atomic64_t overshoot;
	atomic64_t payments;
	atomic64_t tasks_delayed;
	struct causal_ranges *ranges;
	struct causal_ranges *scope;		/* CAUSAL_EXPERIMENT_SCOPE, else NULL */
	struct rcu_head rcu;
};

#endif /* _CAUSAL_EXP_H */
