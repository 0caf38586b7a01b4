/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Names of the CAUSAL_FEATURE_* bits that the module reports in struct causal_version. */
#include <string.h>

#include "causalctl.h"

static const struct {
	__u64 bit;
	const char *name;
} features[] = {
	{ CAUSAL_FEATURE_TASK_WORK_EXPORTED, "task_work_exported" },
	{ CAUSAL_FEATURE_KUNIT, "kunit" },
	{ CAUSAL_FEATURE_TRACE_SWITCHES, "trace_switches" },
	{ CAUSAL_FEATURE_EXPERIMENT_SCOPE, "experiment_scope" },
	{ CAUSAL_FEATURE_UNWIND, "unwind" },
};

/* Calls fn with the name of each bit set; bits from a newer module come last, as "unknown(0x...)". */
void causal_features_foreach(__u64 bits, void (*fn)(const char *name, void *arg), void *arg)
{
	char unknown[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(features); i++) {
		if (bits & features[i].bit) {
			fn(features[i].name, arg);
			bits &= ~features[i].bit;
		}
	}
	if (bits) {
		snprintf(unknown, sizeof(unknown), "unknown(0x%llx)", (unsigned long long)bits);
		fn(unknown, arg);
	}
}

struct strbuf {
	char *buf;
	size_t len;
	size_t pos;	/* what the whole string needs, as with snprintf */
};

static void strbuf_add(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);

	if (sb->pos < sb->len) {
		size_t room = sb->len - sb->pos - 1;
		size_t k = n < room ? n : room;

		memcpy(sb->buf + sb->pos, s, k);
		sb->buf[sb->pos + k] = '\0';
	}
	sb->pos += n;
}

static void add_name(const char *name, void *arg)
{
	struct strbuf *sb = arg;

	if (sb->pos)
		strbuf_add(sb, ", ");
	strbuf_add(sb, name);
}

/* Writes the names of bits, comma-separated, or "none"; returns the length needed, as snprintf. */
size_t causal_features_string(__u64 bits, char *buf, size_t len)
{
	struct strbuf sb = { .buf = buf, .len = len };

	if (len)
		buf[0] = '\0';
	causal_features_foreach(bits, add_name, &sb);
	if (!bits)
		strbuf_add(&sb, "none");
	return sb.pos;
}
