/* SPDX-License-Identifier: GPL-2.0 */
/* Memory the module shares with user space: zeroed, charged to the memory cgroup, mappable. */
#ifndef _CAUSAL_UMEM_H
#define _CAUSAL_UMEM_H

#include <linux/types.h>

struct vm_area_struct;

/* @size bytes (whole pages), zeroed, charged to current's memory cgroup; NULL. Process context. */
void *causal_umem_alloc(size_t size);
/* Process context, or an RCU callback. User mappings keep their pages until unmapped. */
void causal_umem_free(void *mem);
/*
 * Maps @mem (@size bytes, from causal_umem_alloc()) into @vma from @pgoff pages into it; -EINVAL
 * if the mapping would go past its end. Process context, mmap lock held (.mmap).
 */
int causal_umem_mmap(struct vm_area_struct *vma, void *mem, size_t size, unsigned long pgoff);

#endif /* _CAUSAL_UMEM_H */
