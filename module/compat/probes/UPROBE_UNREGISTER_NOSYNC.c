// SPDX-License-Identifier: GPL-2.0
/* Since: 6.12 (tests/kernels/probes-test.sh checks the probe against it) */
/*
 * uprobe_register() returns the struct uprobe and unregistering is split into
 * uprobe_unregister_nosync() + uprobe_unregister_sync() since 6.12 (3c83a9ad0295, 04b01625da13).
 */
#include <linux/uprobes.h>

static void __maybe_unused causal_probe(struct inode *inode, struct uprobe_consumer *uc)
{
	struct uprobe *up = uprobe_register(inode, 0, 0, uc);

	if (!IS_ERR(up))
		uprobe_unregister_nosync(up, uc);
	uprobe_unregister_sync();
}
