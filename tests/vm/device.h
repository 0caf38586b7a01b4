/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioctls of /dev/causal as the VM tests call them (core_test, faults_test): each wrapper
 * returns the ioctl's errno, or 0 on success. Include after ktap.h (diag()).
 */
#ifndef CAUSAL_TEST_DEVICE_H
#define CAUSAL_TEST_DEVICE_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include <linux/causal.h>

static inline int dev_open(void)
{
	int fd = open(CAUSAL_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		diag("open %s: %s", CAUSAL_DEVICE_PATH, strerror(errno));
	return fd;
}

static inline int attach(int fd, pid_t pid, uint32_t flags, uint32_t callchain,
			 uint32_t ring_pages)
{
	struct causal_attach a = {
		.size = sizeof(a), .flags = flags, .pid = pid, .callchain = callchain,
		.ring_pages = ring_pages,
	};

	return ioctl(fd, CAUSAL_IOC_ATTACH, &a) ? errno : 0;
}

/* *id (if not NULL) gets the experiment's id */
static inline int exp_start(int fd, uint64_t delay, const struct causal_range *r, uint32_t n,
			    uint64_t *id)
{
	struct causal_experiment e = {
		.size = sizeof(e), .delay_ns = delay, .nr_ranges = n, .ranges = (uintptr_t)r,
	};

	if (ioctl(fd, CAUSAL_IOC_EXPERIMENT_START, &e))
		return errno;
	if (id)
		*id = e.id;
	return 0;
}

static inline int exp_stop(int fd, struct causal_experiment_result *r)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	return ioctl(fd, CAUSAL_IOC_EXPERIMENT_STOP, r) ? errno : 0;
}

static inline int get_stats(int fd, struct causal_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(fd, CAUSAL_IOC_STATS, st) ? errno : 0;
}

#endif
