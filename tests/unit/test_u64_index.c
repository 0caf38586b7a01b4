/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for symutil.h's dense index of 64-bit keys (callchain's frames, symbols' lines): indexes
 * in first-seen order, known keys found again, growth well past uthash's first buckets, and freeing
 * (ASan counts what is left). */
#include "unit.h"
#include "symutil.h"

#define MANY	100000u

static void keys_get_indexes_in_first_seen_order(void **state)
{
	struct u64_index x = { 0 };
	bool added;

	(void)state;
	assert_int_equal(u64_index_intern(&x, 42, &added), 0);
	assert_true(added);
	assert_int_equal(u64_index_intern(&x, 7, &added), 1);
	assert_true(added);
	assert_int_equal(u64_index_intern(&x, 42, &added), 0);
	assert_false(added);
	/* 0 and the largest key are keys like any other */
	assert_int_equal(u64_index_intern(&x, 0, &added), 2);
	assert_true(added);
	assert_int_equal(u64_index_intern(&x, UINT64_MAX, &added), 3);
	assert_true(added);
	assert_int_equal(u64_index_intern(&x, 7, &added), 1);
	assert_false(added);
	assert_int_equal(x.n, 4);
	u64_index_free(&x);
}

static void many_keys_grow_the_table(void **state)
{
	struct u64_index x = { 0 };
	bool added;
	uint64_t i;

	(void)state;
	/* file << 32 | line, as symbols.c makes them: keys that differ only in one half */
	for (i = 0; i < MANY; i++) {
		assert_int_equal(u64_index_intern(&x, (i % 7 + 1) << 32 | i, &added), (long)i);
		assert_true(added);
	}
	for (i = 0; i < MANY; i++) {
		assert_int_equal(u64_index_intern(&x, (i % 7 + 1) << 32 | i, &added), (long)i);
		assert_false(added);
	}
	assert_int_equal(u64_index_intern(&x, 1, &added), (long)MANY);
	assert_true(added);
	assert_int_equal(x.n, MANY + 1);
	u64_index_free(&x);
}

static void a_freed_index_is_empty_again(void **state)
{
	struct u64_index x = { 0 };
	bool added;

	(void)state;
	assert_int_equal(u64_index_intern(&x, 5, &added), 0);
	assert_int_equal(u64_index_intern(&x, 6, &added), 1);
	u64_index_free(&x);
	assert_int_equal(x.n, 0);
	assert_int_equal(u64_index_intern(&x, 6, &added), 0);
	assert_true(added);
	u64_index_free(&x);
	u64_index_free(&x);	/* an empty index frees as well */
	assert_int_equal(x.n, 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(keys_get_indexes_in_first_seen_order),
	cmocka_unit_test(many_keys_grow_the_table),
	cmocka_unit_test(a_freed_index_is_empty_again),
};

UNIT_MAIN(tests, NULL, NULL)
