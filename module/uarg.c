// SPDX-License-Identifier: GPL-2.0
/* Copying the self-sized ioctl argument structs of uapi/linux/causal.h in and out. */

#include <linux/minmax.h>
#include <linux/uaccess.h>

#include "uarg.h"

/*
 * Every struct starts with __u32 size, set by the caller to the size it knows. Smaller than the
 * first published size: EINVAL. Larger than ours: fine if the extra bytes are zero (E2BIG if not,
 * or if beyond a page). kbuf receives the struct, its size field still the caller's.
 */
int causal_uarg_copy(void *kbuf, size_t ksize, void __user *ubuf, size_t min_size)
{
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)ubuf))
		return -EFAULT;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	if (usize < min_size)
		return -EINVAL;
	ret = copy_struct_from_user(kbuf, ksize, ubuf, usize);
	if (ret)
		return ret;
	*(u32 *)kbuf = usize;
	return 0;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_uarg_copy);

/* Writes back as much of kbuf as the caller knows, and the size written into its size field. */
int causal_uarg_put(void __user *ubuf, void *kbuf, size_t ksize)
{
	u32 n = min_t(u32, *(u32 *)kbuf, ksize);

	*(u32 *)kbuf = n;
	if (copy_to_user(ubuf, kbuf, n))
		return -EFAULT;
	return 0;
}
