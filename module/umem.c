// SPDX-License-Identifier: GPL-2.0
/*
 * Memory the module shares with user space (the sample ring, the stats page). vmalloc_user() does
 * not take GFP flags, so it could not charge the memory cgroup; __vmalloc() does, and the pages
 * are mapped one by one, as remap_vmalloc_range() maps a vmalloc_user() area.
 */

#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "umem.h"

/*
 * RETRY_MAYFAIL: a size the user asked for, past the memory cgroup's limit, fails with -ENOMEM
 * rather than have the cgroup's OOM killer pick a victim (as BPF's ring buffer allocates).
 */
void *causal_umem_alloc(size_t size)
{
	return __vmalloc(PAGE_ALIGN(size), GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_RETRY_MAYFAIL |
			 __GFP_NOWARN);
}

void causal_umem_free(void *mem)
{
	vfree(mem);
}

int causal_umem_mmap(struct vm_area_struct *vma, void *mem, size_t size, unsigned long pgoff)
{
	unsigned long pages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	unsigned long uaddr = vma->vm_start;
	unsigned long len = vma->vm_end - vma->vm_start;
	void *kaddr;
	int ret;

	if (pgoff >= pages || len > (pages - pgoff) << PAGE_SHIFT)
		return -EINVAL;
	for (kaddr = mem + (pgoff << PAGE_SHIFT); uaddr < vma->vm_end;
	     uaddr += PAGE_SIZE, kaddr += PAGE_SIZE) {
		ret = vm_insert_page(vma, uaddr, vmalloc_to_page(kaddr));
		if (ret)
			return ret;
	}
	/* as remap_vmalloc_range(): no mremap() growing it, no core dump of it */
	causal_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return 0;
}
