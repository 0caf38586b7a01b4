/* SPDX-License-Identifier: GPL-2.0 */
/* Sessions: one per open /dev/causal, the tasks they hold, and their experiments. */
#ifndef _CAUSAL_SESSION_H
#define _CAUSAL_SESSION_H

#include <linux/causal.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "accounting.h"
#include "ranges.h"
#include "ring.h"

struct perf_event;
struct causal_probe;
struct causal_session;

/*
 * Locks, outermost first; a field's comment names its lock where it has one, and "RCU" where it
 * is read under RCU:
 *   causal_session.progress_lock (mutex)  the progress points: probes, nr_probes. Not taken
 *                                         under lock: registering a uprobe takes the mmap lock
 *                                         of every process that maps the file, which may take
 *                                         long, and the session's other ioctls need not wait.
 *   causal_session.lock (mutex)           one ioctl or close at a time: attached, and what
 *                                         attach sets (flags to wakeup, cpu_local, ring: written
 *                                         before tasks are added, read-only while attached),
 *                                         exp (written; RCU for readers), next_exp_id. Attach
 *                                         takes a target's exec_update_lock under it.
 *   causal_session.counters_lock (mutex)  counters, sampling, and each task's counter and
 *                                         counter_node; may sleep (perf): never under
 *                                         tasks_lock.
 *   causal_session.tasks_lock (spinlock)  tasks and each task's session_node, closing (read
 *                                         unlocked with READ_ONCE by payments), file; taken in
 *                                         the hooks, so nothing under it sleeps.
 *   causal_hooks_lock (hooks.c), causal_users_lock (device.c): their file's globals only.
 * RCU: the task table (task.c) is looked up under RCU; the hooks, the sampler and the irq_work
 * run in atomic context, which is a read side. A causal_task is freed a grace period after its
 * last reference (causal_task_release()); a session lives as long as any of its tasks (each holds
 * a reference); an experiment (causal_exp) is freed a grace period after it ends.
 */

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

struct causal_session {
	struct kref ref;
	struct mutex lock;			/* serialises ioctls of this session */
	bool attached;				/* lock; read unlocked by mmap, poll */
	bool closing;				/* tasks_lock */
	u32 flags;				/* CAUSAL_ATTACH_* */
	struct pid *target;			/* the attached process */
	struct pid_namespace *pid_ns;		/* of the controller, for the pids in samples */
	const struct cred *cred;		/* the opener's: who may be profiled */
	struct file *file;			/* the opener's, until close; under tasks_lock */
	unsigned long locked_pages;		/* charged to cred->user->locked_vm */
	u64 period_ns;
	u32 event;
	u32 callchain;
	u32 wakeup;		/* records unread before poll() reports the ring */

	spinlock_t tasks_lock;			/* tasks, closing, file; taken in fork/exit hooks */
	struct list_head tasks;

	struct causal_clock clock;
	struct causal_local __percpu *cpu_local;	/* CAUSAL_ATTACH_CPU_MODEL */
	struct causal_exp __rcu *exp;		/* lock; RCU */
	u64 next_exp_id;			/* lock */

	struct mutex counters_lock;		/* counters, sampling; never under tasks_lock */
	struct list_head counters;		/* the tasks' counters (causal_task.counter_node) */
	bool sampling;				/* tasks get counters: from attach until close */
	struct causal_ring ring;
	struct causal_stats *stats;		/* one page, mapped read-only by the controller */
	wait_queue_head_t poll_wait;
	struct irq_work poll_work;		/* wakes pollers from the sampler */

	struct mutex progress_lock;		/* probes, nr_probes; never under lock */
	u32 nr_probes;
	struct causal_probe *probes[CAUSAL_MAX_PROGRESS];

	struct rcu_work free_work;		/* the free after the last reference */
};

/* Counters of the stats page: updated atomically, read by the controller without locks. */
static inline void causal_stat_add(__u64 *counter, s64 v)
{
	atomic64_add(v, (atomic64_t *)counter);
}

static inline void causal_stat_inc(__u64 *counter)
{
	atomic64_inc((atomic64_t *)counter);
}

static inline u64 causal_stat_read(__u64 *counter)
{
	return atomic64_read((atomic64_t *)counter);
}

/*
 * Whether nothing is to be accounted for ct's task (no sample, payment, wake-up or progress hit):
 * it exec'd and has not been checked since, or left at that check. From the exec's switch of mm
 * on, before the exec hook runs, its mm tells: not the one it was checked in. An exiting task
 * with no mm left is not held for that.
 */
static inline bool causal_task_held(struct causal_task *ct)
{
	struct mm_struct *mm = READ_ONCE(ct->task->mm);

	return READ_ONCE(ct->exec_pending) || (mm && mm != READ_ONCE(ct->mm));
}

int causal_sessions_init(void);
void causal_sessions_exit(void);
struct causal_session *causal_session_create(struct file *file);
void causal_session_close(struct causal_session *s);
void causal_session_put(struct causal_session *s);
void causal_session_detach_tasks(struct causal_session *s);

/* argument checks of ATTACH and EXPERIMENT_START, before any state is touched */
int causal_attach_check(const struct causal_attach *a);
int causal_exp_check(const struct causal_experiment *e);
/* the deadline_ns of an experiment started at start_ns, bounded by max_duration_ns */
u64 causal_exp_deadline(u64 start_ns, u64 max_duration_ns);

long causal_session_attach(struct causal_session *s, struct causal_attach __user *uarg);
long causal_session_exp_start(struct causal_session *s, struct causal_experiment __user *uarg);
long causal_session_exp_stop(struct causal_session *s,
			     struct causal_experiment_result __user *uarg);
long causal_session_stats(struct causal_session *s, struct causal_stats __user *uarg);

/* the local counter a task is accounted against: its own, or its CPU's in the CPU model */
struct causal_local *causal_task_local(struct causal_task *ct, int cpu);

/* task table */
int causal_tasks_init(void);
void causal_tasks_exit(void);
struct causal_task *causal_task_find(struct task_struct *t);	/* under RCU */
int causal_task_add(struct causal_session *s, struct task_struct *t,
		    const struct causal_local *inherit, gfp_t gfp, struct causal_task **added);
void causal_task_remove(struct causal_task *ct);
void causal_task_put(struct causal_task *ct);

/* hooks into the session logic, called from the scheduler hooks */
void causal_on_fork(struct task_struct *parent, struct task_struct *child);
/* an exiting task: from do_exit() before exit_task_work(), or after it (it leaves at once) */
void causal_on_exit_begin(struct task_struct *t);
void causal_on_exit_end(struct task_struct *t);
/* t (current) has exec'd: it is checked again before it returns to user mode */
void causal_on_exec(struct task_struct *t);
/* whether the opener of s may profile t, as ptrace would let it attach; see session.c */
bool causal_may_attach(struct causal_session *s, struct task_struct *t, bool self_ok);
void causal_on_switch_out(struct task_struct *prev, bool blocks);
void causal_on_waking(struct task_struct *wakee);
void causal_on_switch_in(struct task_struct *next);

#endif /* _CAUSAL_SESSION_H */
