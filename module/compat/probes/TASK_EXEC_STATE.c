// SPDX-License-Identifier: GPL-2.0
/* Since: 7.2 (tests/kernels/probes-test.sh checks the probe against it) */
/*
 * Dumpability moved from mm->flags (get_dumpable(), SUID_DUMP_USER) to the task's RCU-protected
 * exec_state (TASK_DUMPABLE_OWNER) after 6.12 (7.2 is the first of the matrix's kernels with it);
 * its accessors are not exported, the struct is public.
 */
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/exec_state.h>

static bool __maybe_unused causal_probe(struct task_struct *p)
{
	return rcu_dereference(p->exec_state)->dumpable == TASK_DUMPABLE_OWNER;
}
