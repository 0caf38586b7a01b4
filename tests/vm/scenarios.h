/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scenario table of the in-guest test programs (core_test, faults_test): choosing scenarios
 * by name from the command line, and running them one KTAP subtest each. A table ends with an
 * entry whose name is NULL. Include after ktap.h and clock.h.
 */
#ifndef CAUSAL_TEST_SCENARIOS_H
#define CAUSAL_TEST_SCENARIOS_H

#include <inttypes.h>
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

#endif
