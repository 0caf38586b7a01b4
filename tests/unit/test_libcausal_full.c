/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit test for a full libcausal region (its own binary: the region of a process only fills up).
 * Past capacity every new name gets a shared dummy counter, never NULL, and the refusals are
 * counted in the region's header where the controller reads them; names registered before keep
 * their counters.
 */
#include "progress_unit.h"
#include "causal.h"
#include "region.h"

static void full_region(void **state)
{
	causal_counter_t *first, *c, *dummy_tp, *dummy_begin, *dummy_end;
	char name[32];
	struct snap sn;

	(void)state;
	first = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, "full-0");
	__atomic_fetch_add(&first->count, 9, __ATOMIC_RELAXED);
	for (unsigned int i = 1; i < CAUSAL_REGION_CAPACITY; i++) {
		snprintf(name, sizeof(name), "full-%u", i);
		c = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, name);
		assert_non_null(c);
		__atomic_fetch_add(&c->count, 1, __ATOMIC_RELAXED);
	}
	snap_self(&sn, false);
	assert_int_equal(sn.n, CAUSAL_REGION_CAPACITY);
	assert_int_equal(sn.overflows, 0);
	snap_free(&sn);

	/* full: new names of any kind get dummies, counted as overflows */
	dummy_tp = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, "full-over-a");
	assert_non_null(dummy_tp);
	assert_ptr_equal(causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, "full-over-b"), dummy_tp);
	dummy_begin = causal_get_counter(CAUSAL_COUNTER_BEGIN, "full-over-lat");
	dummy_end = causal_get_counter(CAUSAL_COUNTER_END, "full-over-lat");
	assert_non_null(dummy_begin);
	assert_non_null(dummy_end);
	assert_ptr_not_equal(dummy_begin, dummy_end);
	__atomic_fetch_add(&dummy_tp->count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&dummy_end->count, 1, __ATOMIC_RELAXED);
	assert_null(causal_get_counter(9, "full-over-bad"));	/* still NULL for a bad kind */

	/* registered names are still found */
	assert_ptr_equal(causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, "full-0"), first);
	snprintf(name, sizeof(name), "full-%u", CAUSAL_REGION_CAPACITY - 1);
	c = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, name);
	assert_ptr_not_equal(c, dummy_tp);

	for (int readv = 0; readv < 2; readv++) {
		snap_self(&sn, readv);
		assert_int_equal(sn.n, CAUSAL_REGION_CAPACITY);
		assert_int_equal(sn.overflows, 4);
		assert_point(&sn, "full-0", SHM_THROUGHPUT, 9, 0);
		assert_point(&sn, name, SHM_THROUGHPUT, 1, 0);
		assert_null(snap_find(&sn, "full-over-a", SHM_THROUGHPUT));
		assert_null(snap_find(&sn, "full-over-lat", SHM_LATENCY));
		snap_free(&sn);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(full_region),
};

UNIT_MAIN(tests, NULL, NULL)
