// SPDX-License-Identifier: GPL-2.0
/* Since: 5.18 (tests/kernels/probes-test.sh checks the probe against it) */
/* sched_switch passes prev_state, as its last argument, since 5.18 (9c2136be0878). */
#include <linux/mm.h>
#include <linux/sched.h>
#include <trace/events/sched.h>

static void causal_probe(void *data, bool preempt, struct task_struct *prev,
			 struct task_struct *next, unsigned int prev_state)
{
}

static void __maybe_unused causal_probe_check(void)
{
	check_trace_callback_type_sched_switch(causal_probe);
}
