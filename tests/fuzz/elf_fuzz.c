// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: an ELF file (with or without DWARF) through probe_resolve(), the symbol and
 * line resolver of progress points (libelf, libdw). The first input byte picks the spec; the rest
 * is the file, handed over as /proc/self/fd/N of a memfd. A failure must come with a message.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const specs[] = {
	"main", "work_a", "printf", "nosuchsymbol", "join.c:30", "join.c:1", "nosuchfile.c:10",
	"0x1000", "0x0", "0xffffffffffff", ":", "join.c:", "join.c:99999999999", "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct probe_loc *locs = NULL;
	char path[64], err[512] = "";
	uint8_t knob = size ? data[0] : 0;
	size_t n = 0;
	int rc;

	if (fd < 0)
		fd = memfd_create("elf_fuzz", 0);
	if (fd < 0)
		return 0;
	if (size) {
		data++;
		size--;
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = probe_resolve(path, specs[knob % (sizeof(specs) / sizeof(specs[0]))], knob & 0x80,
			   &locs, &n, err, sizeof(err));
	if (rc < 0 && !err[0]) {
		fprintf(stderr, "probe_resolve failed (%d) without a message\n", rc);
		abort();
	}
	if (rc == 0 && (!locs || !n)) {
		fprintf(stderr, "probe_resolve succeeded with no location\n");
		abort();
	}
	free(locs);
	return 0;
}
