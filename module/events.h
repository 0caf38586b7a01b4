/* SPDX-License-Identifier: GPL-2.0 */
/* What the scheduler hooks mean for sessions; called from hooks.c in atomic context. */
#ifndef _CAUSAL_EVENTS_H
#define _CAUSAL_EVENTS_H

#include <linux/types.h>

struct causal_task;
struct cgroup;
struct task_struct;

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

/* At close, under tasks_lock: a check still queued on ct's task is taken back (not run). */
void causal_check_cancel(struct causal_task *ct);

#endif /* _CAUSAL_EVENTS_H */
