/* SPDX-License-Identifier: GPL-2.0-or-later */
/* run --timeline: per-thread spans from context switch records (timeline.h). */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "timeline.h"

/* [start, duration] pairs of one kind (and for on-CPU spans, of one CPU) */
struct span_list {
	uint64_t (*v)[2];
	size_t n, cap;
};

/* One thread: its spans so far, and where it is between two records. */
struct thread {
	int pid, tid;
	struct span_list *oncpu;	/* by CPU */
	size_t ncpus;
	struct span_list runnable, delay;
	enum { THREAD_UNSEEN, THREAD_ON, THREAD_RUNNABLE, THREAD_DELAYED, THREAD_OFF } state;
	uint64_t since;			/* ON: switched in; RUNNABLE, DELAYED: switched out */
	int cpu;			/* ON: where */
};

struct timeline {
	uint64_t start;
	uint64_t lost;
	struct thread *threads;
	size_t nthreads, cap;
};

struct timeline *timeline_new(uint64_t start_ns)
{
	struct timeline *tl = calloc(1, sizeof(*tl));

	if (tl)
		tl->start = start_ns;
	return tl;
}

void timeline_free(struct timeline *tl)
{
	if (!tl)
		return;
	for (size_t i = 0; i < tl->nthreads; i++) {
		struct thread *t = &tl->threads[i];

		for (size_t c = 0; c < t->ncpus; c++)
			free(t->oncpu[c].v);
		free(t->oncpu);
		free(t->runnable.v);
		free(t->delay.v);
	}
	free(tl->threads);
	free(tl);
}

uint64_t timeline_start(const struct timeline *tl)
{
	return tl->start;
}

uint64_t timeline_lost(const struct timeline *tl)
{
	return tl->lost;
}

/* Thread ids are unique among live threads of the session's pid namespace. */
static struct thread *thread_of(struct timeline *tl, int pid, int tid)
{
	struct thread *t;

	for (size_t i = 0; i < tl->nthreads; i++)
		if (tl->threads[i].tid == tid && tl->threads[i].pid == pid)
			return &tl->threads[i];
	t = array_grow(tl->threads, tl->nthreads, &tl->cap, sizeof(*t), 16);
	if (!t)
		return NULL;
	tl->threads = t;
	t[tl->nthreads] = (struct thread){ .pid = pid, .tid = tid };
	return &t[tl->nthreads++];
}

/* Adds [start, start + len); one that touches the last span extends it. -1 out of memory. */
static int span_add(struct span_list *l, uint64_t start, uint64_t len)
{
	uint64_t (*g)[2];

	if (!len)
		return 0;
	if (l->n && start <= l->v[l->n - 1][0] + l->v[l->n - 1][1]) {
		uint64_t end = start + len;

		if (end > l->v[l->n - 1][0] + l->v[l->n - 1][1])
			l->v[l->n - 1][1] = end - l->v[l->n - 1][0];
		return 0;
	}
	g = array_grow(l->v, l->n, &l->cap, sizeof(*g), 64);
	if (!g)
		return -1;
	l->v = g;
	l->v[l->n][0] = start;
	l->v[l->n][1] = len;
	l->n++;
	return 0;
}

static int oncpu_add(struct thread *t, int cpu, uint64_t start, uint64_t end)
{
	if (end <= start)
		return 0;
	if ((size_t)cpu >= t->ncpus) {
		size_t n = (size_t)cpu + 1;
		struct span_list *g = realloc(t->oncpu, n * sizeof(*g));

		if (!g)
			return -1;
		memset(g + t->ncpus, 0, (n - t->ncpus) * sizeof(*g));
		t->oncpu = g;
		t->ncpus = n;
	}
	return span_add(&t->oncpu[cpu], start, end - start);
}

/*
 * A context switch of t. A thread first seen leaving its CPU was on it since the attach. A record
 * that does not fit the state (the ring dropped one before it; the timeline's end record counts
 * drops) starts over from what it says instead of inventing a span.
 */
static int on_switch(struct timeline *tl, struct thread *t, const struct causal_sample *r)
{
	int ret = 0;

	if (r->flags & CAUSAL_SAMPLE_SWITCH_IN) {
		if (t->state == THREAD_RUNNABLE && r->time_ns > t->since)
			ret = span_add(&t->runnable, t->since, r->time_ns - t->since);
		else if (t->state == THREAD_DELAYED && r->time_ns > t->since)
			ret = span_add(&t->delay, t->since, r->time_ns - t->since);
		t->state = THREAD_ON;
		t->since = r->time_ns;
		t->cpu = r->cpu;
		return ret;
	}
	if (t->state == THREAD_ON && t->cpu == r->cpu)
		ret = oncpu_add(t, r->cpu, t->since, r->time_ns);
	else if (t->state == THREAD_UNSEEN)
		ret = oncpu_add(t, r->cpu, tl->start, r->time_ns);
	if (r->flags & CAUSAL_SAMPLE_PREEMPTED)
		t->state = THREAD_RUNNABLE;
	else if (r->flags & CAUSAL_SAMPLE_DELAYED)
		t->state = THREAD_DELAYED;
	else
		t->state = THREAD_OFF;
	t->since = r->time_ns;
	return ret;
}

void timeline_record(struct timeline *tl, const struct causal_sample *r)
{
	struct thread *t;

	if (!(r->flags & (CAUSAL_SAMPLE_SWITCH_IN | CAUSAL_SAMPLE_SWITCH_OUT)))
		return;
	t = thread_of(tl, (int)r->pid, (int)r->tid);
	if (!t || on_switch(tl, t, r))
		tl->lost++;
}

static void write_list(struct profile_writer *w, const struct thread *t, const char *kind, int cpu,
		       struct span_list *l)
{
	if (l->n)
		profile_write_thread_spans(w, t->pid, t->tid, kind, cpu,
					   (const uint64_t (*)[2])l->v, l->n);
	l->n = 0;
}

void timeline_write(struct timeline *tl, struct profile_writer *w, uint64_t end_ns)
{
	for (size_t i = 0; i < tl->nthreads; i++) {
		struct thread *t = &tl->threads[i];

		if (end_ns && t->state == THREAD_ON && oncpu_add(t, t->cpu, t->since, end_ns))
			tl->lost++;
		if (end_ns && t->state == THREAD_RUNNABLE && end_ns > t->since &&
		    span_add(&t->runnable, t->since, end_ns - t->since))
			tl->lost++;
		if (end_ns && t->state == THREAD_DELAYED && end_ns > t->since &&
		    span_add(&t->delay, t->since, end_ns - t->since))
			tl->lost++;
		if (end_ns && t->state != THREAD_UNSEEN && t->state != THREAD_OFF) {
			t->state = THREAD_OFF;
			t->since = end_ns;
		}
		for (size_t c = 0; c < t->ncpus; c++)
			write_list(w, t, "oncpu", (int)c, &t->oncpu[c]);
		write_list(w, t, "runnable", -1, &t->runnable);
		write_list(w, t, "delay", -1, &t->delay);
	}
}
