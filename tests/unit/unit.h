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

/* Line number of the line holding marker in text, 0 if it is not there. */
static inline unsigned marker_line(const char *text, const char *marker)
{
	const char *m = strstr(text, marker), *p;
	unsigned line = 1;

	for (p = text; m && p < m; p++)
		line += *p == '\n';
	return m ? line : 0;
}

/* Runs a shell command made from fmt; its exit status, said on stderr when not 0. */
static inline int sh(const char *fmt, ...) PRINTF_LIKE(1, 2);
static inline int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc)
		fprintf(stderr, "failed (%d): %s\n", rc, cmd);
	return rc;
}

/*
 * A scratch directory for a test file: char dir[] made from the template by setup() (the group
 * setup) and removed with what is in it by teardown().
 */
/* dir/name, in one of four buffers used in turn: a result lives through the next three calls */
static inline const char *unit_path(const char *dir, const char *name)
{
	static char path[4][4096];
	static unsigned int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
	return path[k];
}

/* Writes text to dir/name. 0, or -1. */
static inline int unit_write_text(const char *dir, const char *name, const char *text)
{
	FILE *f = fopen(unit_path(dir, name), "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Removes dir and everything in it. 0, or non-zero. */
static inline int unit_rm_tree(const char *dir)
{
	return sh("rm -rf '%s'", dir);
}

#define UNIT_SCRATCH_DIR(template)							\
static char dir[] = template;								\
static int setup(void **state)								\
{											\
	(void)state;									\
	return mkdtemp(dir) ? 0 : -1;							\
}											\
static int teardown(void **state)							\
{											\
	(void)state;									\
	return unit_rm_tree(dir);							\
}

/* cmocka prints with printf and its errors to stderr: keep them in order in a log file */
#define UNIT_MAIN(tests, setup, teardown)						\
int main(void)										\
{											\
	setvbuf(stdout, NULL, _IOLBF, 0);						\
	return cmocka_run_group_tests(tests, setup, teardown);				\
}

#endif /* CAUSAL_UNIT_H */
