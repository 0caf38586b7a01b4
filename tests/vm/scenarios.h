/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scenario table of the in-guest test programs (core_test, faults_test): choosing scenarios
 * by name from the command line, and running them one KTAP subtest each, which is all their main()
 * does after its own options (scenarios_main()). A table ends with an entry whose name is NULL.
 * Include after ktap.h and clock.h.
 */
#ifndef CAUSAL_TEST_SCENARIOS_H
#define CAUSAL_TEST_SCENARIOS_H

#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct scenario {
	const char *name;
	void (*fn)(void);
};

/* the index of scenario name in table s, or -1 */
static inline int scenario_find(const struct scenario *s, const char *name)
{
	for (int i = 0; s[i].name; i++)
		if (!strcmp(s[i].name, name))
			return i;
	return -1;
}

/*
 * The scenarios named in names[0..nnames) (at most max of them), every one in table order if
 * none is: their indexes into sel, and how many; -1 after a message on stderr at an unknown name.
 */
static inline int scenarios_select(const char *prog, const struct scenario *s,
				   char *const names[], int nnames, int *sel, int max)
{
	int nsel = 0;

	for (int i = 0; i < nnames && nsel < max; i++) {
		int k = scenario_find(s, names[i]);

		if (k < 0) {
			fprintf(stderr, "%s: unknown scenario '%s'\n", prog, names[i]);
			return -1;
		}
		sel[nsel++] = k;
	}
	if (!nsel)
		for (int i = 0; s[i].name; i++)
			sel[nsel++] = i;
	return nsel;
}

/*
 * Runs the selected scenarios in order, each a subtest with its duration as a diagnostic, and
 * ends with "# NAME: F of N scenarios failed": the exit status, 1 if any failed. The caller has
 * printed the KTAP header.
 */
static inline int scenarios_run(const char *name, const struct scenario *s, const int *sel,
				int nsel)
{
	for (int i = 0; i < nsel; i++) {
		uint64_t t0 = now_ns();

		sub_begin(s[sel[i]].name);
		s[sel[i]].fn();
		diag("%s took %" PRIu64 " ms", s[sel[i]].name, (now_ns() - t0) / MS);
		sub_end(s[sel[i]].name);
	}
	printf("# %s: %d of %d scenarios failed\n", name, top_fails, top_n);
	return top_fails ? 1 : 0;
}

/*
 * main()'s end in program name (core_test, faults_test), once its own options are read: the
 * scenarios of table s named in names[0..nnames), or every one, as one KTAP document (note, if
 * not NULL, a diagnostic after the plan), each run as a subtest; the exit status (2 at an unknown
 * name). Where none can run (cannot says why), each is a result of its own instead, a SKIP if
 * may_skip, a failure (exit status 1) if not.
 */
static inline int scenarios_main(const char *name, const struct scenario *s, char *const names[],
				 int nnames, const char *note, const char *cannot, bool may_skip)
{
	int sel[64], nsel = scenarios_select(name, s, names, nnames, sel, 64);

	if (nsel < 0)
		return 2;
	if (cannot) {
		printf("KTAP version 1\n1..%d\n", nsel);
		for (int i = 0; i < nsel; i++)
			printf("%s %d %s # %s%s\n", may_skip ? "ok" : "not ok", i + 1, s[sel[i]].name,
			       may_skip ? "SKIP " : "", cannot);
		return may_skip ? 0 : 1;
	}
	/* a dying workload must not kill us through a pipe */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%d\n", nsel);
	if (note)
		printf("# %s\n", note);
	return scenarios_run(name, s, sel, nsel);
}

#endif
