// SPDX-License-Identifier: GPL-2.0
/* Delay accounting after Coz: a global delay per session, a local delay per task or CPU, in ns. */

#include <linux/bitops.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/time64.h>

#include "accounting.h"

/*
 * Invariants, with any number of CPUs crediting, paying and inheriting at once (NMIs included):
 * - global and every local only grow: locals by atomic adds of non-negative amounts, everything
 *   else by a cmpxchg max that retries until the stored value is at least its own, so no update
 *   is ever lost and nothing is lowered (forgive included). One exception: a wake-up sets the
 *   local of a task that cannot run (it is blocked, and only the waker that ended its wait
 *   writes it) to the waker's, which is lower when the waker owes more: the wakee owes that too.
 * - global only takes values that some local held, so global <= max(local) at all times; every
 *   credit and payment raises global to its local before returning, so once none is in flight
 *   global == max(local) (over all locals ever, exited tasks included).
 * - In between, a local may be ahead of global for a few instructions. debt() clamps at 0 and
 *   reads global before local, so a concurrent credit of the same local can hide debt it is
 *   about to cancel but never show debt that does not exist.
 * - Hence, once every task has paid what it owes, every local equals global, and each local is
 *   credited + slept - carry + inherited: Coz's invariant that every thread has seen the same
 *   delay, with what a task overslept (its carry, at most one oversleep) set aside for its next
 *   debt.
 */

/* a = max(a, v); true if a grew */
static bool causal_atomic64_max(atomic64_t *a, u64 v)
{
	s64 old = atomic64_read(a);

	do {
		if ((u64)old >= v)
			return false;
	} while (!atomic64_try_cmpxchg(a, &old, v));
	return true;
}

void causal_clock_init(struct causal_clock *c)
{
	atomic64_set(&c->global, 0);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_clock_init);

void causal_local_init(struct causal_local *l, const struct causal_clock *c)
{
	atomic64_set(&l->local, atomic64_read(&c->global));
	atomic64_set(&l->paying_until, 0);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_local_init);

void causal_acct_credit(struct causal_clock *c, struct causal_local *l, u64 d)
{
	causal_atomic64_max(&c->global, atomic64_add_return(d, &l->local));
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_acct_credit);

u64 causal_acct_debt(const struct causal_clock *c, const struct causal_local *l)
{
	u64 global = atomic64_read_acquire(&c->global);
	u64 local = atomic64_read(&l->local);

	return global > local ? global - local : 0;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_acct_debt);

u64 causal_acct_paid(struct causal_clock *c, struct causal_local *l, u64 owed, u64 covered)
{
	/* a no-op max unless something moved this local meanwhile (the CPU model's locals) */
	causal_atomic64_max(&c->global, atomic64_add_return(min(owed, covered), &l->local));
	return covered > owed ? covered - owed : 0;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_acct_paid);

bool causal_acct_inherit(struct causal_local *to, const struct causal_local *from)
{
	return causal_atomic64_max(&to->local, atomic64_read(&from->local));
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_acct_inherit);

bool causal_acct_wake(struct causal_local *to, const struct causal_local *from, u64 blocked_at,
		      u64 waited)
{
	u64 f = atomic64_read(&from->local);
	s64 old = atomic64_read(&to->local);
	u64 unpaid, v;

	do {
		/* what the wakee owed when it blocked and its wait did not pay */
		unpaid = (u64)old < blocked_at ? blocked_at - old : 0;
		unpaid = unpaid > waited ? unpaid - waited : 0;
		v = f > unpaid ? f - unpaid : 0;
		if ((u64)old == v)
			return false;
	} while (!atomic64_try_cmpxchg(&to->local, &old, v));
	return true;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_acct_wake);

u64 causal_tick_next_due(u64 due, u64 now, u64 period)
{
	if (!period || now < due)
		return due;
	return due + (div64_u64(now - due, period) + 1) * period;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_tick_next_due);

u64 causal_acct_elapsed_delay(u64 delay, u64 elapsed, u64 period)
{
	if (!period)
		return delay;
	elapsed = min(elapsed, period * CAUSAL_ELAPSED_MAX_PERIODS);
	/* delay <= 1 s and elapsed <= 10 s: the product fits in 64 bits */
	return div64_u64(delay * elapsed, period);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_acct_elapsed_delay);

u64 causal_late_average(u64 avg, s64 late)
{
	if (late < 0 || late >= CAUSAL_LATE_MAX_NS)
		return avg;
	return avg - (avg >> 2) + ((u64)late >> 2);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_late_average);

void causal_acct_forgive(const struct causal_clock *c, struct causal_local *l)
{
	causal_atomic64_max(&l->local, atomic64_read(&c->global));
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_acct_forgive);

bool causal_acct_claim_payment(struct causal_local *l, u64 until, u64 *held)
{
	s64 old = 0;

	if (atomic64_try_cmpxchg(&l->paying_until, &old, until))
		return true;
	*held = old;
	return false;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_acct_claim_payment);

void causal_acct_release_payment(struct causal_local *l, u64 until)
{
	/* not the payment's own end: it was forgiven, and another may run already */
	atomic64_cmpxchg(&l->paying_until, until, 0);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_acct_release_payment);

void causal_acct_forgive_payment(struct causal_local *l)
{
	atomic64_set(&l->paying_until, 0);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_acct_forgive_payment);

unsigned int causal_error_bucket(u64 abs_error_ns)
{
	u64 us = div_u64(abs_error_ns, NSEC_PER_USEC);

	/* fls64(us) is i for us in [2^(i-1), 2^i), and 0 for us == 0 */
	return min_t(unsigned int, fls64(us), CAUSAL_ERROR_BUCKETS - 1);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_error_bucket);
