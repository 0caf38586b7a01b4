/* SPDX-License-Identifier: GPL-2.0 */
/* Delay accounting after Coz: a global delay per session, a local delay per task or CPU, in ns. */
#ifndef _CAUSAL_ACCOUNTING_H
#define _CAUSAL_ACCOUNTING_H

#include <linux/atomic.h>
#include <linux/causal.h>
#include <linux/time64.h>
#include <linux/types.h>

/*
 * All functions are lock-free and allocate nothing: they may be called from NMI, hard IRQ, under
 * the rq lock, and from process context. Values only ever grow; u64 nanoseconds.
 */
struct causal_clock {
	atomic64_t global;	/* delay every task of the session should have seen */
};

struct causal_local {
	atomic64_t local;	/* delay this task (or CPU) has seen: credited, slept, inherited */
	atomic64_t paying_until;	/* CPU model: this CPU's debt is paid until then (ns) */
};

void causal_clock_init(struct causal_clock *c);
/* local = global: a new local owes nothing */
void causal_local_init(struct causal_local *l, const struct causal_clock *c);

/* A selected sample: local += d, then global = max(global, local). */
void causal_acct_credit(struct causal_clock *c, struct causal_local *l, u64 d);
/* max(0, global - local), a snapshot. */
u64 causal_acct_debt(const struct causal_clock *c, const struct causal_local *l);
/*
 * A payment of @owed (the debt read before sleeping) that @covered: the measured sleep plus the
 * task's carry, what it overslept in earlier payments. local += min(covered, owed), never more:
 * an oversleep is not pushed onto the other tasks through global (Coz pushes it, and under
 * emulation, where sleeps wake hundreds of us late, that more than doubles the delay inserted);
 * the task spends it on its next debt instead. Returns the new carry, max(0, covered - owed).
 */
u64 causal_acct_paid(struct causal_clock *c, struct causal_local *l, u64 owed, u64 covered);
/*
 * Wake-up or fork: to = max(to, from). True if @to grew, i.e. the wakee inherited delay (and owes
 * that much less). For a fork, inherit onto a zeroed local, not a causal_local_init() one, so the
 * child owes what its parent owes (as in Coz).
 */
bool causal_acct_inherit(struct causal_local *to, const struct causal_local *from);
/*
 * Wake-up by a session task of a task that blocked @waited ns ago, when global was @blocked_at.
 * Coz's rule (paper §3.4.3), where a thread pays its debt before it blocks and before it wakes
 * another, so that the wakee resumes as late as the waker's delays make it:
 * - the wakee takes the waker's local: it skips what the waker has seen of the delay inserted
 *   during the wait, and owes what the waker owes, for the waker has not paid it yet (a mutex
 *   holder that unlocks owing delay passes it on to the next holder, as Coz's catch-up before
 *   the unlock would have);
 * - less what the wakee owed when it blocked and its wait did not pay (Coz pays it before it
 *   blocks, so a long enough wait hides it and a short one does not).
 * Never past the waker's local, so no other task owes more. True if @to changed (it may go down:
 * the only place a local does, see accounting.c).
 */
bool causal_acct_wake(struct causal_local *to, const struct causal_local *from, u64 blocked_at,
		      u64 waited);
/*
 * When a periodic timer that fired at @now, due at @due, fires next: as hrtimer_forward_now()
 * sets it, the first @period step past @now.
 */
u64 causal_tick_next_due(u64 due, u64 now, u64 period);
/*
 * What a selected sample credits under CAUSAL_EXPERIMENT_ELAPSED: @delay (per period) scaled by
 * the time the sample stands for, @elapsed, at most CAUSAL_ELAPSED_MAX_PERIODS periods (a guest
 * whose vCPU was descheduled must not credit seconds at once).
 */
#define CAUSAL_ELAPSED_MAX_PERIODS	10
u64 causal_acct_elapsed_delay(u64 delay, u64 elapsed, u64 period);
/*
 * A task's average wake-up latency after a sleep that woke @late ns after its timer: a quarter of
 * the way to the new sample, which follows the machine and forgets a single outlier. A sample
 * outside [0, CAUSAL_LATE_MAX_NS) is not a wake-up latency (a clock step, a preempted or
 * descheduled vCPU) and leaves @avg as it is.
 */
#define CAUSAL_LATE_MAX_NS	(10 * NSEC_PER_MSEC)
u64 causal_late_average(u64 avg, s64 late);
/* Experiment boundary: local = max(local, global), so @l owes nothing. */
void causal_acct_forgive(const struct causal_clock *c, struct causal_local *l);

/*
 * The CPU model's payments: a CPU's debt is paid once, by one task sleeping it, while the
 * session's other tasks that get that CPU meanwhile wait for the same end, uncredited. (If each
 * paid it and credited the CPU, the CPU's counter would run past global and every other CPU would
 * owe the excess: docs/bench-history.md, runs 36-45.)
 * claim: true if the caller now pays @l's debt until @until (ns, nonzero); false if a payment
 * runs already, ending at *@held (which may be past: its payer has not credited yet).
 * release: the payment ending at @until has credited @l (a no-op if forgiven since).
 * forgive: no payment runs (experiment boundary).
 */
bool causal_acct_claim_payment(struct causal_local *l, u64 until, u64 *held);
void causal_acct_release_payment(struct causal_local *l, u64 until);
void causal_acct_forgive_payment(struct causal_local *l);

/*
 * Histogram bucket of |slept - owed| for causal_stats.error_hist: with us = floor(ns / 1000),
 * bucket 0 is < 1 us, bucket i (1..14) is [2^(i-1), 2^i) us, i.e. [1000 * 2^(i-1), 1000 * 2^i) ns,
 * and bucket 15 is >= 16384 us (~16 ms), open-ended.
 */
unsigned int causal_error_bucket(u64 abs_error_ns);

#endif /* _CAUSAL_ACCOUNTING_H */
