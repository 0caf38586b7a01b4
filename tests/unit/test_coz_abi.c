/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for libcausal's Coz ABI against Coz's own header (/usr/include/coz.h, Debian's
 * coz-profiler): a program built with COZ_* macros, run with libcausal loaded, counts exactly what
 * it executed, as causalctl's reader sees it, in counters laid out as coz_counter_t.
 */
#include <coz.h>
#include <stdalign.h>

#include "progress_unit.h"
#include "causal.h"
#include "region.h"

/* libcausal's export that coz.h finds by name (coz.h itself declares only its type) */
coz_counter_t *_coz_get_counter(int type, const char *name);

/* the layout coz.h's macros write through must be the layout of our counters */
_Static_assert(sizeof(coz_counter_t) == sizeof(causal_counter_t), "coz_counter_t size");
_Static_assert(sizeof(coz_counter_t) == sizeof(struct causal_region_counter), "coz_counter_t size");
_Static_assert(offsetof(coz_counter_t, count) == offsetof(causal_counter_t, count), "count offset");
_Static_assert(offsetof(coz_counter_t, backoff) == offsetof(causal_counter_t, backoff), "backoff offset");
_Static_assert(offsetof(coz_counter_t, count) == offsetof(struct causal_region_counter, count), "count offset");
_Static_assert(alignof(coz_counter_t) <= 16, "a counter slot is 16 bytes");
_Static_assert(COZ_COUNTER_TYPE_THROUGHPUT == CAUSAL_COUNTER_THROUGHPUT, "type codes");
_Static_assert(COZ_COUNTER_TYPE_BEGIN == CAUSAL_COUNTER_BEGIN, "type codes");
_Static_assert(COZ_COUNTER_TYPE_END == CAUSAL_COUNTER_END, "type codes");

static void coz_h_finds_libcausal(void **state)
{
	(void)state;
	/* what coz.h does: linked with libcausal, the lookup succeeds */
	assert_non_null(dlsym(RTLD_DEFAULT, "_coz_get_counter"));
	assert_non_null(_call_coz_get_counter(COZ_COUNTER_TYPE_THROUGHPUT, "coz-lookup"));
	/* an unknown type is NULL, as in Coz (coz.h's site then stays disabled) */
	assert_null(_call_coz_get_counter(0, "coz-lookup"));
	assert_null(_call_coz_get_counter(4, "coz-lookup"));
}

static void coz_macros_count_exactly(void **state)
{
	char line_name[256] = "";

	(void)state;
	VISIT_PROGRESS_SITES(COZ, "coz-throughput", "coz-latency", line_name);
	assert_progress_sites("coz-throughput", "coz-latency", line_name);
}

static void coz_and_causal_share_counters(void **state)
{
	coz_counter_t *coz = _coz_get_counter(COZ_COUNTER_TYPE_BEGIN, "coz-shared");
	struct snap sn;

	(void)state;
	assert_ptr_equal(coz, causal_get_counter(CAUSAL_COUNTER_BEGIN, "coz-shared"));
	assert_ptr_equal(_coz_get_counter(COZ_COUNTER_TYPE_END, "coz-shared"),
			 causal_get_counter(CAUSAL_COUNTER_END, "coz-shared"));
	COZ_BEGIN("coz-shared");
	CAUSAL_BEGIN("coz-shared");
	CAUSAL_END("coz-shared");
	snap_self(&sn, false);
	assert_point(&sn, "coz-shared", SHM_LATENCY, 2, 1);
	snap_free(&sn);
	assert_int_equal(coz->count, 2);
	assert_int_equal(coz->backoff, 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(coz_h_finds_libcausal),
	cmocka_unit_test(coz_macros_count_exactly),
	cmocka_unit_test(coz_and_causal_share_counters),
};

UNIT_MAIN(tests, NULL, NULL)
