// SPDX-License-Identifier: GPL-2.0
/*
 * What the scheduler hooks mean for sessions: fork and exit keep the task table current, a
 * wake-up carries the waker's delay to the wakee, and a switch-in lets the delay engine check the
 * task's debt. All of it runs in atomic context (see hooks.c).
 */

#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "delay.h"
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
 * In the waker's context, before the wakee runs. A wake-up from interrupt context (I/O, timers)
 * was not caused by the interrupted task, and the wakee keeps its debt.
 */
void causal_on_waking(struct task_struct *wakee)
{
	struct causal_task *waker, *ct;
	struct causal_session *s;

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
	if (causal_acct_inherit(causal_task_local(ct, task_cpu(wakee)),
				causal_task_local(waker, raw_smp_processor_id())))
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
	if (ct && rcu_access_pointer(ct->session->exp))
		causal_delay_kick(ct);
	rcu_read_unlock();
}
