/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers the unit tests of profiles share: profile text read back as report reads a file. */
#ifndef CAUSAL_PROFILE_UNIT_H
#define CAUSAL_PROFILE_UNIT_H

#include "unit.h"
#include "callchain.h"

/* Reads len bytes of profile text into p (zeroed first); the reader itself must not fail. */
static inline void profile_read_text_len(struct profile *p, const char *text, size_t len)
{
	FILE *f = fmemopen((void *)text, len, "r");

	assert_non_null(f);
	memset(p, 0, sizeof(*p));
	assert_int_equal(profile_read_stream(f, p), 0);
	fclose(f);
}

static inline void profile_read_text(struct profile *p, const char *text)
{
	profile_read_text_len(p, text, strlen(text));
}

/* Writes c's stacks (symbolised with s, or not: NULL) in fmt and reads them back into p, cleanly. */
static inline void stacks_read_back(struct callchains *c, struct symbols *s, enum profile_format fmt,
				    struct profile *p)
{
	struct profile_writer *w;
	struct capture cap;

	capture_open(&cap);
	w = profile_writer_stream(cap.f, fmt);
	assert_non_null(w);
	callchains_write_stacks(c, s, w);
	assert_int_equal(profile_writer_close(w), 0);
	profile_read_text_len(p, capture_text(&cap), cap.len);
	capture_close(&cap);
	assert_int_equal(p->bad_lines, 0);
}

#endif /* CAUSAL_PROFILE_UNIT_H */
