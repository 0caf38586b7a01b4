// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: a profile, as `causalctl report` reads it (JSON Lines or Coz's legacy
 * format, the callchain records of FILE.stacks included), through the parser, the analysis and
 * every output format, --pprof's too (to /dev/null, gzip'd as to a file). The first input byte picks
 * the sort key and the minimum number of points; the rest is the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "causalctl.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct report_result r;
	struct profile p;
	uint8_t knobs = size ? data[0] : 0;
	char err[256];
	FILE *f;

	if (!null)
		null = fopen("/dev/null", "w");
	if (size) {
		data++;
		size--;
	}
	f = fmemopen(size ? (void *)data : (void *)"", size ? size : 1, "r");
	if (!f)
		return 0;
	memset(&p, 0, sizeof(p));
	if (profile_read_stream(f, &p) == 0) {
		memset(&r, 0, sizeof(r));
		if (report_analyse(&p, (enum report_sort)(knobs % 4), knobs / 4 % 8, &r) == 0) {
			report_print_text(null, &r, knobs & 0x80 ? 3 : 0, knobs & 0x40, knobs & 0x20 ? 40 : 0);
			report_print_json(null, "fuzz.coz", &p, &r, 0);
			report_print_html(null, "fuzz.coz", &p, &r, 0);
			report_write_pprof("/dev/null", &p, &r, err, sizeof(err));
			report_free(&r);
		}
		report_write_pprof("/dev/null", &p, NULL, err, sizeof(err));
		report_print_trace(null, &p);
	}
	profile_free(&p);
	fclose(f);
	return 0;
}
