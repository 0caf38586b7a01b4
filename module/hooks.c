// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler hooks: switch, waking, fork, exit and exec. Two backends behind one interface: the
 * sched tracepoints (default), found by name because modules cannot link to them, or kprobes on
 * the scheduler functions. Both only mark state and defer: they run with the rq or pi lock held or
 * with preemption off, so nothing here sleeps, allocates with reclaim, or wakes anyone. With
 * either, a task's move to another cgroup comes from the cgroup_attach_task tracepoint (not a
 * scheduler event; its function returns before the move is final, which a kprobe could not see).
 */

#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/binfmts.h>
#include <linux/ptrace.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
/* for check_trace_callback_type_*() only: modules cannot link to these tracepoints */
#include <trace/events/cgroup.h>
#include <trace/events/sched.h>

#include "events.h"
#include "hooks.h"

static char *hooks = "tracepoint";
module_param(hooks, charp, 0444);
MODULE_PARM_DESC(hooks, "scheduler hook backend: tracepoint (default) or kprobe");

static DEFINE_MUTEX(causal_hooks_lock);
static bool causal_hooks_registered;
static bool causal_use_kprobes;

/* tracepoint backend */

static void causal_tp_switch(void *data, CAUSAL_TP_SWITCH_PROTO)
{
	causal_on_switch_out(prev, !preempt && CAUSAL_TP_PREV_STATE(prev) != TASK_RUNNING);
	causal_on_switch_in(next);
}

static void causal_tp_waking(void *data, struct task_struct *p)
{
	causal_on_waking(p);
}

static void causal_tp_fork(void *data, struct task_struct *parent, struct task_struct *child)
{
	causal_on_fork(parent, child);
}

static void causal_tp_exit(void *data, CAUSAL_TP_EXIT_PROTO)
{
	causal_on_exit_begin(p);
}

static void causal_tp_exec(void *data, struct task_struct *p, pid_t old_pid,
			   struct linux_binprm *bprm)
{
	causal_on_exec(p);
}

static void causal_tp_cgroup_move(void *data, struct cgroup *dst, const char *path,
				  struct task_struct *task, bool threadgroup)
{
	causal_on_cgroup_move(dst, task, threadgroup);
}

static struct causal_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;
} causal_tps[] = {
	{ "sched_switch", causal_tp_switch },
	{ "sched_waking", causal_tp_waking },
	{ "sched_process_fork", causal_tp_fork },
	{ "sched_process_exit", causal_tp_exit },
	{ "sched_process_exec", causal_tp_exec },
	/* the last: the one both backends register */
	{ "cgroup_attach_task", causal_tp_cgroup_move },
};

#define CAUSAL_TP_CGROUP	(ARRAY_SIZE(causal_tps) - 1)

static void causal_tp_lookup(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(causal_tps); i++)
		if (!strcmp(tp->name, causal_tps[i].name))
			causal_tps[i].tp = tp;
}

/* registers causal_tps[first] to the last */
static int causal_tp_register(int first)
{
	int i, ret;

	for (i = first; i < ARRAY_SIZE(causal_tps); i++) {
		ret = tracepoint_probe_register(causal_tps[i].tp, causal_tps[i].probe, NULL);
		if (ret) {
			pr_err("cannot hook tracepoint %s: %d\n", causal_tps[i].name, ret);
			while (--i >= first)
				tracepoint_probe_unregister(causal_tps[i].tp, causal_tps[i].probe,
							    NULL);
			tracepoint_synchronize_unregister();
			return ret;
		}
	}
	return 0;
}

static void causal_tp_unregister(int first)
{
	int i;

	for (i = first; i < ARRAY_SIZE(causal_tps); i++)
		tracepoint_probe_unregister(causal_tps[i].tp, causal_tps[i].probe, NULL);
	tracepoint_synchronize_unregister();
}

/*
 * kprobe backend. The functions and the argument that names the task:
 * finish_task_switch(prev) runs in the task switched in; try_to_wake_up(p, ...) in the waker (also
 * for a p that is running, so the wake-up hook checks p's state);
 * wake_up_new_task(p) in the parent, once the child is complete; cgroup_exit(p) (cgroup_task_exit
 * in 7.x) in the exiting task, late in do_exit(): after PF_EXITING is set and after exit_mm() woke
 * the pthread_join()er through the clear-tid futex, a wake-up that must still carry its delay.
 * (perf_event_exit_task, used before, runs ahead of exit_mm() since "perf: Fix sample vs
 * do_exit()", also in the 6.1 and 6.12 stable kernels: the joiner's wake-up then found the
 * exiting task gone.) setup_new_exec(bprm) in the exec'ing task, once its new credentials,
 * dumpability and mm are set (sched_process_exec comes a little later, in exec_binprm()).
 */
static int causal_kp_switch(struct kprobe *kp, struct pt_regs *regs)
{
	struct task_struct *prev = (struct task_struct *)regs_get_kernel_argument(regs, 0);

	/* after the switch: a prev that a waker already made runnable is not counted as blocked */
	causal_on_switch_out(prev, causal_task_state(prev) != TASK_RUNNING);
	causal_on_switch_in(current);
	return 0;
}

static int causal_kp_waking(struct kprobe *kp, struct pt_regs *regs)
{
	struct task_struct *p = (struct task_struct *)regs_get_kernel_argument(regs, 0);

	/* sched_waking only fires for a task that is not running; match it */
	if (causal_task_state(p) != TASK_RUNNING)
		causal_on_waking(p);
	return 0;
}

static int causal_kp_fork(struct kprobe *kp, struct pt_regs *regs)
{
	causal_on_fork(current, (struct task_struct *)regs_get_kernel_argument(regs, 0));
	return 0;
}

static int causal_kp_exit(struct kprobe *kp, struct pt_regs *regs)
{
	causal_on_exit_end((struct task_struct *)regs_get_kernel_argument(regs, 0));
	return 0;
}

static int causal_kp_exec(struct kprobe *kp, struct pt_regs *regs)
{
	causal_on_exec(current);
	return 0;
}

static struct kprobe causal_kps[] = {
	{ .symbol_name = "finish_task_switch", .pre_handler = causal_kp_switch },
	{ .symbol_name = "try_to_wake_up", .pre_handler = causal_kp_waking },
	{ .symbol_name = "wake_up_new_task", .pre_handler = causal_kp_fork },
	{ .symbol_name = CAUSAL_KP_EXIT_SYMBOL, .pre_handler = causal_kp_exit },
	{ .symbol_name = "setup_new_exec", .pre_handler = causal_kp_exec },
};

/*
 * An int3-based kprobe runs its handler like an NMI: it could neither tell a wake-up by a task
 * from one by an interrupt, nor add or remove tasks. Those hooks need ftrace-based kprobes
 * (CONFIG_KPROBES_ON_FTRACE, as Debian's kernels have); the switch hook works with either.
 */
static const bool causal_kp_needs_ftrace[ARRAY_SIZE(causal_kps)] = {
	false, true, true, true, true,
};

/* Compilers rename local functions they specialise: finish_task_switch.isra.0 and the like. */
static const char *const causal_kp_suffixes[] = {
	"", ".isra.0", ".constprop.0", ".part.0", ".isra.1", ".constprop.1",
};

/* the names found, kept across unregister and register; freed at module exit */
static char *causal_kp_names[ARRAY_SIZE(causal_kps)];

static int causal_kp_register_one(struct kprobe *kp, char **found, unsigned int flags)
{
	const char *base = kp->symbol_name;
	char *name;
	int i, ret = -ENOENT;

	for (i = 0; i < ARRAY_SIZE(causal_kp_suffixes); i++) {
		name = kasprintf(GFP_KERNEL, "%s%s", base, causal_kp_suffixes[i]);
		if (!name)
			return -ENOMEM;
		kp->symbol_name = name;
		kp->addr = NULL;
		kp->flags = flags;
		ret = register_kprobe(kp);
		if (!ret) {
			*found = name;
			return 0;
		}
		kp->symbol_name = base;
		kfree(name);
		if (ret != -ENOENT && ret != -EINVAL)
			break;
	}
	pr_err("cannot kprobe %s (nor a suffixed variant): %d\n", base, ret);
	return ret;
}

/* flags: 0 to hook, KPROBE_FLAG_DISABLED to only find the probes (nothing is armed) */
static int causal_kp_register(unsigned int flags)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(causal_kps); i++) {
		if (causal_kp_names[i]) {
			/* found before: register the same symbol again */
			causal_kps[i].addr = NULL;
			causal_kps[i].flags = flags;
			ret = register_kprobe(&causal_kps[i]);
		} else {
			ret = causal_kp_register_one(&causal_kps[i], &causal_kp_names[i], flags);
		}
		if (!ret && causal_kp_needs_ftrace[i] &&
		    !(causal_kps[i].flags & KPROBE_FLAG_FTRACE)) {
			pr_err("hooks=kprobe needs ftrace-based kprobes for %s; use hooks=tracepoint\n",
			       causal_kps[i].symbol_name);
			unregister_kprobe(&causal_kps[i]);
			ret = -EOPNOTSUPP;
		}
		if (ret) {
			while (--i >= 0)
				unregister_kprobe(&causal_kps[i]);
			return ret;
		}
	}
	return 0;
}

static void causal_kp_unregister(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(causal_kps); i++)
		unregister_kprobe(&causal_kps[i]);
}

/* Finds causal_tps[first] to the last; -ENOENT (and says which) if one is missing. */
static int causal_tp_lookup_all(int first)
{
	int i;

	for_each_kernel_tracepoint(causal_tp_lookup, NULL);
	for (i = first; i < ARRAY_SIZE(causal_tps); i++) {
		if (!causal_tps[i].tp) {
			pr_err("tracepoint %s not found%s\n", causal_tps[i].name,
			       i < CAUSAL_TP_CGROUP ? "; try hooks=kprobe" : "");
			return -ENOENT;
		}
	}
	return 0;
}

int causal_hooks_init(void)
{
	int ret;

	/*
	 * The probes are registered through void *: a prototype that does not match the event's is
	 * a build error here (-Werror=incompatible-pointer-types, see Kbuild), not a kCFI trap or
	 * an argument read from a register that holds something else.
	 */
	check_trace_callback_type_sched_switch(causal_tp_switch);
	check_trace_callback_type_sched_waking(causal_tp_waking);
	check_trace_callback_type_sched_process_fork(causal_tp_fork);
	check_trace_callback_type_sched_process_exit(causal_tp_exit);
	check_trace_callback_type_sched_process_exec(causal_tp_exec);
	check_trace_callback_type_cgroup_attach_task(causal_tp_cgroup_move);
	if (!strcmp(hooks, "kprobe")) {
		/*
		 * Find every probe now, so that a kernel that cannot host them fails the load;
		 * disabled, so that no kernel text is patched until a session needs the hooks.
		 */
		ret = causal_kp_register(KPROBE_FLAG_DISABLED);
		if (ret)
			return ret;
		causal_kp_unregister();
		causal_use_kprobes = true;
		return causal_tp_lookup_all(CAUSAL_TP_CGROUP);
	}
	if (strcmp(hooks, "tracepoint")) {
		pr_err("hooks=%s: unknown backend (tracepoint or kprobe)\n", hooks);
		return -EINVAL;
	}
	return causal_tp_lookup_all(0);
}

void causal_hooks_exit(void)
{
	int i;

	/* no session is left (they hold module references): nothing runs the hooks any more */
	if (causal_hooks_registered) {
		if (causal_use_kprobes)
			causal_kp_unregister();
		causal_tp_unregister(causal_use_kprobes ? CAUSAL_TP_CGROUP : 0);
		causal_hooks_registered = false;
	}
	for (i = 0; i < ARRAY_SIZE(causal_kp_names); i++)
		kfree(causal_kp_names[i]);
}

const char *causal_hooks_backend(void)
{
	return causal_use_kprobes ? "kprobe" : "tracepoint";
}

/*
 * The hooks are registered by the first session and stay until the module is unloaded. Each
 * registration patches kernel text (static keys, ftrace call sites) under running tasks; under
 * emulation, as sessions came and went, a 6.12 guest took an int3 the patcher had already
 * retired (NULL call in do_exit, "Unrecoverable kprobe") and a 6.1 guest looped on an int3 in
 * __schedule while the patcher waited for it. Without a session the hooks find nothing in the
 * task table.
 */
int causal_hooks_register(void)
{
	int ret = 0;

	mutex_lock(&causal_hooks_lock);
	if (!causal_hooks_registered) {
		if (!causal_use_kprobes) {
			ret = causal_tp_register(0);
		} else {
			ret = causal_kp_register(0);
			if (!ret) {
				ret = causal_tp_register(CAUSAL_TP_CGROUP);
				if (ret)
					causal_kp_unregister();
			}
		}
		causal_hooks_registered = !ret;
	}
	mutex_unlock(&causal_hooks_lock);
	return ret;
}
