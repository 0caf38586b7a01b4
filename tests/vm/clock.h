/* SPDX-License-Identifier: GPL-2.0 */
/* Monotonic time and sleeps for the in-guest test programs (core_test, faults_test, ioctl_fuzz). */
#ifndef CAUSAL_TEST_CLOCK_H
#define CAUSAL_TEST_CLOCK_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

#define MS ((uint64_t)1000000)
#define SEC ((uint64_t)1000000000)

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * SEC + ts.tv_nsec;
}

/* the whole time, whatever signals arrive meanwhile */
static inline void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / SEC, .tv_nsec = ns % SEC };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

#endif
