// SPDX-License-Identifier: GPL-2.0
/*
 * Experiments: start one on an attached session (its ranges, delay and bounds), stop it and
 * report what it did. The sampler credits against the running one and the delay engine pays
 * for it (exp.h); both read it under RCU, so an ended one is freed a grace period later.
 */

#include <linux/overflow.h>
#include <linux/slab.h>

#include "exp.h"
#include "experiment.h"
#include "task.h"

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

void causal_exp_end(struct causal_session *s, struct causal_experiment_result *r)
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
	causal_tasks_forgive(s);
	WRITE_ONCE(s->stats->seq, s->stats->seq + 1);
	call_rcu(&e->rcu, causal_exp_free_rcu);
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

int causal_exp_start(struct causal_session *s, struct causal_experiment *a,
		     const struct causal_range *in)
{
	struct causal_exp *e;
	int ret;

	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	if (a->flags & CAUSAL_EXPERIMENT_SCOPE) {
		ret = causal_ranges_build(in, a->nr_line_ranges, &e->ranges);
		if (!ret)
			ret = causal_ranges_build(in + a->nr_line_ranges,
						  a->nr_ranges - a->nr_line_ranges, &e->scope);
	} else {
		ret = causal_ranges_build(in, a->nr_ranges, &e->ranges);
	}
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
	e->flags = a->flags;
	e->delay_ns = a->delay_ns;
	e->max_samples = a->max_samples;
	causal_tasks_forgive(s);
	e->global_at_start = atomic64_read(&s->clock.global);
	e->start_ns = ktime_get_ns();
	e->deadline_ns = causal_exp_deadline(e->start_ns, a->max_duration_ns);
	causal_stat_inc(&s->stats->experiments);
	WRITE_ONCE(s->stats->experiment_active, e->id);
	WRITE_ONCE(s->stats->seq, s->stats->seq + 1);
	rcu_assign_pointer(s->exp, e);
	mutex_unlock(&s->lock);
	a->id = e->id;
	return 0;

out_unlock:
	mutex_unlock(&s->lock);
out_free:
	causal_ranges_free(e->ranges);
	causal_ranges_free(e->scope);
	kfree(e);
	return ret;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_exp_start);

int causal_exp_stop(struct causal_session *s, struct causal_experiment_result *r)
{
	mutex_lock(&s->lock);
	if (!causal_session_exp(s)) {
		mutex_unlock(&s->lock);
		return s->attached ? -ENOENT : -ENOTCONN;
	}
	memset(r, 0, sizeof(*r));
	causal_exp_end(s, r);
	mutex_unlock(&s->lock);
	return 0;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_exp_stop);
