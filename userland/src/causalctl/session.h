/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A profiling session on /dev/causal: attach, progress points, experiments, the sample ring. */
#ifndef CAUSALCTL_SESSION_H
#define CAUSALCTL_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/causal.h>

struct causal_session {
	int fd;
	struct causal_ring_control *ctl;
	struct causal_sample *records;
	size_t map_len;
	uint64_t tail;
	uint32_t ring_pages;
	const volatile struct causal_stats *stats;	/* the read-only stats page */
	uint64_t features;		/* CAUSAL_FEATURE_* of the module, read at open */
};

/*
 * Opens the device. On failure returns -errno and writes what to do about it to @err, e.g. how to
 * load the module or which capability is missing.
 */
int session_open(struct causal_session *s, const char *device, char *err, size_t errlen);
/*
 * Attaches with a ring of s->ring_pages data pages (set it before; 0: the default size). With
 * CAUSAL_ATTACH_TRACE_SWITCHES, a module without that feature gives -EOPNOTSUPP and says so.
 */
int session_attach(struct causal_session *s, pid_t pid, uint32_t flags, uint64_t period_ns,
		   uint32_t event, uint32_t *event_used, char *err, size_t errlen);
/* -errno; *id the point's counter index */
int session_progress_add(struct causal_session *s, int file_fd, uint64_t offset, bool ret,
			 uint32_t *id);
/* fills counts[0..nr) (zero past the points the module has); -errno */
int session_progress_read(struct causal_session *s, uint64_t *counts, uint32_t nr);
/*
 * Starts an experiment on the line's ranges. With scope ranges (nscope > 0) and a module that
 * knows CAUSAL_EXPERIMENT_SCOPE, a sample also counts for the line when its first in-scope frame
 * is in it (time in the libraries it calls); *scoped says whether it did. -E2BIG past
 * CAUSAL_MAX_RANGES in all, -errno.
 */
int session_exp_start(struct causal_session *s, uint64_t delay_ns,
		      const struct causal_range *line, size_t nline,
		      const struct causal_range *scope, size_t nscope, bool *scoped, uint64_t *id);
/*
 * Gives the module the call frame rows rows[0..n) (unwind.h) for the sampler's callchains; n 0
 * removes them. -EOPNOTSUPP, without asking, when the module lacks CAUSAL_FEATURE_UNWIND (its
 * callchains follow frame pointers only); -E2BIG past CAUSAL_MAX_UNWIND_ROWS; else 0 or -errno.
 */
int session_unwind_set(struct causal_session *s, const struct causal_unwind_row *rows, size_t n);
int session_exp_stop(struct causal_session *s, struct causal_experiment_result *r);
/* Calls fn for the complete records of the ring, at most max of them; returns how many. */
size_t session_drain(struct causal_session *s, size_t max,
		     void (*fn)(const struct causal_sample *rec, void *arg), void *arg);
/* Waits up to timeout_ms for records (or the target's end: returns 2), 1 readable, 0 timeout */
int session_wait(struct causal_session *s, int timeout_ms);
void session_close(struct causal_session *s);

#endif /* CAUSALCTL_SESSION_H */
