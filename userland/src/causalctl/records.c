// SPDX-License-Identifier: GPL-2.0-or-later
/* The module's ring records, taken in batches and handed to what makes sense of them. */
#include <stdlib.h>
#include <string.h>

#include "callchain.h"
#include "points.h"
#include "policy.h"
#include "records.h"
#include "session.h"
#include "symbols.h"
#include "timeline.h"

static void count_line(struct records *rs, line_id line)
{
	if (line >= rs->line_cap) {
		size_t cap = line * 2 + 64;
		uint64_t *g = realloc(rs->line_samples, cap * sizeof(*g));

		if (!g)
			return;
		memset(g + rs->line_cap, 0, (cap - rs->line_cap) * sizeof(*g));
		rs->line_samples = g;
		rs->line_cap = cap;
	}
	rs->line_samples[line]++;
}

static void on_record(const struct causal_sample *r, void *arg)
{
	struct records *rs = arg;
	line_id line;
	unsigned int n;

	if (rs->timeline)
		timeline_record(rs->timeline, r);
	/* switches and payments are the timeline's (the stats page counts payments) */
	if (r->flags & (CAUSAL_SAMPLE_SWITCH_IN | CAUSAL_SAMPLE_SWITCH_OUT | CAUSAL_SAMPLE_DELAY))
		return;
	/* the profiler's time (a payment's spun end), not the program's */
	if (r->flags & CAUSAL_SAMPLE_PAYING) {
		rs->paying++;
		return;
	}
	rs->samples++;
	points_note_pid(rs->points, (pid_t)r->pid);
	n = r->nr_callchain <= CAUSAL_MAX_CALLCHAIN ? r->nr_callchain : 0;
	line = rs->sym ? symbols_attribute(rs->sym, r->ip, (const uint64_t *)r->callchain, n) : 0;
	/* every sample's stack, in scope or not: the frames are symbolised at the end */
	callchains_add(rs->cc, r->ip, (const uint64_t *)r->callchain, n, line);
	if (!line)
		return;
	rs->in_scope++;
	count_line(rs, line);
	policy_note_sample(rs->policy, line);
}

void records_drain(struct records *rs, struct causal_session *sess)
{
	session_drain(sess, 512, on_record, rs);
}

void records_drain_all(struct records *rs, struct causal_session *sess)
{
	for (int i = 0; i < 64 && session_drain(sess, 4096, on_record, rs); i++)
		;
}

void records_free(struct records *rs)
{
	free(rs->line_samples);
	rs->line_samples = NULL;
	rs->line_cap = 0;
}
