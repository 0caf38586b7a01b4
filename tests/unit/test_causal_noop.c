/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for causal.h in a program that is NOT linked with libcausal: the macros run and do
 * nothing (no region appears, nothing is counted), and, as with Coz's header, the library is
 * looked up once per translation unit, so a dlopen() later does not revive the sites.
 */
#include "progress_unit.h"
#include "causal.h"

static void macros_without_library(void **state)
{
	struct snap sn;
	pid_t self = getpid();
	struct shm_set *s = shm_set_new();

	(void)state;
	assert_null(dlsym(RTLD_DEFAULT, "causal_get_counter"));
	assert_null(dlsym(RTLD_DEFAULT, "_coz_get_counter"));
	for (int i = 0; i < 1000; i++) {
		CAUSAL_PROGRESS;
		CAUSAL_PROGRESS_NAMED("noop-named");
		CAUSAL_BEGIN("noop-latency");
		CAUSAL_END("noop-latency");
	}
	assert_non_null(s);
	assert_int_equal(shm_set_scan_pid(s, self), 0);
	shm_set_free(s);
	snap_self(&sn, false);
	assert_int_equal(sn.regions, 0);
	assert_int_equal(sn.n, 0);
	snap_free(&sn);
}

static void run_sites(int n)
{
	for (int i = 0; i < n; i++) {
		CAUSAL_PROGRESS_NAMED("noop-named");
		CAUSAL_BEGIN("noop-latency");
	}
}

static void lookup_is_done_once(void **state)
{
	void *lib;
	struct snap sn;

	(void)state;
	run_sites(3);
	lib = dlopen(CAUSAL_TEST_LIBCAUSAL, RTLD_NOW | RTLD_GLOBAL);
	if (!lib)
		fail_msg("dlopen %s: %s", CAUSAL_TEST_LIBCAUSAL, dlerror());
	/* the library is there now, and its constructor made its region... */
	assert_non_null(dlsym(RTLD_DEFAULT, "causal_get_counter"));
	snap_self(&sn, false);
	assert_int_equal(sn.regions, 1);
	snap_free(&sn);
	/* ...but sites resolved without it, and new sites of this file, stay no-ops */
	run_sites(5);
	CAUSAL_PROGRESS_NAMED("noop-late");
	snap_self(&sn, false);
	assert_int_equal(sn.n, 0);
	snap_free(&sn);
}

/* in this order: the second loads the library */
static const struct CMUnitTest tests[] = {
	cmocka_unit_test(macros_without_library),
	cmocka_unit_test(lookup_is_done_once),
};

UNIT_MAIN(tests, NULL, NULL)
