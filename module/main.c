// SPDX-License-Identifier: GPL-2.0
/* causal: kernel-assisted causal profiling. Module entry and exit. */

#include <linux/module.h>

#include "device.h"

static int __init causal_init(void)
{
	int ret;

	ret = causal_device_init();
	if (ret) {
		pr_err("cannot register /dev/causal: %d\n", ret);
		return ret;
	}
	pr_info("version %s loaded (task_work_add %s)\n", CAUSAL_VERSION,
		CAUSAL_TASK_WORK_EXPORTED ? "exported" : "not exported");
	return 0;
}

static void __exit causal_exit(void)
{
	causal_device_exit();
	pr_info("unloaded\n");
}

module_init(causal_init);
module_exit(causal_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(CAUSAL_VERSION);
MODULE_DESCRIPTION("Kernel-assisted causal profiling");
MODULE_AUTHOR("The causal developers");
