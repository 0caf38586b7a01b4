// SPDX-License-Identifier: GPL-2.0
/* Since: 6.13 (tests/kernels/probes-test.sh checks the probe against it) */
/*
 * MODULE_IMPORT_NS() and EXPORT_SYMBOL_NS*() take a string literal since 6.13 (cdd30ebb1b9f),
 * a bare token that they stringify before. Both forms compile with either argument, so look at
 * the string the macro makes: "AB" (3 bytes) or "\"AB\"" (5 bytes).
 */
#include <linux/module.h>

#undef MODULE_INFO
#define MODULE_INFO(tag, info)	static const char causal_probe_ns[] = info

MODULE_IMPORT_NS("AB");
static_assert(sizeof(causal_probe_ns) == 3);
