// SPDX-License-Identifier: GPL-2.0
/* KUnit: CAUSAL_IOC_VERSION argument checking and ioctl dispatch of causal.ko. */

#include <kunit/test.h>
#include <linux/causal.h>

#include "device.h"
#include "version.h"

#include "suite.h"

static void version_accepts_current_size(struct kunit *test)
{
	struct causal_version v = { .size = sizeof(v) };

	KUNIT_EXPECT_EQ(test, causal_version_check(&v), 0);
}

static void version_rejects_flags(struct kunit *test)
{
	struct causal_version v = { .size = sizeof(v), .flags = 1 };

	KUNIT_EXPECT_EQ(test, causal_version_check(&v), -EINVAL);
	v.flags = 0x80000000;
	KUNIT_EXPECT_EQ(test, causal_version_check(&v), -EINVAL);
}

static void version_fill_reports_module(struct kunit *test)
{
	struct causal_version v;

	memset(&v, 0xa5, sizeof(v));
	causal_version_fill(&v);
	KUNIT_EXPECT_EQ(test, v.abi, (u32)CAUSAL_ABI_VERSION);
	KUNIT_EXPECT_EQ(test, v.reserved, 0U);
	KUNIT_EXPECT_STREQ(test, v.release, CAUSAL_VERSION);
	KUNIT_EXPECT_TRUE(test, v.features & CAUSAL_FEATURE_KUNIT);
	KUNIT_EXPECT_EQ(test, !!(v.features & CAUSAL_FEATURE_TASK_WORK_EXPORTED),
			CAUSAL_TASK_WORK_EXPORTED);
	KUNIT_EXPECT_TRUE(test, v.features & CAUSAL_FEATURE_TRACE_SWITCHES);
	KUNIT_EXPECT_TRUE(test, v.features & CAUSAL_FEATURE_EXPERIMENT_SCOPE);
	KUNIT_EXPECT_TRUE(test, v.features & CAUSAL_FEATURE_UNWIND);
	KUNIT_EXPECT_EQ(test, v.features & ~(CAUSAL_FEATURE_KUNIT | CAUSAL_FEATURE_TRACE_SWITCHES |
					     CAUSAL_FEATURE_TASK_WORK_EXPORTED |
					     CAUSAL_FEATURE_EXPERIMENT_SCOPE |
					     CAUSAL_FEATURE_UNWIND), 0ULL);
}

static void dispatch_rejects_unknown_commands(struct kunit *test)
{
	/* never reaches a handler, so a NULL argument is never dereferenced */
	KUNIT_EXPECT_EQ(test, causal_ioctl_dispatch(NULL, _IO(CAUSAL_IOC_MAGIC, 0x7f), 0), -ENOTTY);
	KUNIT_EXPECT_EQ(test, causal_ioctl_dispatch(NULL, _IOWR('x', 0, struct causal_version), 0),
			-ENOTTY);
	/* right number, wrong direction */
	KUNIT_EXPECT_EQ(test, causal_ioctl_dispatch(NULL, _IOR(CAUSAL_IOC_MAGIC, 0, u64), 0),
			-ENOTTY);
	KUNIT_EXPECT_EQ(test, causal_ioctl_dispatch(NULL, 0, 0), -ENOTTY);
}

static void dispatch_faults_on_bad_pointer(struct kunit *test)
{
	/* a kernel thread has no user mapping at address 16: get_user must fail, not oops */
	KUNIT_EXPECT_EQ(test, causal_ioctl_dispatch(NULL, CAUSAL_IOC_VERSION, 16), -EFAULT);
}

static struct kunit_case causal_version_cases[] = {
	KUNIT_CASE(version_accepts_current_size),
	KUNIT_CASE(version_rejects_flags),
	KUNIT_CASE(version_fill_reports_module),
	KUNIT_CASE(dispatch_rejects_unknown_commands),
	KUNIT_CASE(dispatch_faults_on_bad_pointer),
	{}
};

CAUSAL_KUNIT_SUITE(version);
CAUSAL_IMPORT_KUNIT_NS();
