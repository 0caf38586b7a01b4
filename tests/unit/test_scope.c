/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for scopes: '%' wildcards, the MAIN binary pattern, defaults and replacement. */
#include <errno.h>

#include "unit.h"
#include "scope.h"
#include "symutil.h"

/* what a two-string predicate should say of a pair */
struct match_case {
	const char *pattern, *text;
	bool match;
};

static void check_matches(bool (*match)(const char *, const char *), const char *what,
			  const struct match_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (match(cases[i].pattern, cases[i].text) != cases[i].match)
			fail_msg("%s(\"%s\", \"%s\") should be %s", what, cases[i].pattern, cases[i].text,
				 cases[i].match ? "true" : "false");
}

static void wildcards(void **state)
{
	static const struct match_case cases[] = {
		{ "%", "", true },
		{ "%", "/any/thing", true },
		{ "abc", "abc", true },
		{ "abc", "abcd", false },
		{ "abcd", "abc", false },
		{ "%.c", "/src/main.c", true },
		{ "%.c", "/src/main.h", false },
		{ "/src/%", "/src/a/b.c", true },
		{ "/src/%", "/srcx/a.c", false },
		{ "%/lib%.so%", "/usr/lib/libfoo.so.1", true },
		{ "a%b%c", "aXXbYYbc", true },
		{ "a%b%c", "aXXbYYb", false },
		{ "%%x", "x", true },
		/* backtracking must not blow up */
		{ "%a%a%a%a%a%a%a%a%b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
	};

	(void)state;
	check_matches(wildcard_match, "wildcard_match", cases, ARRAY_SIZE(cases));
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
	/* path_suffix_match(path, suffix) */
	static const struct match_case cases[] = {
		{ "/a/b/c.c", "c.c", true },
		{ "/a/b/c.c", "b/c.c", true },
		{ "/a/b/c.c", "/a/b/c.c", true },
		{ "/a/bc.c", "c.c", false },
		{ "/a/b/c.c", "a/b/c.c/", false },
		{ "/a/b/c.c", "", false },
	};

	(void)state;
	check_matches(path_suffix_match, "path_suffix_match", cases, ARRAY_SIZE(cases));
}

static void canonical_paths(void **state)
{
	static const struct {
		const char *path, *comp_dir, *canonical;
	} cases[] = {
		{ "x/../y/./z.c", "/nonexistent-causal//build", "/nonexistent-causal/build/y/z.c" },
		{ "/nonexistent-causal/a/../b.c", "/ignored", "/nonexistent-causal/b.c" },
		/* relative with no comp_dir stays as it is */
		{ "rel.c", NULL, "rel.c" },
		/* Debian's packages: comp_dir "./io", files "../sysdeps/..." */
		{ "../sysdeps/unix/read.c", "./io", "sysdeps/unix/read.c" },
		{ "../../x.c", "./io", "../x.c" },
		{ "/..//a/./b/../../c.c", NULL, "/c.c" },
		{ "a/..", NULL, "." },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *p = path_canonical(cases[i].path, cases[i].comp_dir);

		assert_string_equal(p, cases[i].canonical);
		free(p);
	}
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
