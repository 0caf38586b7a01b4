// SPDX-License-Identifier: GPL-2.0
/*
 * Attach: who may be profiled (the opener's ptrace rights, with Yama's rule at attach), the walk
 * of the target (a process, or a cgroup v2 subtree) that adds its tasks, the ring and its
 * memlock charge; and detach, at close.
 */

#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rwsem.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "attach.h"
#include "delay.h"
#include "hooks.h"
#include "sampler.h"
#include "task.h"
#include "yama.h"

/*
 * Tasks taken per scan of the target under RCU. Each scan starts over and skips the tasks added
 * already, so a process of N threads costs N²/BATCH lookups: 10 000 threads are 400 000.
 */
#define CAUSAL_ATTACH_BATCH	256

/*
 * The ring is memory that the session keeps resident for user space, as perf's buffer is: it is
 * charged to the opener's user's locked_vm, which perf, io_uring and BPF charge too, within the
 * RLIMIT_MEMLOCK of the process that attaches. Openers with CAP_IPC_LOCK are not limited, as
 * perf_mmap() does not limit them. -ENOMEM past the limit, as mlock() says.
 */
static int causal_memlock_charge(struct causal_session *s, unsigned long pages)
{
	struct user_struct *user = s->cred->user;
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;

	lockdep_assert_held(&s->lock);
	if (causal_opener_capable(s, &init_user_ns, CAP_IPC_LOCK))
		return 0;
	if (atomic_long_add_return(pages, &user->locked_vm) > limit) {
		atomic_long_sub(pages, &user->locked_vm);
		return -ENOMEM;
	}
	s->locked_pages = pages;
	return 0;
}

/*
 * At close, or when an attach fails. A mapping of the ring holds the file open, so this is when
 * the last mapping goes, as perf uncharges in its mmap close.
 */
static void causal_memlock_uncharge(struct causal_session *s)
{
	lockdep_assert_held(&s->lock);
	atomic_long_sub(s->locked_pages, &s->cred->user->locked_vm);
	s->locked_pages = 0;
}

/*
 * Removes every task; those sleeping in a payment are woken and stop paying, and payments still
 * queued on a task (one blocked in the kernel runs its own only when it returns to user mode) are
 * taken back with their references. No experiment runs (s->lock held): none is queued again.
 */
static void causal_detach_tasks(struct causal_session *s)
{
	struct causal_task *ct, *tmp;

	lockdep_assert_held(&s->lock);
	spin_lock(&s->tasks_lock);
	s->closing = true;
	list_for_each_entry_safe(ct, tmp, &s->tasks, session_node) {
		if (READ_ONCE(ct->paying))
			wake_up_process(ct->task);
		causal_delay_cancel(ct);
		causal_task_remove(ct);
	}
	spin_unlock(&s->tasks_lock);
}

/*
 * causal_may_attach() for a task attach adds, with Yama's rule at @scope: the process that attaches
 * (current, Yama's tracer) is t's own or an ancestor of it, or the opener has CAP_SYS_PTRACE over
 * t's user namespace. Yama keeps no such rule at exec, nor for children that a traced task forks.
 */
static bool causal_may_attach_new(struct causal_session *s, struct task_struct *t,
				  enum causal_yama_scope scope)
{
	const struct cred *tcred;
	bool capable;

	if (!causal_may_attach(s, t, true))
		return false;
	if (scope == CAUSAL_YAMA_DISABLED || same_thread_group(t, current))
		return true;
	if (scope == CAUSAL_YAMA_RELATIONAL && causal_task_is_descendant(current, t))
		return true;
	tcred = get_task_cred(t);
	capable = causal_opener_capable(s, tcred->user_ns, CAP_SYS_PTRACE);
	put_cred(tcred);
	return causal_yama_permits(scope, false, capable);
}

/*
 * Checks t and adds it to s under t's exec_update_lock, which an exec holds from before it
 * changes the task's credentials and mm until it has set both: either the check sees the new
 * credentials, or t is in the table before the exec and the exec hook checks it again.
 */
static int causal_task_add_checked(struct causal_session *s, struct task_struct *t,
				   enum causal_yama_scope scope)
{
	struct causal_task *ct;
	int ret;

	ret = down_read_killable(&t->signal->exec_update_lock);
	if (ret)
		return ret;
	if (causal_may_attach_new(s, t, scope))
		ret = causal_task_add(s, t, NULL, GFP_KERNEL, &ct);
	else
		ret = -EACCES;
	up_read(&t->signal->exec_update_lock);
	if (ret)
		return ret;
	/* an exec since the check makes it again, or takes the task out (causal_exec_work()) */
	ret = causal_sampler_add(ct);
	causal_task_put(ct);
	return ret;
}

/* Is t a task the attach target names: a thread of process p, or a task in cgroup cgrp? */
static bool causal_target_has(struct task_struct *p, struct cgroup *cgrp, struct task_struct *t)
{
	if (p)
		return same_thread_group(p, t);
	return cgroup_is_descendant(task_dfl_cgroup(t), cgrp);
}

/* Puts t in the batch if it belongs to the target and to no session yet; true when full. */
static bool causal_collect(struct causal_session *s, struct task_struct *p, struct cgroup *cgrp,
			   struct task_struct *t, struct task_struct **batch, int *n, int *err)
{
	struct causal_task *other;

	if (t->flags & (PF_EXITING | PF_KTHREAD) || !causal_target_has(p, cgrp, t))
		return false;
	other = causal_task_find(t);
	if (other) {
		if (other->session != s)
			*err = -EBUSY;	/* profiled by another session */
		return false;
	}
	get_task_struct(t);
	batch[(*n)++] = t;
	return *n == CAUSAL_ATTACH_BATCH;
}

/*
 * Adds every task of the target (a process, or a cgroup v2 subtree) that is not in the session
 * yet; returns how many, or sets *err. A task of another session is EBUSY; a task the opener may
 * not ptrace is EACCES.
 */
static int causal_session_add_target(struct causal_session *s, struct task_struct *p,
				     struct cgroup *cgrp, enum causal_yama_scope scope, int *err)
{
	struct task_struct *g, *t, **batch;
	int n, i, added = 0, ret;

	lockdep_assert_held(&s->lock);
	batch = kmalloc_array(CAUSAL_ATTACH_BATCH, sizeof(*batch), GFP_KERNEL);
	if (!batch) {
		*err = -ENOMEM;
		return 0;
	}
	/* collect under RCU, add outside it: adding allocates */
	do {
		n = 0;
		rcu_read_lock();
		if (p) {
			for_each_thread(p, t)
				if (causal_collect(s, p, NULL, t, batch, &n, err))
					break;
		} else {
			for_each_process_thread(g, t)
				if (causal_collect(s, NULL, cgrp, t, batch, &n, err))
					goto full;
		}
full:
		rcu_read_unlock();
		for (i = 0; i < n; i++) {
			ret = *err ?: causal_task_add_checked(s, batch[i], scope);
			if (!ret)
				added++;
			else if (ret != -EEXIST && !*err)
				*err = ret;
			put_task_struct(batch[i]);
		}
		/* a target of thousands of threads takes many scans: let the CPU go between them */
		cond_resched();
	} while (n == CAUSAL_ATTACH_BATCH && !*err);
	kfree(batch);
	return added;
}

int causal_attach_check(const struct causal_attach *a)
{
	u32 capacity = causal_ring_capacity(a->ring_pages ?: CAUSAL_RING_PAGES_DEFAULT);

	if (a->flags & ~CAUSAL_ATTACH_FLAGS)
		return -EINVAL;
	if (a->flags & CAUSAL_ATTACH_CGROUP) {
		if (a->cgroup_fd < 0 || a->pid)
			return -EINVAL;
	} else if (a->pid <= 0 || a->cgroup_fd) {
		return -EINVAL;
	}
	if (a->period_ns && (a->period_ns < CAUSAL_PERIOD_MIN_NS ||
			     a->period_ns > CAUSAL_PERIOD_MAX_NS))
		return -ERANGE;
	if (a->event != CAUSAL_EVENT_CPU_CLOCK && a->event != CAUSAL_EVENT_CYCLES)
		return -EINVAL;
	if (a->callchain > CAUSAL_MAX_CALLCHAIN)
		return -EINVAL;
	/* a batch larger than the ring would never be reached: poll() would only time out */
	if (!capacity || a->wakeup > capacity)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_attach_check);

/* Undoes what a failed attach set up, so that the session can attach again. */
static void causal_session_unsetup(struct causal_session *s)
{
	lockdep_assert_held(&s->lock);
	causal_ring_free(&s->ring);
	causal_memlock_uncharge(s);
	memset(&s->ring, 0, sizeof(s->ring));
	free_percpu(s->cpu_local);
	s->cpu_local = NULL;
	/* off the hooks' list, and a grace period on (see the caller) */
	if (s->cgrp)
		cgroup_put(s->cgrp);
	s->cgrp = NULL;
	if (s->pid_ns)
		put_pid_ns(s->pid_ns);
	s->pid_ns = NULL;
	put_pid(s->target);
	s->target = NULL;
}

/* Finds what attach names: a process (its leader, referenced) or a cgroup v2 (referenced). */
static int causal_attach_target(struct causal_session *s, const struct causal_attach *a,
				enum causal_yama_scope scope, struct task_struct **p,
				struct cgroup **cgrp)
{
	lockdep_assert_held(&s->lock);
	if (a->flags & CAUSAL_ATTACH_CGROUP) {
		*cgrp = cgroup_get_from_fd(a->cgroup_fd);
		return PTR_ERR_OR_ZERO(*cgrp);
	}
	s->target = find_get_pid(a->pid);
	*p = s->target ? get_pid_task(s->target, PIDTYPE_TGID) : NULL;
	if (!*p)
		return -ESRCH;
	if ((*p)->flags & PF_KTHREAD)
		return -EPERM;
	/* each thread is checked again as it is added (causal_task_add_checked()) */
	return causal_may_attach_new(s, *p, scope) ? 0 : -EACCES;
}

int causal_attach(struct causal_session *s, struct causal_attach *a)
{
	struct task_struct *p = NULL;
	struct cgroup *cgrp = NULL;
	enum causal_yama_scope scope;
	int ret, err = 0, pass;

	mutex_lock(&s->lock);
	if (s->attached) {
		ret = -EBUSY;
		goto out;
	}
	scope = causal_yama_scope();
	s->yama = scope;
	ret = causal_attach_target(s, a, scope, &p, &cgrp);
	if (ret)
		goto out_unsetup;
	s->flags = a->flags;
	s->period_ns = a->period_ns ?: CAUSAL_PERIOD_DEFAULT_NS;
	s->event = a->event;
	s->callchain = a->callchain;
	s->wakeup = a->wakeup ?: 1;
	s->pid_ns = get_pid_ns(task_active_pid_ns(current));
	if (a->flags & CAUSAL_ATTACH_CPU_MODEL) {
		s->cpu_local = alloc_percpu_gfp(struct causal_local, GFP_KERNEL_ACCOUNT);
		ret = -ENOMEM;
		if (!s->cpu_local)
			goto out_unsetup;
		causal_tasks_forgive(s);
	}
	ret = causal_ring_init(&s->ring, a->ring_pages ?: CAUSAL_RING_PAGES_DEFAULT);
	if (ret)
		goto out_unsetup;
	ret = causal_memlock_charge(s, s->ring.size >> PAGE_SHIFT);
	if (ret)
		goto out_unsetup;

	/* hooks first, so that tasks created while we add the others are followed */
	ret = causal_hooks_register();
	if (ret)
		goto out_unsetup;
	s->closing = false;
	/* before the tasks, so that the children they fork meanwhile get counters too */
	causal_sampler_start(s);
	/* and tasks that enter the subtree meanwhile join (causal_on_cgroup_move()) */
	if (cgrp) {
		cgroup_get(cgrp);
		s->cgrp = cgrp;
		causal_cgroup_session_add(s);
	}
	for (pass = 0; pass < 100; pass++)
		if (!causal_session_add_target(s, p, cgrp, scope, &err) || err)
			break;
	ret = err;
	if (!ret && !causal_stat_read(&s->stats->tasks_attached))
		ret = -ESRCH;	/* exited meanwhile, or an empty cgroup */
	if (ret) {
		causal_cgroup_session_del(s);
		causal_sampler_stop(s);
		causal_detach_tasks(s);
		/* a hook that found a task before it left may still use the ring and counters */
		synchronize_rcu();
		goto out_unsetup;
	}
	a->event_used = s->event;
	/* the ring is set up: causal_mmap() reads this without s->lock */
	smp_store_release(&s->attached, true);
	goto out;

out_unsetup:
	causal_session_unsetup(s);
out:
	if (p)
		put_task_struct(p);
	if (!IS_ERR_OR_NULL(cgrp))
		cgroup_put(cgrp);
	mutex_unlock(&s->lock);
	return ret;
}

/*
 * At close, with s->lock held and the experiment ended: stops sampling, removes every task,
 * uncharges the ring, and forgets the opener's file.
 */
void causal_detach(struct causal_session *s)
{
	lockdep_assert_held(&s->lock);
	/* no task joins from here on; a hook that found s before still sees it closing */
	causal_cgroup_session_del(s);
	if (s->attached) {
		causal_sampler_stop(s);
		causal_detach_tasks(s);
		s->attached = false;
	}
	causal_memlock_uncharge(s);
	/* the file is being released: nothing asks about its credentials from now on */
	spin_lock(&s->tasks_lock);
	s->closing = true;
	s->file = NULL;
	spin_unlock(&s->tasks_lock);
}
