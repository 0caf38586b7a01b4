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

/* One record of tid (pid 100): a switch, a sample (flags 0, at ip) or a payment (ip: slept ns). */
struct rec {
	uint32_t tid, flags;
	uint64_t t;
	uint16_t cpu;
	uint64_t ip;
};

/* The spans one kind (and CPU, for oncpu; -1 any) of tid should have, as "start+len ..." */
struct want {
	int tid;
	enum profile_span_kind kind;
	int cpu;
	const char *spans;
};

static void feed(struct timeline *tl, const struct rec *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct causal_sample r = { .time_ns = recs[i].t, .pid = 100, .tid = recs[i].tid,
					   .flags = recs[i].flags, .cpu = recs[i].cpu, .ip = recs[i].ip };

		timeline_record(tl, &r);
	}
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

static void check_all(const struct profile *p, const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check(p, w[i].tid, w[i].kind, w[i].cpu, w[i].spans);
}

/*
 * Feeds a new timeline (attached at start) the records, writes it (ending at end, 0: open spans
 * stay open) and checks the spans read back.
 */
static void spans_from(uint64_t start, const struct rec *recs, size_t nrecs, uint64_t end, const struct want *w,
		       size_t nw)
{
	struct timeline *tl = timeline_new(start);
	struct profile p;

	assert_non_null(tl);
	feed(tl, recs, nrecs);
	write_read(tl, end, &p);
	check_all(&p, w, nw);
	profile_free(&p);
	assert_int_equal(timeline_lost(tl), 0);
	timeline_free(tl);
}

/* On, preempted, on another CPU, blocked, delayed, on again until the end: every span exact. */
static void exact_spans(void **state)
{
	static const struct rec recs[] = {
		/* tid 1 was running at the attach (100): first seen leaving CPU 0 */
		{ 1, PREEMPTED, 150, 0, 0 },
		{ 1, IN, 170, 1, 0 },
		{ 1, 0, 180, 1, 0x401000 },	/* a sample: not a span */
		{ 1, BLOCKED, 200, 1, 0 },
		{ 1, IN, 260, 0, 0 },
		{ 1, DELAYED, 270, 0, 0 },
		{ 1, CAUSAL_SAMPLE_DELAY, 270, 0, 40 },	/* the payment: slept 40 ns */
		{ 1, IN, 310, 0, 0 },
		/* tid 2 was blocked at the attach: first seen arriving */
		{ 2, IN, 120, 1, 0 },
		{ 2, EXITED, 160, 1, 0 },
	}, later[] = {
		{ 1, PREEMPTED, 330, 0, 0 },
	};
	static const struct want first[] = {
		{ 1, PROFILE_SPAN_ONCPU, 0, "100+50 260+10" },
		{ 1, PROFILE_SPAN_ONCPU, 1, "170+30" },
		{ 1, PROFILE_SPAN_RUNNABLE, -1, "150+20" },
		{ 1, PROFILE_SPAN_DELAY, -1, "270+40" },
		{ 2, PROFILE_SPAN_ONCPU, 1, "120+40" },
	}, second[] = {
		{ 1, PROFILE_SPAN_ONCPU, 0, "310+20" },
		{ 1, PROFILE_SPAN_ONCPU, 1, "" },
		{ 1, PROFILE_SPAN_RUNNABLE, -1, "330+70" },
		{ 2, PROFILE_SPAN_ONCPU, -1, "" },
	};
	struct timeline *tl = timeline_new(100);
	struct profile p;

	(void)state;
	assert_non_null(tl);
	feed(tl, recs, ARRAY_SIZE(recs));
	write_read(tl, 0, &p);
	check_all(&p, first, ARRAY_SIZE(first));
	profile_free(&p);
	/* written once: the next write has what came after, and the end closes what is open */
	feed(tl, later, ARRAY_SIZE(later));
	write_read(tl, 400, &p);
	check_all(&p, second, ARRAY_SIZE(second));
	profile_free(&p);
	assert_int_equal(timeline_lost(tl), 0);
	timeline_free(tl);
}

/* A dropped record makes no span up: what cannot be known is left out. */
static void dropped_records_invent_nothing(void **state)
{
	static const struct rec recs[] = {
		{ 3, IN, 10, 0, 0 },
		/* its switch-out from CPU 0 was dropped */
		{ 3, IN, 20, 1, 0 },
		{ 3, BLOCKED, 30, 1, 0 },
		/* its switch-in was dropped: a switch-out of a thread that is off */
		{ 3, BLOCKED, 50, 0, 0 },
		/* switched in on CPU 1, the switch-out comes from CPU 0 (its pair was dropped) */
		{ 3, IN, 60, 1, 0 },
		{ 3, PREEMPTED, 70, 0, 0 },
	};
	static const struct want want[] = {
		{ 3, PROFILE_SPAN_ONCPU, -1, "20+10" },
	};

	(void)state;
	spans_from(0, recs, ARRAY_SIZE(recs), 0, want, ARRAY_SIZE(want));
}

/* Back-to-back spans on one CPU are one span; on two CPUs they stay two. */
static void adjacent_spans(void **state)
{
	static const struct rec recs[] = {
		{ 4, IN, 10, 0, 0 },
		{ 4, PREEMPTED, 20, 0, 0 },
		{ 4, IN, 20, 0, 0 },
		{ 4, PREEMPTED, 30, 0, 0 },
		{ 4, IN, 30, 1, 0 },
		{ 4, BLOCKED, 35, 1, 0 },
	};
	static const struct want want[] = {
		{ 4, PROFILE_SPAN_ONCPU, 0, "10+20" },
		{ 4, PROFILE_SPAN_ONCPU, 1, "30+5" },
		{ 4, PROFILE_SPAN_RUNNABLE, -1, "" },
	};

	(void)state;
	spans_from(0, recs, ARRAY_SIZE(recs), 0, want, ARRAY_SIZE(want));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(exact_spans),
	cmocka_unit_test(dropped_records_invent_nothing),
	cmocka_unit_test(adjacent_spans),
};

UNIT_MAIN(tests, NULL, NULL)
