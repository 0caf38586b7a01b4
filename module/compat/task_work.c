// SPDX-License-Identifier: GPL-2.0
/*
 * task_work_add() and task_work_cancel() where the kernel does not export them. Mainline exports
 * neither (Debian and Ubuntu export task_work_add): each is found once at load through a kprobe
 * registered disabled, which resolves the address without kallsyms_lookup_name() and patches no
 * text, and is called with IBT off (compat/ibt.h).
 *
 * task_work_cancel() takes the callback_head to cancel since 6.11 (f409530e4db9; backported to
 * the 6.1 stable series), and the callback function before: there, task_work_cancel_match() with
 * a match on the head is what the new one does.
 */

#include <linux/kprobes.h>
#include <linux/task_work.h>

#include "ibt.h"

/* the address of kernel function @name, through a kprobe that is never armed */
static int __maybe_unused causal_resolve(const char *name, void **fn)
{
	struct kprobe kp = { .symbol_name = name, .flags = KPROBE_FLAG_DISABLED };
	int ret;

	ret = register_kprobe(&kp);
	if (ret) {
		pr_err("%s is not exported and cannot be resolved: %d\n", name, ret);
		return ret;
	}
	*fn = causal_func_entry(kp.addr);
	unregister_kprobe(&kp);
	pr_info("%s is not exported by this kernel: resolved at %pS\n", name, *fn);
	return 0;
}

#ifdef HAVE_TASK_WORK_ADD_EXPORT
int causal_task_work_add(struct task_struct *t, struct callback_head *w,
			 enum task_work_notify_mode mode)
{
	return task_work_add(t, w, mode);
}

static int causal_task_work_add_init(void)
{
	return 0;
}
#else
static int (*causal_task_work_add_fn)(struct task_struct *t, struct callback_head *w,
				      enum task_work_notify_mode mode);

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

static int causal_task_work_add_init(void)
{
	return causal_resolve("task_work_add", (void **)&causal_task_work_add_fn);
}
#endif

#if defined(HAVE_TASK_WORK_CANCEL_CB) && defined(HAVE_TASK_WORK_CANCEL_EXPORT)
bool causal_task_work_cancel(struct task_struct *t, struct callback_head *w)
{
	return task_work_cancel(t, w);
}

static int causal_task_work_cancel_init(void)
{
	return 0;
}
#elif defined(HAVE_TASK_WORK_CANCEL_CB)
static bool (*causal_task_work_cancel_fn)(struct task_struct *t, struct callback_head *w);

bool causal_task_work_cancel(struct task_struct *t, struct callback_head *w)
{
	struct causal_ibt_state ibt;
	bool ret;

	causal_ibt_disable(&ibt);
	ret = causal_task_work_cancel_fn(t, w);
	causal_ibt_restore(&ibt);
	return ret;
}

static int causal_task_work_cancel_init(void)
{
	return causal_resolve("task_work_cancel", (void **)&causal_task_work_cancel_fn);
}
#else
/* before task_work_cancel() took the head */
static bool causal_task_work_is(struct callback_head *cb, void *data)
{
	return cb == data;
}

#ifdef HAVE_TASK_WORK_CANCEL_MATCH_EXPORT
bool causal_task_work_cancel(struct task_struct *t, struct callback_head *w)
{
	return task_work_cancel_match(t, causal_task_work_is, w) == w;
}

static int causal_task_work_cancel_init(void)
{
	return 0;
}
#else
typedef bool (*causal_task_work_match_t)(struct callback_head *cb, void *data);
static struct callback_head *(*causal_task_work_cancel_fn)(struct task_struct *t,
							   causal_task_work_match_t match,
							   void *data);

bool causal_task_work_cancel(struct task_struct *t, struct callback_head *w)
{
	struct causal_ibt_state ibt;
	struct callback_head *ret;

	causal_ibt_disable(&ibt);
	ret = causal_task_work_cancel_fn(t, causal_task_work_is, w);
	causal_ibt_restore(&ibt);
	return ret == w;
}

static int causal_task_work_cancel_init(void)
{
	return causal_resolve("task_work_cancel_match", (void **)&causal_task_work_cancel_fn);
}
#endif
#endif

int causal_compat_init(void)
{
	return causal_task_work_add_init() ?: causal_task_work_cancel_init();
}
