// SPDX-License-Identifier: GPL-2.0
/*
 * The delay engine. Hooks and the sampler only notice debt; a per-CPU hard irq_work then queues a
 * task_work on the current task, which runs when the task next returns to user mode (never
 * waking a task that is blocked in the kernel) and sleeps the debt with a zero-slack hrtimer,
 * killably. What a sleep overshoots is the task's carry: it pays the task's next debt in the same
 * experiment, instead of raising everybody's debt as in Coz. A task whose sleeps wake late ends
 * them that much early and spins the rest, as long as nothing else wants its CPU (as KVM's halt
 * polling does): the delay lands where it is owed, not a wake-up latency later.
 */

#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/task_work.h>

#include "delay.h"
#include "exp.h"
#include "record.h"
#include "task.h"

/*
 * A sleep costs more than its length: two context switches and a wake-up latency (100-500 us
 * under emulation). Paying 100-us debts one at a time slowed CPU-bound programs during
 * experiments and made their predictions low (docs/bench-history.md, run 29).
 */
static unsigned long min_pay_ns = 400000;
module_param(min_pay_ns, ulong, 0644);
MODULE_PARM_DESC(min_pay_ns, "smallest debt (ns) worth a sleep; less waits to grow (default 400000)");

static unsigned long spin_max_ns = 250000;
module_param(spin_max_ns, ulong, 0644);
MODULE_PARM_DESC(spin_max_ns,
		 "longest end of a payment spun instead of slept, on a CPU nothing else wants (default 250000; 0: always sleep)");

static DEFINE_PER_CPU(struct irq_work, causal_pay_kick);

/* The id of the session's running experiment, 0 if none. */
static u64 causal_exp_running(struct causal_session *s)
{
	struct causal_exp *e;
	u64 id;

	rcu_read_lock();
	e = rcu_dereference(s->exp);
	id = e ? e->id : 0;
	rcu_read_unlock();
	return id;
}

static bool causal_pay_cut(struct causal_session *s, u64 id)
{
	return READ_ONCE(s->closing) || causal_exp_running(s) != id;
}

/*
 * Sleeps until `wake`, or until the session closes, experiment `id` ends (the debts die with
 * it), or a fatal signal arrives (then false). *cut says whether one of the first two did.
 */
static bool causal_sleep_until(struct causal_session *s, ktime_t wake, u64 id, bool *cut)
{
	for (;;) {
		set_current_state(TASK_KILLABLE);
		if (causal_pay_cut(s, id)) {
			*cut = true;
			break;
		}
		if (fatal_signal_pending(current)) {
			__set_current_state(TASK_RUNNING);
			return false;
		}
		/* zero slack: the whole point of sleeping in the kernel */
		if (!schedule_hrtimeout_range(&wake, 0, HRTIMER_MODE_ABS))
			break;
	}
	__set_current_state(TASK_RUNNING);
	return true;
}

/*
 * Spins until `expires`, the payment is cut short, or this CPU has something else to run: then
 * the rest stays owed (a second sleep would wake late again), and the next payment pays it.
 */
static void causal_spin_until(struct causal_session *s, ktime_t expires, u64 id)
{
	while (ktime_before(ktime_get(), expires) && !causal_pay_cut(s, id)) {
		if (need_resched() || !single_task_running() || fatal_signal_pending(current))
			return;
		cpu_relax();
	}
}

/*
 * Pays until `expires`: sleeps, ending the sleep as early as the task's sleeps have been waking
 * late (at most spin_max_ns), and spins the rest while the CPU is free. False on a fatal signal.
 * On a CPU that something else wants already it sleeps the whole debt: a spin would give way at
 * once, and a task whose debts are shorter than its latency would never pay them.
 */
static bool causal_pay_until(struct causal_task *ct, ktime_t expires, u64 id)
{
	struct causal_session *s = ct->session;
	u64 early = single_task_running() ? min_t(u64, ct->late_ns, READ_ONCE(spin_max_ns)) : 0;
	ktime_t wake = ktime_sub_ns(expires, early);
	bool cut = false;

	if (ktime_before(ktime_get(), wake)) {
		if (!causal_sleep_until(s, wake, id, &cut))
			return false;
		if (cut)
			return true;
		ct->late_ns = causal_late_average(ct->late_ns,
						  ktime_to_ns(ktime_sub(ktime_get(), wake)));
	}
	if (early)
		causal_spin_until(s, expires, id);
	return true;
}

/*
 * CPU model: another task pays this CPU's debt until @held. Wait for the same end, uncredited:
 * the CPU goes without the program once per debt, as one task would in the task model. Nothing to
 * wait for if the end is (nearly) past; the payer's credit is on its way.
 */
static void causal_pay_wait(struct causal_session *s, u64 held, u64 id)
{
	bool cut = false;

	if (held > ktime_get_ns() + min_pay_ns)
		causal_sleep_until(s, ns_to_ktime(held), id, &cut);
}

/*
 * CPU model: claims this CPU's payment, or waits for the one that runs. False if the caller is
 * not to pay: another task pays, the experiment has ended, or a payment that ended between the
 * caller's reading of the debt @owed and its claim has paid some of it (paying @owed would credit
 * that part twice; what is left is paid at the next kick).
 */
static bool causal_pay_claim(struct causal_session *s, struct causal_local *local, u64 owed,
			     u64 until, u64 id)
{
	u64 held;

	if (!causal_acct_claim_payment(local, until, &held)) {
		causal_pay_wait(s, held, id);
		return false;
	}
	if (causal_exp_running(s) != id || causal_acct_debt(&s->clock, local) < owed) {
		causal_acct_release_payment(local, until);
		return false;
	}
	return true;
}

static void causal_pay_debt(struct causal_task *ct)
{
	struct causal_session *s = ct->session;
	struct causal_local *local;
	struct causal_exp *e;
	u64 id, owed, carry, aim, until, slept, error;
	ktime_t start;
	bool complete;

	id = causal_exp_running(s);
	if (!id)
		return;		/* between experiments nobody owes anything */
	local = causal_task_local(ct, raw_smp_processor_id());
	owed = causal_acct_debt(&s->clock, local);
	if (owed < min_pay_ns)
		return;
	/* an oversleep of an earlier experiment was forgiven with its debts */
	carry = ct->carry_exp == id ? ct->carry : 0;
	aim = owed > carry ? owed - carry : 0;

	WRITE_ONCE(ct->paying, true);
	/* paying, then closing or the experiment: pairs with causal_tasks_forgive() */
	smp_mb();
	start = ktime_get();
	until = ktime_to_ns(start) + aim;
	if (s->cpu_local && !causal_pay_claim(s, local, owed, until, id)) {
		WRITE_ONCE(ct->paying, false);
		return;
	}
	/* the carry is this experiment's from now on: a waiter above keeps an older one unused */
	ct->carry_exp = id;
	if (aim < min_pay_ns) {
		/* the carry covers the debt, or all but too little to sleep (not past the end) */
		WRITE_ONCE(ct->paying, false);
		rcu_read_lock();
		e = rcu_dereference(s->exp);
		if (e && e->id == id)
			ct->carry = causal_acct_paid(&s->clock, local, owed, carry);
		rcu_read_unlock();
		if (s->cpu_local)
			causal_acct_release_payment(local, until);
		return;
	}
	complete = causal_pay_until(ct, ns_to_ktime(until), id);
	slept = ktime_to_ns(ktime_sub(ktime_get(), start));
	WRITE_ONCE(ct->paying, false);

	error = slept > aim ? slept - aim : aim - slept;
	ct->carry = 0;
	rcu_read_lock();
	e = rcu_dereference(s->exp);
	/* an experiment that ended meanwhile has forgiven all debts: do not undo that */
	if (e && e->id == id) {
		ct->carry = causal_acct_paid(&s->clock, local, owed, carry + slept);
		atomic64_add(slept, &e->paid);
		atomic64_add(error, &e->paid_error);
		atomic64_add(ct->carry, &e->overshoot);
		atomic64_inc(&e->payments);
		if (!ct->delayed) {
			ct->delayed = true;
			atomic64_inc(&e->tasks_delayed);
		}
		WRITE_ONCE(s->stats->global_delay, atomic64_read(&s->clock.global));
	}
	rcu_read_unlock();
	if (s->cpu_local)
		causal_acct_release_payment(local, until);

	if (s->flags & CAUSAL_ATTACH_TRACE_DELAYS) {
		/* not preempted between reserve and commit: the reader reads in order */
		preempt_disable();
		causal_record_delay(s, ktime_to_ns(start), slept, aim);
		preempt_enable();
	}
	causal_stat_add(&s->stats->delay_paid, slept);
	causal_stat_inc(&s->stats->error_hist[causal_error_bucket(error)]);
	if (!complete)
		causal_stat_inc(&s->stats->payments_interrupted);
	/* payments last: a reader of the stats page that sees it sees the whole payment */
	smp_wmb();
	causal_stat_inc(&s->stats->payments);
}

static void causal_pay(struct callback_head *head)
{
	struct causal_task *ct = container_of(head, struct causal_task, pay_work);

	/* a task held at exec pays nothing: the program running now may not be the one profiled */
	if (!(current->flags & PF_EXITING) && !causal_task_held(ct))
		causal_pay_debt(ct);
	/* only now: the switch-in after the sleep must not queue a second payment */
	atomic_set(&ct->pay_queued, 0);
	causal_task_work_done(ct);
}

/* Hard irq_work: runs on this CPU once the interrupted context allows it, in `current`. */
static void causal_pay_kick_fn(struct irq_work *work)
{
	struct task_struct *t = current;
	struct causal_task *ct;
	int ret;

	if (t->flags & (PF_KTHREAD | PF_EXITING))
		return;
	rcu_read_lock();
	ct = causal_task_find(t);
	if (!ct || causal_task_held(ct) || !rcu_access_pointer(ct->session->exp) ||
	    causal_acct_debt(&ct->session->clock, causal_task_local(ct, smp_processor_id())) <
	    min_pay_ns || atomic_cmpxchg(&ct->pay_queued, 0, 1))
		goto out;
	ret = causal_task_queue(ct, t, &ct->pay_work, causal_pay, TWA_RESUME);
	if (ret) {
		if (ret == -ESRCH)
			causal_stat_inc(&ct->session->stats->task_work_failed);	/* exiting */
		atomic_set(&ct->pay_queued, 0);
	}
out:
	rcu_read_unlock();
}

void causal_delay_kick(struct causal_task *ct)
{
	if (causal_acct_debt(&ct->session->clock, causal_task_local(ct, smp_processor_id())) >=
	    min_pay_ns && !atomic_read(&ct->pay_queued))
		irq_work_queue(this_cpu_ptr(&causal_pay_kick));
}

/*
 * A queued payment runs when its task next returns to user mode, and holds references on ct (so
 * the session and its ring) and on the module until then: for as long as the task stays blocked
 * in the kernel (a read() on an empty pipe). The session's close takes it back. The caller makes
 * sure that no payment is queued for ct from now on: kicks queue one only while an experiment
 * runs, checked under RCU (causal_pay_kick_fn()), and close ends the experiment and waits a grace
 * period first. A payment that is running already is not on the queue: it drops its own.
 */
void causal_delay_cancel(struct causal_task *ct)
{
	if (!atomic_read(&ct->pay_queued) || !causal_task_work_cancel(ct->task, &ct->pay_work))
		return;
	atomic_set(&ct->pay_queued, 0);
	/* never the last reference on ct: the session's file holds one */
	causal_task_work_done(ct);
}

int causal_delay_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		per_cpu(causal_pay_kick, cpu) = IRQ_WORK_INIT_HARD(causal_pay_kick_fn);
	return 0;
}

void causal_delay_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		irq_work_sync(per_cpu_ptr(&causal_pay_kick, cpu));
}
