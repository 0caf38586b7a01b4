/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where kernel-version differences live, with compat/: force-included into every file of the
 * module. The HAVE_* macros come from compat/probes.mk (the feature probes in compat/probes/ and
 * the exports of Module.symvers), never from version numbers, and only this file and compat/ test
 * them.
 */
#ifndef _CAUSAL_COMPAT_H
#define _CAUSAL_COMPAT_H

#include <linux/module.h>

/* Kernels older than 6.1 are refused by Kbuild, before any of this is compiled. */

/* Symbols of causal.ko that causal_kunit.ko tests, exported only on kernels with KUnit. */
#if IS_ENABLED(CONFIG_KUNIT)
#ifdef HAVE_MODULE_IMPORT_NS_STRING
#define EXPORT_SYMBOL_IF_CAUSAL_KUNIT(sym)	EXPORT_SYMBOL_NS_GPL(sym, "CAUSAL_KUNIT")
#define CAUSAL_IMPORT_KUNIT_NS()	MODULE_IMPORT_NS("CAUSAL_KUNIT")
#else
#define EXPORT_SYMBOL_IF_CAUSAL_KUNIT(sym)	EXPORT_SYMBOL_NS_GPL(sym, CAUSAL_KUNIT)
#define CAUSAL_IMPORT_KUNIT_NS()	MODULE_IMPORT_NS(CAUSAL_KUNIT)
#endif
#else
#define EXPORT_SYMBOL_IF_CAUSAL_KUNIT(sym)
#endif

/*
 * task_work_add() and task_work_cancel(), called through these wrappers: where the kernel does
 * not export them, compat/task_work.c finds them through a kprobe, once, in causal_compat_init().
 * causal_task_work_cancel() is true if it took @w off t's queue: @w will not run.
 */
#include <linux/task_work.h>
#ifdef HAVE_TASK_WORK_ADD_EXPORT
#define CAUSAL_TASK_WORK_EXPORTED	true
#else
#define CAUSAL_TASK_WORK_EXPORTED	false
#endif
int causal_compat_init(void);
int causal_task_work_add(struct task_struct *t, struct callback_head *w,
			 enum task_work_notify_mode mode);
bool causal_task_work_cancel(struct task_struct *t, struct callback_head *w);

/* vma->vm_flags became read-only, written through vm_flags_*(), in 6.3 (bc292ab00f6c) */
#ifdef HAVE_VM_FLAGS_SET
#define causal_vm_flags_clear(vma, flags)	vm_flags_clear(vma, flags)
#define causal_vm_flags_set(vma, flags)		vm_flags_set(vma, flags)
#else
#define causal_vm_flags_clear(vma, flags)	((vma)->vm_flags &= ~(flags))
#define causal_vm_flags_set(vma, flags)		((vma)->vm_flags |= (flags))
#endif

/* sched_switch gained prev_state, as its last argument, in 5.18 (9c2136be0878) */
#ifdef HAVE_SCHED_SWITCH_PREV_STATE
#define CAUSAL_TP_SWITCH_PROTO	bool preempt, struct task_struct *prev, struct task_struct *next, \
				unsigned int prev_state
#else
#define CAUSAL_TP_SWITCH_PROTO	bool preempt, struct task_struct *prev, struct task_struct *next
#endif

/*
 * Whether prev is leaving the CPU to block. sched_switch passes prev's state since 5.18; before,
 * and in the kprobe backend, read it from the task (->__state since 5.14).
 */
#define causal_task_state(t)		READ_ONCE((t)->__state)
#ifdef HAVE_SCHED_SWITCH_PREV_STATE
#define CAUSAL_TP_PREV_STATE(prev)	(prev_state)
#else
#define CAUSAL_TP_PREV_STATE(prev)	causal_task_state(prev)
#endif

/* sched_process_exit gained group_dead in 6.16 (3e816361e94a) */
#ifdef HAVE_SCHED_EXIT_GROUP_DEAD
#define CAUSAL_TP_EXIT_PROTO	struct task_struct *p, bool group_dead
#else
#define CAUSAL_TP_EXIT_PROTO	struct task_struct *p
#endif

/* the kprobe backend's exit hook, late in do_exit(): cgroup_exit() is cgroup_task_exit() in 7.x */
#ifdef HAVE_CGROUP_TASK_EXIT
#define CAUSAL_KP_EXIT_SYMBOL		"cgroup_task_exit"
#else
#define CAUSAL_KP_EXIT_SYMBOL		"cgroup_exit"
#endif

/*
 * uprobes: uprobe_register() returns the struct uprobe, and unregistering is split into
 * uprobe_unregister_nosync() + uprobe_unregister_sync(), since 6.12 (3c83a9ad0295, 04b01625da13);
 * the filter lost its uprobe_filter_ctx then too. Handlers gained a data pointer in 6.13
 * (da09a9e0c3ea).
 */
#include <linux/uprobes.h>

#ifdef HAVE_UPROBE_UNREGISTER_NOSYNC
#define causal_uprobe uprobe

static inline int causal_uprobe_register(struct inode *inode, loff_t offset,
					 struct uprobe_consumer *uc, struct uprobe **up)
{
	*up = uprobe_register(inode, offset, 0, uc);
	return PTR_ERR_OR_ZERO(*up);
}

static inline void causal_uprobe_unregister(struct inode *inode, loff_t offset,
					    struct uprobe_consumer *uc, struct uprobe *up)
{
	uprobe_unregister_nosync(up, uc);
}

#define causal_uprobe_unregister_sync()	uprobe_unregister_sync()
#define CAUSAL_UPROBE_FILTER(name)	\
	bool name(struct uprobe_consumer *self, struct mm_struct *mm)
#else
struct causal_uprobe;

static inline int causal_uprobe_register(struct inode *inode, loff_t offset,
					 struct uprobe_consumer *uc, struct causal_uprobe **up)
{
	*up = NULL;
	return uprobe_register(inode, offset, uc);
}

/* synchronous before 6.12 */
static inline void causal_uprobe_unregister(struct inode *inode, loff_t offset,
					    struct uprobe_consumer *uc, struct causal_uprobe *up)
{
	uprobe_unregister(inode, offset, uc);
}

static inline void causal_uprobe_unregister_sync(void)
{
}

#define CAUSAL_UPROBE_FILTER(name)	\
	bool name(struct uprobe_consumer *self, enum uprobe_filter_ctx ctx, struct mm_struct *mm)
#endif

/* the handlers' parameters are always named self, func, regs and mm */
#ifdef HAVE_UPROBE_HANDLER_DATA
#define CAUSAL_UPROBE_HANDLER(name)	\
	int name(struct uprobe_consumer *self, struct pt_regs *regs, __u64 *data)
#define CAUSAL_URETPROBE_HANDLER(name)	\
	int name(struct uprobe_consumer *self, unsigned long func, struct pt_regs *regs, \
		 __u64 *data)
#else
#define CAUSAL_UPROBE_HANDLER(name)	\
	int name(struct uprobe_consumer *self, struct pt_regs *regs)
#define CAUSAL_URETPROBE_HANDLER(name)	\
	int name(struct uprobe_consumer *self, unsigned long func, struct pt_regs *regs)
#endif

/*
 * Whether t may be attached to by a user whose ids match its own, as ptrace decides it: its
 * dumpability is "owner"; and the user namespace that rule is checked against otherwise (the
 * mm's, where ptrace looks). Dumpability and that namespace moved from the mm (get_dumpable(),
 * SUID_DUMP_USER, mm->user_ns) to the task's RCU-protected exec_state (TASK_DUMPABLE_OWNER,
 * exec_state->user_ns) after 6.12, whose accessors are not exported.
 *
 * causal_task_exec_state() is false for a task with no mm (exited, or a kernel thread); else it
 * fills *dumpable and *ns (referenced: put_user_ns() it). causal_task_dumpable_by_owner() is
 * false for a task with no mm.
 */
#include <linux/sched/task.h>
#include <linux/user_namespace.h>
#ifdef HAVE_TASK_EXEC_STATE
#include <linux/sched/exec_state.h>

static inline bool causal_task_exec_state(struct task_struct *t, bool *dumpable,
					  struct user_namespace **ns)
{
	const struct task_exec_state *es;
	bool ret;

	task_lock(t);
	rcu_read_lock();
	es = rcu_dereference(t->exec_state);
	ret = t->mm && es;
	if (ret) {
		*dumpable = es->dumpable == TASK_DUMPABLE_OWNER;
		*ns = get_user_ns(es->user_ns);
	}
	rcu_read_unlock();
	task_unlock(t);
	return ret;
}

static inline bool causal_task_dumpable_by_owner(struct task_struct *t)
{
	const struct task_exec_state *es;
	bool ret;

	task_lock(t);
	rcu_read_lock();
	es = rcu_dereference(t->exec_state);
	ret = t->mm && es && es->dumpable == TASK_DUMPABLE_OWNER;
	rcu_read_unlock();
	task_unlock(t);
	return ret;
}
#else
#include <linux/sched/coredump.h>

static inline bool causal_task_exec_state(struct task_struct *t, bool *dumpable,
					  struct user_namespace **ns)
{
	struct mm_struct *mm;

	task_lock(t);
	mm = t->mm;
	if (mm) {
		*dumpable = get_dumpable(mm) == SUID_DUMP_USER;
		*ns = get_user_ns(mm->user_ns);
	}
	task_unlock(t);
	return mm;
}

static inline bool causal_task_dumpable_by_owner(struct task_struct *t)
{
	bool ret;

	task_lock(t);
	ret = t->mm && get_dumpable(t->mm) == SUID_DUMP_USER;
	task_unlock(t);
	return ret;
}
#endif

#endif /* _CAUSAL_COMPAT_H */
