// SPDX-License-Identifier: GPL-2.0
/* Kernel functions the module needs and not every kernel exports: task_work_add. */

#include <linux/kprobes.h>
#include <linux/task_work.h>

#ifndef HAVE_TASK_WORK_ADD_EXPORT
/*
 * Mainline does not export task_work_add (Debian and Ubuntu do). Find it once at load time
 * through a kprobe on it, which resolves the address without kallsyms_lookup_name.
 */
static int (*causal_task_work_add_fn)(struct task_struct *, struct callback_head *,
				      enum task_work_notify_mode);

int causal_compat_init(void)
{
	/* disabled: registered for its address only, never armed (no text is patched) */
	struct kprobe kp = { .symbol_name = "task_work_add", .flags = KPROBE_FLAG_DISABLED };
	int ret;

	ret = register_kprobe(&kp);
	if (ret) {
		pr_err("task_work_add is not exported and cannot be resolved: %d\n", ret);
		return ret;
	}
	causal_task_work_add_fn = causal_func_entry(kp.addr);
	unregister_kprobe(&kp);
	pr_info("task_work_add is not exported by this kernel: resolved at %pS\n",
		causal_task_work_add_fn);
	return 0;
}

int causal_task_work_add(struct task_struct *t, struct callback_head *w,
			 enum task_work_notify_mode mode)
{
	struct causal_ibt_state ibt;
	int ret;

	causal_ibt_disable(&ibt);
	ret = causal_task_work_add_fn(t, w, mode);
	causal_ibt_restore(&ibt);
	return ret;
}
#else
int causal_compat_init(void)
{
	return 0;
}

int causal_task_work_add(struct task_struct *t, struct callback_head *w,
			 enum task_work_notify_mode mode)
{
	return task_work_add(t, w, mode);
}
#endif
