// SPDX-License-Identifier: GPL-2.0
/*
 * Yama's ptrace_scope for the attach check. Modules can call neither ptrace_may_access() nor the
 * LSM ptrace hooks, and Yama keeps its scope to itself: the module reads the sysctl, as a user
 * can, and applies Yama's rule for PTRACE_MODE_ATTACH itself. The sysctl is read through a
 * mount of procfs of the module's own, made at load and in no mount namespace: a caller in a mount
 * namespace of its own cannot mount a file of its choosing over it, and the module does not depend
 * on where init's root is (7.x roots the initial task in an empty nullfs, not in init's root).
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mount.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "yama.h"

#define CAUSAL_YAMA_SYSCTL	"sys/kernel/yama/ptrace_scope"
#define CAUSAL_SYSCTL_KERNEL	"sys/kernel"

static struct vfsmount *causal_proc_mnt;

int causal_yama_init(void)
{
	/* proc is always built in: get_fs_type() takes no module reference to give back */
	struct file_system_type *proc = get_fs_type("proc");

	causal_proc_mnt = proc ? kern_mount(proc) : ERR_PTR(-ENODEV);
	if (IS_ERR(causal_proc_mnt)) {
		pr_err("cannot mount procfs to read Yama's ptrace_scope: %ld\n",
		       PTR_ERR(causal_proc_mnt));
		return PTR_ERR(causal_proc_mnt);
	}
	return 0;
}

void causal_yama_exit(void)
{
	kern_unmount(causal_proc_mnt);
}

enum causal_yama_scope causal_yama_parse(const char *buf, size_t len)
{
	char text[8];
	unsigned int v;

	if (!len || len >= sizeof(text))
		return CAUSAL_YAMA_UNKNOWN;
	memcpy(text, buf, len);
	text[len] = 0;
	if (kstrtouint(strim(text), 10, &v) || v > CAUSAL_YAMA_NO_ATTACH)
		return CAUSAL_YAMA_UNKNOWN;
	return v;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_yama_parse);

static struct file *causal_open_proc(const char *path)
{
	return file_open_root_mnt(causal_proc_mnt, path, O_RDONLY, 0);
}

enum causal_yama_scope causal_yama_scope(void)
{
	char buf[8];
	loff_t pos = 0;
	struct file *f;
	ssize_t n;

	f = causal_open_proc(CAUSAL_YAMA_SYSCTL);
	if (IS_ERR(f)) {
		/* no Yama (not built, or not enabled), if the kernel's sysctls are there at all */
		if (PTR_ERR(f) != -ENOENT)
			return CAUSAL_YAMA_UNKNOWN;
		f = causal_open_proc(CAUSAL_SYSCTL_KERNEL);
		if (IS_ERR(f))
			return CAUSAL_YAMA_UNKNOWN;
		fput(f);
		return CAUSAL_YAMA_DISABLED;
	}
	n = kernel_read(f, buf, sizeof(buf), &pos);
	fput(f);
	return n > 0 ? causal_yama_parse(buf, n) : CAUSAL_YAMA_UNKNOWN;
}

bool causal_yama_permits(enum causal_yama_scope scope, bool descendant, bool capable)
{
	switch (scope) {
	case CAUSAL_YAMA_DISABLED:
		return true;
	case CAUSAL_YAMA_RELATIONAL:
		return descendant || capable;
	default:
		/*
		 * ADMIN, and UNKNOWN as the strictest that still lets root profile. NO_ATTACH
		 * forbids ptrace even to root; causal leaves profiling to CAP_SYS_PTRACE there.
		 */
		return capable;
	}
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_yama_permits);

bool causal_task_is_descendant(struct task_struct *tracer, struct task_struct *t)
{
	struct task_struct *walker;
	bool ret = false;

	rcu_read_lock();
	/* a thread's real_parent is its process's: walk processes up to the idle task (pid 0) */
	for (walker = t; walker->pid > 0; walker = rcu_dereference(walker->real_parent)) {
		if (same_thread_group(walker, tracer)) {
			ret = true;
			break;
		}
	}
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_task_is_descendant);
