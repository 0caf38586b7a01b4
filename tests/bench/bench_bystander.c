// SPDX-License-Identifier: GPL-2.0
/*
 * What a causal session costs everyone else: while any session exists, the module's scheduler
 * hooks look every switching and waking task up in the session table. The bystanders are two
 * processes outside any session, pinned to CPU 0, passing a byte back and forth over two pipes
 * (every round trip: two wake-ups and two context switches on one CPU, the hooks' worst case).
 * Their wall time with a session open and attached to another, idle process (blocked on a pipe)
 * is divided by their wall time with no session at all, in interleaved pairs (ABBA order), and
 * the median of the pairs' ratios is reported with its range.
 *
 *   bench_bystander [-p PAIRS] [-t TARGET_MS] [-P PERIOD_US]
 *
 * PAIRS default 9; the ping-pong is calibrated once, without a session, to last about TARGET_MS
 * (default 1000); PERIOD_US the session's sampling period (default 1000; the sampler's counters
 * are bound to the session's tasks, so an idle target costs the bystanders no sampler interrupt
 * whatever the period). Prints "BENCH bystander ..." lines (times in ns).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "bench.h"

static uint64_t *shm_elapsed;
static uint64_t period_ns = CAUSAL_PERIOD_DEFAULT_NS;

static void pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

/* The pair: the child echoes every byte back; the parent times N round trips. */
static void pingpong(int start_fd, uint64_t n)
{
	int ab[2], ba[2];
	pid_t echo;
	uint64_t t0, i;
	char c = 'x';

	if (pipe(ab) || pipe(ba))
		die("pipe");
	pin_cpu0();
	echo = fork();
	if (echo < 0)
		die("fork");
	if (echo == 0) {
		/* the only writer of ab left is the parent: its close is the end */
		close(ab[1]);
		close(ba[0]);
		while (read(ab[0], &c, 1) == 1)
			if (write(ba[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(ab[0]);
	close(ba[1]);
	if (read(start_fd, &c, 1) != 1)
		_exit(1);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			_exit(1);
	*shm_elapsed = now_ns() - t0;
	close(ab[1]);
	waitpid(echo, NULL, 0);
	_exit(0);
}

/* N round trips of the bystanders, with a session attached to an idle process or with none */
static uint64_t run_once(bool session, uint64_t n)
{
	int go, idle[2], fd = -1, status;
	pid_t pair, target = -1;

	if (pipe(idle))
		die("pipe");
	*shm_elapsed = 0;
	pair = fork_child(pingpong, n, &go);
	if (session) {
		char c;

		target = fork();
		if (target < 0)
			die("fork");
		if (target == 0) {
			close(idle[1]);
			_exit(read(idle[0], &c, 1) < 0);
		}
		fd = causal_open_attach(target, 0, period_ns);
	}
	start_child(go);
	if (waitpid(pair, &status, 0) != pair)
		die("waitpid");
	child_exit_0(status, "bystanders");
	close(idle[1]);
	close(idle[0]);
	if (session) {
		close(fd);
		waitpid(target, NULL, 0);
	}
	return *shm_elapsed;
}

static uint64_t run_without_session(uint64_t n)
{
	return run_once(false, n);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_bystander [-p PAIRS] [-t TARGET_MS] [-P PERIOD_US]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int pairs = 9;
	uint64_t target = 1000 * MS, n = 1000, t_start;
	double ratios[MAX_PAIRS];

	if (pairs_getopt(argc, argv, "p:t:P:", &pairs, &target, &period_ns) != -1)
		usage();
	shm_elapsed = shared_alloc(sizeof(*shm_elapsed));
	t_start = now_ns();
	n = calibrate(run_without_session, n, target, 1ULL << 32);
	printf("BENCH bystander_config pairs=%u target_ns=%" PRIu64 " round_trips=%" PRIu64
	       " period_ns=%" PRIu64 "\n", pairs, target, n, period_ns);
	fflush(stdout);
	for (unsigned int i = 0; i < pairs; i++) {
		uint64_t with, without;

		PAIR_ABBA(i, with = run_once(true, n), without = run_once(false, n));
		ratios[i] = (double)with / (double)without;
		printf("BENCH bystander pair=%u order=%s session_ns=%" PRIu64 " no_session_ns=%" PRIu64
		       " ratio=%.4f ns_per_round_trip=%.0f\n", i + 1,
		       i % 2 == 0 ? "session-first" : "session-last", with, without, ratios[i],
		       (double)without / (double)n);
		fflush(stdout);
	}
	qsort(ratios, pairs, sizeof(ratios[0]), cmp_double);
	printf("BENCH bystander_summary pairs=%u median_ratio=%.4f min_ratio=%.4f max_ratio=%.4f"
	       " elapsed_s=%.1f\n", pairs, median_double(ratios, pairs), ratios[0],
	       ratios[pairs - 1], (double)(now_ns() - t_start) / 1e9);
	return 0;
}
