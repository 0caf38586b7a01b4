// SPDX-License-Identifier: GPL-2.0
/* CAUSAL_IOC_VERSION: the module's ABI, release and features. */

#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "version.h"

static_assert(sizeof(struct causal_version) == CAUSAL_VERSION_SIZE_VER0);

/* Fields the caller sets; everything else is output and ignored on input. */
int causal_version_check(const struct causal_version *v)
{
	if (v->size < CAUSAL_VERSION_SIZE_VER0)
		return -EINVAL;
	if (v->flags)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_version_check);

void causal_version_fill(struct causal_version *v)
{
	v->abi = CAUSAL_ABI_VERSION;
	v->reserved = 0;
	v->features = 0;
	if (CAUSAL_TASK_WORK_EXPORTED)
		v->features |= CAUSAL_FEATURE_TASK_WORK_EXPORTED;
	if (IS_ENABLED(CONFIG_KUNIT))
		v->features |= CAUSAL_FEATURE_KUNIT;
	strscpy(v->release, CAUSAL_VERSION, sizeof(v->release));
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_version_fill);

long causal_ioctl_version(struct causal_version __user *uv)
{
	struct causal_version v;
	u32 usize;
	int ret;

	if (get_user(usize, &uv->size))
		return -EFAULT;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	if (usize < CAUSAL_VERSION_SIZE_VER0)
		return -EINVAL;
	ret = copy_struct_from_user(&v, sizeof(v), uv, usize);
	if (ret)
		return ret;
	ret = causal_version_check(&v);
	if (ret)
		return ret;
	causal_version_fill(&v);
	v.size = min_t(u32, usize, sizeof(v));
	if (copy_to_user(uv, &v, v.size))
		return -EFAULT;
	return 0;
}
