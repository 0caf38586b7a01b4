/* SPDX-License-Identifier: GPL-2.0 */
/* The session object: one per open /dev/causal; its locks, its lifetime, its opener's rights. */
#ifndef _CAUSAL_SESSION_H
#define _CAUSAL_SESSION_H

#include <linux/causal.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "accounting.h"
#include "ring.h"
#include "yama.h"

struct causal_exp;
struct causal_unwind_table;
struct cgroup;
struct causal_probe;
struct user_namespace;

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
 *                                         exp and unwind (written; RCU for readers),
 *                                         next_exp_id. Attach
 *                                         takes a target's exec_update_lock under it.
 *   causal_session.counters_lock (mutex)  counters, sampling, and each task's counter and
 *                                         counter_node; may sleep (perf): never under
 *                                         tasks_lock.
 *   causal_session.tasks_lock (spinlock)  tasks and each task's session_node, closing (read
 *                                         unlocked with READ_ONCE by payments), file; taken in
 *                                         the hooks, so nothing under it sleeps.
 *   causal_hooks_lock (hooks.c), causal_users_lock (device.c), causal_cgroup_sessions_lock
 *                                         (session.c): their file's globals only.
 * RCU: the task table (task.c) is looked up under RCU; the hooks, the sampler and the irq_work
 * run in atomic context, which is a read side. A causal_task is freed a grace period after its
 * last reference (causal_task_release()); a session lives as long as any of its tasks (each holds
 * a reference); an experiment (causal_exp) is freed a grace period after it ends.
 */

struct causal_session {
	struct kref ref;
	struct mutex lock;			/* serialises ioctls of this session */
	bool attached;				/* lock; read unlocked by mmap, poll */
	bool closing;				/* tasks_lock */
	u32 flags;				/* CAUSAL_ATTACH_* */
	struct pid *target;			/* the attached process */
	/*
	 * The attached cgroup v2 subtree (referenced until the free), and the session's place on
	 * the list the hooks look through for tasks that move into a subtree: from attach until
	 * close (causal_cgroup_sessions_lock; RCU).
	 */
	struct cgroup *cgrp;
	struct list_head cgroup_node;
	bool cgroup_listed;			/* lock */
	enum causal_yama_scope yama;		/* at attach: the rule for tasks that join later */
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
	/* CAUSAL_IOC_UNWIND_SET's rows, for the sampler's callchains; freed with the session */
	struct causal_unwind_table __rcu *unwind;	/* lock; RCU */
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

int causal_sessions_init(void);
void causal_sessions_exit(void);
struct causal_session *causal_session_create(struct file *file);
void causal_session_put(struct causal_session *s);
/* whether the session's opener holds cap in ns (false once its file is released) */
bool causal_opener_capable(struct causal_session *s, struct user_namespace *ns, int cap);
/* whether the opener of s may profile t, as ptrace would let it attach; see session.c */
bool causal_may_attach(struct causal_session *s, struct task_struct *t, bool self_ok);
void causal_session_stats(struct causal_session *s, struct causal_stats *st);
/* Replaces the session's call frame rows by @t (NULL: none), which it owns from now; may sleep. */
void causal_session_unwind_set(struct causal_session *s, struct causal_unwind_table *t);
/* s, attached to s->cgrp, on the list the hooks look through, and off it; s->lock held */
void causal_cgroup_session_add(struct causal_session *s);
void causal_cgroup_session_del(struct causal_session *s);
/* Under RCU: whether any session is attached to a cgroup (the hooks' fast path). */
bool causal_cgroup_sessions_any(void);
/* Under RCU: a session attached to a subtree that holds cgrp, referenced; or NULL. */
struct causal_session *causal_cgroup_session_get(struct cgroup *cgrp);

#endif /* _CAUSAL_SESSION_H */
