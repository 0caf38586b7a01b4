// SPDX-License-Identifier: GPL-2.0
/* Since: 6.13 (tests/kernels/probes-test.sh checks the probe against it) */
/* uprobe handlers take a data pointer since 6.13 (da09a9e0c3ea). */
#include <linux/uprobes.h>

static int causal_probe(struct uprobe_consumer *self, struct pt_regs *regs, __u64 *data)
{
	return 0;
}

static struct uprobe_consumer causal_probe_uc __maybe_unused = { .handler = causal_probe };
