/* SPDX-License-Identifier: GPL-2.0 */
/* The sampler: per-CPU perf counters whose overflow records and credits session tasks. */
#ifndef _CAUSAL_SAMPLER_H
#define _CAUSAL_SAMPLER_H

struct causal_session;

int causal_sampler_start(struct causal_session *s);
void causal_sampler_stop(struct causal_session *s);

#endif /* _CAUSAL_SAMPLER_H */
