/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for JSON strings made from bytes (json.c) and the decoding of CAUSAL_FEATURE_* bits. */
#include "unit.h"
#include "json.h"

/* U+FFFD in UTF-8 */
#define R "\xef\xbf\xbd"

/* json_text(in) as jansson writes it */
static void assert_json(const char *in, const char *want)
{
	json_t *v = json_text(in);
	char *out;

	assert_non_null(v);
	out = json_dumps(v, JSON_ENCODE_ANY);
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
	json_decref(v);
}

static void json_plain(void **state)
{
	(void)state;
	assert_json("", "\"\"");
	assert_json("/dev/causal", "\"/dev/causal\"");
}

static void json_null_for_null(void **state)
{
	(void)state;
	assert_json(NULL, "null");
}

static void json_quotes_and_backslashes(void **state)
{
	(void)state;
	assert_json("a\"b\\c", "\"a\\\"b\\\\c\"");
	assert_json("/", "\"/\"");
}

static void json_control_characters(void **state)
{
	(void)state;
	assert_json("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
	assert_json("\x01x\x1f", "\"\\u0001x\\u001F\"");
	assert_json("\x7f", "\"\x7f\"");
}

static void json_utf8_passes_through(void **state)
{
	(void)state;
	assert_json("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	assert_json("\xe2\x82\xac", "\"\xe2\x82\xac\"");
	assert_json("\xf0\x9f\x98\x80!", "\"\xf0\x9f\x98\x80!\"");
}

static void json_invalid_utf8_is_replaced(void **state)
{
	(void)state;
	/* each byte that does not begin well-formed UTF-8 becomes U+FFFD, written as UTF-8 */
	assert_json("a\xff" "b", "\"a" R "b\"");
	assert_json("\xe2\x82", "\"" R R "\"");			/* truncated */
	assert_json("\xc0\xaf", "\"" R R "\"");			/* overlong '/' */
	assert_json("\xed\xa0\x80", "\"" R R R "\"");		/* surrogate */
	assert_json("\xf4\x90\x80\x80", "\"" R R R R "\"");	/* > U+10FFFF */
	assert_json("\x80" "z", "\"" R "z\"");			/* lone continuation byte */
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
}

static void features_unknown_bits(void **state)
{
	(void)state;
	assert_features(1ULL << 5, "unknown(0x20)");
	assert_features(CAUSAL_FEATURE_KUNIT | (1ULL << 63) | (1ULL << 4),
			"kunit, unknown(0x8000000000000010)");
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
	cmocka_unit_test(json_plain),
	cmocka_unit_test(json_null_for_null),
	cmocka_unit_test(json_quotes_and_backslashes),
	cmocka_unit_test(json_control_characters),
	cmocka_unit_test(json_utf8_passes_through),
	cmocka_unit_test(json_invalid_utf8_is_replaced),
	cmocka_unit_test(features_none),
	cmocka_unit_test(features_known),
	cmocka_unit_test(features_unknown_bits),
	cmocka_unit_test(features_truncate_like_snprintf),
	cmocka_unit_test(features_foreach_calls_once_per_name),
};

UNIT_MAIN(tests, NULL, NULL)
