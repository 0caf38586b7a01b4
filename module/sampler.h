/* SPDX-License-Identifier: GPL-2.0 */
/* The sampler: perf counters bound to session tasks, whose overflow records and credits them. */
#ifndef _CAUSAL_SAMPLER_H
#define _CAUSAL_SAMPLER_H

#include <linux/types.h>

struct causal_session;
struct causal_task;
struct task_struct;

/* From here until causal_sampler_stop() (which sleeps), tasks added to the session get counters. */
void causal_sampler_start(struct causal_session *s);
void causal_sampler_stop(struct causal_session *s);
/* Makes ct's counter (a task added at attach, or checked again after an exec); may sleep. */
int causal_sampler_add(struct causal_task *ct);
/* ct, a child just followed (fork hook), makes its counter before it runs; takes a reference. */
void causal_sampler_follow(struct causal_task *ct);
/* Releases ct's counter as its task leaves the session (exit or exec work); may sleep. */
void causal_sampler_remove(struct causal_task *ct);
/* ct's task leaves its CPU, or runs again, at @now: where its counter's next tick is. */
void causal_sampler_switch_out(struct causal_task *ct, u64 now);
void causal_sampler_switch_in(struct causal_task *ct, u64 now);

#endif /* _CAUSAL_SAMPLER_H */
