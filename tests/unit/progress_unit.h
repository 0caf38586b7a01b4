/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers the progress-point unit tests share: snapshots of libcausal regions through the reader. */
#ifndef CAUSAL_PROGRESS_UNIT_H
#define CAUSAL_PROGRESS_UNIT_H

#include <unistd.h>

#include "unit.h"
#include "progress_shm.h"

/* what the reader (causalctl's progress_shm.c) sees of one or more processes */
struct snap {
	struct shm_point *v;
	size_t n;
	size_t regions;
	uint64_t overflows;
	uint64_t truncated;
};

static inline void snap_pids(struct snap *sn, const pid_t *pids, size_t npids, bool readv)
{
	struct shm_set *s = shm_set_new();

	assert_non_null(s);
	shm_set_force_readv(s, readv);
	for (size_t i = 0; i < npids; i++)
		assert_true(shm_set_scan_pid(s, pids[i]) >= 0);
	assert_int_equal(shm_set_snapshot(s, &sn->v, &sn->n), 0);
	sn->regions = shm_set_regions(s, NULL);
	sn->overflows = shm_set_overflows(s);
	sn->truncated = shm_set_truncated(s);
	shm_set_free(s);
}

static inline void snap_self(struct snap *sn, bool readv)
{
	pid_t self = getpid();

	snap_pids(sn, &self, 1, readv);
}

static inline void snap_free(struct snap *sn)
{
	free(sn->v);
	sn->v = NULL;
	sn->n = 0;
}

static inline const struct shm_point *snap_find(const struct snap *sn, const char *name, int kind)
{
	for (size_t i = 0; i < sn->n; i++)
		if (sn->v[i].kind == kind && !strcmp(sn->v[i].name, name))
			return &sn->v[i];
	return NULL;
}

/* the count of a throughput point, or of a latency point's begins; fails if it is not there */
#define assert_point(sn, name, kind, begins, ends) do {						\
	const struct shm_point *p_ = snap_find((sn), (name), (kind));				\
	if (!p_)										\
		fail_msg("no %s point \"%s\" in the snapshot (%zu points)",			\
			 (kind) == SHM_LATENCY ? "latency" : "throughput", (name), (sn)->n);	\
	assert_int_equal(p_->count, (begins));							\
	assert_int_equal(p_->end, (ends));							\
} while (0)

/*
 * Visits sites of one family of progress-point macros (F: CAUSAL for causal.h's, COZ for coz.h's),
 * each site its own: F_PROGRESS_NAMED(tp) 7 times at one and once at another, F_BEGIN(lat) 4 times,
 * F_END(lat) 3 times and F_PROGRESS 11 times, whose name ("FILE:LINE" of the caller) goes in the
 * char array line_name.
 */
#define VISIT_PROGRESS_SITES(F, tp, lat, line_name) do {					\
	for (int i_ = 0; i_ < 7; i_++)								\
		F##_PROGRESS_NAMED(tp);								\
	F##_PROGRESS_NAMED(tp);									\
	for (int i_ = 0; i_ < 4; i_++)								\
		F##_BEGIN(lat);									\
	for (int i_ = 0; i_ < 3; i_++)								\
		F##_END(lat);									\
	for (int i_ = 0; i_ < 11; i_++) {							\
		F##_PROGRESS;									\
		snprintf((line_name), sizeof(line_name), "%s:%d", __FILE__, __LINE__);		\
	}											\
} while (0)

/* What VISIT_PROGRESS_SITES(F, tp, lat, line_name) counted, as the reader sees it both ways. */
static inline void assert_progress_sites(const char *tp, const char *lat, const char *line_name)
{
	struct snap sn;

	for (int readv = 0; readv < 2; readv++) {
		snap_self(&sn, readv);
		assert_point(&sn, tp, SHM_THROUGHPUT, 8, 0);
		assert_point(&sn, lat, SHM_LATENCY, 4, 3);
		assert_point(&sn, line_name, SHM_THROUGHPUT, 11, 0);
		assert_null(snap_find(&sn, lat, SHM_THROUGHPUT));
		snap_free(&sn);
	}
}

#endif /* CAUSAL_PROGRESS_UNIT_H */
