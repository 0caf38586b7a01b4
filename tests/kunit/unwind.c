// SPDX-License-Identifier: GPL-2.0
/* KUnit: checking call frame rows, looking IPs up in them, and unwinding a stack by them. */

#include <kunit/test.h>
#include <linux/mm.h>

#include "unwind.h"

#include "suite.h"

/* A user stack of 16 slots at a made-up address; the reader faults outside it. */
#define STACK_BASE	0x7ffd00000000ULL
#define SLOT(i)		(STACK_BASE + 8 * (i))
static u64 stack[16];

static int read_stack(u64 addr, void *buf, u32 len)
{
	if (addr < STACK_BASE || addr - STACK_BASE > sizeof(stack) - len)
		return -EFAULT;
	memcpy(buf, (u8 *)stack + (addr - STACK_BASE), len);
	return 0;
}

static struct causal_unwind_table *table(struct kunit *test, const struct causal_unwind_row *rows,
					 u32 nr)
{
	struct causal_unwind_table *t = causal_unwind_alloc(nr);

	KUNIT_ASSERT_NOT_NULL(test, t);
	memcpy(t->rows, rows, nr * sizeof(*rows));
	return t;
}

static void checks_the_ioctl(struct kunit *test)
{
	struct causal_unwind a = { .size = sizeof(a), .nr_rows = CAUSAL_MAX_UNWIND_ROWS };

	KUNIT_EXPECT_EQ(test, causal_unwind_check(&a), 0);
	a.nr_rows = 0;
	KUNIT_EXPECT_EQ(test, causal_unwind_check(&a), 0);
	a.nr_rows = CAUSAL_MAX_UNWIND_ROWS + 1;
	KUNIT_EXPECT_EQ(test, causal_unwind_check(&a), -E2BIG);
	a.nr_rows = 1;
	a.flags = 1;
	KUNIT_EXPECT_EQ(test, causal_unwind_check(&a), -EINVAL);
	a.flags = 0;
	a.reserved = 1;
	KUNIT_EXPECT_EQ(test, causal_unwind_check(&a), -EINVAL);
	KUNIT_EXPECT_NULL(test, causal_unwind_alloc(0));
	KUNIT_EXPECT_NULL(test, causal_unwind_alloc(CAUSAL_MAX_UNWIND_ROWS + 1));
}

static void validates_rows(struct kunit *test)
{
	/* the row checked sits between two good ones, touching neither */
	struct causal_unwind_row rows[3] = {
		{ .start = 0x1000, .len = 0x100, .cfa_off = 8 },
		{ .start = 0x2000, .len = 0x100, .cfa_off = 16 },
		{ .start = 0x3000, .len = 0x100, .cfa_off = 8 },
	};
	static const struct {
		struct causal_unwind_row row;
		int ret;
	} cases[] = {
		{ { .start = 0x2000, .len = 0, .cfa_off = 16 }, -EINVAL },
		{ { .start = 0xfff, .len = 1, .cfa_off = 16 }, -EINVAL },	/* overlaps */
		{ { .start = 0x2000, .len = 0x1001, .cfa_off = 16 }, -EINVAL },	/* overlaps */
		{ { .start = 0x1100, .len = 0xf00, .cfa_off = 16 }, 0 },	/* touches both */
		{ { .start = 0x2000, .len = 0x100, .flags = 4, .cfa_off = 16 }, -EINVAL },
		{ { .start = 0x2000, .len = 0x100, .cfa_off = 7 }, -EINVAL },
		{ { .start = 0x2000, .len = 0x100, .cfa_off = -8 }, -EINVAL },
		{ { .start = 0x2000, .len = 0x100, .cfa_off = CAUSAL_UNWIND_OFF_MAX }, 0 },
		{ { .start = 0x2000, .len = 0x100, .cfa_off = CAUSAL_UNWIND_OFF_MAX + 1 },
		  -EINVAL },
		{ { .start = 0x2000, .len = 0x100, .cfa_off = 16, .rbp_off = -16 }, -EINVAL },
		{ { .start = 0x2000, .len = 0x100, .flags = CAUSAL_UNWIND_RBP_SAVED,
		    .cfa_off = 16, .rbp_off = -16 }, 0 },
		{ { .start = 0x2000, .len = 0x100, .flags = CAUSAL_UNWIND_RBP_SAVED,
		    .cfa_off = 16, .rbp_off = -8 }, -EINVAL },
		{ { .start = 0x2000, .len = 0x100, .flags = CAUSAL_UNWIND_RBP_SAVED,
		    .cfa_off = 16, .rbp_off = 0 }, -EINVAL },
		{ { .start = 0x2000, .len = 0x100, .flags = CAUSAL_UNWIND_RBP_SAVED,
		    .cfa_off = 16, .rbp_off = -CAUSAL_UNWIND_OFF_MAX }, 0 },
		{ { .start = 0x2000, .len = 0x100, .flags = CAUSAL_UNWIND_RBP_SAVED,
		    .cfa_off = 16, .rbp_off = -CAUSAL_UNWIND_OFF_MAX - 1 }, -EINVAL },
		{ { .start = 0x2000, .len = 0x100, .flags = CAUSAL_UNWIND_CFA_RBP |
		    CAUSAL_UNWIND_RBP_SAVED, .cfa_off = 16, .rbp_off = -16 }, 0 },
	};
	struct causal_unwind_table *t;
	unsigned int i;

	t = table(test, rows, ARRAY_SIZE(rows));
	KUNIT_EXPECT_EQ(test, causal_unwind_validate(t), 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		t->rows[1] = cases[i].row;
		KUNIT_EXPECT_EQ_MSG(test, causal_unwind_validate(t), cases[i].ret, "case %u", i);
	}
	/* out of order */
	t->rows[1] = rows[2];
	t->rows[2] = rows[1];
	KUNIT_EXPECT_EQ(test, causal_unwind_validate(t), -EINVAL);
	causal_unwind_free(t);

	/* the last user address is the end of the last row at most; past it, or wrapping, is not */
	rows[0] = (struct causal_unwind_row){ .start = TASK_SIZE_MAX - 0x10, .len = 0x10,
					      .cfa_off = 8 };
	t = table(test, rows, 1);
	KUNIT_EXPECT_EQ(test, causal_unwind_validate(t), 0);
	t->rows[0].len = 0x11;
	KUNIT_EXPECT_EQ(test, causal_unwind_validate(t), -EINVAL);
	t->rows[0].start = U64_MAX - 0x8;
	KUNIT_EXPECT_EQ(test, causal_unwind_validate(t), -EINVAL);
	causal_unwind_free(t);
}

static void finds_rows(struct kunit *test)
{
	static const struct causal_unwind_row rows[] = {
		{ .start = 0x1000, .len = 0x10, .cfa_off = 8 },
		{ .start = 0x1010, .len = 0x10, .cfa_off = 16 },
		{ .start = 0x2000, .len = 1, .cfa_off = 24 },
	};
	struct causal_unwind_table *t = table(test, rows, ARRAY_SIZE(rows));
	static const struct {
		u64 ip;
		int row;	/* -1: none */
	} cases[] = {
		{ 0xfff, -1 }, { 0x1000, 0 }, { 0x100f, 0 }, { 0x1010, 1 }, { 0x101f, 1 },
		{ 0x1020, -1 }, { 0x1fff, -1 }, { 0x2000, 2 }, { 0x2001, -1 }, { U64_MAX, -1 },
	};
	unsigned int i;

	KUNIT_ASSERT_EQ(test, causal_unwind_validate(t), 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct causal_unwind_row *row = causal_unwind_find(t, cases[i].ip);

		if (cases[i].row < 0)
			KUNIT_EXPECT_NULL_MSG(test, row, "ip %llx", cases[i].ip);
		else
			KUNIT_EXPECT_PTR_EQ_MSG(test, row, &t->rows[cases[i].row], "ip %llx",
						cases[i].ip);
	}
	KUNIT_EXPECT_NULL(test, causal_unwind_find(NULL, 0x1000));
	causal_unwind_free(t);
}

/*
 * A sample in A (libc-like: no frame pointer, one slot pushed), called by B (rbp saved, then used
 * as a general register), called by C (a frame-pointer function), called by D, called by E.
 */
static const struct causal_unwind_row abc_rows[] = {
	{ .start = 0x401000, .len = 0x100, .cfa_off = 16 },
	{ .start = 0x402000, .len = 0x80, .flags = CAUSAL_UNWIND_RBP_SAVED, .cfa_off = 32,
	  .rbp_off = -16 },
};

static void fill_abc_stack(void)
{
	memset(stack, 0, sizeof(stack));
	stack[1] = 0x402041;		/* A's return address: its CFA is slot 2 */
	stack[4] = SLOT(8);		/* C's rbp, saved by B at its CFA (slot 6) - 16 */
	stack[5] = 0x403011;		/* B's return address */
	stack[8] = SLOT(10);		/* C's frame: D's rbp, C's return address */
	stack[9] = 0x404001;
	stack[10] = 0;			/* D's frame: the outermost */
	stack[11] = 0x405001;
}

static void unwinds_by_rows_then_frame_pointers(struct kunit *test)
{
	struct causal_unwind_table *t = table(test, abc_rows, ARRAY_SIZE(abc_rows));
	const u64 want[] = { 0x402041, 0x403011, 0x404001, 0x405001 };
	struct causal_unwind_regs r;
	u64 out[CAUSAL_MAX_CALLCHAIN];
	u16 max, n, i;

	KUNIT_ASSERT_EQ(test, causal_unwind_validate(t), 0);
	fill_abc_stack();
	for (max = 0; max <= CAUSAL_MAX_CALLCHAIN; max++) {
		/* B left its own use of rbp in it: the rows must not need it */
		r = (struct causal_unwind_regs){ .ip = 0x401050, .sp = SLOT(0), .bp = 5 };
		n = causal_unwind_callchain(t, &r, out, max, read_stack);
		KUNIT_ASSERT_EQ_MSG(test, n, min_t(u16, max, ARRAY_SIZE(want)), "max %u", max);
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_EQ_MSG(test, out[i], want[i], "max %u frame %u", max, i);
	}
	/* without the rows, rbp leads nowhere: it lies below the stack pointer */
	r = (struct causal_unwind_regs){ .ip = 0x401050, .sp = SLOT(0), .bp = 5 };
	KUNIT_EXPECT_EQ(test, causal_unwind_callchain(NULL, &r, out, 8, read_stack), 0);
	causal_unwind_free(t);
}

static void follows_frame_pointers_alone(struct kunit *test)
{
	struct causal_unwind_regs r;
	u64 out[CAUSAL_MAX_CALLCHAIN];

	fill_abc_stack();
	/* a sample in C: its frame pointer is all there is */
	r = (struct causal_unwind_regs){ .ip = 0x403000, .sp = SLOT(7), .bp = SLOT(8) };
	KUNIT_ASSERT_EQ(test, causal_unwind_callchain(NULL, &r, out, 8, read_stack), 2);
	KUNIT_EXPECT_EQ(test, out[0], 0x404001ULL);
	KUNIT_EXPECT_EQ(test, out[1], 0x405001ULL);
	/* a frame pointer below the stack pointer, misaligned, or outside the stack */
	r = (struct causal_unwind_regs){ .ip = 0x403000, .sp = SLOT(9), .bp = SLOT(8) };
	KUNIT_EXPECT_EQ(test, causal_unwind_callchain(NULL, &r, out, 8, read_stack), 0);
	r = (struct causal_unwind_regs){ .ip = 0x403000, .sp = SLOT(7), .bp = SLOT(8) + 4 };
	KUNIT_EXPECT_EQ(test, causal_unwind_callchain(NULL, &r, out, 8, read_stack), 0);
	r = (struct causal_unwind_regs){ .ip = 0x403000, .sp = SLOT(7), .bp = SLOT(16) };
	KUNIT_EXPECT_EQ(test, causal_unwind_callchain(NULL, &r, out, 8, read_stack), 0);
	/* a chain that loops back down stops */
	stack[10] = SLOT(8);
	r = (struct causal_unwind_regs){ .ip = 0x403000, .sp = SLOT(7), .bp = SLOT(8) };
	KUNIT_EXPECT_EQ(test, causal_unwind_callchain(NULL, &r, out, 8, read_stack), 2);
}

static void stops_where_the_stack_says_nothing(struct kunit *test)
{
	struct causal_unwind_table *t = table(test, abc_rows, ARRAY_SIZE(abc_rows));
	struct causal_unwind_regs r;
	u64 out[CAUSAL_MAX_CALLCHAIN];

	/* A's return address unreadable: nothing, not the frame pointers' guess */
	fill_abc_stack();
	r = (struct causal_unwind_regs){ .ip = 0x401050, .sp = SLOT(15), .bp = SLOT(8) };
	KUNIT_EXPECT_EQ(test, causal_unwind_callchain(t, &r, out, 8, read_stack), 0);
	/* a return address of 0 ends the stack */
	stack[1] = 0;
	r = (struct causal_unwind_regs){ .ip = 0x401050, .sp = SLOT(0), .bp = SLOT(8) };
	KUNIT_EXPECT_EQ(test, causal_unwind_callchain(t, &r, out, 8, read_stack), 0);
	/* B's saved rbp unreadable: A's frame only */
	fill_abc_stack();
	t->rows[1].rbp_off = -CAUSAL_UNWIND_OFF_MAX;
	r = (struct causal_unwind_regs){ .ip = 0x401050, .sp = SLOT(0), .bp = 5 };
	KUNIT_ASSERT_EQ(test, causal_unwind_callchain(t, &r, out, 8, read_stack), 1);
	KUNIT_EXPECT_EQ(test, out[0], 0x402041ULL);
	/* a CFA from rbp that does not move up the stack */
	t->rows[0].flags = CAUSAL_UNWIND_CFA_RBP;
	t->rows[0].cfa_off = 8;
	r = (struct causal_unwind_regs){ .ip = 0x401050, .sp = SLOT(4), .bp = SLOT(0) };
	KUNIT_EXPECT_EQ(test, causal_unwind_callchain(t, &r, out, 8, read_stack), 0);
	/* and one that does: rbp + 8 is slot 2, the return address in slot 1 */
	r = (struct causal_unwind_regs){ .ip = 0x401050, .sp = SLOT(0), .bp = SLOT(1) };
	KUNIT_EXPECT_EQ(test, causal_unwind_callchain(t, &r, out, 1, read_stack), 1);
	KUNIT_EXPECT_EQ(test, out[0], 0x402041ULL);
	causal_unwind_free(t);
}

static struct kunit_case causal_unwind_cases[] = {
	KUNIT_CASE(checks_the_ioctl),
	KUNIT_CASE(validates_rows),
	KUNIT_CASE(finds_rows),
	KUNIT_CASE(unwinds_by_rows_then_frame_pointers),
	KUNIT_CASE(follows_frame_pointers_alone),
	KUNIT_CASE(stops_where_the_stack_says_nothing),
	{}
};

CAUSAL_KUNIT_SUITE(unwind);
