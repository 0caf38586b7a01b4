/* SPDX-License-Identifier: GPL-2.0 */
/* The records a session writes in its ring: samples, payments and context switches. */
#ifndef _CAUSAL_RECORD_H
#define _CAUSAL_RECORD_H

#include <linux/types.h>

struct causal_session;
struct task_struct;

/*
 * Each reserves a record in the session's ring and commits it (a full ring counts a drop in
 * samples_dropped instead). Any context, NMI included; the caller is not preempted in between.
 */
/* A sample of @t at @ip, with @nr_chain return addresses; wakes the poller if a batch is there. */
void causal_record_sample(struct causal_session *s, struct task_struct *t, u64 ip, u32 flags,
			  const u64 *chain, u16 nr_chain);
/* A payment record (CAUSAL_ATTACH_TRACE_DELAYS), from the paying task. */
void causal_record_delay(struct causal_session *s, u64 start_ns, u64 slept, u64 owed);
/*
 * A context switch record of @t (CAUSAL_ATTACH_TRACE_SWITCHES): @flags are the
 * CAUSAL_SAMPLE_SWITCH_* bits and the reason. From the scheduler hooks, on the switch's CPU.
 */
void causal_record_switch(struct causal_session *s, struct task_struct *t, u32 flags, u64 now);

#endif /* _CAUSAL_RECORD_H */
