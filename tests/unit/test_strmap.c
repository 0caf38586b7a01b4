/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for symutil.h's string map: growth well past uthash's first buckets, replacement,
 * keys that differ in one byte, and freeing (ASan counts what is left). */
#include <stdio.h>

#include "unit.h"
#include "symutil.h"

#define MANY	100000u

static void empty_map_finds_nothing(void **state)
{
	struct strmap m = { 0 };
	uint32_t v = 7;

	(void)state;
	assert_false(strmap_get(&m, "", &v));
	assert_false(strmap_get(&m, "a", &v));
	assert_int_equal(v, 7);
	strmap_free(&m);
	strmap_free(&m);	/* a freed map is empty again */
}

static void many_keys_grow_the_table(void **state)
{
	struct strmap m = { 0 };
	char key[64];
	uint32_t i, v;

	(void)state;
	/* "comp_dir\nname" keys as symbols.c makes them: long shared prefixes */
	for (i = 0; i < MANY; i++) {
		snprintf(key, sizeof(key), "/build/dir\nsrc/file%u.c", i);
		assert_int_equal(strmap_put(&m, key, i + 1), 0);
	}
	for (i = 0; i < MANY; i++) {
		snprintf(key, sizeof(key), "/build/dir\nsrc/file%u.c", i);
		assert_true(strmap_get(&m, key, &v));
		assert_int_equal(v, i + 1);
	}
	snprintf(key, sizeof(key), "/build/dir\nsrc/file%u.c", MANY);
	assert_false(strmap_get(&m, key, &v));
	assert_false(strmap_get(&m, "/build/dir\nsrc/file1.", &v));
	assert_false(strmap_get(&m, "/build/dir\nsrc/file1.cc", &v));
	strmap_free(&m);
	assert_false(strmap_get(&m, "/build/dir\nsrc/file1.c", &v));
}

static void put_replaces(void **state)
{
	struct strmap m = { 0 };
	uint32_t v;

	(void)state;
	assert_int_equal(strmap_put(&m, "k", 1), 0);
	assert_int_equal(strmap_put(&m, "k", 0), 0);	/* 0 is a value like any other */
	assert_true(strmap_get(&m, "k", &v));
	assert_int_equal(v, 0);
	assert_int_equal(strmap_put(&m, "", 5), 0);
	assert_true(strmap_get(&m, "", &v));
	assert_int_equal(v, 5);
	assert_true(strmap_get(&m, "k", &v));
	assert_int_equal(v, 0);
	strmap_free(&m);
}

static void keys_are_copied(void **state)
{
	struct strmap m = { 0 };
	char key[] = "abc";
	uint32_t v;

	(void)state;
	assert_int_equal(strmap_put(&m, key, 3), 0);
	key[0] = 'x';
	assert_true(strmap_get(&m, "abc", &v));
	assert_int_equal(v, 3);
	assert_false(strmap_get(&m, key, &v));
	strmap_free(&m);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(empty_map_finds_nothing),
	cmocka_unit_test(many_keys_grow_the_table),
	cmocka_unit_test(put_replaces),
	cmocka_unit_test(keys_are_copied),
};

UNIT_MAIN(tests, NULL, NULL)
