/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calling a kernel function found through a kprobe rather than an export (compat/task_work.c).
 * With IBT, a kprobe's address lies past the function's ENDBR, and functions whose address the
 * kernel never takes have no ENDBR at all: call the real entry with IBT off for the duration, as
 * LTTng does (its wrapper saves the IRQ state, clears CET_ENDBR_EN in MSR_IA32_S_CET, calls, and
 * restores both). The CET MSR is per CPU: interrupts stay off from the change to the restore, so
 * that nothing else runs on this CPU without IBT and the task cannot move to another CPU between
 * them.
 */
#ifndef _CAUSAL_COMPAT_IBT_H
#define _CAUSAL_COMPAT_IBT_H

#include <linux/irqflags.h>
#include <linux/types.h>

#ifdef CONFIG_X86_KERNEL_IBT
#include <linux/uaccess.h>
#include <asm/ibt.h>
#include <asm/msr.h>

/* is_endbr() took the instruction word until 6.15; since, __is_endbr() does (is_endbr: u32 *) */
#ifdef HAVE_IBT_IS_ENDBR_VALUE
#define causal_is_endbr(insn)		__is_endbr(insn)
#else
#define causal_is_endbr(insn)		is_endbr(insn)
#endif

/* rdmsrl()/wrmsrl() are rdmsrq()/wrmsrq() since 6.16 */
#ifdef HAVE_RDMSRQ
#define causal_rdmsr64(msr, val)	rdmsrq(msr, val)
#define causal_wrmsr64(msr, val)	wrmsrq(msr, val)
#else
#define causal_rdmsr64(msr, val)	rdmsrl(msr, val)
#define causal_wrmsr64(msr, val)	wrmsrl(msr, val)
#endif

static inline void *causal_func_entry(void *kprobe_addr)
{
	u32 insn;

	if (!get_kernel_nofault(insn, (u32 *)(kprobe_addr - ENDBR_INSN_SIZE)) &&
	    causal_is_endbr(insn))
		return kprobe_addr - ENDBR_INSN_SIZE;
	return kprobe_addr;
}

struct causal_ibt_state {
	unsigned long irqflags;
	u64 msr;
};

static inline void causal_ibt_disable(struct causal_ibt_state *st)
{
	local_irq_save(st->irqflags);
	st->msr = 0;
	if (cpu_feature_enabled(X86_FEATURE_IBT)) {
		causal_rdmsr64(MSR_IA32_S_CET, st->msr);
		causal_wrmsr64(MSR_IA32_S_CET, st->msr & ~CET_ENDBR_EN);
	}
}

static inline void causal_ibt_restore(const struct causal_ibt_state *st)
{
	if (cpu_feature_enabled(X86_FEATURE_IBT))
		causal_wrmsr64(MSR_IA32_S_CET, st->msr);
	local_irq_restore(st->irqflags);
}
#else
static inline void *causal_func_entry(void *kprobe_addr)
{
	return kprobe_addr;
}

struct causal_ibt_state {
};

static inline void causal_ibt_disable(struct causal_ibt_state *st)
{
}

static inline void causal_ibt_restore(const struct causal_ibt_state *st)
{
}
#endif

#endif /* _CAUSAL_COMPAT_IBT_H */
