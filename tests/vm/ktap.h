/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP for the in-guest test programs (core_test, faults_test): each scenario is a subtest whose
 * results are buffered so that its plan can come first; diag() and check() write into the running
 * scenario. One program includes this once.
 */
#ifndef CAUSAL_TEST_KTAP_H
#define CAUSAL_TEST_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *sub;
static char *sub_buf;
static size_t sub_len;
static int sub_n, sub_fails, top_n, top_fails;
static char sub_skip_reason[256];

static void sub_begin(const char *name)
{
	printf("# scenario %s\n", name);
	fflush(stdout);
	sub = open_memstream(&sub_buf, &sub_len);
	if (!sub) {
		perror("open_memstream");
		exit(1);
	}
	sub_n = 0;
	sub_fails = 0;
	sub_skip_reason[0] = 0;
}

static void sub_end(const char *name)
{
	bool skip = sub_skip_reason[0] && !sub_fails;

	fclose(sub);
	sub = NULL;
	/* a skipped scenario without results shows its diagnostics only: a plan of 0 is no pass */
	if (skip && !sub_n)
		printf("    KTAP version 1\n    # Subtest: %s\n%s", name, sub_buf);
	else
		printf("    KTAP version 1\n    # Subtest: %s\n    1..%d\n%s", name, sub_n, sub_buf);
	free(sub_buf);
	top_n++;
	if (skip)
		printf("ok %d %s # SKIP %s\n", top_n, name, sub_skip_reason);
	else if (sub_fails || !sub_n)
		top_fails++;
	if (!skip)
		printf("%s %d %s\n", sub_fails || !sub_n ? "not ok" : "ok", top_n, name);
	fflush(stdout);
}

static void __attribute__((format(printf, 1, 2))) diag(const char *fmt, ...)
{
	va_list ap;

	fprintf(sub, "    # ");
	va_start(ap, fmt);
	vfprintf(sub, fmt, ap);
	va_end(ap);
	fprintf(sub, "\n");
}

/* the running scenario cannot run here: it is reported as skipped, unless a check failed */
static void __attribute__((format(printf, 1, 2), unused)) sub_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sub_skip_reason, sizeof(sub_skip_reason), fmt, ap);
	va_end(ap);
}

/* one result; returns ok so that callers can skip what depends on it */
static bool __attribute__((format(printf, 2, 3))) check(bool ok, const char *fmt, ...)
{
	va_list ap;

	fprintf(sub, "    %s %d ", ok ? "ok" : "not ok", ++sub_n);
	va_start(ap, fmt);
	vfprintf(sub, fmt, ap);
	va_end(ap);
	fprintf(sub, "\n");
	if (!ok)
		sub_fails++;
	return ok;
}

static bool check_errno(int got, int want, const char *name)
{
	if (got != want)
		diag("%s: want %s (%d), got %s (%d)", name, want ? strerror(want) : "success", want,
		     got ? strerror(got) : "success", got);
	return check(got == want, "%s", name);
}

#endif
