// SPDX-License-Identifier: GPL-2.0
/* The task table: the causal_task of every task in any session, found by task_struct in O(1). */

#include <linux/module.h>
#include <linux/rhashtable.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "task.h"

static const struct rhashtable_params causal_task_params = {
	.key_len = sizeof(struct task_struct *),
	.key_offset = offsetof(struct causal_task, task),
	.head_offset = offsetof(struct causal_task, node),
	.automatic_shrinking = true,
};

static struct rhashtable causal_task_table;
static struct kmem_cache *causal_task_cache;

int causal_tasks_init(void)
{
	int ret;

	/* charged to the memory cgroup of who adds the task: the attacher, or the forking parent */
	causal_task_cache = KMEM_CACHE(causal_task, SLAB_ACCOUNT);
	if (!causal_task_cache)
		return -ENOMEM;
	ret = rhashtable_init(&causal_task_table, &causal_task_params);
	if (ret)
		kmem_cache_destroy(causal_task_cache);
	return ret;
}

void causal_tasks_exit(void)
{
	/* every session is closed by now, so the table is empty */
	rhashtable_destroy(&causal_task_table);
	rcu_barrier();
	kmem_cache_destroy(causal_task_cache);
}

struct causal_task *causal_task_find(struct task_struct *t)
{
	/* the hooks stay registered without sessions: an empty table costs one read */
	if (!atomic_read(&causal_task_table.nelems))
		return NULL;
	return rhashtable_lookup(&causal_task_table, &t, causal_task_params);
}

static void causal_task_free_rcu(struct rcu_head *rcu)
{
	struct causal_task *ct = container_of(rcu, struct causal_task, rcu);

	put_task_struct(ct->task);
	causal_session_put(ct->session);
	kmem_cache_free(causal_task_cache, ct);
}

static void causal_task_release(struct kref *ref)
{
	struct causal_task *ct = container_of(ref, struct causal_task, ref);

	/* hooks may still hold the pointer from a lookup under RCU */
	call_rcu(&ct->rcu, causal_task_free_rcu);
}

void causal_task_put(struct causal_task *ct)
{
	kref_put(&ct->ref, causal_task_release);
}

int causal_task_queue(struct causal_task *ct, struct task_struct *t, struct callback_head *work,
		      task_work_func_t func, enum task_work_notify_mode mode)
{
	if (!kref_get_unless_zero(&ct->ref))
		return -ENOENT;
	__module_get(THIS_MODULE);
	init_task_work(work, func);
	if (causal_task_work_add(t, work, mode)) {
		causal_task_work_done(ct);
		return -ESRCH;
	}
	return 0;
}

void causal_task_work_done(struct causal_task *ct)
{
	causal_task_put(ct);
	module_put(THIS_MODULE);
}

/*
 * Adds t to session s, its local delay inherited from `inherit` (the parent's, at fork) or set to
 * the session's global delay (owes nothing). Called from attach (process context) and from the
 * fork hook (atomic: gfp is GFP_NOWAIT there). -EEXIST if t is in a session already. With @added,
 * the new record is returned there with a reference the caller puts (it may have left already).
 */
int causal_task_add(struct causal_session *s, struct task_struct *t,
		    const struct causal_local *inherit, gfp_t gfp, struct causal_task **added)
{
	struct causal_task *ct;
	int ret;

	ct = kmem_cache_zalloc(causal_task_cache, gfp);
	if (!ct)
		return -ENOMEM;
	get_task_struct(t);
	ct->task = t;
	ct->mm = READ_ONCE(t->mm);
	kref_get(&s->ref);
	ct->session = s;
	kref_init(&ct->ref);
	INIT_LIST_HEAD(&ct->session_node);
	INIT_LIST_HEAD(&ct->counter_node);
	/* a child owes what its parent owes; a task found at attach owes nothing */
	if (inherit)
		causal_acct_inherit(&ct->local, inherit);
	else
		causal_local_init(&ct->local, &s->clock);
	/*
	 * A task found at attach may be blocked already: it has been so since it joined, as far as
	 * the session can tell. A new child has not blocked yet.
	 */
	ct->blocked_ns = ktime_get_mono_fast_ns();
	atomic64_set(&ct->blocked_at,
		     inherit ? CAUSAL_NOT_BLOCKED : atomic64_read(&ct->local.local));

	spin_lock(&s->tasks_lock);
	if (s->closing) {
		ret = -ESRCH;
	} else {
		ret = rhashtable_lookup_insert_fast(&causal_task_table, &ct->node,
						    causal_task_params);
		if (!ret) {
			if (added) {
				kref_get(&ct->ref);
				*added = ct;
			}
			list_add_tail(&ct->session_node, &s->tasks);
			causal_stat_inc(&s->stats->tasks_attached);
			causal_stat_inc(&s->stats->tasks_seen);
		}
	}
	/*
	 * Attach raced with the task's exit: the exit hook may have run before the task was in the
	 * table, and would never remove it. PF_EXITING is set before any exit hook runs.
	 */
	if (!ret && (t->flags & PF_EXITING)) {
		causal_stat_inc(&s->stats->exits);
		causal_task_remove(ct);
	}
	spin_unlock(&s->tasks_lock);
	if (ret) {
		put_task_struct(t);
		causal_session_put(s);	/* never the last: the caller holds one */
		kmem_cache_free(causal_task_cache, ct);
	}
	return ret;
}

/* Takes ct out of its session and the table; the caller holds session->tasks_lock. */
void causal_task_remove(struct causal_task *ct)
{
	struct causal_session *s = ct->session;

	lockdep_assert_held(&s->tasks_lock);
	if (list_empty(&ct->session_node))
		return;
	list_del_init(&ct->session_node);
	rhashtable_remove_fast(&causal_task_table, &ct->node, causal_task_params);
	causal_stat_add(&s->stats->tasks_attached, -1);
	causal_stat_add(&s->stats->unpaid_at_exit,
			causal_acct_debt(&s->clock, causal_task_local(ct, task_cpu(ct->task))));
	causal_task_put(ct);
}

/*
 * Every local counter of the session back to the global one: nobody owes anything, and a task
 * sleeping to pay a debt of an experiment that has ended (s->exp changed) wakes up.
 */
void causal_tasks_forgive(struct causal_session *s)
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
