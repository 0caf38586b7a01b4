// SPDX-License-Identifier: GPL-2.0
/* Since: 6.16 (tests/kernels/probes-test.sh checks the probe against it) */
/* sched_process_exit passes group_dead, and fires before exit_mm(), since 6.16 (3e816361e94a). */
#include <linux/mm.h>
#include <linux/sched.h>
#include <trace/events/sched.h>

static void causal_probe(void *data, struct task_struct *p, bool group_dead)
{
}

static void __maybe_unused causal_probe_check(void)
{
	check_trace_callback_type_sched_process_exit(causal_probe);
}
