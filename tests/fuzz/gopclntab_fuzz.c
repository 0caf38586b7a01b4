// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: Go's line table (.gopclntab) as causalctl reads it from a stripped Go
 * binary (gopclntab.h): the header, every function, its file and line runs, and address
 * lookups. The input is the section's bytes; the seed is a real one (tests/fuzz/userland.sh).
 */
#include <stdint.h>
#include <string.h>

#include "gopclntab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_row(void *arg, uint64_t start, uint64_t end, const char *file, uint32_t line)
{
	size_t *n = arg;

	/* touch what a caller would use */
	*n += strlen(file) + line + (end > start);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint64_t text = 0x401000;
	struct gopcln t;
	struct gopcln_func f;
	const char *file;
	uint32_t i, line;
	size_t rows = 0;

	if (gopcln_parse(&t, data, size, text))
		return 0;
	/* a few functions per input, from one the input picks, keep the runs fast: the seed is
	 * a whole program's table */
	for (i = size % (t.nfunc + 1); i < t.nfunc && i < size % (t.nfunc + 1) + 32; i++) {
		if (gopcln_func(&t, i, &f))
			continue;
		gopcln_rows(&t, &f, count_row, &rows);
		gopcln_addr_line(&t, f.entry, NULL, &file, &line);
		gopcln_addr_line(&t, f.end ? f.end - 1 : 0, &f, &file, &line);
	}
	gopcln_find(&t, 0);
	gopcln_find(&t, text);
	gopcln_find(&t, UINT64_MAX);
	return 0;
}
