/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for --until-settled's stop rule (settle.c): on rankings made by hand, then on a
 * profile file ranked as `causalctl report` does; and the verdict and prediction it leads to.
 */
#include <math.h>
#include <unistd.h>

#include "settle.h"
#include "unit.h"

#define EPS 1e-9

/*
 * A ranking of up to three lines, one series each, in the order given. Each series has points at
 * 0, 20 and 40 % on a straight line through 0 and its impact at 20 %, each with fake_point_se as
 * its standard error: so its verdict (the prediction at 20 %) is its impact, about that precise.
 */
struct fake {
	struct report_series series[3];
	struct report_line lines[3];
	struct report_agg aggs[3][3];
	size_t idx[3];
	struct report_result r;
};

static double fake_point_se = 0.001;

static void fake_rank(struct fake *f, const char *const *names, const double *impact, const double *se,
		      size_t n)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < n; i++) {
		f->series[i].selected = names[i];
		f->series[i].point = "p";
		f->series[i].impact = impact[i];
		f->series[i].impact_se = se[i];
		f->series[i].ranked = true;
		for (size_t k = 0; k < 3; k++) {
			f->aggs[i][k].speedup_pct = 20 * (int)k;
			f->aggs[i][k].duration = 1000000000;
			f->aggs[i][k].progress_speedup = impact[i] * (double)k;
			f->aggs[i][k].progress_speedup_se = fake_point_se;
			f->aggs[i][k].used = true;
		}
		f->series[i].aggs = f->aggs[i];
		f->series[i].naggs = 3;
		f->series[i].nused = 3;
		f->idx[i] = i;
		f->lines[i].selected = names[i];
		f->lines[i].series = &f->idx[i];
		f->lines[i].nseries = 1;
	}
	f->r.series = f->series;
	f->r.nseries = n;
	f->r.lines = f->lines;
	f->r.nlines = n;
}

static void feed(struct settle *s, const char *a, double ia, double sa, const char *b, double ib, double sb)
{
	const char *names[2] = { a, b };
	const double impact[2] = { ia, ib }, se[2] = { sa, sb };
	struct fake f;

	fake_rank(&f, names, impact, se, b ? 2 : 1);
	settle_feed(s, &f.r);
}

/* n updates with the same ranking */
static void feed_n(struct settle *s, int n, const char *a, double ia, double sa, const char *b, double ib,
		   double sb)
{
	for (int i = 0; i < n; i++)
		feed(s, a, ia, sa, b, ib, sb);
}

static void needs_a_streak_and_clear_bounds(void **state)
{
	struct settle s = { 0 };
	int i;

	(void)state;
	/* clear of the runner-up (0.30 - 0.05 > 0.10 + 0.05) from the start: settles at the 5th */
	for (i = 1; i < SETTLE_STREAK; i++) {
		feed(&s, "a.c:1", 0.30, 0.05, "b.c:2", 0.10, 0.05);
		assert_false(s.settled);
		assert_int_equal(s.streak, i);
	}
	feed(&s, "a.c:1", 0.30, 0.05, "b.c:2", 0.10, 0.05);
	assert_true(s.settled);
	assert_string_equal(s.leader, "a.c:1");
	assert_string_equal(s.runner, "b.c:2");
	assert_float_equal(s.lead_lo, 0.25, EPS);
	assert_float_equal(s.runner_hi, 0.15, EPS);

	/* a new leader starts its streak again */
	feed(&s, "b.c:2", 0.40, 0.01, "a.c:1", 0.10, 0.01);
	assert_false(s.settled);
	assert_int_equal(s.streak, 1);
	assert_string_equal(s.leader, "b.c:2");
}

static void overlapping_or_unknown_bounds_do_not_settle(void **state)
{
	struct settle s = { 0 };

	(void)state;
	/* 0.30 - 0.11 < 0.10 + 0.11: still overlapping after many experiments */
	feed_n(&s, 3 * SETTLE_STREAK, "a.c:1", 0.30, 0.11, "b.c:2", 0.10, 0.11);
	assert_false(s.settled);
	assert_int_equal(s.streak, 3 * SETTLE_STREAK);
	/* no standard error yet (too few repeats): never settled, whatever the impacts */
	feed_n(&s, 2 * SETTLE_STREAK, "a.c:1", 0.90, NAN, "b.c:2", 0.00, 0.01);
	assert_false(s.settled);
	feed_n(&s, 2 * SETTLE_STREAK, "a.c:1", 0.90, 0.01, "b.c:2", 0.00, NAN);
	assert_false(s.settled);
	/* nothing ranked: no leader */
	{
		struct fake f;

		fake_rank(&f, NULL, NULL, NULL, 0);
		assert_false(settle_feed(&s, &f.r));
		assert_int_equal(s.streak, 0);
		assert_string_equal(s.leader, "");
	}
}

static void a_lone_line_must_clear_zero(void **state)
{
	struct settle s = { 0 };
	int i;

	(void)state;
	feed_n(&s, SETTLE_STREAK, "a.c:1", 0.04, 0.05, NULL, 0, 0);
	assert_false(s.settled);
	assert_string_equal(s.runner, "");
	feed_n(&s, SETTLE_STREAK, "a.c:1", 0.06, 0.05, NULL, 0, 0);
	assert_true(s.settled);

	/* another line has data, not yet enough to rank: no runner-up to compare with, wait */
	{
		const char *names[2] = { "a.c:1", "b.c:2" };
		const double impact[2] = { 0.5, 0 }, se[2] = { 0.01, 0.01 };
		struct fake f;

		fake_rank(&f, names, impact, se, 2);
		f.r.nlines = 1;			/* b.c:2 is not ranked */
		f.series[1].ranked = false;
		f.series[1].nused = 2;
		for (i = 0; i < 2 * SETTLE_STREAK; i++)
			assert_false(settle_feed(&s, &f.r));
		assert_true(isnan(s.runner_hi));
		assert_true(s.wait_runner);
		f.series[1].nused = 0;		/* no data at all: a lone line */
		assert_true(settle_feed(&s, &f.r));
	}
}

/*
 * A clear leader whose verdict could be a gain or a loss is no answer yet: not settled until the
 * verdict is clear of 0 by its error, or precise enough (SETTLE_VERDICT_SE) to say "about 0".
 */
static void an_undecided_verdict_does_not_settle(void **state)
{
	struct settle s = { 0 };

	(void)state;
	/* +1 % at 20 %, each point +-5 %: the leader is clear of -30 %, its verdict is not of 0 */
	fake_point_se = 0.05;
	feed_n(&s, 3 * SETTLE_STREAK, "a.c:1", 0.01, 0.001, "b.c:2", -0.30, 0.001);
	assert_false(s.settled);
	assert_true(s.verdict_open);
	assert_float_equal(s.verdict, 0.01, 1e-6);
	assert_true(s.verdict_se > 0.01 && s.verdict_se > SETTLE_VERDICT_SE);
	/* the same +1 %, measured to +-0.5 %: "about +1 %" is an answer */
	fake_point_se = 0.005;
	feed(&s, "a.c:1", 0.01, 0.001, "b.c:2", -0.30, 0.001);
	assert_true(s.settled);
	assert_false(s.verdict_open);
	/* +20 %, each point +-5 %: clear of 0 */
	fake_point_se = 0.05;
	feed(&s, "a.c:1", 0.20, 0.001, "b.c:2", -0.30, 0.001);
	assert_true(s.settled);
	fake_point_se = 0.001;
}

/* One legacy experiment followed by a throughput point "done". */
static void tp(FILE *f, const char *sel, int pct, uint64_t dur, uint64_t delta)
{
	fprintf(f, "experiment\tselected=%s\tspeedup=%.2f\tduration=%lu\tselected-samples=1\n"
		"throughput-point\tname=done\tdelta=%lu\n", sel, pct / 100.0, (unsigned long)dur,
		(unsigned long)delta);
}

/* N's four baselines of 1 s at periods 1e6, 8e5, 1e6, 8e5: the noise 4 / 243 */
static void noise_baselines(FILE *f)
{
	for (int i = 0; i < 4; i++)
		tp(f, "/N.c:9", 0, 1000000000, i % 2 ? 1250 : 1000);
}

/* A at 0, 25, ... 100 %, speeding the program up by 20 % from 25 % on; B there too, doing nothing */
static void a_and_b_round(FILE *f)
{
	for (int pct = 0; pct <= 100; pct += 25) {
		tp(f, "/A.c:1", pct, 4000000000, pct ? 5000 : 4000);
		tp(f, "/B.c:2", pct, 4000000000, 4000);
	}
}

/* A profile file made from path's template, open for writing. */
static FILE *temp_profile(char *path)
{
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	return f;
}

/*
 * A profile on disk: A speeds the program up by 20 % at every speedup from 25 % on (impact 0.175
 * at x = 1), B not at all; N's four baselines (periods 1e6, 8e5, ...) give the noise 4 / 243.
 * Ranked as the report does by default, A leads clear of B: the 5th update settles.
 */
static void settles_on_the_profile_file(void **state)
{
	char path[] = "/tmp/causal-unit-settle-XXXXXX";
	struct settle s = { 0 };
	char err[256];
	FILE *f = temp_profile(path);
	int i;

	(void)state;
	a_and_b_round(f);
	noise_baselines(f);
	assert_int_equal(fclose(f), 0);
	for (i = 1; i < SETTLE_STREAK; i++) {
		assert_int_equal(settle_update(&s, path, err, sizeof(err)), 0);
		assert_false(s.settled);
	}
	assert_int_equal(settle_update(&s, path, err, sizeof(err)), 0);
	assert_true(s.settled);
	assert_string_equal(s.leader, "/A.c:1");
	assert_string_equal(s.runner, "/B.c:2");
	assert_int_equal(s.ranked, 2);
	assert_true(s.lead_lo > 0.1 && s.lead_lo < 0.175);
	assert_true(s.runner_hi > 0 && s.runner_hi < 0.1);
	unlink(path);
	/* a file that is gone: an error with a message, the state kept */
	assert_true(settle_update(&s, path, err, sizeof(err)) < 0);
	assert_contains(err, path);
	assert_true(s.settled);
}

/*
 * report --settle replays a profile: N's four baselines (the noise), then A and B at 0, 25, ...
 * 100 %, five times over. After the 13th experiment A is ranked (alone: B, measured, waits), after
 * the 14th both, A clear of B; A has led since the 13th, so the rule first holds after the 17th
 * (its 5th as leader): 4 x 1 s + 13 x 4 s of experiments.
 */
static void report_settle_replays_the_profile(void **state)
{
	char path[] = "/tmp/causal-unit-settle-XXXXXX";
	FILE *f = temp_profile(path);
	const struct cli_case five_rounds[] = {
		{ { "report", "--settle", path }, { CAUSALCTL_EXIT_OK,
			.out = { "settle: held after experiment 17 of 54 (56.0 s of experiments): /A.c:1 led "
				 "for the last 5, impact less its standard error +",
				 "above the runner-up /B.c:2" },
			.not_out = { "rank" } } },
	}, one_round[] = {
		{ { "report", "--settle", path }, { CAUSALCTL_EXIT_OK,
			.out = { "settle: never held in 11 experiments", "at the end /A.c:1 led for the last",
				 "the other lines not ranked" } } },
	};
	int pct, round;

	(void)state;
	noise_baselines(f);
	for (round = 0; round < 5; round++)
		a_and_b_round(f);
	assert_int_equal(fclose(f), 0);
	cli_check_cases("/nonexistent", five_rounds, ARRAY_SIZE(five_rounds));

	/* one round of A, and B at two speedups: A leads alone, B measured but never ranked */
	f = fopen(path, "w");
	assert_non_null(f);
	noise_baselines(f);
	for (pct = 0; pct <= 100; pct += 25)
		tp(f, "/A.c:1", pct, 4000000000, pct ? 5000 : 4000);
	tp(f, "/B.c:2", 0, 4000000000, 4000);
	tp(f, "/B.c:2", 50, 4000000000, 4000);
	assert_int_equal(fclose(f), 0);
	cli_check_cases("/nonexistent", one_round, ARRAY_SIZE(one_round));
	unlink(path);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(report_settle_replays_the_profile),
	cmocka_unit_test(needs_a_streak_and_clear_bounds),
	cmocka_unit_test(overlapping_or_unknown_bounds_do_not_settle),
	cmocka_unit_test(a_lone_line_must_clear_zero),
	cmocka_unit_test(an_undecided_verdict_does_not_settle),
	cmocka_unit_test(settles_on_the_profile_file),
};

UNIT_MAIN(tests, NULL, NULL)
