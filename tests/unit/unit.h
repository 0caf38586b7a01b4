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

/*
 * What one causalctl command line should do: exit with ret; stdout and stderr hold each of out[]
 * and err[] (a list ends at its first NULL) and none of not_out[] and not_err[]; out_is and
 * err_is, unless NULL: that stream is exactly this ("": it says nothing).
 */
struct cli_expect {
	int ret;
	const char *out_is, *err_is;
	const char *out[12], *err[6], *not_out[4], *not_err[4];
};

/* A command line (after "causalctl", NULL-terminated) and what it should do. */
struct cli_case {
	const char *argv[12];
	struct cli_expect expect;
};

static inline void cli_assert_texts(const char *cmd, const char *stream, const char *text,
				    const char *const *want, size_t n, bool present)
{
	for (size_t i = 0; i < n && want[i]; i++)
		if (!strstr(text, want[i]) == present)
			fail_msg("%s: %s \"%s\" in its %s:\n%s", cmd, present ? "expected" : "did not expect",
				 want[i], stream, text);
}

/* Checks r, the run of cmd (for the messages), against e. */
static inline void cli_assert(const struct cli_run *r, const char *cmd, const struct cli_expect *e)
{
	if (r->ret != e->ret)
		fail_msg("%s: exit status %d, expected %d; stderr:\n%s", cmd, r->ret, e->ret, r->err.buf);
	if (e->out_is && strcmp(r->out.buf, e->out_is))
		fail_msg("%s: expected stdout \"%s\", got:\n%s", cmd, e->out_is, r->out.buf);
	if (e->err_is && strcmp(r->err.buf, e->err_is))
		fail_msg("%s: expected stderr \"%s\", got:\n%s", cmd, e->err_is, r->err.buf);
	cli_assert_texts(cmd, "stdout", r->out.buf, e->out, ARRAY_SIZE(e->out), true);
	cli_assert_texts(cmd, "stderr", r->err.buf, e->err, ARRAY_SIZE(e->err), true);
	cli_assert_texts(cmd, "stdout", r->out.buf, e->not_out, ARRAY_SIZE(e->not_out), false);
	cli_assert_texts(cmd, "stderr", r->err.buf, e->not_err, ARRAY_SIZE(e->not_err), false);
}

/* Runs "causalctl argv..." (argv NULL-terminated) with sysfs and checks it against e. */
static inline void cli_check(const char *sysfs, const char *const *argv, const struct cli_expect *e)
{
	char *args[ARRAY_SIZE(((struct cli_case *)0)->argv) + 1] = { "causalctl" };
	char cmd[1024] = "causalctl";
	struct cli_run r;
	int argc = 1;

	for (; argv[argc - 1]; argc++) {
		assert_true(argc < (int)ARRAY_SIZE(args) - 1);
		args[argc] = (char *)argv[argc - 1];
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " %s", argv[argc - 1]);
	}
	args[argc] = NULL;
	cli_run_argv(&r, sysfs, argc, args);
	cli_assert(&r, cmd, e);
	cli_run_done(&r);
}

static inline void cli_check_cases(const char *sysfs, const struct cli_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cli_check(sysfs, cases[i].argv, &cases[i].expect);
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
 * setup, or one test's: the template serves once) and removed with what is in it by teardown().
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

/*
 * A test called name that runs fn with *state set to param: one check made of several inputs,
 * each its own test. (A group setup must leave the group state NULL: cmocka prefers it.)
 */
#define unit_test_with(name, fn, param) { #name, fn, NULL, NULL, (void *)(param) }

/* cmocka prints with printf and its errors to stderr: keep them in order in a log file */
#define UNIT_MAIN(tests, setup, teardown)						\
int main(void)										\
{											\
	setvbuf(stdout, NULL, _IOLBF, 0);						\
	return cmocka_run_group_tests(tests, setup, teardown);				\
}

#endif /* CAUSAL_UNIT_H */
