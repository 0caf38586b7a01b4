// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/causal: the misc device; one session per open file, mmap and poll, and the ioctls. This is
 * the one file that copies ioctl arguments from and to user memory: each command's struct is
 * copied in, checked, and handed to a function that works on kernel structs only.
 */

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "attach.h"
#include "device.h"
#include "experiment.h"
#include "progress.h"
#include "session.h"
#include "uarg.h"
#include "umem.h"
#include "unwind.h"
#include "version.h"

static bool unprivileged;
module_param(unprivileged, bool, 0644);
MODULE_PARM_DESC(unprivileged,
		 "let users without CAP_PERFMON open the device to profile their own processes");

static unsigned int max_sessions_per_user = 16;
module_param(max_sessions_per_user, uint, 0644);
MODULE_PARM_DESC(max_sessions_per_user,
		 "sessions (open /dev/causal files) one user may hold at once, 0 for no limit; openers with CAP_SYS_RESOURCE are not limited");

/*
 * Sessions open per user (real uid), as inotify counts instances per user: each holds memory,
 * per-CPU counters and up to CAUSAL_MAX_PROGRESS uprobes. The value is xa_mk_value(count).
 */
static DEFINE_MUTEX(causal_users_lock);
static DEFINE_XARRAY(causal_users);

static int causal_user_get(struct file *file)
{
	unsigned long uid = __kuid_val(file->f_cred->uid);
	unsigned int max = READ_ONCE(max_sessions_per_user);
	unsigned long n;
	int ret;

	mutex_lock(&causal_users_lock);
	n = xa_to_value(xa_load(&causal_users, uid) ?: xa_mk_value(0));
	ret = -EMFILE;
	if (max && n >= max &&
	    !file_ns_capable(file, &init_user_ns, CAP_SYS_RESOURCE))
		goto out;
	ret = xa_err(xa_store(&causal_users, uid, xa_mk_value(n + 1), GFP_KERNEL));
out:
	mutex_unlock(&causal_users_lock);
	return ret;
}

static void causal_user_put(const struct cred *cred)
{
	unsigned long uid = __kuid_val(cred->uid);
	unsigned long n;

	mutex_lock(&causal_users_lock);
	n = xa_to_value(xa_load(&causal_users, uid));
	if (n > 1)
		xa_store(&causal_users, uid, xa_mk_value(n - 1), GFP_KERNEL);
	else
		xa_erase(&causal_users, uid);
	mutex_unlock(&causal_users_lock);
}

static_assert(sizeof(struct causal_version) == CAUSAL_VERSION_SIZE_VER0);
static_assert(sizeof(struct causal_attach) == CAUSAL_ATTACH_SIZE_VER0);
static_assert(sizeof(struct causal_experiment) == CAUSAL_EXPERIMENT_SIZE_VER0);
static_assert(sizeof(struct causal_experiment_result) == CAUSAL_EXPERIMENT_RESULT_SIZE_VER0);
static_assert(sizeof(struct causal_stats) == CAUSAL_STATS_SIZE_VER1);
static_assert(sizeof(struct causal_progress) == CAUSAL_PROGRESS_SIZE_VER0);
static_assert(sizeof(struct causal_progress_counts) == CAUSAL_PROGRESS_COUNTS_SIZE_VER0);
static_assert(sizeof(struct causal_unwind) == CAUSAL_UNWIND_SIZE_VER0);

/* Any command's argument, in kernel memory. */
union causal_ioctl_arg {
	u32 size;	/* every struct's first field */
	struct causal_version version;
	struct causal_attach attach;
	struct causal_experiment exp;
	struct causal_experiment_result result;
	struct causal_stats stats;
	struct causal_progress progress;
	struct causal_progress_counts counts;
	struct causal_unwind unwind;
};

/*
 * Each command's part between the copies: the fields checked, the operation called on kernel
 * structs. What it leaves in the argument is copied back out (its size field aside).
 */
static long causal_ioctl_version(struct causal_session *s, union causal_ioctl_arg *a)
{
	int ret = causal_version_check(&a->version);

	if (!ret)
		causal_version_fill(&a->version);
	return ret;
}

static long causal_ioctl_attach(struct causal_session *s, union causal_ioctl_arg *a)
{
	return causal_attach_check(&a->attach) ?: causal_attach(s, &a->attach);
}

static long causal_ioctl_exp_start(struct causal_session *s, union causal_ioctl_arg *a)
{
	struct causal_range *in;
	int ret;

	/* nr_ranges is bounded before the ranges are copied */
	ret = causal_exp_check(&a->exp);
	if (ret)
		return ret;
	in = memdup_user(u64_to_user_ptr(a->exp.ranges), array_size(a->exp.nr_ranges, sizeof(*in)));
	if (IS_ERR(in))
		return PTR_ERR(in);
	ret = causal_exp_start(s, &a->exp, in);
	kfree(in);
	return ret;
}

static long causal_ioctl_exp_stop(struct causal_session *s, union causal_ioctl_arg *a)
{
	if (a->result.flags)
		return -EINVAL;
	return causal_exp_stop(s, &a->result);
}

static long causal_ioctl_stats(struct causal_session *s, union causal_ioctl_arg *a)
{
	if (a->stats.flags)
		return -EINVAL;
	causal_session_stats(s, &a->stats);
	return 0;
}

static long causal_ioctl_progress_add(struct causal_session *s, union causal_ioctl_arg *a)
{
	return causal_progress_check(&a->progress) ?: causal_progress_add(s, &a->progress);
}

static long causal_ioctl_progress_read(struct causal_session *s, union causal_ioctl_arg *a)
{
	struct causal_progress_counts *c = &a->counts;
	u64 __user *out = u64_to_user_ptr(c->counts);
	u64 *counts = NULL;
	int ret = 0;
	u32 nr;

	if (c->flags || c->reserved)
		return -EINVAL;
	if (c->nr > CAUSAL_MAX_PROGRESS)
		return -E2BIG;
	if (c->nr && !out)
		return -EFAULT;
	/* up to 2 KiB: not on the stack */
	if (c->nr) {
		counts = kmalloc_array(c->nr, sizeof(*counts), GFP_KERNEL);
		if (!counts)
			return -ENOMEM;
	}
	nr = causal_progress_read(s, counts, c->nr);
	if (copy_to_user(out, counts, array_size(min(c->nr, nr), sizeof(*counts))))
		ret = -EFAULT;
	kfree(counts);
	c->nr = nr;
	return ret;
}

/* Up to CAUSAL_MAX_UNWIND_ROWS rows (6 MiB): copied straight into the table the session keeps. */
static long causal_ioctl_unwind_set(struct causal_session *s, union causal_ioctl_arg *a)
{
	struct causal_unwind *u = &a->unwind;
	struct causal_unwind_table *t = NULL;
	int ret;

	ret = causal_unwind_check(u);
	if (ret)
		return ret;
	if (u->nr_rows) {
		t = causal_unwind_alloc(u->nr_rows);
		if (!t)
			return -ENOMEM;
		ret = -EFAULT;
		if (!copy_from_user(t->rows, u64_to_user_ptr(u->rows),
				    array_size(u->nr_rows, sizeof(t->rows[0]))))
			ret = causal_unwind_validate(t);
		if (ret) {
			causal_unwind_free(t);
			return ret;
		}
	}
	causal_session_unwind_set(s, t);
	return 0;
}

/*
 * The commands in the order of their numbers, as DRM's ioctl table: our struct's size, the first
 * published one (a caller's may not be smaller) and the operation. A command is matched on type,
 * number and direction: the size encoded in it is not trusted, every argument struct carries its
 * own size field instead (see uapi/linux/causal.h).
 */
static const struct causal_ioctl {
	unsigned int cmd;
	u32 size;
	u32 min_size;
	long (*act)(struct causal_session *s, union causal_ioctl_arg *a);
} causal_ioctls[] = {
#define CAUSAL_IOCTL(_cmd, _member, _min_size, _act)					\
	{ .cmd = _cmd, .size = sizeof_field(union causal_ioctl_arg, _member),		\
	  .min_size = _min_size, .act = _act }
	CAUSAL_IOCTL(CAUSAL_IOC_VERSION, version, CAUSAL_VERSION_SIZE_VER0, causal_ioctl_version),
	CAUSAL_IOCTL(CAUSAL_IOC_ATTACH, attach, CAUSAL_ATTACH_SIZE_VER0, causal_ioctl_attach),
	CAUSAL_IOCTL(CAUSAL_IOC_EXPERIMENT_START, exp, CAUSAL_EXPERIMENT_SIZE_VER0,
		     causal_ioctl_exp_start),
	CAUSAL_IOCTL(CAUSAL_IOC_EXPERIMENT_STOP, result, CAUSAL_EXPERIMENT_RESULT_SIZE_VER0,
		     causal_ioctl_exp_stop),
	CAUSAL_IOCTL(CAUSAL_IOC_STATS, stats, CAUSAL_STATS_SIZE_VER0, causal_ioctl_stats),
	CAUSAL_IOCTL(CAUSAL_IOC_PROGRESS_ADD, progress, CAUSAL_PROGRESS_SIZE_VER0,
		     causal_ioctl_progress_add),
	CAUSAL_IOCTL(CAUSAL_IOC_PROGRESS_READ, counts, CAUSAL_PROGRESS_COUNTS_SIZE_VER0,
		     causal_ioctl_progress_read),
	CAUSAL_IOCTL(CAUSAL_IOC_UNWIND_SET, unwind, CAUSAL_UNWIND_SIZE_VER0,
		     causal_ioctl_unwind_set),
#undef CAUSAL_IOCTL
};

/*
 * Every command: its struct copied in (causal_uarg_copy() checks the caller's size), the command's
 * part, and the struct copied back out as far as the caller knows it: its size field says what
 * the caller's struct holds, not ours (an older caller's is shorter).
 */
long causal_ioctl_dispatch(struct causal_session *s, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	const struct causal_ioctl *ioc;
	union causal_ioctl_arg a;
	u32 usize;
	long ret;

	if (_IOC_TYPE(cmd) != CAUSAL_IOC_MAGIC || _IOC_NR(cmd) >= ARRAY_SIZE(causal_ioctls))
		return -ENOTTY;
	ioc = &causal_ioctls[_IOC_NR(cmd)];
	if (_IOC_NR(cmd) != _IOC_NR(ioc->cmd) || _IOC_DIR(cmd) != _IOC_DIR(ioc->cmd))
		return -ENOTTY;
	ret = causal_uarg_copy(&a, ioc->size, uarg, ioc->min_size);
	if (ret)
		return ret;
	usize = a.size;
	ret = ioc->act(s, &a);
	if (ret)
		return ret;
	a.size = usize;
	return causal_uarg_put(uarg, &a, ioc->size);
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_ioctl_dispatch);

static long causal_unlocked_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return causal_ioctl_dispatch(file->private_data, cmd, arg);
}

static int causal_open(struct inode *inode, struct file *file)
{
	struct causal_session *s;
	int ret;

	if (!unprivileged && !perfmon_capable())
		return -EPERM;
	ret = causal_user_get(file);
	if (ret)
		return ret;
	s = causal_session_create(file);
	if (!s) {
		causal_user_put(file->f_cred);
		return -ENOMEM;
	}
	file->private_data = s;
	return 0;
}

/* The file's last reference is gone, so no ioctl runs any more: the session ends. */
static void causal_close(struct causal_session *s)
{
	mutex_lock(&s->lock);
	causal_exp_end(s, NULL);
	causal_detach(s);
	mutex_unlock(&s->lock);
	causal_progress_remove_all(s);
	irq_work_sync(&s->poll_work);
	causal_session_put(s);
}

static int causal_release(struct inode *inode, struct file *file)
{
	causal_close(file->private_data);
	causal_user_put(file->f_cred);
	return 0;
}

/*
 * The uapi gives byte offsets and a 4 KiB control page: x86-64's page size, the only architecture
 * causal builds for (the sampler reads x86 registers; Kbuild and dkms.conf refuse others). A port
 * to larger pages changes the uapi (offsets and the records' start in pages) and starts here.
 */
static_assert(CAUSAL_MMAP_RING == PAGE_SIZE);

/*
 * Offset CAUSAL_MMAP_STATS: the stats page, read-only. Offset CAUSAL_MMAP_RING: the sample ring
 * (control page and data pages), after attach.
 */
static int causal_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct causal_session *s = file->private_data;
	unsigned long off = vma->vm_pgoff << PAGE_SHIFT;

	if (off == CAUSAL_MMAP_STATS) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		if (vma->vm_end - vma->vm_start != PAGE_SIZE)
			return -EINVAL;
		causal_vm_flags_clear(vma, VM_MAYWRITE);
		return causal_umem_mmap(vma, s->stats, PAGE_SIZE, 0);
	}
	if (off != CAUSAL_MMAP_RING)
		return -EINVAL;
	/* the reader's tail must reach the module: a private copy would fill the ring */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/*
	 * Not under s->lock: mmap holds the mmap lock, which an exec takes under exec_update_lock,
	 * which attach takes under s->lock. Once attached, the ring stays until the file is
	 * released, which cannot happen during an mmap of it.
	 */
	if (!smp_load_acquire(&s->attached))
		return -ENOTCONN;
	return causal_ring_mmap(&s->ring, vma, 0);
}

static __poll_t causal_poll(struct file *file, poll_table *wait)
{
	struct causal_session *s = file->private_data;

	poll_wait(file, &s->poll_wait, wait);
	if (READ_ONCE(s->attached) && causal_ring_readable(&s->ring, READ_ONCE(s->wakeup)))
		return EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(s->attached) && !causal_stat_read(&s->stats->tasks_attached))
		return EPOLLHUP;	/* every task of the target has exited */
	return 0;
}

static const struct file_operations causal_fops = {
	.owner		= THIS_MODULE,
	.open		= causal_open,
	.release	= causal_release,
	.unlocked_ioctl	= causal_unlocked_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= causal_mmap,
	.poll		= causal_poll,
	.llseek		= noop_llseek,
};

/*
 * Everybody may try to open the node: causal_open() decides, so that unprivileged=1 (which can be
 * switched at run time) lets users in without a chmod, and others get EPERM, as perf does.
 */
static struct miscdevice causal_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "causal",
	.fops	= &causal_fops,
	.mode	= 0666,
};

int causal_device_init(void)
{
	return misc_register(&causal_miscdev);
}

void causal_device_exit(void)
{
	misc_deregister(&causal_miscdev);
}
