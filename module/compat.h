/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel-version differences live. Force-included into every file of the
 * module; the HAVE_* macros come from feature probes in Kbuild, never from version numbers.
 */
#ifndef _CAUSAL_COMPAT_H
#define _CAUSAL_COMPAT_H

#include <linux/module.h>

/* Symbols of causal.ko that causal_kunit.ko tests, exported only on kernels with KUnit. */
#if IS_ENABLED(CONFIG_KUNIT)
#ifdef HAVE_MODULE_IMPORT_NS_STRING
#define EXPORT_SYMBOL_IF_CAUSAL_KUNIT(sym)	EXPORT_SYMBOL_NS_GPL(sym, "CAUSAL_KUNIT")
#define CAUSAL_IMPORT_KUNIT_NS()	MODULE_IMPORT_NS("CAUSAL_KUNIT")
#else
#define EXPORT_SYMBOL_IF_CAUSAL_KUNIT(sym)	EXPORT_SYMBOL_NS_GPL(sym, CAUSAL_KUNIT)
#define CAUSAL_IMPORT_KUNIT_NS()	MODULE_IMPORT_NS(CAUSAL_KUNIT)
#endif
#else
#define EXPORT_SYMBOL_IF_CAUSAL_KUNIT(sym)
#endif

#ifdef HAVE_TASK_WORK_ADD_EXPORT
#define CAUSAL_TASK_WORK_EXPORTED	true
#else
#define CAUSAL_TASK_WORK_EXPORTED	false
#endif

#endif /* _CAUSAL_COMPAT_H */
