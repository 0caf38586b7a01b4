// SPDX-License-Identifier: GPL-2.0
/*
 * What the scheduler hooks mean for sessions: fork and exit keep the task table current, a
 * wake-up carries the waker's delay to the wakee, and a switch-in lets the delay engine check the
 * task's debt. All of it runs in atomic context (see hooks.c).
 */

#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>

#include "delay.h"
#include "sampler.h"
#include "session.h"

void causal_on_fork(struct task_struct *parent, struct task_struct *child)
{
	struct causal_task *ct;
	struct causal_session *s;
	int ret;

	rcu_read_lock();
	ct = causal_task_find(parent);
	if (!ct)
		goto out;
	s = ct->session;
	if (!same_thread_group(parent, child) && (s->flags & CAUSAL_ATTACH_NO_FOLLOW))
		goto out;
	/* a child starts with its parent's delay: the parent's delays also delayed its birth */
	ret = causal_task_add(s, child, &ct->local, GFP_NOWAIT | __GFP_NOWARN);
	if (!ret)
		causal_stat_inc(&s->stats->forks_followed);
	else if (ret != -EEXIST && ret != -ESRCH)
		causal_stat_inc(&s->stats->tasks_lost);
out:
	rcu_read_unlock();
}

void causal_on_exit(struct task_struct *t)
{
	struct causal_task *ct;
	struct causal_session *s;

	rcu_read_lock();
	ct = causal_task_find(t);
	if (ct) {
		s = ct->session;
		spin_lock(&s->tasks_lock);
		if (!list_empty(&ct->session_node)) {
			causal_stat_inc(&s->stats->exits);
			causal_task_remove(ct);
		}
		spin_unlock(&s->tasks_lock);
	}
	rcu_read_unlock();
}

/*
 * prev leaves its CPU: a tick overdue now is its (causal_sampler_switch_out). When it leaves to
 * block, global now bounds what a wake-up by a session task lets it skip.
 */
void causal_on_switch_out(struct task_struct *prev, bool blocks)
{
	struct causal_task *ct;
	u64 now;

	if (prev->flags & PF_KTHREAD)
		return;
	rcu_read_lock();
	ct = causal_task_find(prev);
	if (ct) {
		now = ktime_get_mono_fast_ns();
		causal_sampler_switch_out(ct, now);
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
	if (!waker)
		goto out;
	s = waker->session;
	if (!rcu_access_pointer(s->exp))
		goto out;
	ct = causal_task_find(wakee);
	if (!ct || ct->session != s)
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

	if (next->flags & PF_KTHREAD)
		return;
	rcu_read_lock();
	ct = causal_task_find(next);
	if (!ct)
		goto out;
	/* running again: a wake-up from now on did not end that wait */
	if (atomic64_read(&ct->blocked_at) != CAUSAL_NOT_BLOCKED)
		atomic64_set(&ct->blocked_at, CAUSAL_NOT_BLOCKED);
	if (rcu_access_pointer(ct->session->exp))
		causal_delay_kick(ct);
out:
	rcu_read_unlock();
}
