// SPDX-License-Identifier: GPL-2.0
/*
 * The sampler: one perf counter per session task, bound to the task, cpu-clock by default (hard
 * IRQ, works in VMs without a PMU) or cycles (NMI). A counter runs only while its task does, on
 * whichever CPU, so a CPU that runs no session task is never interrupted for a session, and a CPU
 * that comes online is sampled as soon as a session task runs there. The overflow handler runs in
 * that atomic context: it records the sample in the session's ring, credits the task when its IP
 * is in the experiment's ranges, and kicks the delay engine; it never sleeps, locks or allocates.
 * Counters are made where sleeping is allowed: at attach, in a followed child before it first
 * returns to user mode (a task_work queued from the fork hook), and after an exec.
 */

#include <linux/perf_event.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "delay.h"
#include "exp.h"
#include "record.h"
#include "sampler.h"
#include "task.h"
#include "unwind.h"

static int causal_read_user(u64 addr, void *buf, u32 len)
{
	return copy_from_user_nofault(buf, (void __user *)addr, len) ? -EFAULT : 0;
}

/* The return addresses above the user registers @regs, by the session's rows and frame pointers. */
static u16 causal_user_callchain(struct causal_session *s, struct pt_regs *regs, u64 *out)
{
	struct causal_unwind_regs r = {
		.ip = instruction_pointer(regs),
		.sp = user_stack_pointer(regs),
		.bp = regs->bp,
	};

	return causal_unwind_callchain(rcu_dereference(s->unwind), &r, out, s->callchain,
				       causal_read_user);
}

/*
 * Whether a sample is in the experiment's line: its IP; with CAUSAL_EXPERIMENT_SCOPE, its first
 * frame in the scope (time in a library the line calls counts for the line, as Coz counts it);
 * with CAUSAL_EXPERIMENT_CALLCHAIN, any caller's call instruction (return address - 1).
 */
static bool causal_exp_hits(struct causal_exp *e, u64 ip, const u64 *chain, u16 nr_chain)
{
	u16 i;

	if (e->scope)
		return causal_ranges_first_in_scope(e->ranges, e->scope, ip, chain, nr_chain);
	if (causal_ranges_contains(e->ranges, ip))
		return true;
	if (!(e->flags & CAUSAL_EXPERIMENT_CALLCHAIN))
		return false;
	for (i = 0; i < nr_chain; i++)
		if (causal_ranges_contains(e->ranges, chain[i] - 1))
			return true;
	return false;
}

static bool causal_exp_selects(struct causal_exp *e, u64 ip, const u64 *chain, u16 nr_chain)
{
	if (!causal_exp_hits(e, ip, chain, nr_chain))
		return false;
	if (e->deadline_ns && ktime_get_mono_fast_ns() > e->deadline_ns)
		return false;
	/* count first: max_samples bounds the credits even with concurrent samplers */
	return atomic64_inc_return(&e->selected) <= e->max_samples || !e->max_samples;
}

static void causal_sample(struct perf_event *event, struct perf_sample_data *data,
			  struct pt_regs *regs)
{
	struct causal_task *ct = event->overflow_handler_context;
	struct causal_session *s = ct->session;
	struct task_struct *t = current;
	u64 ip, chain[CAUSAL_MAX_CALLCHAIN];
	struct causal_exp *e;
	struct pt_regs *uregs;
	u64 count, due, elapsed, delay;
	bool in_kernel, paying;
	u16 nr_chain;
	int cpu;

	/* a counter counts while its task runs; in the last steps of do_exit() it is no one's */
	if (t != ct->task || t->flags & (PF_KTHREAD | PF_EXITING) || !t->mm)
		return;
	/*
	 * A cpu-clock sample stands for the task's CPU time since its last one, which the counter
	 * has counted (perf reads it before the overflow): under emulation timers fire late and a
	 * tick is worth more than the period. A cycles counter overflows at no set time: its
	 * samples stand for the period.
	 */
	elapsed = s->period_ns;
	if (READ_ONCE(s->event) == CAUSAL_EVENT_CPU_CLOCK) {
		due = ktime_to_ns(hrtimer_get_expires(&event->hw.hrtimer));
		ct->next_due = causal_tick_next_due(due, ktime_get_mono_fast_ns(), s->period_ns);
		/* its time goes to the next sample (see causal_sampler_switch_out()) */
		if (ct->tick_overdue) {
			ct->tick_overdue = false;
			return;
		}
		count = local64_read(&event->count);
		if (count > ct->counted)
			elapsed = count - ct->counted;
		ct->counted = count;
	}
	cpu = smp_processor_id();
	rcu_read_lock();
	/* left the session, or held at exec (see causal_on_exec()): its sample is nobody's */
	if (list_empty(&ct->session_node) || causal_task_held(ct))
		goto out;
	/* in the kernel on behalf of the task: charge the syscall's call site */
	in_kernel = !user_mode(regs);
	uregs = in_kernel ? task_pt_regs(t) : regs;
	ip = instruction_pointer(uregs);
	causal_stat_inc(&s->stats->samples);
	if (in_kernel)
		causal_stat_inc(&s->stats->samples_in_kernel);
	nr_chain = causal_user_callchain(s, uregs, chain);
	/*
	 * Spinning the end of a payment (causal_pay_until()): the time is the delay's, not the
	 * program's. Credited, a payer paused in the selected line would add the delay it pays to
	 * everyone else's debt; the more a line's threads pay, the more its speedup would be
	 * overstated.
	 */
	paying = READ_ONCE(ct->paying);
	causal_record_sample(s, t, ip, (in_kernel ? CAUSAL_SAMPLE_KERNEL : 0) |
			     (paying ? CAUSAL_SAMPLE_PAYING : 0), chain, nr_chain);
	if (paying)
		goto out;

	e = rcu_dereference(s->exp);
	if (!e)
		goto out;
	atomic64_inc(&e->session_samples);
	if (causal_exp_selects(e, ip, chain, nr_chain)) {
		delay = e->delay_ns;
		if (e->flags & CAUSAL_EXPERIMENT_ELAPSED)
			delay = causal_acct_elapsed_delay(delay, elapsed, s->period_ns);
		causal_acct_credit(&s->clock, causal_task_local(ct, cpu), delay);
		WRITE_ONCE(s->stats->global_delay, atomic64_read(&s->clock.global));
	}
	causal_delay_kick(ct);
out:
	rcu_read_unlock();
}

/*
 * ct's task leaves its CPU at @now (switch hook, interrupts off). If a tick came due while it ran
 * and has not fired yet (under emulation ticks fire 0.2 ms late on average), perf fires it 10 us
 * into the task's next slice, where the sample would land on whatever the task runs first
 * rather than where the tick came due: that sample is skipped, and the time it stands for goes
 * to the task's next one. On hardware, where a tick fires microseconds late, this almost never
 * happens. Otherwise the tick is due again when the task has run what is left of the period.
 */
void causal_sampler_switch_out(struct causal_task *ct, u64 now)
{
	if (!ct->next_due)
		return;
	if (now >= ct->next_due)
		ct->tick_overdue = true;
	else
		ct->left_ns = ct->next_due - now;
	ct->next_due = 0;
}

/* ct's task runs again at @now (switch hook, interrupts off): its counter's timer restarts. */
void causal_sampler_switch_in(struct causal_task *ct, u64 now)
{
	if (!ct->left_ns)
		return;
	ct->next_due = now + ct->left_ns;
	ct->left_ns = 0;
}

static struct perf_event *causal_counter(struct causal_task *ct, u32 event)
{
	struct causal_session *s = ct->session;
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.pinned = 1,
		.exclude_hv = 1,
	};

	if (event == CAUSAL_EVENT_CYCLES) {
		attr.type = PERF_TYPE_HARDWARE;
		attr.config = PERF_COUNT_HW_CPU_CYCLES;
		attr.freq = 1;
		attr.sample_freq = div64_u64(NSEC_PER_SEC, s->period_ns);
	} else {
		attr.type = PERF_TYPE_SOFTWARE;
		attr.config = PERF_COUNT_SW_CPU_CLOCK;
		attr.sample_period = s->period_ns;
	}
	/*
	 * The module's: perf checks who may open a counter in the perf_event_open() syscall, not
	 * here, and who may profile whom is decided at attach. The handler's context is ct, which
	 * the counter's place on s->counters keeps alive.
	 */
	return perf_event_create_kernel_counter(&attr, -1, ct->task, causal_sample, ct);
}

/* Releases ct's counter; the caller holds counters_lock and a reference on ct. */
static void causal_counter_release(struct causal_task *ct)
{
	lockdep_assert_held(&ct->session->counters_lock);
	perf_event_release_kernel(ct->counter);
	ct->counter = NULL;
	list_del_init(&ct->counter_node);
	causal_task_put(ct);
}

/*
 * Makes ct's counter if the session samples and ct is still in it; may sleep. A counter perf
 * dropped (PERF_EVENT_STATE_EXIT: the task exec'd a program that gained privileges, which a
 * privileged opener may still profile) is made again. Cycles fall back to cpu-clock on a kernel
 * without a PMU, decided at the first counter.
 */
int causal_sampler_add(struct causal_task *ct)
{
	struct causal_session *s = ct->session;
	struct perf_event *ev;
	int ret = 0;

	mutex_lock(&s->counters_lock);
	if (ct->counter && READ_ONCE(ct->counter->state) == PERF_EVENT_STATE_EXIT)
		causal_counter_release(ct);
	if (!s->sampling || ct->counter || list_empty(&ct->session_node) ||
	    (ct->task->flags & PF_EXITING))
		goto out;
	ct->counted = 0;
	ct->next_due = 0;
	ct->left_ns = 0;
	ct->tick_overdue = false;
	ev = causal_counter(ct, s->event);
	if (IS_ERR(ev) && s->event == CAUSAL_EVENT_CYCLES && list_empty(&s->counters) &&
	    (PTR_ERR(ev) == -ENOENT || PTR_ERR(ev) == -EOPNOTSUPP)) {
		pr_info("no cycles counter, sampling cpu-clock\n");
		WRITE_ONCE(s->event, CAUSAL_EVENT_CPU_CLOCK);
		ev = causal_counter(ct, s->event);
	}
	if (IS_ERR(ev)) {
		/* ESRCH: the task is exiting, nothing to sample */
		if (PTR_ERR(ev) != -ESRCH)
			ret = PTR_ERR(ev);
		goto out;
	}
	kref_get(&ct->ref);
	ct->counter = ev;
	list_add_tail(&ct->counter_node, &s->counters);
out:
	mutex_unlock(&s->counters_lock);
	return ret;
}

/* Releases ct's counter, from its task as it leaves the session (exit or exec); may sleep. */
void causal_sampler_remove(struct causal_task *ct)
{
	struct causal_session *s = ct->session;

	mutex_lock(&s->counters_lock);
	if (ct->counter)
		causal_counter_release(ct);
	mutex_unlock(&s->counters_lock);
}

static void causal_counter_work(struct callback_head *head)
{
	struct causal_task *ct = container_of(head, struct causal_task, counter_work);
	int ret;

	ret = causal_sampler_add(ct);
	if (ret) {
		causal_stat_inc(&ct->session->stats->tasks_lost);
		pr_warn_ratelimited("no counter for task %d: %d: it is not sampled\n",
				    task_pid_nr(current), ret);
	}
	causal_task_work_done(ct);
}

/*
 * ct's task was just forked and followed, and has not run yet: a counter is made in it before it
 * first returns to user mode (the fork hook may not sleep). Takes over the caller's reference.
 */
void causal_sampler_follow(struct causal_task *ct)
{
	__module_get(THIS_MODULE);
	init_task_work(&ct->counter_work, causal_counter_work);
	if (causal_task_work_add(ct->task, &ct->counter_work, TWA_RESUME)) {
		/* exiting already: nothing to sample */
		causal_task_work_done(ct);
	}
}

/* From attach on, tasks added to s get counters. */
void causal_sampler_start(struct causal_session *s)
{
	mutex_lock(&s->counters_lock);
	s->sampling = true;
	mutex_unlock(&s->counters_lock);
}

/* Releases every counter of s; a child's counter not made yet never will be. */
void causal_sampler_stop(struct causal_session *s)
{
	struct causal_task *ct, *tmp;

	mutex_lock(&s->counters_lock);
	s->sampling = false;
	list_for_each_entry_safe(ct, tmp, &s->counters, counter_node)
		causal_counter_release(ct);
	mutex_unlock(&s->counters_lock);
	/* no handler runs after release, but one may still be inside: wait for it */
	synchronize_rcu();
}
