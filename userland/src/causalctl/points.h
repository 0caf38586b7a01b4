/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The progress points of one session and their counts: --progress/--latency specs and the
 * causal.h/coz.h sites of a target without libcausal, counted by the module's uprobes; and
 * libcausal's counters, read from its regions in the target's processes.
 */
#ifndef CAUSALCTL_POINTS_H
#define CAUSALCTL_POINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/causal.h>

#include "profile.h"

struct causal_session;
struct shm_set;

#define POINTS_NAME_LEN		256
#define POINTS_MAX_PROBES	CAUSAL_MAX_PROGRESS
#define POINTS_MAX_SCAN_PIDS	64

/* One progress point as the profile names it; its counts come from probes or libcausal. */
struct point {
	char name[POINTS_NAME_LEN];
	enum profile_point_kind kind;
	bool from_shm;
	uint32_t *begin_ids, nbegin;	/* module probes counted as visits (or arrivals) */
	uint32_t *end_ids, nend;	/* module probes counted as departures */
	uint64_t begin, end;		/* now */
	uint64_t begin0, end0;		/* at the experiment's start */
	uint64_t total;			/* visits (arrivals) over all experiments */
};

struct points {
	FILE *err;			/* where failures (and with verbose, each probe) are told */
	int verbose;
	struct causal_session *sess;	/* where the probes are placed and read */

	struct point *list;
	size_t n;

	struct {
		dev_t dev;
		ino_t ino;
		uint64_t offset;
		bool ret;
	} probes[POINTS_MAX_PROBES];	/* by id: one probe can serve several points */
	uint32_t nprobes;
	uint64_t probe_counts[POINTS_MAX_PROBES];

	struct shm_set *shm;		/* libcausal's regions */
	pid_t scan_pids[POINTS_MAX_SCAN_PIDS];	/* processes whose mappings may hold one */
	size_t nscan;
};

/* No point yet; the probes go into sess. 0, or -1 (out of memory). */
int points_init(struct points *pts, struct causal_session *sess, FILE *err, int verbose);
/* Frees what points_init and the rest allocated; safe on a zeroed struct. */
void points_free(struct points *pts);

/*
 * A --progress (latency false) or --latency spec: probes at every location of spec, in main_exe
 * or in the binary it names as BINARY:SPEC. 0, or -1 after printing why.
 */
int points_add_spec(struct points *pts, const char *main_exe, const char *spec, bool latency);
/*
 * When process pid runs without libcausal: the causal.h/coz.h sites of main_exe, counted with
 * probes under the names libcausal would give them. 0 (also when there is none, or main_exe
 * cannot be read: said), or -1 after printing why.
 */
int points_add_sites(struct points *pts, pid_t pid, const char *main_exe);
/* libcausal's counters in the region open as fd, from now on. 0 or -errno. */
int points_add_region(struct points *pts, int fd);
/* Process pid belongs to the target: its mappings are searched for libcausal's region. */
void points_note_pid(struct points *pts, pid_t pid);

/*
 * Reads every counter into list[].begin/end; with scan, finds the libcausal regions of the
 * noted processes first. A region's point seen for the first time is added.
 */
void points_read(struct points *pts, bool scan);
/* Tells on err what libcausal's regions could not keep (points refused, names shortened). */
void points_say_region_losses(const struct points *pts);
/* An experiment starts: the counts read last are where its deltas begin. */
void points_mark_start(struct points *pts);

#endif /* CAUSALCTL_POINTS_H */
