// SPDX-License-Identifier: GPL-2.0
/* Since: 6.11 (tests/kernels/probes-test.sh checks the probe against it) */
/* Backported: 6.1 (the 6.1 stable series has it since 2024, as do the matrix's 6.1 kernels) */
/*
 * task_work_cancel() takes the callback_head to cancel, and task_work_cancel_func() the function,
 * since 6.11 (68cbd415dd4b, f409530e4db9); before, task_work_cancel() took the function.
 */
#include <linux/task_work.h>

static bool (*causal_probe)(struct task_struct *task, struct callback_head *cb) __maybe_unused =
	task_work_cancel;
