/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A run's full callchains: every sample's stack (its ip, then the module's frame-pointer return
 * addresses) counted once per distinct stack, and each distinct frame symbolised whole: object and
 * build ID, the function and line, and the functions inlined there, innermost first. Written as
 * the object/function/frame/stack records of profile.h, which `causalctl report --pprof` turns
 * into a pprof profile.
 */
#ifndef CAUSAL_CALLCHAIN_H
#define CAUSAL_CALLCHAIN_H

#include <stdint.h>

#include "profile.h"
#include "symbols.h"

struct callchains;

struct callchains *callchains_new(void);

/*
 * Counts one sample: ip, then n callchain entries (0 and perf's markers are skipped), charged to
 * line (0: none in scope). Past the memory there is, the sample is counted as lost. 0 or -ENOMEM.
 */
int callchains_add(struct callchains *c, uint64_t ip, const uint64_t *callchain, unsigned int n,
		   line_id line);

/*
 * Symbolises the frames seen since the last call and writes their object, function and frame
 * records (s may be NULL: the frames then have no object and no lines). A frame in an object s
 * no longer has (a library unloaded before a symbols_refresh) keeps its runtime address only.
 */
void callchains_write_frames(struct callchains *c, struct symbols *s, struct profile_writer *w);

/* The frames left, then one stack record per distinct stack with its count. */
void callchains_write_stacks(struct callchains *c, struct symbols *s, struct profile_writer *w);

/* Samples counted, and samples that found no memory for a new stack. */
uint64_t callchains_samples(const struct callchains *c);
uint64_t callchains_lost(const struct callchains *c);

/* Distinct stacks and frames so far. */
size_t callchains_stacks(const struct callchains *c);
size_t callchains_frames(const struct callchains *c);

/* NULL is fine. */
void callchains_free(struct callchains *c);

#endif /* CAUSAL_CALLCHAIN_H */
