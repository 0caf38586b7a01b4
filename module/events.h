/* SPDX-License-Identifier: GPL-2.0 */
/* What the scheduler hooks mean for sessions; called from hooks.c in atomic context. */
#ifndef _CAUSAL_EVENTS_H
#define _CAUSAL_EVENTS_H

#include <linux/types.h>

struct cgroup;
struct task_struct;

/* At load and unload: the workqueue that decides what cgroup moves mean (drained at unload). */
int causal_events_init(void);
void causal_events_exit(void);

void causal_on_fork(struct task_struct *parent, struct task_struct *child);
/* an exiting task: from do_exit() before exit_task_work(), or after it (it leaves at once) */
void causal_on_exit_begin(struct task_struct *t);
void causal_on_exit_end(struct task_struct *t);
/* t (current) has exec'd: it is checked again before it returns to user mode */
void causal_on_exec(struct task_struct *t);
/* @leader, and its threads with @threadgroup, moved to cgroup @dst (cgroup_attach_task) */
void causal_on_cgroup_move(struct cgroup *dst, struct task_struct *leader, bool threadgroup);
void causal_on_switch_out(struct task_struct *prev, bool blocks);
void causal_on_waking(struct task_struct *wakee);
void causal_on_switch_in(struct task_struct *next);

#endif /* _CAUSAL_EVENTS_H */
