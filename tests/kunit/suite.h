/* SPDX-License-Identifier: GPL-2.0 */
/* The suite of each file of causal_kunit.ko, named after it. */
#ifndef CAUSAL_KUNIT_SUITE_H
#define CAUSAL_KUNIT_SUITE_H

#include <kunit/test.h>

/*
 * CAUSAL_KUNIT_SUITE(unit, ...) at the end of tests/kunit/UNIT.c defines and registers the suite
 * causal_UNIT of the cases in causal_UNIT_cases[]; the other fields of struct kunit_suite it needs
 * (.init, .exit) follow the name. tests/check.sh reads the suite names from these lines.
 */
#define CAUSAL_KUNIT_SUITE(unit, ...)					\
	static struct kunit_suite causal_##unit##_suite = {		\
		.name = "causal_" #unit,				\
		.test_cases = causal_##unit##_cases,			\
		__VA_ARGS__						\
	};								\
	kunit_test_suites(&causal_##unit##_suite)

#endif
