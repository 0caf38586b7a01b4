/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for run --timeline's spans from context switch records (timeline.c). */
#include "unit.h"
#include "timeline.h"

#define IN	CAUSAL_SAMPLE_SWITCH_IN
#define OUT	CAUSAL_SAMPLE_SWITCH_OUT
#define PREEMPTED	(OUT | CAUSAL_SAMPLE_PREEMPTED)
#define BLOCKED		(OUT | CAUSAL_SAMPLE_BLOCKED)
#define DELAYED		(OUT | CAUSAL_SAMPLE_DELAYED)
#define EXITED		(OUT | CAUSAL_SAMPLE_EXITED)

static void rec(struct timeline *tl, uint32_t tid, uint32_t flags, uint64_t t, uint16_t cpu, uint64_t ip)
{
	struct causal_sample r = { .time_ns = t, .pid = 100, .tid = tid, .flags = flags, .cpu = cpu,
				   .ip = ip };

	timeline_record(tl, &r);
}

/* Writes tl's spans and reads them back as report does. */
static void write_read(struct timeline *tl, uint64_t end, struct profile *p)
{
	struct capture c;
	struct profile_writer *w;
	FILE *f;

	capture_open(&c);
	w = profile_writer_stream(c.f, PROFILE_JSONL);
	assert_non_null(w);
	timeline_write(tl, w, end);
	assert_int_equal(profile_writer_close(w), 0);
	f = fmemopen((void *)capture_text(&c), c.len ? c.len : 1, "r");
	assert_non_null(f);
	memset(p, 0, sizeof(*p));
	assert_int_equal(profile_read_stream(f, p), 0);
	fclose(f);
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

/* On, preempted, on another CPU, blocked, delayed, on again until the end: every span exact. */
static void exact_spans(void **state)
{
	struct timeline *tl = timeline_new(100);
	struct profile p;

	(void)state;
	assert_non_null(tl);
	/* tid 1 was running at the attach (100): first seen leaving CPU 0 */
	rec(tl, 1, PREEMPTED, 150, 0, 0);
	rec(tl, 1, IN, 170, 1, 0);
	rec(tl, 1, 0, 180, 1, 0x401000);	/* a sample: not a span */
	rec(tl, 1, BLOCKED, 200, 1, 0);
	rec(tl, 1, IN, 260, 0, 0);
	rec(tl, 1, DELAYED, 270, 0, 0);
	rec(tl, 1, CAUSAL_SAMPLE_DELAY, 270, 0, 40);	/* the payment: slept 40 ns */
	rec(tl, 1, IN, 310, 0, 0);
	/* tid 2 was blocked at the attach: first seen arriving */
	rec(tl, 2, IN, 120, 1, 0);
	rec(tl, 2, EXITED, 160, 1, 0);
	write_read(tl, 0, &p);
	check(&p, 1, PROFILE_SPAN_ONCPU, 0, "100+50 260+10");
	check(&p, 1, PROFILE_SPAN_ONCPU, 1, "170+30");
	check(&p, 1, PROFILE_SPAN_RUNNABLE, -1, "150+20");
	check(&p, 1, PROFILE_SPAN_DELAY, -1, "270+40");
	check(&p, 2, PROFILE_SPAN_ONCPU, 1, "120+40");
	profile_free(&p);
	/* written once: the next write has what came after, and the end closes what is open */
	rec(tl, 1, PREEMPTED, 330, 0, 0);
	write_read(tl, 400, &p);
	check(&p, 1, PROFILE_SPAN_ONCPU, 0, "310+20");
	check(&p, 1, PROFILE_SPAN_ONCPU, 1, "");
	check(&p, 1, PROFILE_SPAN_RUNNABLE, -1, "330+70");
	check(&p, 2, PROFILE_SPAN_ONCPU, -1, "");
	profile_free(&p);
	assert_int_equal(timeline_lost(tl), 0);
	timeline_free(tl);
}

/* A dropped record makes no span up: what cannot be known is left out. */
static void dropped_records_invent_nothing(void **state)
{
	struct timeline *tl = timeline_new(0);
	struct profile p;

	(void)state;
	assert_non_null(tl);
	rec(tl, 3, IN, 10, 0, 0);
	/* its switch-out from CPU 0 was dropped */
	rec(tl, 3, IN, 20, 1, 0);
	rec(tl, 3, BLOCKED, 30, 1, 0);
	/* its switch-in was dropped: a switch-out of a thread that is off */
	rec(tl, 3, BLOCKED, 50, 0, 0);
	/* switched in on CPU 1, the switch-out comes from CPU 0 (its pair was dropped) */
	rec(tl, 3, IN, 60, 1, 0);
	rec(tl, 3, PREEMPTED, 70, 0, 0);
	write_read(tl, 0, &p);
	check(&p, 3, PROFILE_SPAN_ONCPU, -1, "20+10");
	profile_free(&p);
	timeline_free(tl);
}

/* Back-to-back spans on one CPU are one span; on two CPUs they stay two. */
static void adjacent_spans(void **state)
{
	struct timeline *tl = timeline_new(0);
	struct profile p;

	(void)state;
	assert_non_null(tl);
	rec(tl, 4, IN, 10, 0, 0);
	rec(tl, 4, PREEMPTED, 20, 0, 0);
	rec(tl, 4, IN, 20, 0, 0);
	rec(tl, 4, PREEMPTED, 30, 0, 0);
	rec(tl, 4, IN, 30, 1, 0);
	rec(tl, 4, BLOCKED, 35, 1, 0);
	write_read(tl, 0, &p);
	check(&p, 4, PROFILE_SPAN_ONCPU, 0, "10+20");
	check(&p, 4, PROFILE_SPAN_ONCPU, 1, "30+5");
	check(&p, 4, PROFILE_SPAN_RUNNABLE, -1, "");
	profile_free(&p);
	timeline_free(tl);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(exact_spans),
	cmocka_unit_test(dropped_records_invent_nothing),
	cmocka_unit_test(adjacent_spans),
};

UNIT_MAIN(tests, NULL, NULL)
