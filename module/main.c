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

static int __init causal_init(void)
{
	int ret;

	ret = causal_compat_init();
	if (ret)
		return ret;
	ret = causal_sessions_init();
	if (ret)
		return ret;
	/* the task table before the hooks: they may fire as soon as they are found */
	ret = causal_tasks_init();
	if (ret)
		goto err_sessions;
	ret = causal_delay_init();
	if (ret)
		goto err_tasks;
	ret = causal_yama_init();
	if (ret)
		goto err_delay;
	ret = causal_events_init();
	if (ret)
		goto err_yama;
	ret = causal_hooks_init();
	if (ret)
		goto err_events;
	ret = causal_device_init();
	if (ret) {
		pr_err("cannot register /dev/causal: %d\n", ret);
		goto err_hooks;
	}
	pr_info("version %s loaded (task_work_add %s, %s hooks)\n", CAUSAL_VERSION,
		CAUSAL_TASK_WORK_EXPORTED ? "exported" : "not exported", causal_hooks_backend());
	return 0;

err_hooks:
	causal_hooks_exit();
err_events:
	causal_events_exit();
err_yama:
	causal_yama_exit();
err_delay:
	causal_delay_exit();
err_tasks:
	causal_tasks_exit();
err_sessions:
	causal_sessions_exit();
	return ret;
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
	causal_device_exit();
	causal_hooks_exit();
	causal_events_exit();
	causal_yama_exit();
	causal_delay_exit();
	causal_tasks_exit();
	causal_sessions_exit();
	synchronize_rcu_tasks();
	pr_info("unloaded\n");
}

module_init(causal_init);
module_exit(causal_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(CAUSAL_VERSION);
MODULE_DESCRIPTION("Kernel-assisted causal profiling");
MODULE_AUTHOR("The causal developers");
