/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for run --timeline's spans from context switch records (timeline.c). */
#include "profile_unit.h"
#include "timeline.h"

#define IN	CAUSAL_SAMPLE_SWITCH_IN
#define OUT	CAUSAL_SAMPLE_SWITCH_OUT
#define PREEMPTED	(OUT | CAUSAL_SAMPLE_PREEMPTED)
#define BLOCKED		(OUT | CAUSAL_SAMPLE_BLOCKED)
#define DELAYED		(OUT | CAUSAL_SAMPLE_DELAYED)
#define EXITED		(OUT | CAUSAL_SAMPLE_EXITED)

/*
 * What the tests feed a timeline and what it should make of it, in phases: each phase's records
 * are fed, then the timeline is written (up to the phase's end, 0: open spans stay open) and read
 * back, and the phase's spans are checked.
 */
enum phase {
	/* on, preempted, on another CPU, blocked, delayed, on again until the end: every span exact */
	EXACT = 1,
	/* written once: the next write has what came after, and the end closes what is open */
	EXACT_LATER,
	/* a dropped record makes no span up: what cannot be known is left out */
	DROPPED,
	/* back-to-back spans on one CPU are one span; on two CPUs they stay two */
	ADJACENT,
};

/* One record of tid (pid 100): a switch, a sample (flags 0, at ip) or a payment (ip: slept ns). */
static const struct rec {
	enum phase phase;
	uint32_t tid, flags;
	uint64_t t;
	uint16_t cpu;
	uint64_t ip;
} recs[] = {
	/* tid 1 was running at the attach (100): first seen leaving CPU 0 */
	{ EXACT, 1, PREEMPTED, 150, 0, 0 },
	{ EXACT, 1, IN, 170, 1, 0 },
	{ EXACT, 1, 0, 180, 1, 0x401000 },	/* a sample: not a span */
	{ EXACT, 1, BLOCKED, 200, 1, 0 },
	{ EXACT, 1, IN, 260, 0, 0 },
	{ EXACT, 1, DELAYED, 270, 0, 0 },
	{ EXACT, 1, CAUSAL_SAMPLE_DELAY, 270, 0, 40 },	/* the payment: slept 40 ns */
	{ EXACT, 1, IN, 310, 0, 0 },
	/* tid 2 was blocked at the attach: first seen arriving */
	{ EXACT, 2, IN, 120, 1, 0 },
	{ EXACT, 2, EXITED, 160, 1, 0 },
	{ EXACT_LATER, 1, PREEMPTED, 330, 0, 0 },

	{ DROPPED, 3, IN, 10, 0, 0 },
	/* its switch-out from CPU 0 was dropped */
	{ DROPPED, 3, IN, 20, 1, 0 },
	{ DROPPED, 3, BLOCKED, 30, 1, 0 },
	/* its switch-in was dropped: a switch-out of a thread that is off */
	{ DROPPED, 3, BLOCKED, 50, 0, 0 },
	/* switched in on CPU 1, the switch-out comes from CPU 0 (its pair was dropped) */
	{ DROPPED, 3, IN, 60, 1, 0 },
	{ DROPPED, 3, PREEMPTED, 70, 0, 0 },

	{ ADJACENT, 4, IN, 10, 0, 0 },
	{ ADJACENT, 4, PREEMPTED, 20, 0, 0 },
	{ ADJACENT, 4, IN, 20, 0, 0 },
	{ ADJACENT, 4, PREEMPTED, 30, 0, 0 },
	{ ADJACENT, 4, IN, 30, 1, 0 },
	{ ADJACENT, 4, BLOCKED, 35, 1, 0 },
};

/* The spans one kind (and CPU, for oncpu; -1 any) of tid should have, as "start+len ..." */
static const struct want {
	enum phase phase;
	int tid;
	enum profile_span_kind kind;
	int cpu;
	const char *spans;
} wants[] = {
	{ EXACT, 1, PROFILE_SPAN_ONCPU, 0, "100+50 260+10" },
	{ EXACT, 1, PROFILE_SPAN_ONCPU, 1, "170+30" },
	{ EXACT, 1, PROFILE_SPAN_RUNNABLE, -1, "150+20" },
	{ EXACT, 1, PROFILE_SPAN_DELAY, -1, "270+40" },
	{ EXACT, 2, PROFILE_SPAN_ONCPU, 1, "120+40" },
	{ EXACT_LATER, 1, PROFILE_SPAN_ONCPU, 0, "310+20" },
	{ EXACT_LATER, 1, PROFILE_SPAN_ONCPU, 1, "" },
	{ EXACT_LATER, 1, PROFILE_SPAN_RUNNABLE, -1, "330+70" },
	{ EXACT_LATER, 2, PROFILE_SPAN_ONCPU, -1, "" },

	{ DROPPED, 3, PROFILE_SPAN_ONCPU, -1, "20+10" },

	{ ADJACENT, 4, PROFILE_SPAN_ONCPU, 0, "10+20" },
	{ ADJACENT, 4, PROFILE_SPAN_ONCPU, 1, "30+5" },
	{ ADJACENT, 4, PROFILE_SPAN_RUNNABLE, -1, "" },
};

/* A test: a timeline attached at start, then up to two phases, each written up to its end. */
static const struct spans_test {
	uint64_t start;
	struct {
		enum phase phase;
		uint64_t end;
	} phases[2];
} exact = { 100, { { EXACT, 0 }, { EXACT_LATER, 400 } } },
	dropped = { 0, { { DROPPED, 0 } } },
	adjacent = { 0, { { ADJACENT, 0 } } };

/* Feeds tl the records of phase. */
static void feed(struct timeline *tl, enum phase phase)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(recs); i++) {
		struct causal_sample r = { .time_ns = recs[i].t, .pid = 100, .tid = recs[i].tid,
					   .flags = recs[i].flags, .cpu = recs[i].cpu, .ip = recs[i].ip };

		if (recs[i].phase != phase)
			continue;
		timeline_record(tl, &r);
		n++;
	}
	assert_true(n > 0);
}

/* Writes tl's spans and reads them back as report does. */
static void write_read(struct timeline *tl, uint64_t end, struct profile *p)
{
	struct capture c;
	struct profile_writer *w;

	capture_open(&c);
	w = profile_writer_stream(c.f, PROFILE_JSONL);
	assert_non_null(w);
	timeline_write(tl, w, end);
	assert_int_equal(profile_writer_close(w), 0);
	profile_read_text_len(p, capture_text(&c), c.len ? c.len : 1);
	capture_close(&c);
	assert_int_equal(p->bad_lines, 0);
}

/* The spans of one kind (and CPU, for oncpu; -1 any) of tid, as "start+len ..." */
static void spans_of(const struct profile *p, int tid, enum profile_span_kind kind, int cpu, char *out,
		     size_t len)
{
	size_t i, j, o = 0;

	out[0] = '\0';
	for (i = 0; i < p->nspans; i++) {
		const struct profile_spans *s = &p->spans[i];

		if (s->tid != tid || s->kind != kind || (cpu >= 0 && s->cpu != cpu))
			continue;
		for (j = 0; j < s->n; j++)
			o += (size_t)snprintf(out + o, len - o, "%s%llu+%llu", o ? " " : "",
					      (unsigned long long)s->spans[j][0],
					      (unsigned long long)s->spans[j][1]);
	}
}

static void check(const struct profile *p, int tid, enum profile_span_kind kind, int cpu, const char *want)
{
	char got[512];

	spans_of(p, tid, kind, cpu, got, sizeof(got));
	if (strcmp(got, want))
		fail_msg("tid %d kind %d cpu %d: expected \"%s\", got \"%s\"", tid, kind, cpu, want, got);
}

/* Checks p's spans against the wants of phase. */
static void check_all(const struct profile *p, enum phase phase)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(wants); i++) {
		if (wants[i].phase != phase)
			continue;
		check(p, wants[i].tid, wants[i].kind, wants[i].cpu, wants[i].spans);
		n++;
	}
	assert_true(n > 0);
}

/* Runs the spans_test *state. */
static void spans_from(void **state)
{
	const struct spans_test *t = *state;
	struct timeline *tl = timeline_new(t->start);

	assert_non_null(tl);
	for (size_t i = 0; i < ARRAY_SIZE(t->phases) && t->phases[i].phase; i++) {
		struct profile p;

		feed(tl, t->phases[i].phase);
		write_read(tl, t->phases[i].end, &p);
		check_all(&p, t->phases[i].phase);
		profile_free(&p);
	}
	assert_int_equal(timeline_lost(tl), 0);
	timeline_free(tl);
}

static const struct CMUnitTest tests[] = {
	unit_test_with(exact_spans, spans_from, &exact),
	unit_test_with(dropped_records_invent_nothing, spans_from, &dropped),
	unit_test_with(adjacent_spans, spans_from, &adjacent),
};

UNIT_MAIN(tests, NULL, NULL)
