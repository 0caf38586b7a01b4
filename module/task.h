/* SPDX-License-Identifier: GPL-2.0 */
/* A task of a session, and the task table that finds it from any hook in O(1). */
#ifndef _CAUSAL_TASK_H
#define _CAUSAL_TASK_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/rhashtable-types.h>
#include <linux/sched.h>
#include <linux/task_work.h>

#include "accounting.h"
#include "session.h"

struct perf_event;

/* causal_task.blocked_at when the task has run since it last blocked */
#define CAUSAL_NOT_BLOCKED	((s64)-1)

/* A task of a session. Found from any hook in O(1) through the task table. */
struct causal_task {
	struct rhash_head node;
	struct task_struct *task;		/* the key; holds a reference */
	struct causal_session *session;		/* holds a reference */
	struct list_head session_node;		/* session->tasks, under session->tasks_lock */
	struct causal_local local;
	atomic64_t blocked_at;			/* global when it last blocked, or NOT_BLOCKED */
	u64 blocked_ns;				/* and when (ktime_get_mono_fast_ns) */
	struct callback_head pay_work;
	atomic_t pay_queued;			/* pay_work is queued: one slot per head */
	struct callback_head exit_work;		/* leaves the session late in do_exit() */
	struct callback_head exec_work;		/* checks it again after an exec */
	atomic_t exec_queued;			/* exec_work is queued */
	/*
	 * Set when the task execs, until exec_work finds that it may stay; for good if it may not
	 * (it left): no sample, delay, wake-up or progress hit is accounted for it meanwhile.
	 */
	bool exec_pending;
	/*
	 * Set when the task moves out of its cgroup session's subtree, until a work decides in
	 * process context (causal_on_cgroup_move()): nothing is accounted for it meanwhile.
	 */
	bool moved_out;
	struct mm_struct *mm;			/* it was checked in; not dereferenced */
	bool paying;				/* in a payment: woken on close; samples flagged */
	/* the task's own, in its payments only: */
	u64 carry;				/* ns overslept, for the next debt (causal_pay) */
	u64 carry_exp;				/* the experiment the carry is from */
	u64 late_ns;				/* how late its sleeps wake, on average */
	/*
	 * The sampler's counter bound to this task, on session->counters (which holds a reference
	 * on ct) while it exists; both under session->counters_lock.
	 */
	struct perf_event *counter;
	struct list_head counter_node;
	u64 counted;				/* the counter's count at its last sample */
	/*
	 * cpu-clock only, written on the task's CPU with interrupts off (sampler and switch
	 * hooks): when its next tick is due while it runs, what is left of the period while it
	 * does not, and whether the tick perf fires early in its next slice came due before.
	 */
	u64 next_due;
	u64 left_ns;
	bool tick_overdue;
	struct callback_head counter_work;	/* a followed child makes its counter */
	bool delayed;				/* slept during the current experiment */
	struct kref ref;			/* table, pay_work, exit_work, lookups that sleep */
	struct rcu_head rcu;
};

/*
 * Whether nothing is to be accounted for ct's task (no sample, payment, wake-up or progress hit):
 * it exec'd and has not been checked since, or left at that check; or it moved out of its
 * session's cgroup subtree. From the exec's switch of mm
 * on, before the exec hook runs, its mm tells: not the one it was checked in. An exiting task
 * with no mm left is not held for that.
 */
static inline bool causal_task_held(struct causal_task *ct)
{
	struct mm_struct *mm = READ_ONCE(ct->task->mm);

	return READ_ONCE(ct->exec_pending) || READ_ONCE(ct->moved_out) ||
	       (mm && mm != READ_ONCE(ct->mm));
}

/* the local counter a task is accounted against: its own, or its CPU's in the CPU model */
static inline struct causal_local *causal_task_local(struct causal_task *ct, int cpu)
{
	if (ct->session->cpu_local)
		return per_cpu_ptr(ct->session->cpu_local, cpu);
	return &ct->local;
}

/* the task table (locks and RCU: see session.h) */
int causal_tasks_init(void);
void causal_tasks_exit(void);
struct causal_task *causal_task_find(struct task_struct *t);	/* under RCU */
int causal_task_add(struct causal_session *s, struct task_struct *t,
		    const struct causal_local *inherit, gfp_t gfp, struct causal_task **added);
void causal_task_remove(struct causal_task *ct);
void causal_task_put(struct causal_task *ct);
/*
 * Queues @func on t, ct's task, as @work, with a reference on ct and on this module that @func
 * drops when it has run (see causal_exit() for the code after that put). 0; -ENOENT if ct is on
 * its way to be freed, -ESRCH if t is exiting: nothing queued, no reference kept.
 */
int causal_task_queue(struct causal_task *ct, struct task_struct *t, struct callback_head *work,
		      task_work_func_t func, enum task_work_notify_mode mode);
/*
 * Drops the references a queued work holds: the last step of the work, or of taking it back
 * before it ran. A work that calls it still returns through this module's text: see causal_exit().
 */
void causal_task_work_done(struct causal_task *ct);
/*
 * Every local counter of the session back to the global one: nobody owes anything, and a task
 * sleeping to pay a debt of an experiment that has ended wakes up. s->lock held.
 */
void causal_tasks_forgive(struct causal_session *s);

#endif /* _CAUSAL_TASK_H */
