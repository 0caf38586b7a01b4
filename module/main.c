// SPDX-License-Identifier: GPL-2.0
/* causal: kernel-assisted causal profiling. Module entry and exit. */

#include <linux/module.h>
#include <linux/rcupdate.h>

#include "delay.h"
#include "device.h"
#include "events.h"
#include "hooks.h"
#include "session.h"
#include "task.h"
#include "yama.h"

/*
 * The module's parts, in the order they start; they stop in the reverse order. The task table
 * comes before the hooks: they may fire as soon as they are found. The device comes last: an
 * open may call into every other part.
 */
static const struct causal_part {
	const char *name;
	int (*init)(void);
	void (*exit)(void);
} causal_parts[] = {
	{ "sessions", causal_sessions_init, causal_sessions_exit },
	{ "task table", causal_tasks_init, causal_tasks_exit },
	{ "delay engine", causal_delay_init, causal_delay_exit },
	{ "yama check", causal_yama_init, causal_yama_exit },
	{ "events", causal_events_init, causal_events_exit },
	{ "scheduler hooks", causal_hooks_init, causal_hooks_exit },
	{ "/dev/causal", causal_device_init, causal_device_exit },
};

/* Stops the first @n parts, the last started first. */
static void causal_parts_exit(unsigned int n)
{
	while (n--)
		causal_parts[n].exit();
}

static int __init causal_init(void)
{
	unsigned int i;
	int ret;

	/* nothing to undo: it only finds what the kernel does not export */
	ret = causal_compat_init();
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(causal_parts); i++) {
		ret = causal_parts[i].init();
		if (ret) {
			pr_err("%s: cannot start: %d\n", causal_parts[i].name, ret);
			causal_parts_exit(i);
			return ret;
		}
	}
	pr_info("version %s loaded (task_work_add %s, %s hooks)\n", CAUSAL_VERSION,
		CAUSAL_TASK_WORK_EXPORTED ? "exported" : "not exported", causal_hooks_backend());
	return 0;
}

/*
 * Open sessions and queued task_works (payments, exits, exec checks) hold module references: none
 * is left here. But a task_work drops its reference from this module's text and then still
 * returns through it; free_module()'s synchronize_rcu() does not wait for a task preempted there
 * on a kernel with preemptible RCU (it is no RCU reader). synchronize_rcu_tasks() waits until
 * every task has switched voluntarily or is in user mode or idle, so none is left in this text.
 * Kernels without Tasks RCU (CONFIG_TASKS_RCU off, non-preemptible) define it as
 * synchronize_rcu(), which suffices there: no task is preempted in kernel code.
 */
static void __exit causal_exit(void)
{
	causal_parts_exit(ARRAY_SIZE(causal_parts));
	synchronize_rcu_tasks();
	pr_info("unloaded\n");
}

module_init(causal_init);
module_exit(causal_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(CAUSAL_VERSION);
MODULE_DESCRIPTION("Kernel-assisted causal profiling");
MODULE_AUTHOR("The causal developers");
