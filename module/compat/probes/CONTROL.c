// SPDX-License-Identifier: GPL-2.0
/* Must compile on every kernel: proves the probe command itself works (see Kbuild). */
#include <linux/module.h>
#include <linux/sched.h>

MODULE_LICENSE("GPL");
