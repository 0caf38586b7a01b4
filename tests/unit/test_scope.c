/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for scopes: '%' wildcards, the MAIN binary pattern, defaults and replacement. */
#include <errno.h>

#include "unit.h"
#include "scope.h"
#include "symutil.h"

static void wildcards(void **state)
{
	(void)state;
	assert_true(wildcard_match("%", ""));
	assert_true(wildcard_match("%", "/any/thing"));
	assert_true(wildcard_match("abc", "abc"));
	assert_false(wildcard_match("abc", "abcd"));
	assert_false(wildcard_match("abcd", "abc"));
	assert_true(wildcard_match("%.c", "/src/main.c"));
	assert_false(wildcard_match("%.c", "/src/main.h"));
	assert_true(wildcard_match("/src/%", "/src/a/b.c"));
	assert_false(wildcard_match("/src/%", "/srcx/a.c"));
	assert_true(wildcard_match("%/lib%.so%", "/usr/lib/libfoo.so.1"));
	assert_true(wildcard_match("a%b%c", "aXXbYYbc"));
	assert_false(wildcard_match("a%b%c", "aXXbYYb"));
	assert_true(wildcard_match("%%x", "x"));
	/* backtracking must not blow up */
	assert_false(wildcard_match("%a%a%a%a%a%a%a%a%b",
				    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void binary_default_is_main(void **state)
{
	struct scope *s = scope_new();

	(void)state;
	assert_non_null(s);
	assert_true(scope_match_binary(s, "/usr/bin/app", "/usr/bin/app"));
	assert_false(scope_match_binary(s, "/usr/lib/libc.so.6", "/usr/bin/app"));
	assert_false(scope_match_binary(s, "/usr/bin/app", NULL));
	assert_false(scope_match_binary(s, "MAIN", "/usr/bin/app"));
	scope_free(s);
}

static void binary_patterns_replace_default(void **state)
{
	struct scope *s = scope_new();

	(void)state;
	assert_int_equal(scope_add_binary(s, "%/libfoo.so%"), 0);
	assert_true(scope_match_binary(s, "/opt/x/libfoo.so.2", "/usr/bin/app"));
	/* MAIN is no longer implied */
	assert_false(scope_match_binary(s, "/usr/bin/app", "/usr/bin/app"));
	assert_int_equal(scope_add_binary(s, SCOPE_MAIN), 0);
	assert_true(scope_match_binary(s, "/usr/bin/app", "/usr/bin/app"));
	assert_false(scope_match_binary(s, "/usr/lib/libc.so.6", "/usr/bin/app"));
	assert_int_equal(scope_add_binary(s, ""), -EINVAL);
	scope_free(s);
}

static void source_default_and_patterns(void **state)
{
	struct scope *s = scope_new();

	(void)state;
	assert_true(scope_match_source(s, "/src/a.c"));
	assert_true(scope_match_source(s, "/usr/include/stdio.h"));
	/* the progress-point headers never count */
	assert_false(scope_match_source(s, "/usr/include/coz.h"));
	assert_false(scope_match_source(s, "/src/include/causal.h"));
	assert_true(scope_match_source(s, "/src/include/mycausal.h"));
	assert_int_equal(scope_add_source(s, "/src/%"), 0);
	assert_int_equal(scope_add_source(s, "%/vendor/%.c"), 0);
	assert_true(scope_match_source(s, "/src/a.c"));
	assert_true(scope_match_source(s, "/x/vendor/z.c"));
	assert_false(scope_match_source(s, "/x/vendor/z.h"));
	assert_false(scope_match_source(s, "/usr/include/stdio.h"));
	scope_free(s);
	scope_free(NULL);
}

static void suffix_matches_whole_components(void **state)
{
	(void)state;
	assert_true(path_suffix_match("/a/b/c.c", "c.c"));
	assert_true(path_suffix_match("/a/b/c.c", "b/c.c"));
	assert_true(path_suffix_match("/a/b/c.c", "/a/b/c.c"));
	assert_false(path_suffix_match("/a/bc.c", "c.c"));
	assert_false(path_suffix_match("/a/b/c.c", "a/b/c.c/"));
	assert_false(path_suffix_match("/a/b/c.c", ""));
}

static void canonical_paths(void **state)
{
	char *p;

	(void)state;
	p = path_canonical("x/../y/./z.c", "/nonexistent-causal//build");
	assert_string_equal(p, "/nonexistent-causal/build/y/z.c");
	free(p);
	p = path_canonical("/nonexistent-causal/a/../b.c", "/ignored");
	assert_string_equal(p, "/nonexistent-causal/b.c");
	free(p);
	/* relative with no comp_dir stays as it is */
	p = path_canonical("rel.c", NULL);
	assert_string_equal(p, "rel.c");
	free(p);
	/* Debian's packages: comp_dir "./io", files "../sysdeps/..." */
	p = path_canonical("../sysdeps/unix/read.c", "./io");
	assert_string_equal(p, "sysdeps/unix/read.c");
	free(p);
	p = path_canonical("../../x.c", "./io");
	assert_string_equal(p, "../x.c");
	free(p);
	p = path_canonical("/..//a/./b/../../c.c", NULL);
	assert_string_equal(p, "/c.c");
	free(p);
	p = path_canonical("a/..", NULL);
	assert_string_equal(p, ".");
	free(p);
}

static void suggestions_rank_close_names_first(void **state)
{
	struct near_list l = { 0 };
	const char *names[] = { "zzz", "parse_request", "parse_reply", "main", "prase", "a", "b" };
	char buf[256] = "";
	size_t i;

	(void)state;
	assert_int_equal(edit_distance("kitten", "sitting"), 3);
	assert_int_equal(edit_distance("", "abc"), 3);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		near_add(&l, names[i], near_score("parse", names[i]));
	assert_int_equal(l.n, NEAR_MAX);
	near_format(&l, "closest: ", buf, sizeof(buf));
	assert_true(strstr(buf, "parse_reply") < strstr(buf, "prase"));
	assert_true(strstr(buf, "parse_request") < strstr(buf, "prase"));
	assert_not_contains(buf, "zzz");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(wildcards),
	cmocka_unit_test(binary_default_is_main),
	cmocka_unit_test(binary_patterns_replace_default),
	cmocka_unit_test(source_default_and_patterns),
	cmocka_unit_test(suffix_matches_whole_components),
	cmocka_unit_test(canonical_paths),
	cmocka_unit_test(suggestions_rank_close_names_first),
};

UNIT_MAIN(tests, NULL, NULL)
