/* SPDX-License-Identifier: GPL-2.0 */
/* The sampler: per-CPU perf counters whose overflow records and credits session tasks. */
#ifndef _CAUSAL_SAMPLER_H
#define _CAUSAL_SAMPLER_H

#include <linux/types.h>

struct causal_session;
struct causal_task;
struct task_struct;

int causal_sampler_start(struct causal_session *s);
void causal_sampler_stop(struct causal_session *s);
/* A session task leaves this CPU at @now: a tick overdue now is its, for its next sample. */
void causal_sampler_switch_out(struct causal_task *ct, u64 now);
/* A payment record in the ring (CAUSAL_ATTACH_TRACE_DELAYS), from the paying task. */
void causal_record_delay(struct causal_session *s, u64 start_ns, u64 slept, u64 owed);
/*
 * A context switch record of @t in the ring (CAUSAL_ATTACH_TRACE_SWITCHES): @flags are the
 * CAUSAL_SAMPLE_SWITCH_* bits and the reason. From the scheduler hooks, on the switch's CPU.
 */
void causal_record_switch(struct causal_session *s, struct task_struct *t, u32 flags, u64 now);

#endif /* _CAUSAL_SAMPLER_H */
