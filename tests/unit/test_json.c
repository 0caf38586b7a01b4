/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for JSON strings made from bytes (json.c) and the decoding of CAUSAL_FEATURE_* bits. */
#include "unit.h"
#include "json.h"

/* U+FFFD in UTF-8 */
#define R "\xef\xbf\xbd"

/* the json_text() tests: each checks the json_cases that name it */
enum json_test { PLAIN = 1, NULL_IN, QUOTES, CONTROL, UTF8, INVALID };

/* json_text(in) as jansson writes it */
static const struct json_case {
	enum json_test test;
	const char *in, *want;
} json_cases[] = {
	{ PLAIN, "", "\"\"" },
	{ PLAIN, "/dev/causal", "\"/dev/causal\"" },
	{ NULL_IN, NULL, "null" },
	{ QUOTES, "a\"b\\c", "\"a\\\"b\\\\c\"" },
	{ QUOTES, "/", "\"/\"" },
	{ CONTROL, "\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"" },
	{ CONTROL, "\x01x\x1f", "\"\\u0001x\\u001F\"" },
	{ CONTROL, "\x7f", "\"\x7f\"" },
	{ UTF8, "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
	{ UTF8, "\xe2\x82\xac", "\"\xe2\x82\xac\"" },
	{ UTF8, "\xf0\x9f\x98\x80!", "\"\xf0\x9f\x98\x80!\"" },
	/* each byte that does not begin well-formed UTF-8 becomes U+FFFD, written as UTF-8 */
	{ INVALID, "a\xff" "b", "\"a" R "b\"" },
	{ INVALID, "\xe2\x82", "\"" R R "\"" },			/* truncated */
	{ INVALID, "\xc0\xaf", "\"" R R "\"" },			/* overlong '/' */
	{ INVALID, "\xed\xa0\x80", "\"" R R R "\"" },		/* surrogate */
	{ INVALID, "\xf4\x90\x80\x80", "\"" R R R R "\"" },	/* > U+10FFFF */
	{ INVALID, "\x80" "z", "\"" R "z\"" },			/* lone continuation byte */
};

/* The json_cases of test (enum json_test)*state. */
static void json_writes(void **state)
{
	enum json_test test = (enum json_test)(uintptr_t)*state;
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(json_cases); i++) {
		const struct json_case *c = &json_cases[i];
		json_t *v;
		char *out;

		if (c->test != test)
			continue;
		v = json_text(c->in);
		assert_non_null(v);
		out = json_dumps(v, JSON_ENCODE_ANY);
		assert_non_null(out);
		assert_string_equal(out, c->want);
		free(out);
		json_decref(v);
		n++;
	}
	assert_true(n > 0);
}

static void assert_features(__u64 bits, const char *want)
{
	char buf[128];

	assert_int_equal(causal_features_string(bits, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
}

static void features_none(void **state)
{
	(void)state;
	assert_features(0, "none");
}

static void features_known(void **state)
{
	(void)state;
	assert_features(CAUSAL_FEATURE_TASK_WORK_EXPORTED, "task_work_exported");
	assert_features(CAUSAL_FEATURE_KUNIT, "kunit");
	assert_features(CAUSAL_FEATURE_TASK_WORK_EXPORTED | CAUSAL_FEATURE_KUNIT,
			"task_work_exported, kunit");
	assert_features(CAUSAL_FEATURE_TRACE_SWITCHES | CAUSAL_FEATURE_EXPERIMENT_SCOPE,
			"trace_switches, experiment_scope");
	assert_features(CAUSAL_FEATURE_UNWIND | CAUSAL_FEATURE_KUNIT, "kunit, unwind");
}

static void features_unknown_bits(void **state)
{
	(void)state;
	assert_features(1ULL << 5, "unknown(0x20)");
	assert_features(CAUSAL_FEATURE_KUNIT | (1ULL << 63) | (1ULL << 5),
			"kunit, unknown(0x8000000000000020)");
}

static void features_truncate_like_snprintf(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(causal_features_string(CAUSAL_FEATURE_TASK_WORK_EXPORTED, buf, sizeof(buf)),
			 strlen("task_work_exported"));
	assert_string_equal(buf, "task_wo");
	assert_int_equal(causal_features_string(CAUSAL_FEATURE_KUNIT, NULL, 0), strlen("kunit"));
}

static void count_name(const char *name, void *arg)
{
	(void)name;
	(*(int *)arg)++;
}

static void features_foreach_calls_once_per_name(void **state)
{
	int n = 0;

	(void)state;
	causal_features_foreach(0, count_name, &n);
	assert_int_equal(n, 0);
	causal_features_foreach(CAUSAL_FEATURE_TASK_WORK_EXPORTED | CAUSAL_FEATURE_KUNIT |
				(3ULL << 40), count_name, &n);
	assert_int_equal(n, 3);
}

static const struct CMUnitTest tests[] = {
	unit_test_with(json_plain, json_writes, PLAIN),
	unit_test_with(json_null_for_null, json_writes, NULL_IN),
	unit_test_with(json_quotes_and_backslashes, json_writes, QUOTES),
	unit_test_with(json_control_characters, json_writes, CONTROL),
	unit_test_with(json_utf8_passes_through, json_writes, UTF8),
	unit_test_with(json_invalid_utf8_is_replaced, json_writes, INVALID),
	cmocka_unit_test(features_none),
	cmocka_unit_test(features_known),
	cmocka_unit_test(features_unknown_bits),
	cmocka_unit_test(features_truncate_like_snprintf),
	cmocka_unit_test(features_foreach_calls_once_per_name),
};

UNIT_MAIN(tests, NULL, NULL)
