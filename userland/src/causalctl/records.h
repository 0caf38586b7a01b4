/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the records of the module's ring amount to: each sample attributed to the first in-scope
 * source line of its callchain (counted per line and for the policy's draw) and its callchain
 * kept for report --pprof; context switches handed to the timeline; samples taken while a delay
 * was paid counted apart.
 */
#ifndef CAUSALCTL_RECORDS_H
#define CAUSALCTL_RECORDS_H

#include <stddef.h>
#include <stdint.h>

struct callchains;
struct causal_session;
struct points;
struct policy;
struct symbols;
struct timeline;

struct records {
	/* where records go; the profiler owns these */
	struct symbols *sym;		/* NULL until the target's symbols load: nothing attributed */
	struct callchains *cc;
	struct policy *policy;
	struct timeline *timeline;	/* --timeline, else NULL */
	struct points *points;		/* told each sampled process, to find libcausal in it */

	uint64_t *line_samples;		/* by line id */
	size_t line_cap;
	uint64_t samples;		/* of the program */
	uint64_t in_scope;		/* of those, attributed to a line */
	uint64_t paying;		/* samples of the profiler's time: a payment's spun end */
};

/*
 * Takes a batch of records, so that the caller sees its deadlines even when samples arrive
 * faster than they are symbolised (the first sample in an object builds its line table).
 */
void records_drain(struct records *rs, struct causal_session *sess);
/* What is in the ring now; bounded, as a live target keeps adding to it. */
void records_drain_all(struct records *rs, struct causal_session *sess);
/* Frees the counts, not what the records go to. */
void records_free(struct records *rs);

#endif /* CAUSALCTL_RECORDS_H */
