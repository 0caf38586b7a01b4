// SPDX-License-Identifier: GPL-2.0
/*
 * The program perm_test runs from a profiled process, once as a plain copy and once as a
 * setuid-root copy (perm_test makes both in /tmp): it spins for MS milliseconds, so that a
 * session that kept it would sample it and delay it, and exits 10 if it ran as euid 0, 11 if not.
 * It first writes its start time (CLOCK_MONOTONIC ns, 8 bytes) to FD if given. Built static, not
 * position-independent and at an address of its own (Makefile): its every instruction lies in
 * the file's own segments, where perm_test looks for its samples.
 *
 *   setuid_helper [MS [FD]]     MS default 1000
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long long start = now_ns();
	long long end = start + (argc > 1 ? atoll(argv[1]) : 1000) * 1000000LL;
	volatile unsigned long spin;

	if (argc > 2 && write(atoi(argv[2]), &start, sizeof(start)) != sizeof(start))
		return 1;
	/* spin in this file's text, looking at the clock (the vDSO's) only now and then */
	do {
		for (spin = 0; spin < 100000; spin++)
			;
	} while (now_ns() < end);
	return geteuid() == 0 ? 10 : 11;
}
