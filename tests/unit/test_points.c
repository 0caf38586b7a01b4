/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for what causalctl tells of libcausal's regions at the end of a run (points.c):
 * points refused because a region was full and names stored shortened are said, with their
 * counts summed over the regions; a region that lost nothing adds no line.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "unit.h"
#include "points.h"
#include "region.h"

/* a valid, empty region (a memfd, as `run` hands down) that refused and shortened these many */
static int region_with_losses(uint64_t overflows, uint64_t truncated)
{
	struct causal_region_header *h;
	int fd = memfd_create("causal-unit", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, CAUSAL_REGION_SIZE), 0);
	h = mmap(NULL, CAUSAL_REGION_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(h != MAP_FAILED);
	*h = (struct causal_region_header){
		.magic = CAUSAL_REGION_MAGIC, .version = CAUSAL_REGION_VERSION,
		.header_size = CAUSAL_REGION_HEADER_SIZE, .entry_size = CAUSAL_REGION_ENTRY_SIZE,
		.capacity = CAUSAL_REGION_CAPACITY, .counter_size = sizeof(size_t),
		.overflows = overflows, .truncated = truncated,
	};
	munmap(h, CAUSAL_REGION_HEADER_SIZE);
	return fd;
}

/* what points_say_region_losses says of regions with these losses, into *c (open) */
static const char *say_losses(struct capture *c, const uint64_t (*losses)[2], size_t n)
{
	struct points pts;

	capture_open(c);
	assert_int_equal(points_init(&pts, NULL, c->f, 0), 0);
	for (size_t i = 0; i < n; i++) {
		int fd = region_with_losses(losses[i][0], losses[i][1]);

		assert_int_equal(points_add_region(&pts, fd), 0);
		close(fd);
	}
	points_read(&pts, false);
	points_say_region_losses(&pts);
	points_free(&pts);
	return capture_text(c);
}

static void losses_are_said(void **state)
{
	static const uint64_t losses[][2] = { { 3, 2 }, { 1, 0 } };
	struct capture c;
	char want[160];

	(void)state;
	snprintf(want, sizeof(want), "causal: 4 progress points were not counted: libcausal's region was "
		 "full (%u names)\n", CAUSAL_REGION_CAPACITY);
	assert_contains(say_losses(&c, losses, 2), want);
	snprintf(want, sizeof(want), "causal: 2 progress-point names were longer than %u bytes: they are "
		 "named by '...' and their last %u bytes\n", CAUSAL_REGION_NAME_MAX - 1,
		 CAUSAL_REGION_NAME_MAX - 4);
	assert_contains(c.buf, want);
	capture_close(&c);
}

static void no_loss_no_line(void **state)
{
	static const uint64_t losses[][2] = { { 0, 0 } };
	struct capture c;

	(void)state;
	assert_string_equal(say_losses(&c, losses, 1), "");
	capture_close(&c);
	assert_string_equal(say_losses(&c, NULL, 0), "");
	capture_close(&c);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(losses_are_said),
	cmocka_unit_test(no_loss_no_line),
};

UNIT_MAIN(tests, NULL, NULL)
