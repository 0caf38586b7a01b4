/* SPDX-License-Identifier: GPL-2.0 */
/* Starting and stopping a session's experiments. */
#ifndef _CAUSAL_EXPERIMENT_H
#define _CAUSAL_EXPERIMENT_H

#include <linux/causal.h>

struct causal_session;

/* the argument checks of EXPERIMENT_START, before any state is touched */
int causal_exp_check(const struct causal_experiment *e);
/* the deadline_ns of an experiment started at start_ns, bounded by max_duration_ns */
u64 causal_exp_deadline(u64 start_ns, u64 max_duration_ns);
/*
 * Starts the experiment @a describes (checked) on its ranges @in (a->nr_ranges of them: the line's,
 * then the scope's), and sets a->id.
 */
int causal_exp_start(struct causal_session *s, struct causal_experiment *a,
		     const struct causal_range *in);
/* Stops the running experiment and fills *r (zeroed first) with what it did. */
int causal_exp_stop(struct causal_session *s, struct causal_experiment_result *r);
/* Ends the running experiment, if any, and fills r (may be NULL). s->lock held. */
void causal_exp_end(struct causal_session *s, struct causal_experiment_result *r);

#endif /* _CAUSAL_EXPERIMENT_H */
