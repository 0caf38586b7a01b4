// SPDX-License-Identifier: GPL-2.0
/* KUnit: Coz's delay accounting (credit, debt, payment, inheritance) and the error histogram. */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/sched.h>

#include "accounting.h"

#include "suite.h"

static u64 local_of(const struct causal_local *l)
{
	return atomic64_read(&l->local);
}

static u64 global_of(const struct causal_clock *c)
{
	return atomic64_read(&c->global);
}

/*
 * Where most cases start: a clock and two tasks on it, ahead credited n, so that behind owes n.
 * A task a case adds owes n too when initialised before the credit, nothing when after.
 */
static void start_one_ahead(struct causal_clock *c, struct causal_local *ahead,
			    struct causal_local *behind, u64 n)
{
	causal_clock_init(c);
	causal_local_init(ahead, c);
	causal_local_init(behind, c);
	causal_acct_credit(c, ahead, n);
}

static void credit_raises_global_only_past_it(struct kunit *test)
{
	/* each step credits task a or b, then reads that task's local and the global clock */
	static const struct {
		char task;
		u64 credit, local, global;
	} steps[] = {
		{ 'a', 100, 100, 100 },
		{ 'b', 50, 50, 100 },	/* b catches up on a's credit first: global does not move */
		{ 'b', 50, 100, 100 },
		{ 'b', 60, 160, 160 },
		{ 'a', 0, 100, 160 },
	};
	struct causal_clock c;
	struct causal_local a, b;
	unsigned int i;

	causal_clock_init(&c);
	causal_local_init(&a, &c);
	causal_local_init(&b, &c);
	KUNIT_EXPECT_EQ(test, global_of(&c), 0ULL);

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		struct causal_local *l = steps[i].task == 'a' ? &a : &b;

		causal_acct_credit(&c, l, steps[i].credit);
		KUNIT_EXPECT_EQ_MSG(test, local_of(l), steps[i].local, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, global_of(&c), steps[i].global, "step %u", i);
	}
}

static void debt_is_global_minus_local(struct kunit *test)
{
	struct causal_clock c;
	struct causal_local a, b, d;

	causal_clock_init(&c);
	causal_local_init(&a, &c);
	causal_local_init(&b, &c);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &a), 0ULL);

	causal_acct_credit(&c, &a, 100);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &a), 0ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &b), 100ULL);

	/* a task that joins now owes nothing for the past */
	causal_local_init(&d, &c);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &d), 0ULL);

	causal_acct_credit(&c, &b, 30);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &b), 70ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &a), 0ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &d), 0ULL);
}

/*
 * b owes 100 (a is 100 ahead) and sleeps `slept` of it: no carry, `left` still owed, a owes
 * nothing and the global clock stays where a put it.
 */
static void pay_behind_by_100(struct kunit *test, struct causal_clock *c, struct causal_local *a,
			      struct causal_local *b, u64 slept, u64 left)
{
	u64 owed;

	start_one_ahead(c, a, b, 100);
	owed = causal_acct_debt(c, b);
	KUNIT_EXPECT_EQ(test, owed, 100ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_paid(c, b, owed, slept), 0ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(c, b), left);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(c, a), 0ULL);
	KUNIT_EXPECT_EQ(test, global_of(c), 100ULL);
}

static void paid_exact_clears_debt(struct kunit *test)
{
	struct causal_clock c;
	struct causal_local a, b;

	pay_behind_by_100(test, &c, &a, &b, 100, 0);
}

static void paid_overshoot_is_carried(struct kunit *test)
{
	struct causal_clock c;
	struct causal_local a, b, d;
	u64 owed, carry;

	causal_clock_init(&c);
	causal_local_init(&a, &c);
	causal_local_init(&b, &c);
	causal_local_init(&d, &c);
	causal_acct_credit(&c, &a, 100);

	owed = causal_acct_debt(&c, &b);
	carry = causal_acct_paid(&c, &b, owed, owed + 30);
	KUNIT_EXPECT_EQ(test, carry, 30ULL);
	/* b's oversleep is b's own: nobody else owes it */
	KUNIT_EXPECT_EQ(test, global_of(&c), 100ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &b), 0ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &a), 0ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &d), 100ULL);

	/* b's next debt is paid from the carry first: 20 of 30 without a sleep */
	causal_acct_credit(&c, &a, 20);
	owed = causal_acct_debt(&c, &b);
	KUNIT_EXPECT_EQ(test, owed, 20ULL);
	carry = causal_acct_paid(&c, &b, owed, carry);
	KUNIT_EXPECT_EQ(test, carry, 10ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &b), 0ULL);
	/* then 50 more: the 10 left and a sleep of 40 that overshoots by 5 */
	causal_acct_credit(&c, &a, 50);
	owed = causal_acct_debt(&c, &b);
	carry = causal_acct_paid(&c, &b, owed, carry + 45);
	KUNIT_EXPECT_EQ(test, carry, 5ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &b), 0ULL);
	KUNIT_EXPECT_EQ(test, global_of(&c), 170ULL);
	KUNIT_EXPECT_EQ(test, local_of(&b), 170ULL);
}

static void paid_undershoot_leaves_debt(struct kunit *test)
{
	struct causal_clock c;
	struct causal_local a, b;

	pay_behind_by_100(test, &c, &a, &b, 70, 30);

	/* an interrupted sleep that slept nothing changes nothing */
	KUNIT_EXPECT_EQ(test, causal_acct_paid(&c, &b, 30, 0), 0ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &b), 30ULL);
}

static void inherit_takes_max(struct kunit *test)
{
	struct causal_clock c;
	struct causal_local waker, wakee;

	start_one_ahead(&c, &waker, &wakee, 100);
	causal_acct_credit(&c, &wakee, 40);

	/* woken by a task that is further ahead: the wakee skips the delay the waker skipped */
	KUNIT_EXPECT_TRUE(test, causal_acct_inherit(&wakee, &waker));
	KUNIT_EXPECT_EQ(test, local_of(&wakee), 100ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &wakee), 0ULL);
	KUNIT_EXPECT_FALSE(test, causal_acct_inherit(&wakee, &waker));

	/* the other way round nothing moves: a local never goes down */
	causal_acct_credit(&c, &wakee, 25);
	KUNIT_EXPECT_FALSE(test, causal_acct_inherit(&wakee, &waker));
	KUNIT_EXPECT_EQ(test, local_of(&wakee), 125ULL);
	KUNIT_EXPECT_TRUE(test, causal_acct_inherit(&waker, &wakee));
	KUNIT_EXPECT_EQ(test, local_of(&waker), 125ULL);
	KUNIT_EXPECT_EQ(test, local_of(&wakee), 125ULL);
	KUNIT_EXPECT_EQ(test, global_of(&c), 125ULL);
}

static void wake_skips_what_the_wait_absorbed(struct kunit *test)
{
	struct causal_clock c;
	struct causal_local waker, wakee, other;
	u64 blocked_at;

	start_one_ahead(&c, &waker, &wakee, 100);
	/* the wakee blocks owing 100, then the waker is credited 50 more while it waits */
	blocked_at = global_of(&c);
	causal_acct_credit(&c, &waker, 50);

	/* a 30 ns wait paid 30 of the 100 it owed; the 50 inserted meanwhile are skipped */
	KUNIT_EXPECT_TRUE(test, causal_acct_wake(&wakee, &waker, blocked_at, 30));
	KUNIT_EXPECT_EQ(test, local_of(&wakee), 80ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &wakee), 70ULL);

	/* a wait longer than the debt paid all of it: the wakee is level with the waker */
	atomic64_set(&wakee.local, 0);
	KUNIT_EXPECT_TRUE(test, causal_acct_wake(&wakee, &waker, blocked_at, 1000));
	KUNIT_EXPECT_EQ(test, local_of(&wakee), 150ULL);
	KUNIT_EXPECT_EQ(test, global_of(&c), 150ULL);

	/* a waker that owes what was inserted during the wait passes none of it on */
	blocked_at = global_of(&c);
	causal_local_init(&other, &c);
	causal_acct_credit(&c, &other, 20);
	KUNIT_EXPECT_FALSE(test, causal_acct_wake(&wakee, &waker, blocked_at, 1000));
	KUNIT_EXPECT_EQ(test, local_of(&wakee), 150ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &wakee), 20ULL);

	/* forgiven while it waited (experiment boundary): it takes the waker's count, no more */
	atomic64_set(&wakee.local, 140);
	atomic64_set(&waker.local, 170);
	KUNIT_EXPECT_TRUE(test, causal_acct_wake(&wakee, &waker, 100, 0));
	KUNIT_EXPECT_EQ(test, local_of(&wakee), 170ULL);
	KUNIT_EXPECT_EQ(test, global_of(&c), 170ULL);
	/* woken by a waker level with it: nothing changes */
	KUNIT_EXPECT_FALSE(test, causal_acct_wake(&wakee, &waker, 120, 0));
	KUNIT_EXPECT_EQ(test, local_of(&wakee), 170ULL);
}

/*
 * The lock-bound case: the wakee runs the selected line and blocks on a mutex owing nothing; the
 * holder, credited nothing, owes what the wakee's line inserted and unlocks before it has paid.
 * Coz's holder would pay before the unlock, and the next holder would start that much later: the
 * wakee owes it now (and the waker still owes it too).
 */
static void wake_passes_on_the_wakers_debt(struct kunit *test)
{
	struct causal_clock c;
	struct causal_local holder, wakee;
	u64 blocked_at;

	causal_clock_init(&c);
	causal_local_init(&holder, &c);
	causal_local_init(&wakee, &c);
	causal_acct_credit(&c, &wakee, 80);
	blocked_at = global_of(&c);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &holder), 80ULL);

	KUNIT_EXPECT_TRUE(test, causal_acct_wake(&wakee, &holder, blocked_at, 1000));
	KUNIT_EXPECT_EQ(test, local_of(&wakee), 0ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &wakee), 80ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &holder), 80ULL);
	KUNIT_EXPECT_EQ(test, global_of(&c), 80ULL);

	/* with debt of its own from before the block that a 10 ns wait paid 10 of: both */
	atomic64_set(&wakee.local, 50);
	causal_acct_credit(&c, &holder, 20);
	KUNIT_EXPECT_TRUE(test, causal_acct_wake(&wakee, &holder, 80, 10));
	KUNIT_EXPECT_EQ(test, local_of(&wakee), 0ULL);
	atomic64_set(&wakee.local, 70);
	KUNIT_EXPECT_TRUE(test, causal_acct_wake(&wakee, &holder, 80, 5));
	KUNIT_EXPECT_EQ(test, local_of(&wakee), 15ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &wakee), 65ULL);
}

static void fork_inherits_parent_debt(struct kunit *test)
{
	struct causal_clock c;
	struct causal_local parent, other, child = { ATOMIC64_INIT(0) };

	start_one_ahead(&c, &other, &parent, 150);
	causal_acct_credit(&c, &parent, 100);

	/* onto a zeroed local: the child owes what its parent owes */
	KUNIT_EXPECT_TRUE(test, causal_acct_inherit(&child, &parent));
	KUNIT_EXPECT_EQ(test, local_of(&child), 100ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &child), 50ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &parent), 50ULL);
	KUNIT_EXPECT_EQ(test, global_of(&c), 150ULL);

	/* a parent with no credit of its own hands down a zero local: the child owes all */
	atomic64_set(&child.local, 0);
	KUNIT_EXPECT_FALSE(test, causal_acct_inherit(&child, &(struct causal_local){}));
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &child), 150ULL);
}

static void forgive_clears_debt(struct kunit *test)
{
	struct causal_clock c;
	struct causal_local a, b;

	start_one_ahead(&c, &a, &b, 100);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &b), 100ULL);

	causal_acct_forgive(&c, &b);
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &b), 0ULL);
	KUNIT_EXPECT_EQ(test, local_of(&b), 100ULL);
	KUNIT_EXPECT_EQ(test, global_of(&c), 100ULL);

	/* a local caught between its credit and the global raise is not pulled back */
	atomic64_set(&a.local, 180);
	causal_acct_forgive(&c, &a);
	KUNIT_EXPECT_EQ(test, local_of(&a), 180ULL);
}

/*
 * CPU model: one payment of a CPU's debt at a time. A second task that finds the debt while it is
 * being paid is told until when, pays nothing, and the CPU's counter grows by the debt once.
 */
static void one_payment_per_cpu_debt(struct kunit *test)
{
	struct causal_clock c;
	struct causal_local cpu0, cpu1;
	u64 held = 0;

	start_one_ahead(&c, &cpu0, &cpu1, 1000);

	KUNIT_EXPECT_TRUE(test, causal_acct_claim_payment(&cpu1, 5000, &held));
	KUNIT_EXPECT_EQ(test, held, 0ULL);
	/* the second task on CPU 1 sees the same debt, and that it is being paid until 5000 */
	KUNIT_EXPECT_EQ(test, causal_acct_debt(&c, &cpu1), 1000ULL);
	KUNIT_EXPECT_FALSE(test, causal_acct_claim_payment(&cpu1, 6000, &held));
	KUNIT_EXPECT_EQ(test, held, 5000ULL);
	/* another CPU's debt is claimed on its own */
	KUNIT_EXPECT_TRUE(test, causal_acct_claim_payment(&cpu0, 7000, &held));
	causal_acct_release_payment(&cpu0, 7000);

	/* past its end but not yet credited: still held */
	KUNIT_EXPECT_FALSE(test, causal_acct_claim_payment(&cpu1, 9000, &held));
	KUNIT_EXPECT_EQ(test, held, 5000ULL);
	causal_acct_paid(&c, &cpu1, 1000, 1000);
	causal_acct_release_payment(&cpu1, 5000);
	KUNIT_EXPECT_EQ(test, local_of(&cpu1), 1000ULL);
	KUNIT_EXPECT_EQ(test, global_of(&c), 1000ULL);
	KUNIT_EXPECT_TRUE(test, causal_acct_claim_payment(&cpu1, 10000, &held));

	/* an experiment boundary ends every claim; the forgiven payer's release leaves a new one */
	causal_acct_forgive_payment(&cpu1);
	KUNIT_EXPECT_TRUE(test, causal_acct_claim_payment(&cpu1, 12000, &held));
	causal_acct_release_payment(&cpu1, 10000);
	KUNIT_EXPECT_FALSE(test, causal_acct_claim_payment(&cpu1, 13000, &held));
	KUNIT_EXPECT_EQ(test, held, 12000ULL);
}

#define INVARIANT_TASKS	5

/*
 * Coz's invariant: once every task has paid its debt, each has seen the same delay, either
 * credited or slept, less its carry: what it overslept and has not spent yet, never more than
 * one oversleep. Payments here are off by a few ns either way, like real sleeps.
 */
static void all_paid_means_equal_delay(struct kunit *test)
{
	static const s64 sleep_error[] = { 0, 7, -3, 0, 12, -1, 0, 5 };
	u64 credited[INVARIANT_TASKS] = {}, slept[INVARIANT_TASKS] = {};
	u64 carry[INVARIANT_TASKS] = {}, seen[INVARIANT_TASKS] = {};
	struct causal_local l[INVARIANT_TASKS];
	unsigned int round, i, k = 0;
	struct causal_clock c;
	u64 owed, aim, s, g = 0;
	s64 err;

	causal_clock_init(&c);
	for (i = 0; i < INVARIANT_TASKS; i++)
		causal_local_init(&l[i], &c);

	for (round = 0; round < 200; round++) {
		i = (round * 7 + round / 3) % INVARIANT_TASKS;
		causal_acct_credit(&c, &l[i], 1000);
		credited[i] += 1000;
		seen[i] += 1000;
		g = max(g, seen[i]);
		/* a payment raises a local by its debt at most: no oversleep reaches global */
		KUNIT_EXPECT_EQ(test, global_of(&c), g);
		if (round % 4)
			continue;
		for (i = 0; i < INVARIANT_TASKS; i++) {
			owed = causal_acct_debt(&c, &l[i]);
			KUNIT_EXPECT_EQ(test, owed, g - seen[i]);
			if (!owed)
				continue;
			if (owed <= carry[i]) {
				carry[i] = causal_acct_paid(&c, &l[i], owed, carry[i]);
				seen[i] += owed;
				continue;
			}
			aim = owed - carry[i];
			err = sleep_error[k++ % ARRAY_SIZE(sleep_error)];
			s = err < 0 && aim < (u64)-err ? 0 : aim + err;
			carry[i] = causal_acct_paid(&c, &l[i], owed, carry[i] + s);
			seen[i] += min(owed, owed - aim + s);
			slept[i] += s;
			KUNIT_EXPECT_EQ(test, carry[i], err > 0 ? (u64)err : 0ULL);
			KUNIT_EXPECT_EQ(test, local_of(&l[i]), seen[i]);
		}
	}
	/* settle with exact sleeps of what the carry does not cover */
	for (i = 0; i < INVARIANT_TASKS; i++) {
		owed = causal_acct_debt(&c, &l[i]);
		s = owed > carry[i] ? owed - carry[i] : 0;
		carry[i] = causal_acct_paid(&c, &l[i], owed, carry[i] + s);
		slept[i] += s;
	}
	for (i = 0; i < INVARIANT_TASKS; i++) {
		KUNIT_EXPECT_EQ_MSG(test, causal_acct_debt(&c, &l[i]), 0ULL, "task %u", i);
		KUNIT_EXPECT_EQ_MSG(test, credited[i] + slept[i] - carry[i], global_of(&c),
				    "task %u", i);
		KUNIT_EXPECT_LE_MSG(test, carry[i], 12ULL, "task %u", i);
	}
	KUNIT_EXPECT_EQ(test, global_of(&c), g);
	KUNIT_EXPECT_GE(test, global_of(&c), 200ULL * 1000 / INVARIANT_TASKS);
}

static void late_average_follows_and_ignores_outliers(struct kunit *test)
{
	u64 avg = 0;
	int i;

	/* a quarter of the way each time */
	KUNIT_EXPECT_EQ(test, causal_late_average(0, 400000), 100000ULL);
	KUNIT_EXPECT_EQ(test, causal_late_average(400000, 0), 300000ULL);
	/* a steady latency is reached, from either side */
	for (i = 0; i < 100; i++)
		avg = causal_late_average(avg, 300000);
	KUNIT_EXPECT_GE(test, avg, 299990ULL);
	KUNIT_EXPECT_LE(test, avg, 300000ULL);
	for (i = 0; i < 100; i++)
		avg = causal_late_average(avg, 5000);
	KUNIT_EXPECT_GE(test, avg, 5000ULL);
	KUNIT_EXPECT_LE(test, avg, 5010ULL);
	/* not latencies: a clock going back, a descheduled vCPU */
	KUNIT_EXPECT_EQ(test, causal_late_average(avg, -1), avg);
	KUNIT_EXPECT_EQ(test, causal_late_average(avg, CAUSAL_LATE_MAX_NS), avg);
	KUNIT_EXPECT_EQ(test, causal_late_average(avg, S64_MAX), avg);
	KUNIT_EXPECT_EQ(test, causal_late_average(0, CAUSAL_LATE_MAX_NS - 1),
			(u64)(CAUSAL_LATE_MAX_NS - 1) / 4);
}

static void elapsed_delay_scales_and_caps(struct kunit *test)
{
	/* a tick on time is worth the delay; late ones more, early ones less */
	KUNIT_EXPECT_EQ(test, causal_acct_elapsed_delay(250000, 1000000, 1000000), 250000ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_elapsed_delay(250000, 1600000, 1000000), 400000ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_elapsed_delay(250000, 500000, 1000000), 125000ULL);
	KUNIT_EXPECT_EQ(test, causal_acct_elapsed_delay(250000, 0, 1000000), 0ULL);
	/* a descheduled vCPU: at most CAUSAL_ELAPSED_MAX_PERIODS periods */
	KUNIT_EXPECT_EQ(test, causal_acct_elapsed_delay(250000, 5000000000ULL, 1000000),
			250000ULL * CAUSAL_ELAPSED_MAX_PERIODS);
	/* the largest delay and period the ABI allows do not overflow */
	KUNIT_EXPECT_EQ(test, causal_acct_elapsed_delay(CAUSAL_DELAY_MAX_NS, U64_MAX,
							CAUSAL_PERIOD_MAX_NS),
			CAUSAL_DELAY_MAX_NS * CAUSAL_ELAPSED_MAX_PERIODS);
	KUNIT_EXPECT_EQ(test, causal_acct_elapsed_delay(777, 123, 0), 777ULL);
}

static void tick_next_due_is_the_first_period_step_past_now(struct kunit *test)
{
	/* on time, a little late, exactly one period late, several periods late */
	KUNIT_EXPECT_EQ(test, causal_tick_next_due(1000, 1000, 100), 1100ULL);
	KUNIT_EXPECT_EQ(test, causal_tick_next_due(1000, 1030, 100), 1100ULL);
	KUNIT_EXPECT_EQ(test, causal_tick_next_due(1000, 1100, 100), 1200ULL);
	KUNIT_EXPECT_EQ(test, causal_tick_next_due(1000, 1350, 100), 1400ULL);
	/* a clock read before the expiry (another base's rounding), or no period: as due */
	KUNIT_EXPECT_EQ(test, causal_tick_next_due(1000, 990, 100), 1000ULL);
	KUNIT_EXPECT_EQ(test, causal_tick_next_due(1000, 5000, 0), 1000ULL);
}

static void error_bucket_boundaries(struct kunit *test)
{
	unsigned int i;

	KUNIT_EXPECT_EQ(test, causal_error_bucket(0), 0U);
	KUNIT_EXPECT_EQ(test, causal_error_bucket(999), 0U);
	KUNIT_EXPECT_EQ(test, causal_error_bucket(1000), 1U);
	KUNIT_EXPECT_EQ(test, causal_error_bucket(1999), 1U);
	KUNIT_EXPECT_EQ(test, causal_error_bucket(2000), 2U);
	KUNIT_EXPECT_EQ(test, causal_error_bucket(3999), 2U);
	KUNIT_EXPECT_EQ(test, causal_error_bucket(4000), 3U);
	/* bucket i is [2^(i-1), 2^i) us */
	for (i = 1; i < CAUSAL_ERROR_BUCKETS - 1; i++) {
		KUNIT_EXPECT_EQ(test, causal_error_bucket(1000ULL << (i - 1)), i);
		KUNIT_EXPECT_EQ(test, causal_error_bucket((1000ULL << i) - 1), i);
	}
	KUNIT_EXPECT_EQ(test, causal_error_bucket(16383999), 14U);
	KUNIT_EXPECT_EQ(test, causal_error_bucket(16384000), 15U);
	KUNIT_EXPECT_EQ(test, causal_error_bucket(NSEC_PER_SEC), 15U);
	KUNIT_EXPECT_EQ(test, causal_error_bucket(U64_MAX), (unsigned int)CAUSAL_ERROR_BUCKETS - 1);
}

#define RACE_ITERATIONS	100000
#define RACE_WORKERS	3

struct race_worker {
	struct causal_clock *clock;
	struct causal_local local;
	atomic_t *ready;
	struct completion done;
	bool pays;
	u64 slept;
};

static int race_worker_fn(void *arg)
{
	struct race_worker *w = arg;
	unsigned int i;
	u64 owed;

	/* start together, so the CPUs really interleave */
	atomic_inc(w->ready);
	while (atomic_read(w->ready) < RACE_WORKERS)
		cond_resched();
	for (i = 0; i < RACE_ITERATIONS; i++) {
		if (w->pays) {
			owed = causal_acct_debt(w->clock, &w->local);
			causal_acct_paid(w->clock, &w->local, owed, owed);
			w->slept += owed;
		} else {
			causal_acct_credit(w->clock, &w->local, i % 3 + 1);
		}
		if (!(i % 1024))
			cond_resched();
	}
	/* module text may go away once done is completed: exit without returning into it */
	kthread_complete_and_exit(&w->done, 0);
}

/* Two CPUs credit the same clock on their own locals while a third task keeps paying. */
static void concurrent_credits_lose_nothing(struct kunit *test)
{
	struct race_worker *w = kunit_kcalloc(test, RACE_WORKERS, sizeof(*w), GFP_KERNEL);
	unsigned int i, started = 0, cpu = cpumask_first(cpu_online_mask);
	u64 max_local = 0, per_worker = 0;
	struct causal_clock c;
	struct task_struct *t;
	atomic_t ready = ATOMIC_INIT(0);

	KUNIT_ASSERT_NOT_NULL(test, w);
	for (i = 0; i < RACE_ITERATIONS; i++)
		per_worker += i % 3 + 1;
	causal_clock_init(&c);
	for (i = 0; i < RACE_WORKERS; i++) {
		w[i].clock = &c;
		w[i].ready = &ready;
		w[i].pays = i == RACE_WORKERS - 1;
		causal_local_init(&w[i].local, &c);
		init_completion(&w[i].done);
	}
	for (i = 0; i < RACE_WORKERS; i++, started++) {
		t = kthread_create(race_worker_fn, &w[i], "causal_race/%u", i);
		if (IS_ERR(t)) {
			atomic_add(RACE_WORKERS, &ready);	/* let the others run */
			break;
		}
		/* the two creditors on different CPUs when there are two */
		if (!w[i].pays && cpu < nr_cpu_ids) {
			kthread_bind(t, cpu);
			cpu = cpumask_next(cpu, cpu_online_mask);
		}
		wake_up_process(t);
	}
	for (i = 0; i < started; i++)
		wait_for_completion(&w[i].done);
	KUNIT_ASSERT_EQ(test, started, RACE_WORKERS);
	if (num_online_cpus() < 2)
		kunit_info(test, "one CPU online: no real concurrency");

	KUNIT_EXPECT_EQ(test, local_of(&w[0].local), per_worker);
	KUNIT_EXPECT_EQ(test, local_of(&w[1].local), per_worker);
	KUNIT_EXPECT_EQ(test, local_of(&w[2].local), w[2].slept);
	for (i = 0; i < RACE_WORKERS; i++)
		max_local = max(max_local, local_of(&w[i].local));
	KUNIT_EXPECT_EQ(test, global_of(&c), max_local);
	KUNIT_EXPECT_EQ(test, global_of(&c), per_worker);
	/* exact payments never push global, so the payer can never be ahead */
	KUNIT_EXPECT_LE(test, w[2].slept, per_worker);
	kunit_info(test, "global %llu, the payer slept %llu", global_of(&c), w[2].slept);
}

static struct kunit_case causal_accounting_cases[] = {
	KUNIT_CASE(credit_raises_global_only_past_it),
	KUNIT_CASE(debt_is_global_minus_local),
	KUNIT_CASE(paid_exact_clears_debt),
	KUNIT_CASE(paid_overshoot_is_carried),
	KUNIT_CASE(elapsed_delay_scales_and_caps),
	KUNIT_CASE(tick_next_due_is_the_first_period_step_past_now),
	KUNIT_CASE(paid_undershoot_leaves_debt),
	KUNIT_CASE(inherit_takes_max),
	KUNIT_CASE(wake_skips_what_the_wait_absorbed),
	KUNIT_CASE(wake_passes_on_the_wakers_debt),
	KUNIT_CASE(fork_inherits_parent_debt),
	KUNIT_CASE(forgive_clears_debt),
	KUNIT_CASE(one_payment_per_cpu_debt),
	KUNIT_CASE(all_paid_means_equal_delay),
	KUNIT_CASE(error_bucket_boundaries),
	KUNIT_CASE(late_average_follows_and_ignores_outliers),
	KUNIT_CASE(concurrent_credits_lose_nothing),
	{}
};

CAUSAL_KUNIT_SUITE(accounting);
