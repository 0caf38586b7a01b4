// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of a progress point served by the module (in the VM): ns per call of a tiny function,
 * first plain, then with a uprobe of this process's session on it (CAUSAL_IOC_PROGRESS_ADD), in
 * alternating timed rounds, and the difference: what a --progress SYMBOL point costs per visit.
 * Checks that the probe counted every call of the probed rounds.
 *
 *   bench_uprobe [-n CALLS] [-r ROUNDS]        (defaults 200000 and 5)
 *
 * Prints "BENCH uprobe ..." lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/causal.h>

#include "../vm/workload.h"

__attribute__((noinline, used)) uint64_t probed_call(uint64_t x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static double round_ns(uint64_t calls)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < calls; i++)
		sink += probed_call(i);
	return (double)(now_ns() - t0) / (double)calls;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	uint64_t calls = 200000, counted = 0;
	struct causal_attach a = { .size = sizeof(a), .pid = getpid() };
	struct causal_progress p = { .size = sizeof(p) };
	struct causal_progress_counts c = { .size = sizeof(c), .nr = 1 };
	double plain[64], probed[64], diff[64];
	int rounds = 5, opt, dev, exe;
	long long off;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			calls = strtoull(optarg, NULL, 0);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else
			return 2;
	}
	if (rounds < 1 || rounds > 64 || !calls)
		return 2;
	off = workload_file_offset((unsigned long)probed_call);
	dev = open(CAUSAL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (off < 0 || dev < 0 || exe < 0 || ioctl(dev, CAUSAL_IOC_ATTACH, &a)) {
		printf("BENCH error bench_uprobe setup: %s\n", strerror(errno));
		return 1;
	}
	/* warm up, then plain rounds before the probe exists */
	round_ns(calls);
	for (int r = 0; r < rounds; r++)
		plain[r] = round_ns(calls);
	p.fd = exe;
	p.offset = (uint64_t)off;
	if (ioctl(dev, CAUSAL_IOC_PROGRESS_ADD, &p)) {
		printf("BENCH error bench_uprobe PROGRESS_ADD: %s\n", strerror(errno));
		return 1;
	}
	for (int r = 0; r < rounds; r++)
		probed[r] = round_ns(calls);
	c.counts = (uintptr_t)&counted;
	if (ioctl(dev, CAUSAL_IOC_PROGRESS_READ, &c)) {
		printf("BENCH error bench_uprobe PROGRESS_READ: %s\n", strerror(errno));
		return 1;
	}
	qsort(plain, rounds, sizeof(double), cmp_double);
	qsort(probed, rounds, sizeof(double), cmp_double);
	for (int r = 0; r < rounds; r++)
		diff[r] = probed[r] - plain[r];
	printf("BENCH uprobe calls=%" PRIu64 " rounds=%d plain_ns=%.1f probed_ns=%.1f "
	       "cost_ns=%.1f ratio=%.1f counted=%" PRIu64 " expected=%" PRIu64 "\n",
	       calls, rounds, plain[rounds / 2], probed[rounds / 2], diff[rounds / 2],
	       probed[rounds / 2] / plain[rounds / 2], counted, calls * (uint64_t)rounds);
	if (counted != calls * (uint64_t)rounds)
		printf("BENCH error bench_uprobe counted %" PRIu64 " calls, want %" PRIu64 "\n",
		       counted, calls * (uint64_t)rounds);
	return 0;
}
