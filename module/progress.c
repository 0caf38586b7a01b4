// SPDX-License-Identifier: GPL-2.0
/*
 * Progress points served by the module: a uprobe (or return probe) per point, on an inode and
 * file offset, so static binaries, Go programs and running processes need no rebuild and no
 * preload. A point counts only tasks of its session; its filter keeps the breakpoint out of every
 * other address space that maps the file.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uprobes.h>

#include "progress.h"
#include "task.h"

struct causal_probe {
	struct uprobe_consumer uc;
	struct causal_session *session;		/* outlives the probe: removed at close */
	struct inode *inode;			/* referenced */
	loff_t offset;
	u32 flags;
	struct causal_uprobe *uprobe;		/* what unregistering needs on this kernel */
	atomic64_t hits;
};

/*
 * Whether a task of the session runs in @mm: only there does the breakpoint go in. An exec maps
 * the new program before the exec hook holds the task (causal_on_exec()): an mm that the task was
 * not checked in and that its owner may not dump (a setuid, setgid or file-capability program)
 * gets no breakpoint, as the task leaves at its check anyway.
 */
static bool causal_probe_wants(struct causal_probe *p, struct mm_struct *mm)
{
	struct causal_session *s = p->session;
	struct causal_task *ct;
	bool found = false;

	spin_lock(&s->tasks_lock);
	list_for_each_entry(ct, &s->tasks, session_node) {
		if (READ_ONCE(ct->task->mm) == mm) {
			found = READ_ONCE(ct->mm) == mm || causal_task_dumpable_by_owner(ct->task);
			break;
		}
	}
	spin_unlock(&s->tasks_lock);
	return found;
}

static void causal_probe_hit(struct causal_probe *p)
{
	struct causal_task *ct;

	rcu_read_lock();
	ct = causal_task_find(current);
	if (ct && ct->session == p->session && !causal_task_held(ct))
		atomic64_inc(&p->hits);
	rcu_read_unlock();
}

static CAUSAL_UPROBE_FILTER(causal_probe_filter)
{
	return causal_probe_wants(container_of(self, struct causal_probe, uc), mm);
}

static CAUSAL_UPROBE_HANDLER(causal_probe_handler)
{
	causal_probe_hit(container_of(self, struct causal_probe, uc));
	return 0;
}

static CAUSAL_URETPROBE_HANDLER(causal_probe_ret_handler)
{
	causal_probe_hit(container_of(self, struct causal_probe, uc));
	return 0;
}

int causal_progress_check(const struct causal_progress *p)
{
	if (p->flags & ~CAUSAL_PROGRESS_FLAGS || p->reserved || p->reserved2)
		return -EINVAL;
	if (p->fd < 0)
		return -EBADF;
	if (p->offset > LLONG_MAX)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_progress_check);

/* The inode to probe: a regular file the caller opened for reading, past overlayfs. */
static struct inode *causal_progress_inode(int fd, u64 offset)
{
	struct inode *inode;
	struct file *f;

	f = fget(fd);
	if (!f)
		return ERR_PTR(-EBADF);
	inode = ERR_PTR(-EBADF);
	if (!(f->f_mode & FMODE_READ))
		goto out;
	inode = d_real_inode(f->f_path.dentry);
	if (!S_ISREG(inode->i_mode))
		inode = ERR_PTR(-EINVAL);
	else if (offset >= i_size_read(inode))
		inode = ERR_PTR(-EINVAL);
	else
		inode = igrab(inode) ?: ERR_PTR(-ENOENT);
out:
	fput(f);
	return inode;
}

int causal_progress_add(struct causal_session *s, struct causal_progress *a)
{
	struct causal_probe *p;
	struct inode *inode;
	u32 i;
	int ret;

	inode = causal_progress_inode(a->fd, a->offset);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p) {
		iput(inode);
		return -ENOMEM;
	}
	p->session = s;
	p->inode = inode;
	p->offset = a->offset;
	p->flags = a->flags;
	p->uc.filter = causal_probe_filter;
	if (a->flags & CAUSAL_PROGRESS_RETURN)
		p->uc.ret_handler = causal_probe_ret_handler;
	else
		p->uc.handler = causal_probe_handler;

	/*
	 * Not under s->lock (see session.h): registering takes the mmap lock of every process
	 * mapping the file, which may take long; the session's other ioctls need not wait for it.
	 */
	mutex_lock(&s->progress_lock);
	for (i = 0; i < s->nr_probes; i++) {
		struct causal_probe *q = s->probes[i];

		ret = -EEXIST;
		if (q->inode == inode && q->offset == p->offset && q->flags == p->flags)
			goto out_unlock;
	}
	ret = -ENOSPC;
	if (s->nr_probes == CAUSAL_MAX_PROGRESS)
		goto out_unlock;
	ret = causal_uprobe_register(inode, p->offset, &p->uc, &p->uprobe);
	if (ret)
		goto out_unlock;
	a->id = s->nr_probes;
	s->probes[s->nr_probes++] = p;
	mutex_unlock(&s->progress_lock);
	return 0;

out_unlock:
	mutex_unlock(&s->progress_lock);
	iput(inode);
	kfree(p);
	return ret;
}

u32 causal_progress_read(struct causal_session *s, u64 *counts, u32 nr)
{
	u32 i;

	mutex_lock(&s->progress_lock);
	for (i = 0; i < min(nr, s->nr_probes); i++)
		counts[i] = atomic64_read(&s->probes[i]->hits);
	nr = s->nr_probes;
	mutex_unlock(&s->progress_lock);
	return nr;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_progress_read);

void causal_progress_remove_all(struct causal_session *s)
{
	u32 i, n;

	mutex_lock(&s->progress_lock);
	n = s->nr_probes;
	for (i = 0; i < n; i++)
		causal_uprobe_unregister(s->probes[i]->inode, s->probes[i]->offset,
					 &s->probes[i]->uc, s->probes[i]->uprobe);
	if (n)
		causal_uprobe_unregister_sync();
	for (i = 0; i < n; i++) {
		iput(s->probes[i]->inode);
		kfree(s->probes[i]);
	}
	s->nr_probes = 0;
	mutex_unlock(&s->progress_lock);
}
