// SPDX-License-Identifier: GPL-2.0
/* KUnit: argument checks of the session's ioctls, experiments on plain structs; the CPU model. */

#include <kunit/test.h>
#include <linux/causal.h>
#include <linux/percpu.h>

#include "attach.h"
#include "experiment.h"
#include "progress.h"
#include "session.h"
#include "task.h"

#include "suite.h"

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
	a.flags = CAUSAL_ATTACH_TRACE_DELAYS | CAUSAL_ATTACH_TRACE_SWITCHES;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), 0);
	a.period_ns = CAUSAL_PERIOD_MAX_NS;
	a.ring_pages = 1;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), 0);
	/* a wake-up batch of up to the ring's capacity */
	a.wakeup = causal_ring_capacity(1);
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), 0);
	a.ring_pages = 0;
	a.wakeup = causal_ring_capacity(CAUSAL_RING_PAGES_DEFAULT);
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), 0);
}

static void attach_rejects_bad_fields(struct kunit *test)
{
	struct causal_attach a;

	a = good_attach();
	a.flags = 1U << 31;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);
	/* the flags are the low bits: the next one is unknown */
	a.flags = CAUSAL_ATTACH_TRACE_SWITCHES << 1;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);
	a = good_attach();
	a.wakeup = causal_ring_capacity(CAUSAL_RING_PAGES_DEFAULT) + 1;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);
	a.ring_pages = 1;
	a.wakeup = causal_ring_capacity(1) + 1;
	KUNIT_EXPECT_EQ(test, causal_attach_check(&a), -EINVAL);
	a.wakeup = U32_MAX;
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
	/* the flags are the low bits: the next one is unknown */
	e.flags = CAUSAL_EXPERIMENT_FLAGS + 1;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -EINVAL);
	e = good_exp();
	e.flags = CAUSAL_EXPERIMENT_CALLCHAIN;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), 0);
	e = good_exp();
	e.flags = CAUSAL_EXPERIMENT_CALLCHAIN | CAUSAL_EXPERIMENT_ELAPSED;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), 0);
	/* without SCOPE, nr_line_ranges is reserved */
	e = good_exp();
	e.nr_line_ranges = 1;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -EINVAL);
	/* SCOPE: a line of 1..nr_ranges - 1 ranges, the rest the scope; not with CALLCHAIN */
	e = good_exp();
	e.flags = CAUSAL_EXPERIMENT_SCOPE | CAUSAL_EXPERIMENT_ELAPSED;
	e.nr_ranges = 2;
	e.nr_line_ranges = 1;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), 0);
	e.nr_ranges = CAUSAL_MAX_RANGES;
	e.nr_line_ranges = CAUSAL_MAX_RANGES - 1;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), 0);
	e.nr_line_ranges = CAUSAL_MAX_RANGES;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -EINVAL);
	e.nr_line_ranges = 0;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -EINVAL);
	e.nr_ranges = 1;
	e.nr_line_ranges = 1;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -EINVAL);
	e.nr_ranges = 2;
	e.flags |= CAUSAL_EXPERIMENT_CALLCHAIN;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -EINVAL);
	e = good_exp();
	e.delay_ns = 0;		/* a baseline */
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), 0);
	e.delay_ns = CAUSAL_DELAY_MAX_NS + 1;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -ERANGE);
	e = good_exp();
	e.nr_ranges = 0;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -EINVAL);
	e.nr_ranges = CAUSAL_MAX_RANGES + 1;
	KUNIT_EXPECT_EQ(test, causal_exp_check(&e), -E2BIG);
}

/*
 * The CPU thread model keys the same accounting by CPU: a task is accounted against the counter
 * of the CPU it is on, so a credit earned on one CPU is owed by whatever runs on the others.
 */
static void cpu_model_accounts_by_cpu(struct kunit *test)
{
	/* the session is too big for the stack */
	struct causal_session *sp = kunit_kzalloc(test, sizeof(*sp), GFP_KERNEL);
	struct causal_task a = { .session = sp }, b = { .session = sp };
	int cpu;

	KUNIT_ASSERT_NOT_NULL(test, sp);

	causal_clock_init(&sp->clock);
	causal_local_init(&a.local, &sp->clock);
	causal_local_init(&b.local, &sp->clock);
	/* task model: each task its own counter, wherever it runs */
	KUNIT_EXPECT_PTR_EQ(test, causal_task_local(&a, 0), &a.local);
	KUNIT_EXPECT_PTR_EQ(test, causal_task_local(&a, 1), &a.local);

	sp->cpu_local = alloc_percpu(struct causal_local);
	KUNIT_ASSERT_TRUE(test, sp->cpu_local);
	for_each_possible_cpu(cpu)
		causal_local_init(per_cpu_ptr(sp->cpu_local, cpu), &sp->clock);
	KUNIT_EXPECT_PTR_EQ(test, causal_task_local(&a, 0), per_cpu_ptr(sp->cpu_local, 0));
	KUNIT_EXPECT_PTR_EQ(test, causal_task_local(&b, 0), causal_task_local(&a, 0));
	if (num_possible_cpus() > 1) {
		/* a credit on CPU 0: who runs on CPU 0 owes nothing, who runs on CPU 1 owes it */
		causal_acct_credit(&sp->clock, causal_task_local(&a, 0), 1000);
		KUNIT_EXPECT_EQ(test, causal_acct_debt(&sp->clock, causal_task_local(&b, 0)), 0ULL);
		KUNIT_EXPECT_EQ(test, causal_acct_debt(&sp->clock, causal_task_local(&b, 1)),
				1000ULL);
		causal_acct_paid(&sp->clock, causal_task_local(&b, 1), 1000, 1000);
		KUNIT_EXPECT_EQ(test, causal_acct_debt(&sp->clock, causal_task_local(&a, 1)), 0ULL);
	}
	free_percpu(sp->cpu_local);
}

/* progress points: every field is checked before the fd is even looked up */
static void progress_rejects_bad_fields(struct kunit *test)
{
	struct causal_progress ok = { .size = sizeof(ok), .fd = 3, .offset = 0x1000 };
	struct causal_progress p;

	KUNIT_EXPECT_EQ(test, causal_progress_check(&ok), 0);
	p = ok;
	p.flags = CAUSAL_PROGRESS_RETURN;
	KUNIT_EXPECT_EQ(test, causal_progress_check(&p), 0);
	p.flags = CAUSAL_PROGRESS_RETURN << 1;
	KUNIT_EXPECT_EQ(test, causal_progress_check(&p), -EINVAL);
	p = ok;
	p.reserved = 1;
	KUNIT_EXPECT_EQ(test, causal_progress_check(&p), -EINVAL);
	p = ok;
	p.reserved2 = 1;
	KUNIT_EXPECT_EQ(test, causal_progress_check(&p), -EINVAL);
	p = ok;
	p.fd = -1;
	KUNIT_EXPECT_EQ(test, causal_progress_check(&p), -EBADF);
	p = ok;
	p.offset = (u64)LLONG_MAX + 1;
	KUNIT_EXPECT_EQ(test, causal_progress_check(&p), -EINVAL);
}

/*
 * The operations behind the ioctls take kernel structs: an experiment starts and stops on a
 * session that is attached (here, to no task), and not on one that is not.
 */
static void experiment_starts_and_stops(struct kunit *test)
{
	struct causal_session *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct causal_range range = { .start = 0x1000, .end = 0x2000 };
	struct causal_experiment e = good_exp();
	struct causal_experiment_result r;
	struct causal_stats st;
	u64 counts[1] = { 42 };

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->stats = kunit_kzalloc(test, sizeof(*s->stats), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->stats);
	s->stats->size = sizeof(*s->stats);
	mutex_init(&s->lock);
	mutex_init(&s->progress_lock);
	spin_lock_init(&s->tasks_lock);
	INIT_LIST_HEAD(&s->tasks);
	causal_clock_init(&s->clock);

	KUNIT_EXPECT_EQ(test, causal_exp_start(s, &e, &range), -ENOTCONN);
	KUNIT_EXPECT_EQ(test, causal_exp_stop(s, &r), -ENOTCONN);
	s->attached = true;
	KUNIT_EXPECT_EQ(test, causal_exp_stop(s, &r), -ENOENT);
	KUNIT_ASSERT_EQ(test, causal_exp_start(s, &e, &range), 0);
	KUNIT_EXPECT_EQ(test, e.id, 1ULL);
	KUNIT_EXPECT_EQ(test, causal_exp_start(s, &e, &range), -EBUSY);
	causal_session_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.experiments, 1ULL);
	KUNIT_EXPECT_EQ(test, st.experiment_active, 1ULL);
	memset(&r, 0xa5, sizeof(r));
	KUNIT_EXPECT_EQ(test, causal_exp_stop(s, &r), 0);
	KUNIT_EXPECT_EQ(test, r.id, 1ULL);
	KUNIT_EXPECT_EQ(test, r.flags, 0U);
	KUNIT_EXPECT_EQ(test, r.selected_samples, 0ULL);
	KUNIT_EXPECT_EQ(test, r.delay_inserted, 0ULL);
	KUNIT_EXPECT_EQ(test, causal_exp_stop(s, &r), -ENOENT);
	causal_session_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.experiment_active, 0ULL);
	/* no progress points: the counts are left alone */
	KUNIT_EXPECT_EQ(test, causal_progress_read(s, counts, 1), 0U);
	KUNIT_EXPECT_EQ(test, counts[0], 42ULL);
}

static void experiment_deadline_does_not_wrap(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, causal_exp_deadline(1000, 0), 0ULL);
	KUNIT_EXPECT_EQ(test, causal_exp_deadline(1000, 500), 1500ULL);
	KUNIT_EXPECT_EQ(test, causal_exp_deadline(1000, U64_MAX - 1000), U64_MAX);
	/* past the clock's range: no bound, not a deadline in the past that ends it at once */
	KUNIT_EXPECT_EQ(test, causal_exp_deadline(1000, U64_MAX), 0ULL);
	KUNIT_EXPECT_EQ(test, causal_exp_deadline(U64_MAX - 10, 11), 0ULL);
}

static struct kunit_case causal_session_cases[] = {
	KUNIT_CASE(experiment_deadline_does_not_wrap),
	KUNIT_CASE(experiment_starts_and_stops),
	KUNIT_CASE(progress_rejects_bad_fields),
	KUNIT_CASE(cpu_model_accounts_by_cpu),
	KUNIT_CASE(attach_accepts_defaults_and_bounds),
	KUNIT_CASE(attach_rejects_bad_fields),
	KUNIT_CASE(attach_target_is_pid_or_cgroup),
	KUNIT_CASE(experiment_accepts_bounds),
	KUNIT_CASE(experiment_rejects_bad_fields),
	{}
};

CAUSAL_KUNIT_SUITE(session);
