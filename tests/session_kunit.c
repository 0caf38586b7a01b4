// SPDX-License-Identifier: GPL-2.0
/* KUnit: argument checks of CAUSAL_IOC_ATTACH and CAUSAL_IOC_EXPERIMENT_START. */

#include <kunit/test.h>
#include <linux/causal.h>

#include "session.h"

static struct causal_attach good_attach(void)
{
	return (struct causal_attach){ .size = sizeof(struct causal_attach), .pid = 1 };
}

static void attach_accepts_defaults_and_bounds(struct kunit *test)
{
	struct causal_attach a = good_attach();

	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), 0);
	a.period_ns = CAUSAL_PERIOD_MIN_NS;
	a.callchain = CAUSAL_MAX_CALLCHAIN;
	a.ring_pages = CAUSAL_RING_PAGES_MAX;
	a.event = CAUSAL_EVENT_CYCLES;
	a.flags = CAUSAL_ATTACH_NO_FOLLOW | CAUSAL_ATTACH_CPU_MODEL;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), 0);
	a.period_ns = CAUSAL_PERIOD_MAX_NS;
	a.ring_pages = 1;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), 0);
}

static void attach_rejects_bad_fields(struct kunit *test)
{
	struct causal_attach a;

	a = good_attach();
	a.flags = 1U << 31;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);
	a = good_attach();
	a.reserved = 1;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);
	a = good_attach();
	a.pid = 0;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);
	a.pid = -5;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);
	a = good_attach();
	a.period_ns = CAUSAL_PERIOD_MIN_NS - 1;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -ERANGE);
	a.period_ns = CAUSAL_PERIOD_MAX_NS + 1;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -ERANGE);
	a = good_attach();
	a.event = 2;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);
	a = good_attach();
	a.callchain = CAUSAL_MAX_CALLCHAIN + 1;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);
	a = good_attach();
	a.ring_pages = 3;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);
	a.ring_pages = CAUSAL_RING_PAGES_MAX * 2;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);
}

static void attach_target_is_pid_or_cgroup(struct kunit *test)
{
	struct causal_attach a = good_attach();

	a.flags = CAUSAL_ATTACH_CGROUP;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);	/* pid given too */
	a.pid = 0;
	a.cgroup_fd = 3;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), 0);
	a.cgroup_fd = 0;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), 0);	/* fd 0 is an fd */
	a.cgroup_fd = -1;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);
	a = good_attach();
	a.cgroup_fd = 3;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);	/* fd without the flag */
}

static struct causal_experiment good_exp(void)
{
	return (struct causal_experiment){
		.size = sizeof(struct causal_experiment), .delay_ns = 500000, .nr_ranges = 1,
	};
}

static void experiment_accepts_bounds(struct kunit *test)
{
	struct causal_experiment e = good_exp();

	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), 0);
	e.delay_ns = CAUSAL_DELAY_MAX_NS;
	e.nr_ranges = CAUSAL_MAX_RANGES;
	e.max_samples = 1;
	e.max_duration_ns = 1;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), 0);
}

static void experiment_rejects_bad_fields(struct kunit *test)
{
	struct causal_experiment e;

	e = good_exp();
	e.flags = 1;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -EINVAL);
	e = good_exp();
	e.reserved = 1;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -EINVAL);
	e = good_exp();
	e.delay_ns = 0;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -ERANGE);
	e.delay_ns = CAUSAL_DELAY_MAX_NS + 1;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -ERANGE);
	e = good_exp();
	e.nr_ranges = 0;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -EINVAL);
	e.nr_ranges = CAUSAL_MAX_RANGES + 1;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -E2BIG);
}

static struct kunit_case causal_session_cases[] = {
	KUNIT_CASE(attach_accepts_defaults_and_bounds),
	KUNIT_CASE(attach_rejects_bad_fields),
	KUNIT_CASE(attach_target_is_pid_or_cgroup),
	KUNIT_CASE(experiment_accepts_bounds),
	KUNIT_CASE(experiment_rejects_bad_fields),
	{}
};

static struct kunit_suite causal_session_suite = {
	.name = "causal_session",
	.test_cases = causal_session_cases,
};

kunit_test_suites(&causal_session_suite);
