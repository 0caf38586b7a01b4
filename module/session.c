// SPDX-License-Identifier: GPL-2.0
/*
 * The session object behind each open /dev/causal: its creation and its free after the last
 * reference, and what its opener may profile. The operations on it (attach, experiment,
 * progress) and its close are above, in their own files.
 */

#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "session.h"
#include "umem.h"
#include "unwind.h"

static_assert(sizeof(struct causal_stats) <= PAGE_SIZE);

static void causal_session_poll_work(struct irq_work *work)
{
	struct causal_session *s = container_of(work, struct causal_session, poll_work);

	wake_up_interruptible(&s->poll_wait);
}

struct causal_session *causal_session_create(struct file *file)
{
	struct causal_session *s;

	/* charged to the opener's memory cgroup, as everything the session allocates for itself */
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return NULL;
	s->stats = causal_umem_alloc(PAGE_SIZE);
	if (!s->stats) {
		kfree(s);
		return NULL;
	}
	s->stats->size = sizeof(*s->stats);
	s->file = file;
	s->cred = get_cred(file->f_cred);
	kref_init(&s->ref);
	mutex_init(&s->lock);
	mutex_init(&s->progress_lock);
	spin_lock_init(&s->tasks_lock);
	INIT_LIST_HEAD(&s->tasks);
	INIT_LIST_HEAD(&s->cgroup_node);
	mutex_init(&s->counters_lock);
	INIT_LIST_HEAD(&s->counters);
	init_waitqueue_head(&s->poll_wait);
	init_irq_work(&s->poll_work, causal_session_poll_work);
	causal_clock_init(&s->clock);
	return s;
}

/*
 * Whether the session's opener holds cap in ns, asked of the kernel (commoncap and the LSMs'
 * capable hooks) on the credentials of the opener's file: file_ns_capable() is how a module asks
 * about credentials other than current's. The file is there until close (s->file, NULL after):
 * a task checked after that is out of the session anyway.
 */
bool causal_opener_capable(struct causal_session *s, struct user_namespace *ns, int cap)
{
	bool ret = false;

	/* a spinlock, as ptrace_may_access() asks security_capable() under task_lock() */
	spin_lock(&s->tasks_lock);
	if (s->file)
		ret = file_ns_capable(s->file, ns, cap);
	spin_unlock(&s->tasks_lock);
	return ret;
}

/* the sessions' frees after their last reference, in process context; drained at unload */
static struct workqueue_struct *causal_free_wq;

/*
 * Unbound: a free needs no particular CPU, and newer kernels (7.3 of the test matrix) warn at
 * alloc_workqueue() about a workqueue that names neither WQ_UNBOUND nor WQ_PERCPU.
 */
int causal_sessions_init(void)
{
	causal_free_wq = alloc_workqueue("causal_free", WQ_UNBOUND, 0);
	return causal_free_wq ? 0 : -ENOMEM;
}

/*
 * After causal_tasks_exit(): the tasks' RCU callbacks, which may drop sessions' last references,
 * have run. The frees they queued wait a grace period first (queue_rcu_work()), then the
 * workqueue, which destroy_workqueue() drains.
 */
void causal_sessions_exit(void)
{
	rcu_barrier();
	destroy_workqueue(causal_free_wq);
}

static void causal_session_free(struct work_struct *work)
{
	struct causal_session *s = container_of(to_rcu_work(work), struct causal_session,
						free_work);

	/* only frees memory, close() did the teardown; a debug kernel checks the context */
	might_sleep();
	causal_ring_free(&s->ring);
	causal_umem_free(s->stats);
	causal_unwind_free(rcu_dereference_protected(s->unwind, true));
	free_percpu(s->cpu_local);
	put_pid(s->target);
	if (s->cgrp)
		cgroup_put(s->cgrp);
	if (s->pid_ns)
		put_pid_ns(s->pid_ns);
	put_cred(s->cred);
	kfree(s);
}

void causal_session_unwind_set(struct causal_session *s, struct causal_unwind_table *t)
{
	struct causal_unwind_table *old;

	mutex_lock(&s->lock);
	old = rcu_replace_pointer(s->unwind, t, lockdep_is_held(&s->lock));
	mutex_unlock(&s->lock);
	/* the sampler reads the rows under RCU, in IRQ or NMI context */
	if (old) {
		synchronize_rcu();
		causal_unwind_free(old);
	}
}

/*
 * The last reference often goes in a task's RCU callback (softirq), where vfree() is only
 * deferred and a pid namespace's teardown should not run: free in a work item, a grace period
 * on (no RCU reader that found a task of the session can still see it then).
 */
static void causal_session_release(struct kref *ref)
{
	struct causal_session *s = container_of(ref, struct causal_session, ref);

	INIT_RCU_WORK(&s->free_work, causal_session_free);
	queue_rcu_work(causal_free_wq, &s->free_work);
}

void causal_session_put(struct causal_session *s)
{
	kref_put(&s->ref, causal_session_release);
}

/*
 * The core of ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS), which modules cannot call, for the
 * session's opener (file->f_cred at open, not whoever calls now: a descriptor passed on, or kept
 * across an exec, carries no more than its opener had): the opener's real ids match all of t's,
 * or it has CAP_SYS_PTRACE over t's user namespace; and t is dumpable, or the opener has
 * CAP_SYS_PTRACE over the user namespace of t's mm. A task without an mm (an exited main thread,
 * whose process lives on in its other threads) passes on its ids, as with ptrace. self_ok: the
 * caller (attach) may profile its own process whatever the rest says, as ptrace lets a thread
 * look at its own group. Capabilities are asked of the kernel, LSMs included
 * (causal_opener_capable()); the LSM ptrace hooks cannot be, and Yama's rule is applied at attach
 * (causal_may_attach_new()): other LSMs' ptrace policies are not consulted, which is one reason
 * the unprivileged mode is off by default.
 */
bool causal_may_attach(struct causal_session *s, struct task_struct *t, bool self_ok)
{
	const struct cred *me = s->cred, *tcred;
	struct user_namespace *ns;
	bool ok, dumpable;

	if (self_ok && same_thread_group(t, current))
		return true;
	tcred = get_task_cred(t);
	ok = (uid_eq(me->uid, tcred->euid) && uid_eq(me->uid, tcred->suid) &&
	      uid_eq(me->uid, tcred->uid) && gid_eq(me->gid, tcred->egid) &&
	      gid_eq(me->gid, tcred->sgid) && gid_eq(me->gid, tcred->gid)) ||
	     causal_opener_capable(s, tcred->user_ns, CAP_SYS_PTRACE);
	put_cred(tcred);
	if (ok && causal_task_exec_state(t, &dumpable, &ns)) {
		if (!dumpable)
			ok = causal_opener_capable(s, ns, CAP_SYS_PTRACE);
		put_user_ns(ns);
	}
	return ok;
}

/* A copy of the stats page, with the global delay as of now; size as the page says. */
void causal_session_stats(struct causal_session *s, struct causal_stats *st)
{
	memcpy(st, s->stats, sizeof(*st));
	st->flags = 0;
	st->global_delay = atomic64_read(&s->clock.global);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_session_stats);

/*
 * The sessions attached to a cgroup, which the fork and cgroup hooks look through for a task that
 * enters one's subtree after attach. A session leaves the list at close; it is freed a grace
 * period after its last reference, so a hook that found it under RCU may still read it.
 */
static LIST_HEAD(causal_cgroup_sessions);
static DEFINE_SPINLOCK(causal_cgroup_sessions_lock);

void causal_cgroup_session_add(struct causal_session *s)
{
	lockdep_assert_held(&s->lock);
	spin_lock(&causal_cgroup_sessions_lock);
	list_add_tail_rcu(&s->cgroup_node, &causal_cgroup_sessions);
	spin_unlock(&causal_cgroup_sessions_lock);
	s->cgroup_listed = true;
}

void causal_cgroup_session_del(struct causal_session *s)
{
	lockdep_assert_held(&s->lock);
	if (!s->cgroup_listed)
		return;
	spin_lock(&causal_cgroup_sessions_lock);
	list_del_rcu(&s->cgroup_node);
	spin_unlock(&causal_cgroup_sessions_lock);
	s->cgroup_listed = false;
}

bool causal_cgroup_sessions_any(void)
{
	return !list_empty(&causal_cgroup_sessions);
}

struct causal_session *causal_cgroup_session_get(struct cgroup *cgrp)
{
	struct causal_session *s;

	list_for_each_entry_rcu(s, &causal_cgroup_sessions, cgroup_node)
		if (cgroup_is_descendant(cgrp, s->cgrp) && kref_get_unless_zero(&s->ref))
			return s;
	return NULL;
}
