/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers the userland unit tests share: cmocka, captured output, scratch directories. */
#ifndef CAUSAL_UNIT_H
#define CAUSAL_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "causalctl.h"

/* A FILE whose contents a test can read back. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static inline void capture_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static inline const char *capture_text(struct capture *c)
{
	assert_int_equal(fflush(c->f), 0);
	return c->buf;
}

static inline void capture_close(struct capture *c)
{
	fclose(c->f);
	free(c->buf);
}

#define assert_contains(haystack, needle) do {						\
	const char *h_ = (haystack), *n_ = (needle);					\
	if (!strstr(h_, n_))								\
		fail_msg("expected \"%s\" in:\n%s", n_, h_);				\
} while (0)

#define assert_not_contains(haystack, needle) do {					\
	const char *h_ = (haystack), *n_ = (needle);					\
	if (strstr(h_, n_))								\
		fail_msg("did not expect \"%s\" in:\n%s", n_, h_);			\
} while (0)

/* One causalctl command line run in-process, its output captured. */
struct cli_run {
	struct capture out, err;
	int ret;
};

static inline void cli_run_argv(struct cli_run *r, const char *sysfs, int argc, char **argv)
{
	struct cli_env env;

	capture_open(&r->out);
	capture_open(&r->err);
	env.out = r->out.f;
	env.err = r->err.f;
	env.sysfs = sysfs;
	r->ret = causalctl_run(&env, argc, argv);
	capture_text(&r->out);
	capture_text(&r->err);
}

static inline void cli_run_done(struct cli_run *r)
{
	capture_close(&r->out);
	capture_close(&r->err);
}

/* cmocka prints with printf and its errors to stderr: keep them in order in a log file */
#define UNIT_MAIN(tests, setup, teardown)						\
int main(void)										\
{											\
	setvbuf(stdout, NULL, _IOLBF, 0);						\
	return cmocka_run_group_tests(tests, setup, teardown);				\
}

#endif /* CAUSAL_UNIT_H */
