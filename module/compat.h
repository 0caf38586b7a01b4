/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel-version differences live. Force-included into every file of the
 * module; the HAVE_* macros come from feature probes in Kbuild, never from version numbers.
 */
#ifndef _CAUSAL_COMPAT_H
#define _CAUSAL_COMPAT_H

#include <linux/module.h>

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

#ifdef HAVE_TASK_WORK_ADD_EXPORT
#define CAUSAL_TASK_WORK_EXPORTED	true
#else
#define CAUSAL_TASK_WORK_EXPORTED	false
#endif

/* vma->vm_flags became read-only, written through vm_flags_*(), in 6.3 (bc292ab00f6c) */
#ifdef HAVE_VM_FLAGS_SET
#define causal_vm_flags_clear(vma, flags)	vm_flags_clear(vma, flags)
#else
#define causal_vm_flags_clear(vma, flags)	((vma)->vm_flags &= ~(flags))
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
 * Calling a kernel function found through a kprobe rather than an export. With IBT, a kprobe's
 * address lies past the function's ENDBR, and functions whose address the kernel never takes
 * have no ENDBR at all: call the real entry with IBT off for the duration, as LTTng does.
 */
#ifdef CONFIG_X86_KERNEL_IBT
#include <asm/ibt.h>
#include <asm/msr.h>

static inline void *causal_func_entry(void *kprobe_addr)
{
	if (is_endbr(*(u32 *)(kprobe_addr - ENDBR_INSN_SIZE)))
		return kprobe_addr - ENDBR_INSN_SIZE;
	return kprobe_addr;
}

static inline unsigned long causal_ibt_disable(void)
{
	u64 msr = 0;

	if (cpu_feature_enabled(X86_FEATURE_IBT)) {
		rdmsrl(MSR_IA32_S_CET, msr);
		wrmsrl(MSR_IA32_S_CET, msr & ~CET_ENDBR_EN);
	}
	return msr;
}

static inline void causal_ibt_restore(unsigned long msr)
{
	if (cpu_feature_enabled(X86_FEATURE_IBT))
		wrmsrl(MSR_IA32_S_CET, msr);
}
#else
static inline void *causal_func_entry(void *kprobe_addr)
{
	return kprobe_addr;
}

static inline unsigned long causal_ibt_disable(void)
{
	return 0;
}

static inline void causal_ibt_restore(unsigned long msr)
{
}
#endif

#endif /* _CAUSAL_COMPAT_H */
