/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading libcausal's progress points from outside the profiled processes: every
 * "/memfd:causal-progress" region found in their /proc/PID/maps, mapped read-only through
 * /proc/PID/map_files (needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE) or else read with
 * process_vm_readv (needs ptrace access), deduplicated by the memfd's inode so that a parent and
 * the children it forked (which share one region) count once.
 */
#ifndef CAUSALCTL_PROGRESS_SHM_H
#define CAUSALCTL_PROGRESS_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum shm_kind {
	SHM_THROUGHPUT = 1,	/* count: visits */
	SHM_LATENCY = 2,	/* count: begins, end: ends */
};

struct shm_point {
	char name[256];
	int kind;		/* enum shm_kind */
	uint64_t count;		/* throughput visits, or latency begins */
	uint64_t end;		/* latency ends; 0 for throughput */
};

struct shm_set;

struct shm_set *shm_set_new(void);
void shm_set_free(struct shm_set *s);

/*
 * Looks for regions in PID's current mappings and adds the ones not seen before. Returns how
 * many were new (0 if none), or -errno: -ESRCH when the process is gone, -EACCES when its maps
 * cannot be read. A region whose process has exited keeps its last counts (a mapped region keeps
 * the memfd alive; a read one keeps its last copy), and is read again through any process
 * scanned later that still maps it.
 */
int shm_set_scan_pid(struct shm_set *s, pid_t pid);

/*
 * The current counts of every published point, summed by (name, kind) over all regions, sorted
 * by kind then name. *pts is malloc'ed (NULL when *n is 0); the caller frees it. Returns 0, or
 * -ENOMEM. Regions that are malformed or not initialised yet contribute nothing.
 */
int shm_set_snapshot(struct shm_set *s, struct shm_point **pts, size_t *n);

/*
 * Adds the region open as fd (a memfd of CAUSAL_REGION_SIZE bytes that `run` hands down to the
 * program), mapped read-only: its counts are readable from the start and after the program exits.
 * 0 or -errno.
 */
int shm_set_add_fd(struct shm_set *s, int fd);

/* as of the last scan or snapshot: registrations refused because a region was full */
uint64_t shm_set_overflows(const struct shm_set *s);
/* as of the last scan or snapshot: names too long, stored shortened ("..." and their tail) */
uint64_t shm_set_truncated(const struct shm_set *s);
/* regions known, and how many of them are read with process_vm_readv rather than mapped */
size_t shm_set_regions(const struct shm_set *s, size_t *read_not_mapped);

/* read every new region with process_vm_readv, never map it (tests, and for diagnosis) */
void shm_set_force_readv(struct shm_set *s, bool on);

#endif /* CAUSALCTL_PROGRESS_SHM_H */
