/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for scopes: '%' wildcards, the MAIN binary pattern, defaults and replacement. */
#include <errno.h>

#include "unit.h"
#include "scope.h"
#include "symutil.h"

/* a two-string predicate, and its name for the messages */
struct predicate {
	bool (*match)(const char *, const char *);
	const char *name;
};

static const struct predicate wildcard = { wildcard_match, "wildcard_match" },
	/* path_suffix_match(path, suffix) */
	suffix = { path_suffix_match, "path_suffix_match" };

/* what a predicate should say of a pair */
static const struct match_case {
	const struct predicate *p;
	const char *a, *b;
	bool match;
} match_cases[] = {
	{ &wildcard, "%", "", true },
	{ &wildcard, "%", "/any/thing", true },
	{ &wildcard, "abc", "abc", true },
	{ &wildcard, "abc", "abcd", false },
	{ &wildcard, "abcd", "abc", false },
	{ &wildcard, "%.c", "/src/main.c", true },
	{ &wildcard, "%.c", "/src/main.h", false },
	{ &wildcard, "/src/%", "/src/a/b.c", true },
	{ &wildcard, "/src/%", "/srcx/a.c", false },
	{ &wildcard, "%/lib%.so%", "/usr/lib/libfoo.so.1", true },
	{ &wildcard, "a%b%c", "aXXbYYbc", true },
	{ &wildcard, "a%b%c", "aXXbYYb", false },
	{ &wildcard, "%%x", "x", true },
	/* backtracking must not blow up */
	{ &wildcard, "%a%a%a%a%a%a%a%a%b",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
	{ &suffix, "/a/b/c.c", "c.c", true },
	{ &suffix, "/a/b/c.c", "b/c.c", true },
	{ &suffix, "/a/b/c.c", "/a/b/c.c", true },
	{ &suffix, "/a/bc.c", "c.c", false },
	{ &suffix, "/a/b/c.c", "a/b/c.c/", false },
	{ &suffix, "/a/b/c.c", "", false },
};

/* The match_cases of the predicate *state. */
static void check_matches(void **state)
{
	const struct predicate *p = *state;
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(match_cases); i++) {
		const struct match_case *c = &match_cases[i];

		if (c->p != p)
			continue;
		if (p->match(c->a, c->b) != c->match)
			fail_msg("%s(\"%s\", \"%s\") should be %s", p->name, c->a, c->b,
				 c->match ? "true" : "false");
		n++;
	}
	assert_true(n > 0);
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

/* what path_canonical(path, comp_dir) makes of a path */
static const struct canonical_case {
	const char *path, *comp_dir, *canonical;
} canonical_cases[] = {
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

static void canonical_paths(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(canonical_cases); i++) {
		const struct canonical_case *c = &canonical_cases[i];
		char *p = path_canonical(c->path, c->comp_dir);

		assert_string_equal(p, c->canonical);
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
	unit_test_with(wildcards, check_matches, &wildcard),
	cmocka_unit_test(binary_default_is_main),
	cmocka_unit_test(binary_patterns_replace_default),
	cmocka_unit_test(source_default_and_patterns),
	unit_test_with(suffix_matches_whole_components, check_matches, &suffix),
	cmocka_unit_test(canonical_paths),
	cmocka_unit_test(suggestions_rank_close_names_first),
};

UNIT_MAIN(tests, NULL, NULL)
