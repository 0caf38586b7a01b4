// SPDX-License-Identifier: GPL-2.0
/* KUnit: Yama's ptrace_scope as the attach check reads and applies it. */

#include <kunit/test.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "yama.h"

#include "suite.h"

static void parse_reads_the_sysctl_text(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, causal_yama_parse("0\n", 2), CAUSAL_YAMA_DISABLED);
	KUNIT_EXPECT_EQ(test, causal_yama_parse("1\n", 2), CAUSAL_YAMA_RELATIONAL);
	KUNIT_EXPECT_EQ(test, causal_yama_parse("2\n", 2), CAUSAL_YAMA_ADMIN);
	KUNIT_EXPECT_EQ(test, causal_yama_parse("3", 1), CAUSAL_YAMA_NO_ATTACH);
	/* whatever a later Yama might write is not taken for a lax scope */
	KUNIT_EXPECT_EQ(test, causal_yama_parse("4\n", 2), CAUSAL_YAMA_UNKNOWN);
	KUNIT_EXPECT_EQ(test, causal_yama_parse("-1\n", 3), CAUSAL_YAMA_UNKNOWN);
	KUNIT_EXPECT_EQ(test, causal_yama_parse("x\n", 2), CAUSAL_YAMA_UNKNOWN);
	KUNIT_EXPECT_EQ(test, causal_yama_parse("", 0), CAUSAL_YAMA_UNKNOWN);
	KUNIT_EXPECT_EQ(test, causal_yama_parse("00000001\n", 9), CAUSAL_YAMA_UNKNOWN);
}

static void permits_follows_the_scope(struct kunit *test)
{
	enum causal_yama_scope s;

	KUNIT_EXPECT_TRUE(test, causal_yama_permits(CAUSAL_YAMA_DISABLED, false, false));
	s = CAUSAL_YAMA_RELATIONAL;
	KUNIT_EXPECT_TRUE(test, causal_yama_permits(s, true, false));
	KUNIT_EXPECT_TRUE(test, causal_yama_permits(s, false, true));
	KUNIT_EXPECT_FALSE(test, causal_yama_permits(s, false, false));
	/* from 2 on, being an ancestor is not enough; an unreadable scope is taken as 2 */
	for (s = CAUSAL_YAMA_ADMIN; s <= CAUSAL_YAMA_UNKNOWN; s++) {
		KUNIT_EXPECT_FALSE(test, causal_yama_permits(s, true, false));
		KUNIT_EXPECT_TRUE(test, causal_yama_permits(s, false, true));
	}
}

static void descendant_is_own_process_or_below(struct kunit *test)
{
	struct task_struct *parent;

	KUNIT_EXPECT_TRUE(test, causal_task_is_descendant(current, current));
	rcu_read_lock();
	parent = rcu_dereference(current->real_parent);
	/* the test runs in a task with a parent (kthreadd, or the loader): it descends from it */
	KUNIT_EXPECT_TRUE(test, causal_task_is_descendant(parent, current));
	KUNIT_EXPECT_FALSE(test, causal_task_is_descendant(current, parent));
	rcu_read_unlock();
}

static struct kunit_case causal_yama_cases[] = {
	KUNIT_CASE(parse_reads_the_sysctl_text),
	KUNIT_CASE(permits_follows_the_scope),
	KUNIT_CASE(descendant_is_own_process_or_below),
	{}
};

CAUSAL_KUNIT_SUITE(yama);
