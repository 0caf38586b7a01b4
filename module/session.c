// SPDX-License-Identifier: GPL-2.0
/* Sessions: attach to a process, follow its threads and children, run experiments. */

#include <linux/cpumask.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rwsem.h>
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/sched/user.h>

#include "delay.h"
#include "exp.h"
#include "hooks.h"
#include "progress.h"
#include "sampler.h"
#include "session.h"
#include "task.h"
#include "uarg.h"
#include "umem.h"
#include "yama.h"

static_assert(sizeof(struct causal_attach) == CAUSAL_ATTACH_SIZE_VER0);
static_assert(sizeof(struct causal_experiment) == CAUSAL_EXPERIMENT_SIZE_VER0);
static_assert(sizeof(struct causal_experiment_result) == CAUSAL_EXPERIMENT_RESULT_SIZE_VER0);
static_assert(sizeof(struct causal_stats) == CAUSAL_STATS_SIZE_VER1);
static_assert(sizeof(struct causal_stats) <= PAGE_SIZE);

/*
 * Tasks taken per scan of the target under RCU. Each scan starts over and skips the tasks added
 * already, so a process of N threads costs N²/BATCH lookups: 10 000 threads are 400 000.
 */
#define CAUSAL_ATTACH_BATCH	256

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
static bool causal_opener_capable(struct causal_session *s, struct user_namespace *ns, int cap)
{
	bool ret = false;

	/* a spinlock, as ptrace_may_access() asks security_capable() under task_lock() */
	spin_lock(&s->tasks_lock);
	if (s->file)
		ret = file_ns_capable(s->file, ns, cap);
	spin_unlock(&s->tasks_lock);
	return ret;
}

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

/* the sessions' frees after their last reference, in process context; drained at unload */
static struct workqueue_struct *causal_free_wq;

int causal_sessions_init(void)
{
	causal_free_wq = alloc_workqueue("causal_free", 0, 0);
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
	free_percpu(s->cpu_local);
	put_pid(s->target);
	if (s->pid_ns)
		put_pid_ns(s->pid_ns);
	put_cred(s->cred);
	kfree(s);
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
 * Every local counter of the session back to the global one: nobody owes anything, and a task
 * sleeping to pay a debt of an experiment that has ended (s->exp changed) wakes up.
 */
static void causal_session_forgive(struct causal_session *s)
{
	struct causal_task *ct;
	int cpu;

	lockdep_assert_held(&s->lock);
	spin_lock(&s->tasks_lock);
	list_for_each_entry(ct, &s->tasks, session_node) {
		causal_acct_forgive(&s->clock, &ct->local);
		ct->delayed = false;
		if (READ_ONCE(ct->paying))
			wake_up_process(ct->task);
	}
	spin_unlock(&s->tasks_lock);
	if (s->cpu_local)
		for_each_possible_cpu(cpu) {
			causal_acct_forgive(&s->clock, per_cpu_ptr(s->cpu_local, cpu));
			causal_acct_forgive_payment(per_cpu_ptr(s->cpu_local, cpu));
		}
}

static struct causal_exp *causal_session_exp(struct causal_session *s)
{
	return rcu_dereference_protected(s->exp, lockdep_is_held(&s->lock));
}

static void causal_exp_free_rcu(struct rcu_head *rcu)
{
	struct causal_exp *e = container_of(rcu, struct causal_exp, rcu);

	causal_ranges_free(e->ranges);
	causal_ranges_free(e->scope);
	kfree(e);
}

/* Ends the running experiment, if any, and fills r (may be NULL). Called with s->lock held. */
static void causal_session_end_exp(struct causal_session *s, struct causal_experiment_result *r)
{
	struct causal_exp *e = causal_session_exp(s);
	u64 now = ktime_get_ns();

	lockdep_assert_held(&s->lock);
	if (!e)
		return;
	RCU_INIT_POINTER(s->exp, NULL);
	WRITE_ONCE(s->stats->experiment_active, 0);
	/* the sampler reads s->exp in IRQ/NMI context: wait for it before reading final counts */
	synchronize_rcu();
	if (r) {
		r->id = e->id;
		r->selected_samples = atomic64_read(&e->selected);
		if (e->max_samples)
			r->selected_samples = min(r->selected_samples, e->max_samples);
		r->session_samples = atomic64_read(&e->session_samples);
		r->delay_inserted = atomic64_read(&s->clock.global) - e->global_at_start;
		r->delay_paid = atomic64_read(&e->paid);
		r->paid_error = atomic64_read(&e->paid_error);
		r->overshoot = atomic64_read(&e->overshoot);
		r->payments = atomic64_read(&e->payments);
		r->tasks_delayed = atomic64_read(&e->tasks_delayed);
		r->wall = now - e->start_ns;
		r->effective = r->wall > r->delay_inserted ? r->wall - r->delay_inserted : 0;
	}
	causal_session_forgive(s);
	WRITE_ONCE(s->stats->seq, s->stats->seq + 1);
	call_rcu(&e->rcu, causal_exp_free_rcu);
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

long causal_session_attach(struct causal_session *s, struct causal_attach __user *uarg)
{
	struct task_struct *p = NULL;
	struct cgroup *cgrp = NULL;
	enum causal_yama_scope scope;
	struct causal_attach a;
	int ret, err = 0, pass;

	ret = causal_uarg_copy(&a, sizeof(a), uarg, CAUSAL_ATTACH_SIZE_VER0);
	if (ret)
		return ret;
	ret = causal_attach_check(&a);
	if (ret)
		return ret;

	mutex_lock(&s->lock);
	if (s->attached) {
		ret = -EBUSY;
		goto out;
	}
	scope = causal_yama_scope();
	ret = causal_attach_target(s, &a, scope, &p, &cgrp);
	if (ret)
		goto out_unsetup;
	s->flags = a.flags;
	s->period_ns = a.period_ns ?: CAUSAL_PERIOD_DEFAULT_NS;
	s->event = a.event;
	s->callchain = a.callchain;
	s->wakeup = a.wakeup ?: 1;
	s->pid_ns = get_pid_ns(task_active_pid_ns(current));
	if (a.flags & CAUSAL_ATTACH_CPU_MODEL) {
		s->cpu_local = alloc_percpu_gfp(struct causal_local, GFP_KERNEL_ACCOUNT);
		ret = -ENOMEM;
		if (!s->cpu_local)
			goto out_unsetup;
		causal_session_forgive(s);
	}
	ret = causal_ring_init(&s->ring, a.ring_pages ?: CAUSAL_RING_PAGES_DEFAULT);
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
	for (pass = 0; pass < 100; pass++)
		if (!causal_session_add_target(s, p, cgrp, scope, &err) || err)
			break;
	ret = err;
	if (!ret && !causal_stat_read(&s->stats->tasks_attached))
		ret = -ESRCH;	/* exited meanwhile, or an empty cgroup */
	if (ret) {
		causal_sampler_stop(s);
		causal_session_detach_tasks(s);
		/* a hook that found a task before it left may still use the ring and counters */
		synchronize_rcu();
		goto out_unsetup;
	}
	a.event_used = s->event;
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
	return ret ?: causal_uarg_put(uarg, &a, sizeof(a));
}

/*
 * Removes every task; those sleeping in a payment are woken and stop paying, and payments still
 * queued on a task (one blocked in the kernel runs its own only when it returns to user mode) are
 * taken back with their references. No experiment runs (s->lock held): none is queued again.
 */
void causal_session_detach_tasks(struct causal_session *s)
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

void causal_session_close(struct causal_session *s)
{
	mutex_lock(&s->lock);
	causal_session_end_exp(s, NULL);
	if (s->attached) {
		causal_sampler_stop(s);
		causal_session_detach_tasks(s);
		s->attached = false;
	}
	causal_memlock_uncharge(s);
	/* the file is being released: nothing asks about its credentials from now on */
	spin_lock(&s->tasks_lock);
	s->closing = true;
	s->file = NULL;
	spin_unlock(&s->tasks_lock);
	mutex_unlock(&s->lock);
	causal_progress_remove_all(s);
	irq_work_sync(&s->poll_work);
	causal_session_put(s);
}

int causal_exp_check(const struct causal_experiment *e)
{
	if (e->flags & ~CAUSAL_EXPERIMENT_FLAGS)
		return -EINVAL;
	if ((e->flags & CAUSAL_EXPERIMENT_SCOPE) && (e->flags & CAUSAL_EXPERIMENT_CALLCHAIN))
		return -EINVAL;
	/* delay 0 is a baseline: samples in the ranges are counted, nobody is delayed */
	if (e->delay_ns > CAUSAL_DELAY_MAX_NS)
		return -ERANGE;
	if (!e->nr_ranges)
		return -EINVAL;
	if (e->nr_ranges > CAUSAL_MAX_RANGES)
		return -E2BIG;
	/* the line and the scope: neither empty */
	if (e->flags & CAUSAL_EXPERIMENT_SCOPE ?
	    !e->nr_line_ranges || e->nr_line_ranges >= e->nr_ranges : e->nr_line_ranges)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_exp_check);

/*
 * When an experiment that starts at @start_ns stops crediting: 0 (no bound) for no duration, and
 * for one that would end past the clock's range, which start + duration would wrap to the past.
 */
u64 causal_exp_deadline(u64 start_ns, u64 max_duration_ns)
{
	u64 deadline;

	if (!max_duration_ns || check_add_overflow(start_ns, max_duration_ns, &deadline))
		return 0;
	return deadline;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_exp_deadline);

long causal_session_exp_start(struct causal_session *s, struct causal_experiment __user *uarg)
{
	struct causal_experiment a;
	struct causal_range *in;
	struct causal_exp *e;
	int ret;

	ret = causal_uarg_copy(&a, sizeof(a), uarg, CAUSAL_EXPERIMENT_SIZE_VER0);
	if (ret)
		return ret;
	ret = causal_exp_check(&a);
	if (ret)
		return ret;
	in = memdup_user(u64_to_user_ptr(a.ranges), array_size(a.nr_ranges, sizeof(*in)));
	if (IS_ERR(in))
		return PTR_ERR(in);
	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e) {
		kfree(in);
		return -ENOMEM;
	}
	if (a.flags & CAUSAL_EXPERIMENT_SCOPE) {
		ret = causal_ranges_build(in, a.nr_line_ranges, &e->ranges);
		if (!ret)
			ret = causal_ranges_build(in + a.nr_line_ranges,
						  a.nr_ranges - a.nr_line_ranges, &e->scope);
	} else {
		ret = causal_ranges_build(in, a.nr_ranges, &e->ranges);
	}
	kfree(in);
	if (ret)
		goto out_free;

	mutex_lock(&s->lock);
	if (!s->attached) {
		ret = -ENOTCONN;
		goto out_unlock;
	}
	if (causal_session_exp(s)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	e->id = ++s->next_exp_id;
	e->flags = a.flags;
	e->delay_ns = a.delay_ns;
	e->max_samples = a.max_samples;
	causal_session_forgive(s);
	e->global_at_start = atomic64_read(&s->clock.global);
	e->start_ns = ktime_get_ns();
	e->deadline_ns = causal_exp_deadline(e->start_ns, a.max_duration_ns);
	causal_stat_inc(&s->stats->experiments);
	WRITE_ONCE(s->stats->experiment_active, e->id);
	WRITE_ONCE(s->stats->seq, s->stats->seq + 1);
	rcu_assign_pointer(s->exp, e);
	mutex_unlock(&s->lock);
	a.id = e->id;
	return causal_uarg_put(uarg, &a, sizeof(a));

out_unlock:
	mutex_unlock(&s->lock);
out_free:
	causal_ranges_free(e->ranges);
	causal_ranges_free(e->scope);
	kfree(e);
	return ret;
}

long causal_session_exp_stop(struct causal_session *s,
			     struct causal_experiment_result __user *uarg)
{
	struct causal_experiment_result r;
	u32 usize;
	int ret;

	ret = causal_uarg_copy(&r, sizeof(r), uarg, CAUSAL_EXPERIMENT_RESULT_SIZE_VER0);
	if (ret)
		return ret;
	if (r.flags)
		return -EINVAL;
	mutex_lock(&s->lock);
	if (!causal_session_exp(s)) {
		mutex_unlock(&s->lock);
		return s->attached ? -ENOENT : -ENOTCONN;
	}
	usize = r.size;
	memset(&r, 0, sizeof(r));
	r.size = usize;
	causal_session_end_exp(s, &r);
	mutex_unlock(&s->lock);
	return causal_uarg_put(uarg, &r, sizeof(r));
}

long causal_session_stats(struct causal_session *s, struct causal_stats __user *uarg)
{
	struct causal_stats st;
	u32 usize;
	int ret;

	ret = causal_uarg_copy(&st, sizeof(st), uarg, CAUSAL_STATS_SIZE_VER0);
	if (ret)
		return ret;
	if (st.flags)
		return -EINVAL;
	usize = st.size;
	memcpy(&st, s->stats, sizeof(st));
	/* what the caller's struct holds, not ours: an older caller's is shorter */
	st.size = usize;
	st.flags = 0;
	st.global_delay = atomic64_read(&s->clock.global);
	return causal_uarg_put(uarg, &st, sizeof(st));
}
