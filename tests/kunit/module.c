// SPDX-License-Identifier: GPL-2.0
/*
 * causal_kunit.ko: the KUnit suites of causal.ko, one file per part of the module under test
 * (tests/kunit/NAME.c tests module/NAME.c), each registering its suite. They call the module's
 * functions exported for them (EXPORT_SYMBOL_IF_CAUSAL_KUNIT) on plain kernel structs: the module
 * must be loaded first.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for causal.ko");
