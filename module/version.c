// SPDX-License-Identifier: GPL-2.0
/* CAUSAL_IOC_VERSION: the module's ABI, release and features. */

#include <linux/kernel.h>
#include <linux/string.h>

#include "version.h"

/*
 * Fields the caller sets; everything else is output and ignored on input. The size was checked
 * as the struct was copied in (causal_uarg_copy()).
 */
int causal_version_check(const struct causal_version *v)
{
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
	v->features |= CAUSAL_FEATURE_TRACE_SWITCHES;
	v->features |= CAUSAL_FEATURE_EXPERIMENT_SCOPE;
	v->features |= CAUSAL_FEATURE_UNWIND;
	strscpy(v->release, CAUSAL_VERSION, sizeof(v->release));
}
EXPORT_SYMBOL_IF_CAUSAL_KUNIT(causal_version_fill);
