// SPDX-License-Identifier: GPL-2.0
/*
 * The records a session writes in its ring, beside the ring: the sampler's samples, the delay
 * engine's payments and the hooks' context switches, each with the pid and tid of the
 * controller's pid namespace.
 */

#include <linux/irq_work.h>
#include <linux/pid_namespace.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>

#include "record.h"
#include "session.h"

/* A ring record for task t with pid and tid filled in, or NULL (counted) when the ring is full. */
static struct causal_sample *causal_record_begin(struct causal_session *s, struct task_struct *t,
						 u64 *idx)
{
	struct causal_sample *rec = causal_ring_reserve(&s->ring, idx);

	if (!rec) {
		causal_stat_inc(&s->stats->samples_dropped);
		return NULL;
	}
	rec->pid = task_tgid_nr_ns(t, s->pid_ns);
	rec->tid = task_pid_nr_ns(t, s->pid_ns);
	rec->cpu = raw_smp_processor_id();
	return rec;
}

void causal_record_sample(struct causal_session *s, struct task_struct *t, u64 ip, u32 flags,
			  const u64 *chain, u16 nr_chain)
{
	struct causal_sample *rec;
	u64 idx;

	rec = causal_record_begin(s, t, &idx);
	if (!rec)
		return;
	rec->time_ns = ktime_get_mono_fast_ns();
	rec->ip = ip;
	rec->flags = flags;
	rec->nr_callchain = nr_chain;
	memcpy(rec->callchain, chain, nr_chain * sizeof(*chain));
	causal_ring_commit(&s->ring, rec, idx);
	/*
	 * An interrupt per sample costs, and so does the reader's wake-up on a CPU the target could
	 * use: raise one only when somebody polls and the batch the reader asked for is there.
	 */
	if (wq_has_sleeper(&s->poll_wait) && causal_ring_unread(&s->ring) >= READ_ONCE(s->wakeup))
		irq_work_queue(&s->poll_work);
}

/*
 * A record with no callchain, only one word in its place: a payment's (the debt it paid) or a
 * switch's (0). No wake-up for the reader: it comes at its own deadlines (and the scheduler's
 * hooks may not wake anyone).
 */
static void causal_record_bare(struct causal_session *s, struct task_struct *t, u64 time_ns,
			       u64 ip, u32 flags, u64 word)
{
	struct causal_sample *rec;
	u64 idx;

	rec = causal_record_begin(s, t, &idx);
	if (!rec)
		return;
	rec->time_ns = time_ns;
	rec->ip = ip;
	rec->flags = flags;
	rec->nr_callchain = 0;
	memset(rec->callchain, 0, sizeof(rec->callchain));
	rec->callchain[0] = word;
	causal_ring_commit(&s->ring, rec, idx);
}

void causal_record_delay(struct causal_session *s, u64 start_ns, u64 slept, u64 owed)
{
	causal_record_bare(s, current, start_ns, slept, CAUSAL_SAMPLE_DELAY, owed);
}

void causal_record_switch(struct causal_session *s, struct task_struct *t, u32 flags, u64 now)
{
	causal_record_bare(s, t, now, 0, flags, 0);
}
