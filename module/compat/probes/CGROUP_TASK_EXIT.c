// SPDX-License-Identifier: GPL-2.0
/* Since: 7.2 (tests/kernels/probes-test.sh checks the probe against it) */
/*
 * cgroup_exit() is cgroup_task_exit() in the 7.x kernels (renamed after 6.12; 7.2 is the first of
 * the matrix's kernels with the new name). The kprobe backend's exit hook is on it.
 */
#include <linux/cgroup.h>

static void (*causal_probe)(struct task_struct *p) __maybe_unused = cgroup_task_exit;
