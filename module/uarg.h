/* SPDX-License-Identifier: GPL-2.0 */
/* Copying the self-sized ioctl argument structs of uapi/linux/causal.h in and out. */
#ifndef _CAUSAL_UARG_H
#define _CAUSAL_UARG_H

#include <linux/types.h>

int causal_uarg_copy(void *kbuf, size_t ksize, void __user *ubuf, size_t min_size);
int causal_uarg_put(void __user *ubuf, void *kbuf, size_t ksize);

#endif /* _CAUSAL_UARG_H */
