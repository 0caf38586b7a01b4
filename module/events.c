// SPDX-License-Identifier: GPL-2.0
/*
 * What the scheduler hooks mean for sessions: fork and exit keep the task table current, a
 * wake-up carries the waker's delay to the wakee, a switch-in lets the delay engine check the
 * task's debt, and a cgroup move lets a task join or leave a cgroup session. The hooks run in
 * atomic context (see hooks.c); what may sleep runs later, in the task (task_work) or in a work
 * item (cgroup moves).
 */

#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/task_work.h>
#include <linux/timekeeping.h>

#include "delay.h"
#include "events.h"
#include "record.h"
#include "sampler.h"
#include "task.h"

static void causal_queue_move(struct task_struct *t);

void causal_on_fork(struct task_struct *parent, struct task_struct *child)
{
	struct causal_task *ct, *cct;
	struct causal_session *s;
	int ret;

	rcu_read_lock();
	ct = causal_task_find(parent);
	if (!ct) {
		/* born into a cgroup session's subtree, from a parent outside the session? */
		causal_queue_move(child);
		goto out;
	}
	s = ct->session;
	if (!same_thread_group(parent, child) && (s->flags & CAUSAL_ATTACH_NO_FOLLOW))
		goto out;
	/* cloned into a cgroup out of the session's subtree: not the session's (another's?) */
	if (s->cgrp && !cgroup_is_descendant(task_dfl_cgroup(child), s->cgrp)) {
		causal_queue_move(child);
		goto out;
	}
	/* a child starts with its parent's delay: the parent's delays also delayed its birth */
	ret = causal_task_add(s, child, &ct->local, GFP_NOWAIT | __GFP_NOWARN, &cct);
	if (!ret) {
		causal_stat_inc(&s->stats->forks_followed);
		causal_sampler_follow(cct);
	} else if (ret != -EEXIST && ret != -ESRCH) {
		causal_stat_inc(&s->stats->tasks_lost);
	}
out:
	rcu_read_unlock();
}

/*
 * The last switch record of t (current), which has left s: its last switch-out will not be seen,
 * so the timeline's span ends here. Also from a task_work, which may be preempted: not between
 * the record's reserve and commit (the reader reads in order).
 */
static void causal_record_exited(struct causal_session *s, struct task_struct *t)
{
	if (!(s->flags & CAUSAL_ATTACH_TRACE_SWITCHES))
		return;
	preempt_disable();
	causal_record_switch(s, t, CAUSAL_SAMPLE_SWITCH_OUT | CAUSAL_SAMPLE_EXITED,
			     ktime_get_mono_fast_ns());
	preempt_enable();
}

/*
 * t leaves its session: for good, so its later hooks find nothing. Leaving on its way out (t is
 * current), its last switch record is written here (causal_record_exited()).
 */
static void causal_task_leave(struct causal_task *ct, struct task_struct *t)
{
	struct causal_session *s = ct->session;
	bool left = false;

	spin_lock(&s->tasks_lock);
	if (!list_empty(&ct->session_node)) {
		causal_stat_inc(&s->stats->exits);
		causal_task_remove(ct);
		left = true;
	}
	spin_unlock(&s->tasks_lock);
	if (left && t == current)
		causal_record_exited(s, t);
}

static void causal_exit_work(struct callback_head *head)
{
	struct causal_task *ct = container_of(head, struct causal_task, exit_work);

	causal_task_leave(ct, current);
	causal_sampler_remove(ct);
	causal_task_work_done(ct);
}

/*
 * t (current) has entered do_exit(), and exit_mm() may be ahead: there the clear-tid futex wakes
 * the pthread_join()er, a wake-up that must carry t's delay like any other. sched_process_exit
 * came after exit_mm() until 6.16 and comes before it since (3e816361e94a), so t leaves from a
 * task_work instead, which do_exit() runs in exit_task_work(), after exit_mm() and exit_files(),
 * on every kernel. The sampler and the delay engine skip it from now on (PF_EXITING).
 */
void causal_on_exit_begin(struct task_struct *t)
{
	struct causal_task *ct;

	rcu_read_lock();
	ct = causal_task_find(t);
	/* past exit_task_work() (nothing of t is left to wake anybody), or not t's own hook */
	if (ct && (t != current ||
		   causal_task_queue(ct, t, &ct->exit_work, causal_exit_work, TWA_NONE)))
		causal_task_leave(ct, t);
	rcu_read_unlock();
}

/* t is past exit_mm() and exit_task_work() (the kprobe backend's cgroup_exit()) */
void causal_on_exit_end(struct task_struct *t)
{
	struct causal_task *ct;

	rcu_read_lock();
	ct = causal_task_find(t);
	if (ct)
		causal_task_leave(ct, t);
	rcu_read_unlock();
}

/* Why a session task leaves its CPU, for its switch record: a payment is ours, not its wait. */
static u32 causal_switch_reason(struct causal_task *ct, bool blocks)
{
	if (!blocks)
		return CAUSAL_SAMPLE_PREEMPTED;
	return READ_ONCE(ct->paying) ? CAUSAL_SAMPLE_DELAYED : CAUSAL_SAMPLE_BLOCKED;
}

/*
 * After an exec, in the task, before it returns to user mode (the new program has not run an
 * instruction yet). Under exec_update_lock, as attach checks and adds a task: the task stays if
 * the session's opener may still ptrace it, and if it is still dumpable by its owner (a setuid,
 * setgid or file-capability program is not): that last rule holds for every opener, as perf drops
 * a task's counters at such an exec whoever opened them.
 */
static void causal_exec_work(struct callback_head *head)
{
	struct causal_task *ct = container_of(head, struct causal_task, exec_work);
	struct causal_session *s = ct->session;
	bool stay = false, left = false;

	if (!(current->flags & PF_EXITING) &&
	    !down_read_killable(&current->signal->exec_update_lock)) {
		stay = causal_task_dumpable_by_owner(current) &&
		       causal_may_attach(s, current, false);
		if (stay) {
			WRITE_ONCE(ct->mm, current->mm);
			/* perf drops a task's counters at an exec that gains privileges */
			if (causal_sampler_add(ct))
				causal_stat_inc(&s->stats->tasks_lost);
			/* checked: accounted again from here on */
			smp_store_release(&ct->exec_pending, false);
		}
		up_read(&current->signal->exec_update_lock);
	}
	if (!stay) {
		spin_lock(&s->tasks_lock);
		if (!list_empty(&ct->session_node)) {
			causal_stat_inc(current->flags & PF_EXITING ? &s->stats->exits :
					&s->stats->tasks_left_exec);
			causal_task_remove(ct);
			left = true;
		}
		spin_unlock(&s->tasks_lock);
	}
	if (!stay)
		causal_sampler_remove(ct);
	/* the last record of the task, as for one that exits (held since the exec: no other) */
	if (left)
		causal_record_exited(s, current);
	atomic_set(&ct->exec_queued, 0);
	causal_task_work_done(ct);
}

/*
 * t (current) has exec'd: its credentials, dumpability and mm are the new program's. Checking
 * them against the opener's may sleep (exec_update_lock), which a scheduler hook may not: hold
 * the task (no sample, payment, wake-up or progress hit is accounted for it) and check it from a
 * task_work, which runs before the new program does.
 */
void causal_on_exec(struct task_struct *t)
{
	struct causal_task *ct;

	rcu_read_lock();
	ct = causal_task_find(t);
	if (!ct)
		goto out;
	WRITE_ONCE(ct->exec_pending, true);
	/* held, then queued: a sampler that missed the flag ran before the exec completed */
	smp_mb();
	if (t != current || atomic_cmpxchg(&ct->exec_queued, 0, 1))
		goto out;
	/* exiting: it leaves in its exit hook, still held */
	if (causal_task_queue(ct, t, &ct->exec_work, causal_exec_work, TWA_RESUME))
		atomic_set(&ct->exec_queued, 0);
out:
	rcu_read_unlock();
}

/*
 * Cgroup moves. The tracepoint comes with IRQs off, under cgroup_mutex and a spinlock: too early
 * for the task table (rhashtable takes its bucket locks with bottom halves off, which may not be
 * turned on again with IRQs off) and for the opener's ptrace check (exec_update_lock). So the hook
 * holds a task that moved out of its session's subtree (nothing is accounted for it from the
 * move on) and queues a work that decides, in process context, from where the task is then: it
 * leaves, joins, or stays.
 */
struct causal_move {
	struct work_struct work;
	struct task_struct *task;		/* referenced */
};

static struct workqueue_struct *causal_moves_wq;

int causal_events_init(void)
{
	causal_moves_wq = alloc_workqueue("causal_moves", WQ_UNBOUND, 0);
	return causal_moves_wq ? 0 : -ENOMEM;
}

/* After the hooks are gone: the moves queued run (they use the task table), then it goes. */
void causal_events_exit(void)
{
	destroy_workqueue(causal_moves_wq);
}

/*
 * Whether a task that joins s after attach may: the opener may ptrace it, with Yama's rule as at
 * attach (s->yama), where no attaching process is left to be the task's ancestor: beyond the
 * classic rule, only CAP_SYS_PTRACE over the task's user namespace lets it in. Under t's
 * exec_update_lock, as attach checks a task.
 */
static bool causal_may_join(struct causal_session *s, struct task_struct *t)
{
	const struct cred *tcred;
	bool capable;

	if (!causal_may_attach(s, t, false))
		return false;
	if (s->yama == CAUSAL_YAMA_DISABLED)
		return true;
	tcred = get_task_cred(t);
	capable = causal_opener_capable(s, tcred->user_ns, CAP_SYS_PTRACE);
	put_cred(tcred);
	return causal_yama_permits(s->yama, false, capable);
}

/* ct's task is out of its session's subtree: it leaves, owing what it owes, as at exit. */
static void causal_move_out(struct causal_task *ct)
{
	struct causal_session *s = ct->session;

	spin_lock(&s->tasks_lock);
	if (!list_empty(&ct->session_node)) {
		causal_delay_cancel(ct);
		causal_task_remove(ct);
	}
	spin_unlock(&s->tasks_lock);
	causal_sampler_remove(ct);
}

/* t, in no session, is in s's subtree: it joins if the opener may profile it, owing nothing. */
static void causal_move_in(struct causal_session *s, struct task_struct *t)
{
	struct causal_task *ct;
	int ret = -EACCES;

	down_read(&t->signal->exec_update_lock);
	if (causal_may_join(s, t))
		ret = causal_task_add(s, t, NULL, GFP_KERNEL, &ct);
	up_read(&t->signal->exec_update_lock);
	if (!ret) {
		if (causal_sampler_add(ct))
			causal_stat_inc(&s->stats->tasks_lost);
		causal_task_put(ct);
	} else if (ret != -EEXIST && ret != -ESRCH) {
		/* refused, or no memory: not followed */
		causal_stat_inc(&s->stats->tasks_lost);
	}
}

static void causal_move_work(struct work_struct *work)
{
	struct causal_move *m = container_of(work, struct causal_move, work);
	struct task_struct *t = m->task;
	struct causal_session *s = NULL;
	struct causal_task *ct;
	bool out = false;

	rcu_read_lock();
	ct = causal_task_find(t);
	if (ct && ct->session->cgrp) {
		out = !cgroup_is_descendant(task_dfl_cgroup(t), ct->session->cgrp);
		if (out && !kref_get_unless_zero(&ct->ref))
			ct = NULL;
		else if (!out)
			WRITE_ONCE(ct->moved_out, false);	/* back in before this ran */
	}
	rcu_read_unlock();
	if (out && ct) {
		causal_move_out(ct);
		causal_task_put(ct);
	}
	rcu_read_lock();
	if (!(t->flags & (PF_EXITING | PF_KTHREAD)) && !causal_task_find(t))
		s = causal_cgroup_session_get(task_dfl_cgroup(t));
	rcu_read_unlock();
	if (s) {
		causal_move_in(s, t);
		causal_session_put(s);
	}
	put_task_struct(t);
	kfree(m);
}

/*
 * t may have entered or left a cgroup session's subtree: held now if it left its session's, the
 * rest decided by a work. Atomic context, IRQs maybe off.
 */
static void causal_queue_move(struct task_struct *t)
{
	struct causal_session *s = NULL;
	struct causal_move *m;
	struct causal_task *ct;
	bool moved = false;

	if (!causal_cgroup_sessions_any() || t->flags & PF_KTHREAD)
		return;
	rcu_read_lock();
	ct = causal_task_find(t);
	if (ct && ct->session->cgrp &&
	    !cgroup_is_descendant(task_dfl_cgroup(t), ct->session->cgrp)) {
		WRITE_ONCE(ct->moved_out, true);
		moved = true;
	} else if (!ct) {
		s = causal_cgroup_session_get(task_dfl_cgroup(t));
		moved = s;
	}
	rcu_read_unlock();
	if (s)
		causal_session_put(s);
	/* most moves and forks on the machine are no session's business */
	if (!moved)
		return;
	m = kmalloc(sizeof(*m), GFP_NOWAIT | __GFP_NOWARN);
	if (!m) {
		pr_warn_ratelimited("no memory for the cgroup move of task %d: not followed\n",
				    task_pid_nr(t));
		return;
	}
	get_task_struct(t);
	m->task = t;
	INIT_WORK(&m->work, causal_move_work);
	queue_work(causal_moves_wq, &m->work);
}

/*
 * cgroup_attach_task() moved @leader (and with @threadgroup its threads, which cannot change
 * meanwhile) into @dst; on the default hierarchy or another: a task's place in cgroup v2, which a
 * session names, is what counts.
 */
void causal_on_cgroup_move(struct cgroup *dst, struct task_struct *leader, bool threadgroup)
{
	struct task_struct *t;

	if (!causal_cgroup_sessions_any())
		return;
	rcu_read_lock();
	if (threadgroup) {
		for_each_thread(leader, t)
			causal_queue_move(t);
	} else {
		causal_queue_move(leader);
	}
	rcu_read_unlock();
}

/*
 * The session task of a task switching, under RCU. Kernel threads, the most frequent switchers,
 * are in no session: no lookup for them.
 */
static struct causal_task *causal_switch_task(struct task_struct *t)
{
	return t->flags & PF_KTHREAD ? NULL : causal_task_find(t);
}

/*
 * prev leaves its CPU: a tick overdue now is not sampled where it fires (see
 * causal_sampler_switch_out()). When it leaves to block, global now bounds what a wake-up by a
 * session task lets it skip.
 */
void causal_on_switch_out(struct task_struct *prev, bool blocks)
{
	struct causal_task *ct;
	u64 now;

	rcu_read_lock();
	ct = causal_switch_task(prev);
	if (ct) {
		now = ktime_get_mono_fast_ns();
		causal_sampler_switch_out(ct, now);
		if ((ct->session->flags & CAUSAL_ATTACH_TRACE_SWITCHES) && !causal_task_held(ct))
			causal_record_switch(ct->session, prev, CAUSAL_SAMPLE_SWITCH_OUT |
					     causal_switch_reason(ct, blocks), now);
		if (blocks) {
			ct->blocked_ns = now;
			/* the time before the mark: pairs with the xchg in causal_on_waking() */
			atomic64_set_release(&ct->blocked_at,
					     atomic64_read(&ct->session->clock.global));
		}
	}
	rcu_read_unlock();
}

/*
 * In the waker's context, before the wakee runs. A wake-up from interrupt context (I/O, timers)
 * was not caused by the interrupted task, and the wakee keeps its debt. A wakee that never
 * blocked (woken before it left its CPU) skips nothing: it did not wait.
 */
void causal_on_waking(struct task_struct *wakee)
{
	struct causal_task *waker, *ct;
	struct causal_session *s;
	s64 blocked_at;
	bool grew;

	if (!in_task() || wakee == current)
		return;
	rcu_read_lock();
	waker = causal_task_find(current);
	if (!waker || causal_task_held(waker))
		goto out;
	s = waker->session;
	if (!rcu_access_pointer(s->exp))
		goto out;
	ct = causal_task_find(wakee);
	if (!ct || ct->session != s || causal_task_held(ct))
		goto out;
	blocked_at = atomic64_xchg(&ct->blocked_at, CAUSAL_NOT_BLOCKED);
	/* per CPU, the count is a token the wakee takes along (Morsing): the waker's, at most */
	if (s->cpu_local)
		grew = causal_acct_inherit(causal_task_local(ct, task_cpu(wakee)),
					   causal_task_local(waker, raw_smp_processor_id()));
	else
		grew = blocked_at != CAUSAL_NOT_BLOCKED &&
		       causal_acct_wake(&ct->local, &waker->local, blocked_at,
					ktime_get_mono_fast_ns() - ct->blocked_ns);
	if (grew)
		causal_stat_inc(&s->stats->wakeups_inherited);
out:
	rcu_read_unlock();
}

void causal_on_switch_in(struct task_struct *next)
{
	struct causal_task *ct;
	u64 now;

	rcu_read_lock();
	ct = causal_switch_task(next);
	if (!ct)
		goto out;
	now = ktime_get_mono_fast_ns();
	causal_sampler_switch_in(ct, now);
	if ((ct->session->flags & CAUSAL_ATTACH_TRACE_SWITCHES) && !causal_task_held(ct))
		causal_record_switch(ct->session, next, CAUSAL_SAMPLE_SWITCH_IN, now);
	/* running again: a wake-up from now on did not end that wait */
	if (atomic64_read(&ct->blocked_at) != CAUSAL_NOT_BLOCKED)
		atomic64_set(&ct->blocked_at, CAUSAL_NOT_BLOCKED);
	if (rcu_access_pointer(ct->session->exp) && !causal_task_held(ct))
		causal_delay_kick(ct);
out:
	rcu_read_unlock();
}
