/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run --timeline: each thread's exact spans from the module's context switch records
 * (CAUSAL_SAMPLE_SWITCH_*): on a CPU (by CPU); runnable, from a preemption to the next switch-in;
 * delayed, from the switch into a payment's sleep to the next switch-in (the wait for a CPU after
 * the sleep included: the delay caused it). Written as thread-spans records to FILE.timeline.
 */
#ifndef CAUSALCTL_TIMELINE_H
#define CAUSALCTL_TIMELINE_H

#include <stdint.h>
#include <linux/causal.h>

#include "profile.h"

struct timeline;

/* @start_ns (CLOCK_MONOTONIC): the attach, where the span of a thread running then begins. */
struct timeline *timeline_new(uint64_t start_ns);
void timeline_free(struct timeline *tl);
uint64_t timeline_start(const struct timeline *tl);
/* Takes a ring record; samples and payment records are ignored. Out of memory loses it (counted). */
void timeline_record(struct timeline *tl, const struct causal_sample *r);
/*
 * Writes the spans that ended so far and forgets them; a thread on a CPU or waiting for one stays
 * so. With @end_ns (not 0), the run is over and what is still open ends there.
 */
void timeline_write(struct timeline *tl, struct profile_writer *w, uint64_t end_ns);
/* Records or spans lost for want of memory. */
uint64_t timeline_lost(const struct timeline *tl);

#endif /* CAUSALCTL_TIMELINE_H */
