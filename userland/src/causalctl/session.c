// SPDX-License-Identifier: GPL-2.0-or-later
/* causalctl's side of /dev/causal: the ioctls, the stats page and the sample ring. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refusal.h"
#include "session.h"

#define RING_PAGES	256	/* 1 MiB: ~10000 samples, seconds of slack at 2 CPUs and 1 ms */
/*
 * Records per poll() wake-up, an eighth of the ring: a wake-up per sample put the controller on
 * a CPU the target could use 1000 times a second per CPU (a quarter of a 2-CPU target's run time
 * under emulation). The loop still wakes at its own deadlines, at least every 50 ms.
 */
#define RING_WAKEUP	1024
#define PAGE		4096

/* what open(device) failing with e means, and what to do about it */
static void open_message(int e, const char *device, char *err, size_t errlen)
{
	struct refusal_facts f;
	struct stat st;

	refusal_facts_read(&f, "/proc", "/sys");
	if (refusal_open_message(e, device, &f, err, errlen))
		return;
	if (e == ENOENT && stat("/sys/module/causal", &st))
		snprintf(err, errlen,
			 "%s does not exist: the causal module is not loaded. Load it with "
			 "'sudo modprobe causal' (installed with DKMS) or 'sudo insmod "
			 "causal.ko' (built in the source tree by make)", device);
	else if (e == EACCES || e == EPERM)
		snprintf(err, errlen,
			 "cannot open %s: %s. Profiling needs root (CAP_PERFMON or "
			 "CAP_SYS_ADMIN), unless the module was loaded with unprivileged=1",
			 device, strerror(e));
	else
		snprintf(err, errlen, "cannot open %s: %s", device, strerror(e));
}

int session_open(struct causal_session *s, const char *device, char *err, size_t errlen)
{
	struct causal_version v = { .size = sizeof(v) };
	void *p;

	memset(s, 0, sizeof(*s));
	s->fd = open(device, O_RDWR | O_CLOEXEC);
	if (s->fd < 0) {
		int e = errno;

		open_message(e, device, err, errlen);
		return -e;
	}
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, s->fd, CAUSAL_MMAP_STATS);
	if (p == MAP_FAILED) {
		int e = errno;

		snprintf(err, errlen, "cannot map the stats page of %s: %s", device, strerror(e));
		close(s->fd);
		s->fd = -1;
		return -e;
	}
	s->stats = p;
	/* what the module can do (an old one may lack a feature this causalctl would use) */
	if (!ioctl(s->fd, CAUSAL_IOC_VERSION, &v))
		s->features = v.features;
	return 0;
}

int session_attach(struct causal_session *s, pid_t pid, uint32_t flags, uint64_t period_ns,
		   uint32_t event, uint32_t *event_used, char *err, size_t errlen)
{
	uint32_t pages = s->ring_pages ? s->ring_pages : RING_PAGES;
	struct causal_attach a = {
		.size = sizeof(a), .flags = flags, .pid = pid, .period_ns = period_ns,
		.event = event, .callchain = CAUSAL_MAX_CALLCHAIN, .ring_pages = pages,
		.wakeup = RING_WAKEUP,
	};
	struct causal_version v = { .size = sizeof(v) };
	void *p;
	int r;

	if (flags & CAUSAL_ATTACH_TRACE_SWITCHES &&
	    (ioctl(s->fd, CAUSAL_IOC_VERSION, &v) || !(v.features & CAUSAL_FEATURE_TRACE_SWITCHES))) {
		snprintf(err, errlen, "the loaded causal module (%s) does not record context switches, "
			 "which --timeline needs: load the module of this causalctl's release",
			 v.release[0] ? v.release : "an older release");
		return -EOPNOTSUPP;
	}
	r = ioctl(s->fd, CAUSAL_IOC_ATTACH, &a);

	if (r && errno == EINVAL) {
		/* a module older than the wake-up batch: woken per sample, but it works */
		a.wakeup = 0;
		r = ioctl(s->fd, CAUSAL_IOC_ATTACH, &a);
	}
	if (r) {
		struct refusal_facts f;
		int e = errno;

		refusal_facts_read(&f, "/proc", "/sys");
		if (refusal_attach_message(e, pid, (uint64_t)(pages + 1) * PAGE, &f, err, errlen))
			return -e;
		switch (e) {
		case ESRCH:
			snprintf(err, errlen, "no process %d (or it exited before attach)", pid);
			break;
		case EACCES:
		case EPERM:
			snprintf(err, errlen,
				 "not allowed to profile process %d: it belongs to another user, or "
				 "is not dumpable (run causalctl as root)", pid);
			break;
		case EBUSY:
			snprintf(err, errlen,
				 "process %d is already being profiled by another causal session", pid);
			break;
		default:
			snprintf(err, errlen, "cannot attach to process %d: %s", pid, strerror(e));
		}
		return -e;
	}
	if (event_used)
		*event_used = (uint32_t)a.event_used;
	s->ring_pages = pages;
	s->map_len = (size_t)(pages + 1) * PAGE;
	p = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, CAUSAL_MMAP_RING);
	if (p == MAP_FAILED) {
		int e = errno;

		snprintf(err, errlen, "cannot map the sample ring: %s", strerror(e));
		return -e;
	}
	s->ctl = p;
	s->records = (struct causal_sample *)((char *)p + PAGE);
	s->tail = __atomic_load_n(&s->ctl->tail, __ATOMIC_RELAXED);
	return 0;
}

int session_progress_add(struct causal_session *s, int file_fd, uint64_t offset, bool ret,
			 uint32_t *id)
{
	struct causal_progress p = {
		.size = sizeof(p), .flags = ret ? CAUSAL_PROGRESS_RETURN : 0, .fd = file_fd,
		.offset = offset,
	};

	if (ioctl(s->fd, CAUSAL_IOC_PROGRESS_ADD, &p))
		return -errno;
	*id = p.id;
	return 0;
}

int session_progress_read(struct causal_session *s, uint64_t *counts, uint32_t nr)
{
	struct causal_progress_counts c = {
		.size = sizeof(c), .nr = nr, .counts = (uintptr_t)counts,
	};

	memset(counts, 0, nr * sizeof(*counts));
	return ioctl(s->fd, CAUSAL_IOC_PROGRESS_READ, &c) ? -errno : 0;
}

int session_exp_start(struct causal_session *s, uint64_t delay_ns,
		      const struct causal_range *line, size_t nline,
		      const struct causal_range *scope, size_t nscope, bool *scoped, uint64_t *id)
{
	/* each selected sample credits the time it stands for, not the nominal period */
	struct causal_experiment e = {
		.size = sizeof(e), .flags = CAUSAL_EXPERIMENT_ELAPSED, .delay_ns = delay_ns,
		.nr_ranges = (uint32_t)nline, .ranges = (uintptr_t)line,
	};
	struct causal_range *all = NULL;
	int r = 0;

	*scoped = false;
	if (nline > CAUSAL_MAX_RANGES || nscope > CAUSAL_MAX_RANGES - nline)
		return -E2BIG;
	if (nscope && (s->features & CAUSAL_FEATURE_EXPERIMENT_SCOPE)) {
		all = malloc((nline + nscope) * sizeof(*all));
		if (!all)
			return -ENOMEM;
		memcpy(all, line, nline * sizeof(*all));
		memcpy(all + nline, scope, nscope * sizeof(*all));
		e.flags |= CAUSAL_EXPERIMENT_SCOPE;
		e.nr_line_ranges = (uint32_t)nline;
		e.nr_ranges = (uint32_t)(nline + nscope);
		e.ranges = (uintptr_t)all;
	}
	if (ioctl(s->fd, CAUSAL_IOC_EXPERIMENT_START, &e))
		r = -errno;
	else if (id)
		*id = e.id;
	*scoped = !r && all;
	free(all);
	return r;
}

int session_unwind_set(struct causal_session *s, const struct causal_unwind_row *rows, size_t n)
{
	struct causal_unwind u = {
		.size = sizeof(u), .nr_rows = (uint32_t)n, .rows = (uintptr_t)rows,
	};

	if (!(s->features & CAUSAL_FEATURE_UNWIND))
		return -EOPNOTSUPP;
	if (n > CAUSAL_MAX_UNWIND_ROWS)
		return -E2BIG;
	return ioctl(s->fd, CAUSAL_IOC_UNWIND_SET, &u) ? -errno : 0;
}

int session_exp_stop(struct causal_session *s, struct causal_experiment_result *r)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	return ioctl(s->fd, CAUSAL_IOC_EXPERIMENT_STOP, r) ? -errno : 0;
}

size_t session_drain(struct causal_session *s, size_t max,
		     void (*fn)(const struct causal_sample *rec, void *arg), void *arg)
{
	uint32_t mask;
	size_t n = 0;

	if (!s->ctl)
		return 0;
	mask = s->ctl->nr_records - 1;
	while (n < max) {
		const struct causal_sample *r = &s->records[s->tail & mask];
		struct causal_sample copy;

		if (__atomic_load_n(&r->seq, __ATOMIC_ACQUIRE) != s->tail + 1)
			break;
		copy = *r;
		s->tail++;
		n++;
		fn(&copy, arg);
		/* hand slots back in batches: each store is a cache line the sampler reads */
		if (!(n & 63))
			__atomic_store_n(&s->ctl->tail, s->tail, __ATOMIC_RELEASE);
	}
	if (n)
		__atomic_store_n(&s->ctl->tail, s->tail, __ATOMIC_RELEASE);
	return n;
}

int session_wait(struct causal_session *s, int timeout_ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);

	if (r <= 0)
		return 0;
	if (p.revents & POLLHUP)
		return 2;
	return 1;
}

void session_close(struct causal_session *s)
{
	if (s->ctl)
		munmap(s->ctl, s->map_len);
	if (s->stats)
		munmap((void *)s->stats, PAGE);
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}
