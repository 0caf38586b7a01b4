// SPDX-License-Identifier: GPL-2.0
/*
 * The sampler: one perf counter per CPU and session, cpu-clock by default (hard IRQ, works in VMs
 * without a PMU) or cycles (NMI). The overflow handler runs in that atomic context: it records
 * the sample in the session's ring, credits the sampled task when its IP is in the experiment's
 * ranges, and kicks the delay engine; it never sleeps, locks or allocates.
 */

#include <linux/cpu.h>
#include <linux/cred.h>
#include <linux/perf_event.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "delay.h"
#include "sampler.h"
#include "session.h"

/* Return addresses from the user frame-pointer chain, reading user memory without faulting. */
static u16 causal_user_callchain(struct pt_regs *regs, u64 *out, u32 max)
{
	unsigned long fp = regs->bp, prev = 0;
	struct { unsigned long next, ret; } frame;
	u16 n = 0;

	while (n < max && fp && !(fp & (sizeof(long) - 1)) && fp > prev && fp < TASK_SIZE) {
		if (copy_from_user_nofault(&frame, (void __user *)fp, sizeof(frame)))
			break;
		if (!frame.ret)
			break;
		out[n++] = frame.ret;
		prev = fp;
		fp = frame.next;
	}
	return n;
}

/* A ring record for task t with pid and tid filled in, or NULL (counted) when the ring is full. */
static struct causal_sample *causal_record_begin(struct causal_session *s, struct task_struct *t,
						 u64 *idx)
{
	struct causal_sample *rec = causal_ring_reserve(&s->ring, idx);

	if (!rec) {
		causal_stat_inc(&s->stats->samples_dropped);
		return NULL;
	}
	rec->pid = task_tgid_nr_ns(t, s->pid_ns);
	rec->tid = task_pid_nr_ns(t, s->pid_ns);
	rec->cpu = raw_smp_processor_id();
	return rec;
}

static void causal_record(struct causal_session *s, struct task_struct *t, u64 ip, bool in_kernel,
			  const u64 *chain, u16 nr_chain)
{
	struct causal_sample *rec;
	u64 idx;

	rec = causal_record_begin(s, t, &idx);
	if (!rec)
		return;
	rec->time_ns = ktime_get_mono_fast_ns();
	rec->ip = ip;
	rec->flags = in_kernel ? CAUSAL_SAMPLE_KERNEL : 0;
	rec->nr_callchain = nr_chain;
	memcpy(rec->callchain, chain, nr_chain * sizeof(*chain));
	causal_ring_commit(&s->ring, rec, idx);
	/*
	 * An interrupt per sample costs, and so does the reader's wake-up on a CPU the target could
	 * use: raise one only when somebody polls and the batch the reader asked for is there.
	 */
	if (wq_has_sleeper(&s->poll_wait) && causal_ring_unread(&s->ring) >= READ_ONCE(s->wakeup))
		irq_work_queue(&s->poll_work);
}

void causal_record_delay(struct causal_session *s, u64 start_ns, u64 slept, u64 owed)
{
	struct causal_sample *rec;
	u64 idx;

	rec = causal_record_begin(s, current, &idx);
	if (!rec)
		return;
	rec->time_ns = start_ns;
	rec->ip = slept;
	rec->flags = CAUSAL_SAMPLE_DELAY;
	rec->nr_callchain = 0;
	memset(rec->callchain, 0, sizeof(rec->callchain));
	rec->callchain[0] = owed;
	causal_ring_commit(&s->ring, rec, idx);
}

void causal_record_switch(struct causal_session *s, struct task_struct *t, u32 flags, u64 now)
{
	struct causal_sample *rec;
	u64 idx;

	rec = causal_record_begin(s, t, &idx);
	if (!rec)
		return;
	rec->time_ns = now;
	rec->ip = 0;
	rec->flags = flags;
	rec->nr_callchain = 0;
	memset(rec->callchain, 0, sizeof(rec->callchain));
	/* no wake-up from the scheduler: the reader comes at its own deadlines */
	causal_ring_commit(&s->ring, rec, idx);
}

/*
 * Whether a sample is in the experiment's line: its IP, or with CAUSAL_EXPERIMENT_CALLCHAIN any
 * caller's call instruction (return address - 1), so that time in the callees of a call-site
 * line counts for that line, as Coz counts it.
 */
static bool causal_exp_hits(struct causal_exp *e, u64 ip, const u64 *chain, u16 nr_chain)
{
	u16 i;

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
	struct causal_session *s = event->overflow_handler_context;
	struct task_struct *t = current;
	struct causal_task *ct;
	u64 ip, chain[CAUSAL_MAX_CALLCHAIN];
	struct causal_exp *e;
	struct pt_regs *uregs;
	u64 now, due, elapsed, delay;
	bool in_kernel, clock_tick;
	u16 nr_chain;
	int cpu;

	/*
	 * Every tick of this CPU's cpu-clock timer comes here, idle ones included, so the time
	 * since the last one is the time this sample stands for: under emulation timers fire late
	 * and a tick is worth more than the period. Only this CPU writes its slot. (A cycles
	 * counter overflows in NMI, at no set time: its samples stand for the period.)
	 */
	cpu = smp_processor_id();
	now = ktime_get_mono_fast_ns();
	elapsed = s->period_ns;
	clock_tick = s->ticks && s->ticks[cpu].clock;
	if (clock_tick) {
		struct causal_tick *tk = &s->ticks[cpu];

		if (tk->last && now > tk->last)
			elapsed = now - tk->last;
		tk->last = now;
		due = ktime_to_ns(hrtimer_get_expires(&event->hw.hrtimer));
		tk->next_due = causal_tick_next_due(due, now, s->period_ns);
	}
	if (t->flags & (PF_KTHREAD | PF_EXITING) || !t->mm)
		return;
	rcu_read_lock();
	ct = causal_task_find(t);
	/* held at exec (see causal_on_exec()): its sample is nobody's */
	if (!ct || ct->session != s || causal_task_held(ct))
		goto out;
	if (clock_tick) {
		elapsed += ct->lost_ns;
		ct->lost_ns = 0;
	}
	/* in the kernel on behalf of the task: charge the syscall's call site */
	in_kernel = !user_mode(regs);
	uregs = in_kernel ? task_pt_regs(t) : regs;
	ip = instruction_pointer(uregs);
	causal_stat_inc(&s->stats->samples);
	if (in_kernel)
		causal_stat_inc(&s->stats->samples_in_kernel);
	nr_chain = causal_user_callchain(uregs, chain, s->callchain);
	causal_record(s, t, ip, in_kernel, chain, nr_chain);

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
 * A session task leaves this CPU at @now (switch hook, interrupts off). If a tick came due while it
 * ran and has not fired yet (under emulation ticks fire 0.2 ms late on average), that tick will
 * land after it left, in idle or in another task, and the time it stands for would be no one's
 * or the wrong task's: the leaving task's next sample carries it instead. On hardware, where a
 * tick fires microseconds late, this almost never happens.
 */
void causal_sampler_switch_out(struct causal_task *ct, u64 now)
{
	struct causal_tick *ticks = READ_ONCE(ct->session->ticks), *tk;

	if (!ticks)
		return;
	tk = &ticks[smp_processor_id()];
	if (!tk->next_due || now < tk->next_due)
		return;
	if (tk->last && now > tk->last)
		ct->lost_ns += now - tk->last;
	tk->last = now;
}

static struct perf_event *causal_counter(struct causal_session *s, int cpu, u32 event)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.pinned = 1,
		.exclude_hv = 1,
	};

	if (event == CAUSAL_EVENT_CYCLES) {
		/* no cycles in idle: nothing to time there */
		attr.exclude_idle = 1;
		attr.type = PERF_TYPE_HARDWARE;
		attr.config = PERF_COUNT_HW_CPU_CYCLES;
		attr.freq = 1;
		attr.sample_freq = div64_u64(NSEC_PER_SEC, s->period_ns);
	} else {
		attr.type = PERF_TYPE_SOFTWARE;
		attr.config = PERF_COUNT_SW_CPU_CLOCK;
		attr.sample_period = s->period_ns;
	}
	return perf_event_create_kernel_counter(&attr, cpu, NULL, causal_sample, s);
}

/*
 * Creates the counters on every online CPU; cycles falls back to cpu-clock without a PMU. They are
 * the module's, created with kernel credentials: perf checks the caller's for a CPU-wide counter
 * (perf_event_paranoid), but who may profile whom is decided at attach.
 */
int causal_sampler_start(struct causal_session *s)
{
	const struct cred *kcred, *old;
	struct perf_event *ev;
	int cpu, ret = 0;

	s->events = kcalloc(nr_cpu_ids, sizeof(*s->events), GFP_KERNEL);
	if (!s->events)
		return -ENOMEM;
	if (s->ticks)
		memset(s->ticks, 0, nr_cpu_ids * sizeof(*s->ticks));
	else
		s->ticks = kcalloc(nr_cpu_ids, sizeof(*s->ticks), GFP_KERNEL);
	if (!s->ticks) {
		kfree(s->events);
		s->events = NULL;
		return -ENOMEM;
	}
	kcred = prepare_kernel_cred(&init_task);
	if (!kcred) {
		kfree(s->events);
		s->events = NULL;
		return -ENOMEM;
	}
	old = override_creds(kcred);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		/* before the counter exists: it fires as soon as it does */
		s->ticks[cpu].clock = s->event == CAUSAL_EVENT_CPU_CLOCK;
		ev = causal_counter(s, cpu, s->event);
		if (IS_ERR(ev) && s->event == CAUSAL_EVENT_CYCLES &&
		    (PTR_ERR(ev) == -ENOENT || PTR_ERR(ev) == -EOPNOTSUPP)) {
			pr_info("no cycles counter on CPU %d, sampling cpu-clock\n", cpu);
			s->event = CAUSAL_EVENT_CPU_CLOCK;
			s->ticks[cpu].clock = true;
			ev = causal_counter(s, cpu, s->event);
		}
		if (IS_ERR(ev)) {
			ret = PTR_ERR(ev);
			break;
		}
		s->events[cpu] = ev;
	}
	cpus_read_unlock();
	revert_creds(old);
	put_cred(kcred);
	if (ret) {
		causal_sampler_stop(s);
		/* a later attach allocates the array again */
		kfree(s->events);
		s->events = NULL;
	}
	return ret;
}

void causal_sampler_stop(struct causal_session *s)
{
	int cpu;

	if (!s->events)
		return;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		if (s->events[cpu])
			perf_event_release_kernel(s->events[cpu]);
		s->events[cpu] = NULL;
	}
	/* no handler runs after release, but one may still be inside: wait for it */
	synchronize_rcu();
	/* no tick is due any more: switch hooks must not find one overdue */
	if (s->ticks)
		memset(s->ticks, 0, nr_cpu_ids * sizeof(*s->ticks));
}
