// SPDX-License-Identifier: GPL-2.0
/* KUnit: validating, sorting and merging experiment ranges, and looking IPs up in them. */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include "ranges.h"

#include "suite.h"

/* presets *out, so the tests see that a failed build leaves it alone */
static int build(const struct causal_range *in, u32 nr, struct causal_ranges **out)
{
	*out = NULL;
	return causal_ranges_build(in, nr, out);
}

/* rs holds want[0..nr) and nothing else, in that order */
static void expect_ranges(struct kunit *test, const struct causal_ranges *rs,
			  const struct causal_range *want, u32 nr)
{
	u32 i;

	KUNIT_ASSERT_EQ(test, rs->nr, nr);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ_MSG(test, rs->r[i].start, want[i].start, "range %u", i);
		KUNIT_EXPECT_EQ_MSG(test, rs->r[i].end, want[i].end, "range %u", i);
	}
}

static void rejects_bad_counts(struct kunit *test)
{
	struct causal_range *many = kunit_kcalloc(test, CAUSAL_MAX_RANGES + 1, sizeof(*many),
						  GFP_KERNEL);
	struct causal_ranges *rs;
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, many);
	for (i = 0; i <= CAUSAL_MAX_RANGES; i++) {
		many[i].start = 0x10000 + i * 0x100;
		many[i].end = many[i].start + 0x10;
	}
	KUNIT_EXPECT_EQ(test, build(many, 0, &rs), -EINVAL);
	KUNIT_EXPECT_NULL(test, rs);
	KUNIT_EXPECT_EQ(test, build(many, CAUSAL_MAX_RANGES + 1, &rs), -E2BIG);
	KUNIT_EXPECT_NULL(test, rs);
	KUNIT_EXPECT_EQ(test, build(many, U32_MAX, &rs), -E2BIG);

	KUNIT_ASSERT_EQ(test, build(many, CAUSAL_MAX_RANGES, &rs), 0);
	KUNIT_EXPECT_EQ(test, rs->nr, (u32)CAUSAL_MAX_RANGES);
	causal_ranges_free(rs);
}

static void rejects_bad_ranges(struct kunit *test)
{
	struct causal_range in[3] = {
		{ 0x1000, 0x2000 },
		{ 0x3000, 0x4000 },
		{ 0x5000, 0x6000 },
	};
	static const struct causal_range bad[] = {
		{ 0x3000, 0x3000 },			/* empty */
		{ 0x4000, 0x3000 },			/* inverted */
		{ 0, 0 },
		{ 0xffff888000000000ULL, 0xffff888000001000ULL },	/* kernel */
		{ 0x3000, 0xffffffff81000000ULL },	/* ends in the kernel */
		{ 0x3000, U64_MAX },
	};
	struct causal_ranges *rs;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		in[1] = bad[i];
		KUNIT_EXPECT_EQ_MSG(test, build(in, ARRAY_SIZE(in), &rs), -EINVAL,
				    "bad range %u", i);
		KUNIT_EXPECT_NULL(test, rs);
	}

	/* the highest user address is fine, one past it is not */
	in[1].start = TASK_SIZE_MAX - 0x1000;
	in[1].end = TASK_SIZE_MAX + 1;
	KUNIT_EXPECT_EQ(test, build(in, ARRAY_SIZE(in), &rs), -EINVAL);
	in[1].end = TASK_SIZE_MAX;
	KUNIT_ASSERT_EQ(test, build(in, ARRAY_SIZE(in), &rs), 0);
	KUNIT_EXPECT_EQ(test, rs->nr, 3U);
	KUNIT_EXPECT_EQ(test, rs->r[2].end, (u64)TASK_SIZE_MAX);
	causal_ranges_free(rs);
}

static void sorts_unsorted_input(struct kunit *test)
{
	static const struct causal_range in[] = {
		{ 0x500, 0x600 }, { 0x100, 0x200 }, { 0x900, 0xa00 }, { 0x300, 0x400 },
	};
	static const struct causal_range want[] = {
		{ 0x100, 0x200 }, { 0x300, 0x400 }, { 0x500, 0x600 }, { 0x900, 0xa00 },
	};
	struct causal_ranges *rs;

	KUNIT_ASSERT_EQ(test, build(in, ARRAY_SIZE(in), &rs), 0);
	expect_ranges(test, rs, want, ARRAY_SIZE(want));
	causal_ranges_free(rs);
}

static void merges_overlapping_and_adjacent(struct kunit *test)
{
	static const struct causal_range in[] = {
		{ 0x800, 0x900 },
		{ 0x150, 0x250 },	/* overlaps [0x100, 0x200) */
		{ 0x100, 0x200 },
		{ 0x250, 0x300 },	/* touches the merged [0x100, 0x250) */
		{ 0x120, 0x130 },	/* inside */
		{ 0x800, 0x900 },	/* duplicate */
		{ 0x400, 0x500 },
		{ 0x7ff, 0x801 },	/* overlaps the start of [0x800, 0x900) */
		{ 0x301, 0x302 },	/* one byte after a merged range: separate */
	};
	static const struct causal_range want[] = {
		{ 0x100, 0x300 }, { 0x301, 0x302 }, { 0x400, 0x500 }, { 0x7ff, 0x900 },
	};
	struct causal_ranges *rs;

	KUNIT_ASSERT_EQ(test, build(in, ARRAY_SIZE(in), &rs), 0);
	expect_ranges(test, rs, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_FALSE(test, causal_ranges_contains(rs, 0x300));
	KUNIT_EXPECT_TRUE(test, causal_ranges_contains(rs, 0x301));
	causal_ranges_free(rs);
}

static void contains_at_boundaries(struct kunit *test)
{
	static const struct causal_range in[] = {
		{ 0x300, 0x400 }, { 0x100, 0x200 }, { 0x600, 0x601 },
	};
	/* each range's first and last byte, and the bytes on either side of it */
	static const struct {
		u64 ip;
		bool in;
	} ips[] = {
		{ 0, false }, { 0xff, false }, { 0x100, true }, { 0x1ff, true }, { 0x200, false },
		{ 0x2ff, false }, { 0x300, true }, { 0x3ff, true }, { 0x400, false },
		{ 0x5ff, false }, { 0x600, true }, { 0x601, false }, { U64_MAX, false },
	};
	struct causal_ranges *rs;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, build(in, ARRAY_SIZE(in), &rs), 0);
	for (i = 0; i < ARRAY_SIZE(ips); i++)
		KUNIT_EXPECT_EQ_MSG(test, causal_ranges_contains(rs, ips[i].ip), ips[i].in,
				    "ip %#llx", ips[i].ip);
	KUNIT_EXPECT_FALSE(test, causal_ranges_contains(NULL, 0x100));
	causal_ranges_free(rs);
	causal_ranges_free(NULL);
}

/*
 * CAUSAL_EXPERIMENT_SCOPE: a sample belongs to the line its first in-scope frame is in. Scope
 * 0x1000-0x3000 (the program's lines), line 0x1100-0x1200 (one of them), a library at 0x9000.
 */
static void first_in_scope(struct kunit *test)
{
	static const struct causal_range line_in[] = { { 0x1100, 0x1200 } };
	static const struct causal_range scope_in[] = { { 0x1000, 0x3000 } };
	/* return addresses: the call instruction is the byte before */
	const u64 from_line[] = { 0x1181 }, from_other[] = { 0x2001, 0x1181 },
		  lib_then_line[] = { 0x9501, 0x1181 }, outside[] = { 0x9501, 0x9601 },
		  at_end[] = { 0x1200 };
	struct causal_ranges *line, *scope;

	KUNIT_ASSERT_EQ(test, build(line_in, 1, &line), 0);
	KUNIT_ASSERT_EQ(test, build(scope_in, 1, &scope), 0);
	/* the IP in the line, whatever the callers */
	KUNIT_EXPECT_TRUE(test, causal_ranges_first_in_scope(line, scope, 0x1150, outside, 2));
	/* in the library the line calls, directly or through another library function */
	KUNIT_EXPECT_TRUE(test, causal_ranges_first_in_scope(line, scope, 0x9000, from_line, 1));
	KUNIT_EXPECT_TRUE(test,
			  causal_ranges_first_in_scope(line, scope, 0x9000, lib_then_line, 2));
	/* a return address at the line's end: its call instruction is still in the line */
	KUNIT_EXPECT_TRUE(test, causal_ranges_first_in_scope(line, scope, 0x9000, at_end, 1));
	/* in a function with lines of its own that the line calls: that function's line */
	KUNIT_EXPECT_FALSE(test, causal_ranges_first_in_scope(line, scope, 0x2500, from_line, 1));
	/* in the library, called from another line of the program that the line called */
	KUNIT_EXPECT_FALSE(test,
			   causal_ranges_first_in_scope(line, scope, 0x9000, from_other, 2));
	/* no frame in scope, or none at all */
	KUNIT_EXPECT_FALSE(test, causal_ranges_first_in_scope(line, scope, 0x9000, outside, 2));
	KUNIT_EXPECT_FALSE(test, causal_ranges_first_in_scope(line, scope, 0x9000, NULL, 0));
	causal_ranges_free(line);
	causal_ranges_free(scope);
}

/* deterministic, so a failure can be reproduced */
static u64 lcg(u64 *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 16;
}

static bool brute_contains(const struct causal_range *in, u32 nr, u64 ip)
{
	u32 i;

	for (i = 0; i < nr; i++)
		if (in[i].start <= ip && ip < in[i].end)
			return true;
	return false;
}

#define SPACE_START	0x400000ULL
#define SPACE_SIZE	SZ_1M

static void matches_brute_force(struct kunit *test)
{
	const u32 nr = CAUSAL_MAX_RANGES;
	struct causal_range *in = kunit_kcalloc(test, nr, sizeof(*in), GFP_KERNEL);
	struct causal_ranges *rs;
	u64 state = 0x5eed, ip;
	unsigned int i, hits = 0, checked = 0;

	KUNIT_ASSERT_NOT_NULL(test, in);
	/* about 1024 x 1 KiB on average in 1 MiB: overlaps, touching ranges and gaps */
	for (i = 0; i < nr; i++) {
		in[i].start = SPACE_START + lcg(&state) % SPACE_SIZE;
		in[i].end = in[i].start + 1 + lcg(&state) % 2048;
	}
	KUNIT_ASSERT_EQ(test, build(in, nr, &rs), 0);
	KUNIT_EXPECT_GT(test, rs->nr, 1U);
	KUNIT_EXPECT_LT(test, rs->nr, nr);
	for (i = 0; i < rs->nr; i++) {
		KUNIT_EXPECT_LT(test, rs->r[i].start, rs->r[i].end);
		if (i)
			KUNIT_EXPECT_GT(test, rs->r[i].start, rs->r[i - 1].end);
	}

	for (i = 0; i < nr; i++) {
		u64 edges[] = { in[i].start - 1, in[i].start, in[i].end - 1, in[i].end };
		unsigned int e;

		for (e = 0; e < ARRAY_SIZE(edges); e++, checked++)
			KUNIT_EXPECT_EQ_MSG(test, causal_ranges_contains(rs, edges[e]),
					    brute_contains(in, nr, edges[e]), "ip %llx", edges[e]);
	}
	for (i = 0; i < 20000; i++, checked++) {
		ip = SPACE_START - 4096 + lcg(&state) % (SPACE_SIZE + 3 * 4096);
		hits += brute_contains(in, nr, ip);
		KUNIT_EXPECT_EQ_MSG(test, causal_ranges_contains(rs, ip),
				    brute_contains(in, nr, ip), "ip %llx", ip);
	}
	/* both outcomes were exercised */
	KUNIT_EXPECT_GT(test, hits, 1000U);
	KUNIT_EXPECT_LT(test, hits, 19000U);
	kunit_info(test, "%u ranges merged into %u, %u lookups", nr, rs->nr, checked);
	causal_ranges_free(rs);
}

static struct kunit_case causal_ranges_cases[] = {
	KUNIT_CASE(rejects_bad_counts),
	KUNIT_CASE(rejects_bad_ranges),
	KUNIT_CASE(sorts_unsorted_input),
	KUNIT_CASE(merges_overlapping_and_adjacent),
	KUNIT_CASE(contains_at_boundaries),
	KUNIT_CASE(first_in_scope),
	KUNIT_CASE(matches_brute_force),
	{}
};

CAUSAL_KUNIT_SUITE(ranges);
