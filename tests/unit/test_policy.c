/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the experiment policy: line choice, speedups, baselines, length adaptation. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "unit.h"
#include "policy.h"

#define MS 1000000ULL

static struct policy *new_policy(const struct policy_config *cfg)
{
	struct policy *p = policy_new(cfg);

	assert_non_null(p);
	return p;
}

static struct policy *default_policy(uint64_t seed)
{
	struct policy_config cfg;

	policy_config_defaults(&cfg);
	cfg.seed = seed;
	return new_policy(&cfg);
}

static void next_ok(struct policy *p, uint32_t fixed_line, struct policy_choice *c)
{
	assert_true(policy_next(p, fixed_line, c));
}

/* one experiment with no progress points: only the line and speedup bookkeeping matter */
static void run_one(struct policy *p, struct policy_choice *c)
{
	next_ok(p, 0, c);
	assert_int_equal(policy_done(p, c, NULL, 0, true), 0);
}

static void defaults_are_coz_with_fixes(void **state)
{
	struct policy_config cfg;
	struct policy_stats st;
	struct policy *p;

	(void)state;
	policy_config_defaults(&cfg);
	assert_int_equal(cfg.period_ns, 1 * MS);
	assert_int_equal(cfg.min_length_ns, 500 * MS);
	assert_int_equal(cfg.max_length_ns, 8000 * MS);
	assert_int_equal(cfg.cooloff_ns, 10 * MS);
	assert_int_equal(cfg.target_delta, 5);
	assert_int_equal(cfg.speedup_steps, 20);
	assert_true(fabs(cfg.zero_share - 1.0 / 3.0) < 1e-12);
	assert_int_equal(cfg.nfixed_speedups, 0);

	p = new_policy(&cfg);
	policy_stats(p, &st);
	assert_int_equal(st.length_ns, 500 * MS);
	assert_int_equal(st.experiments, 0);
	assert_int_equal(st.samples, 0);
	assert_int_equal(st.lines, 0);
	assert_int_equal(st.points, 0);
	policy_free(p);
}

static void assert_rejected(const struct policy_config *cfg)
{
	errno = 0;
	assert_null(policy_new(cfg));
	assert_int_equal(errno, EINVAL);
}

static void bad_configs_rejected(void **state)
{
	struct policy_config good, c;

	(void)state;
	policy_config_defaults(&good);
	assert_rejected(NULL);
#define REJECT(field, value) do { c = good; c.field = (value); assert_rejected(&c); } while (0)
	REJECT(period_ns, 0);
	REJECT(period_ns, UINT64_MAX);
	REJECT(min_length_ns, 0);
	REJECT(max_length_ns, good.min_length_ns - 1);
	REJECT(target_delta, 0);
	REJECT(speedup_steps, 0);
	REJECT(speedup_steps, 101);
	REJECT(zero_share, -0.01);
	REJECT(zero_share, 1.01);
	REJECT(zero_share, NAN);
	REJECT(nfixed_speedups, POLICY_MAX_FIXED_SPEEDUPS + 1);
	c = good;
	c.nfixed_speedups = 2;
	c.fixed_speedups[1] = 101;
	assert_rejected(&c);
	REJECT(window, POLICY_MAX_WINDOW + 1);
#undef REJECT
	/* 0 in the optional fields means the default */
	c = good;
	c.window = 0;
	c.dead_after = 0;
	policy_free(new_policy(&c));
	c = good;
	c.max_length_ns = c.min_length_ns;
	policy_free(new_policy(&c));
}

static void no_line_until_a_sample(void **state)
{
	struct policy *p = default_policy(1);
	struct policy_choice c;

	(void)state;
	assert_false(policy_next(p, 0, &c));
	policy_note_sample(p, 0);	/* not a line */
	assert_false(policy_next(p, 0, &c));
	policy_note_sample(p, 7);
	next_ok(p, 0, &c);
	assert_int_equal(c.line, 7);
	policy_free(p);
}

/* a workload of several lines with uneven weights, and progress point deltas that vary */
static void scripted_run(struct policy *p, struct policy_choice *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t deltas[2] = { i % 7, 3 * (i % 11) };

		for (uint32_t line = 1; line <= 10; line++)
			for (uint32_t k = 0; k < line; k++)
				policy_note_sample(p, line);
		next_ok(p, 0, &out[i]);
		assert_int_equal(policy_done(p, &out[i], deltas, 2, true), 0);
	}
}

static bool same_choice(const struct policy_choice *a, const struct policy_choice *b)
{
	return a->line == b->line && a->speedup_pct == b->speedup_pct &&
	       a->delay_ns == b->delay_ns && a->length_ns == b->length_ns &&
	       a->forced_baseline == b->forced_baseline;
}

#define RUN 2000

static void same_seed_same_sequence(void **state)
{
	static struct policy_choice a[RUN], b[RUN], d[RUN];
	struct policy *p;
	size_t differ_line = 0, differ_speedup = 0;

	(void)state;
	p = default_policy(42);
	scripted_run(p, a, RUN);
	policy_free(p);
	p = default_policy(42);
	scripted_run(p, b, RUN);
	policy_free(p);
	p = default_policy(43);
	scripted_run(p, d, RUN);
	policy_free(p);

	for (size_t i = 0; i < RUN; i++) {
		if (!same_choice(&a[i], &b[i]))
			fail_msg("seed 42 diverged from itself at experiment %zu", i);
		differ_line += a[i].line != d[i].line;
		differ_speedup += a[i].speedup_pct != d[i].speedup_pct;
	}
	/* independent streams agree on one of these 10 lines ~13 %, on a speedup ~13 % */
	assert_true(differ_line > RUN / 2);
	assert_true(differ_speedup > RUN / 2);
}

/* seeds 0 and 1 must not collide: splitmix64 spreads them */
static void adjacent_seeds_differ(void **state)
{
	struct policy *p0 = default_policy(0), *p1 = default_policy(1);
	struct policy_choice c0, c1;
	size_t differ = 0;

	(void)state;
	for (uint32_t line = 1; line <= 100; line++) {
		policy_note_sample(p0, line);
		policy_note_sample(p1, line);
	}
	for (int i = 0; i < 100; i++) {
		next_ok(p0, 0, &c0);
		next_ok(p1, 0, &c1);
		differ += c0.line != c1.line;
	}
	assert_true(differ > 80);
	policy_free(p0);
	policy_free(p1);
}

#define DRAWS 100000

/* p ~ 1e-7 for 19 degrees of freedom; a step that never occurs alone adds ~3600 */
#define CHI2_19_LIMIT 70.0

static void check_distribution(double zero_share, uint64_t seed)
{
	struct policy_config cfg;
	struct policy *p;
	struct policy_choice c;
	unsigned long count[101] = { 0 };
	double expect, chi2 = 0, zero;

	policy_config_defaults(&cfg);
	cfg.zero_share = zero_share;
	cfg.seed = seed;
	p = new_policy(&cfg);
	policy_note_sample(p, 1);
	for (int i = 0; i < DRAWS; i++) {
		run_one(p, &c);
		assert_true(c.speedup_pct <= 100);
		assert_int_equal(c.speedup_pct % 5, 0);
		count[c.speedup_pct]++;
	}
	policy_free(p);

	/* sd of the share at 100k draws is <= 0.0016; 0.01 is over 6 sd */
	zero = (double)count[0] / DRAWS;
	if (fabs(zero - zero_share) > 0.01)
		fail_msg("0 %% share %.4f, configured %.4f", zero, zero_share);

	expect = (double)(DRAWS - count[0]) / 20;
	for (int pct = 5; pct <= 100; pct += 5) {
		double d = (double)count[pct] - expect;

		if (!count[pct])
			fail_msg("speedup %d %% never drawn", pct);
		chi2 += d * d / expect;
	}
	if (chi2 > CHI2_19_LIMIT)
		fail_msg("non-zero speedups not uniform: chi-square %.1f over 19 df", chi2);
}

static void speedup_distribution(void **state)
{
	(void)state;
	check_distribution(POLICY_DEFAULT_ZERO_SHARE, 1);
	check_distribution(POLICY_DEFAULT_ZERO_SHARE, 2);
	check_distribution(0.5, 3);
	check_distribution(8.0 / 28.0, 4);
}

static void speedup_steps_divide_100(void **state)
{
	struct policy_config cfg;
	struct policy *p;
	struct policy_choice c;
	unsigned long count[101] = { 0 };

	(void)state;
	policy_config_defaults(&cfg);
	cfg.speedup_steps = 4;
	p = new_policy(&cfg);
	policy_note_sample(p, 1);
	for (int i = 0; i < 10000; i++) {
		run_one(p, &c);
		count[c.speedup_pct]++;
	}
	policy_free(p);
	for (int pct = 0; pct <= 100; pct++) {
		if (pct % 25)
			assert_int_equal(count[pct], 0);
		else
			assert_true(count[pct] > 1000);
	}
}

/* Share of draws that pick `line` among n. */
static double share_of(struct policy *p, uint32_t line, int n)
{
	struct policy_choice c;
	int hits = 0;

	for (int i = 0; i < n; i++) {
		next_ok(p, 0, &c);
		hits += c.line == line;
	}
	return (double)hits / n;
}

static void weighting_follows_recent_samples(void **state)
{
	struct policy *p = default_policy(5);
	double s;

	(void)state;
	for (int i = 0; i < 10000; i++)
		policy_note_sample(p, 100);
	assert_true(share_of(p, 100, 2000) == 1.0);

	/* the hot line changes: after 3/4 of a window, B has 3/4 of the weight */
	for (unsigned int i = 0; i < POLICY_DEFAULT_WINDOW * 3 / 4; i++)
		policy_note_sample(p, 200);
	s = share_of(p, 200, 20000);
	if (fabs(s - 0.75) > 0.02)
		fail_msg("line 200 drawn %.3f of the time, expected 0.75", s);

	/* after a full window, A has faded out completely */
	for (unsigned int i = 0; i < POLICY_DEFAULT_WINDOW / 4; i++)
		policy_note_sample(p, 200);
	assert_true(share_of(p, 200, 2000) == 1.0);
	policy_free(p);
}

static void weighting_proportional_to_samples(void **state)
{
	struct policy *p = default_policy(6);
	struct policy_choice c;
	unsigned long hits[4] = { 0 };

	(void)state;
	/* interleaved 1:2:3, as three threads on different lines would be sampled */
	for (int i = 0; i < 600; i++) {
		policy_note_sample(p, 1);
		policy_note_sample(p, 2);
		policy_note_sample(p, 2);
		policy_note_sample(p, 3);
		policy_note_sample(p, 3);
		policy_note_sample(p, 3);
	}
	for (int i = 0; i < 60000; i++) {
		next_ok(p, 0, &c);
		assert_true(c.line >= 1 && c.line <= 3);
		hits[c.line]++;
	}
	/* sd <= 0.002 per share */
	for (int l = 1; l <= 3; l++) {
		double s = (double)hits[l] / 60000;

		if (fabs(s - l / 6.0) > 0.015)
			fail_msg("line %d drawn %.3f of the time, expected %.3f", l, s, l / 6.0);
	}
	policy_free(p);
}

static void small_window(void **state)
{
	struct policy_config cfg;
	struct policy *p;

	(void)state;
	policy_config_defaults(&cfg);
	cfg.window = 10;
	p = new_policy(&cfg);
	for (int i = 0; i < 100; i++)
		policy_note_sample(p, 1);
	for (int i = 0; i < 9; i++)
		policy_note_sample(p, 2);
	assert_true(share_of(p, 2, 20000) < 0.95);	/* one sample of 1 left: 0.9 */
	policy_note_sample(p, 2);
	assert_true(share_of(p, 2, 2000) == 1.0);
	policy_free(p);
}

/*
 * Every line's first experiment is a baseline, and its baselines never fall below half the
 * configured share of its experiments.
 */
static void check_baselines(double zero_share, uint64_t seed)
{
	enum { LINES = 200, EXPERIMENTS = 20000 };
	struct policy_config cfg;
	struct policy *p;
	struct policy_choice c;
	struct policy_line_stats ls, all[LINES + 1];
	static bool seen[LINES + 1];
	size_t n, forced = 0;

	policy_config_defaults(&cfg);
	cfg.zero_share = zero_share;
	cfg.seed = seed;
	cfg.window = LINES * (LINES + 1) / 2;
	p = new_policy(&cfg);
	memset(seen, 0, sizeof(seen));
	/* skewed: line i has weight i, so cold lines get few experiments */
	for (uint32_t line = 1; line <= LINES; line++)
		for (uint32_t k = 0; k < line; k++)
			policy_note_sample(p, line);

	for (int i = 0; i < EXPERIMENTS; i++) {
		run_one(p, &c);
		assert_true(c.line >= 1 && c.line <= LINES);
		if (!seen[c.line]) {
			if (c.speedup_pct)
				fail_msg("line %u's first experiment is at %u %%",
					 c.line, c.speedup_pct);
			seen[c.line] = true;
		}
		forced += c.forced_baseline;
		if (c.forced_baseline)
			assert_int_equal(c.speedup_pct, 0);
		assert_true(policy_line_stats(p, c.line, &ls));
		if ((double)ls.baselines < zero_share / 2 * (double)ls.experiments)
			fail_msg("line %u: %" PRIu64 " baselines in %" PRIu64 " experiments",
				 c.line, ls.baselines, ls.experiments);
	}
	n = policy_lines(p, all, LINES + 1);
	assert_true(n > LINES / 2);
	for (size_t i = 0; i < n; i++)
		assert_true(all[i].baselines >= 1);
	/* a first experiment is forced unless 0 % was drawn anyway; later ones are mostly drawn */
	assert_true(forced >= n / 2);
	assert_true(forced < EXPERIMENTS / 10);
	policy_free(p);
}

static void every_line_gets_baselines(void **state)
{
	(void)state;
	check_baselines(POLICY_DEFAULT_ZERO_SHARE, 7);
	check_baselines(0.1, 8);
}

static void zero_share_zero_gives_one_baseline_per_line(void **state)
{
	struct policy_config cfg;
	struct policy *p;
	struct policy_choice c;
	struct policy_line_stats ls[3];
	struct policy_stats st;

	(void)state;
	policy_config_defaults(&cfg);
	cfg.zero_share = 0;
	p = new_policy(&cfg);
	policy_note_sample(p, 1);
	policy_note_sample(p, 2);
	policy_note_sample(p, 3);
	for (int i = 0; i < 3000; i++)
		run_one(p, &c);
	assert_int_equal(policy_lines(p, ls, 3), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ls[i].baselines, 1);
	policy_stats(p, &st);
	assert_int_equal(st.baselines, 3);
	assert_int_equal(st.forced_baselines, 3);
	policy_free(p);
}

static void fixed_line(void **state)
{
	struct policy *p = default_policy(9);
	struct policy_choice c;

	(void)state;
	/* no sample needed when the line is given */
	next_ok(p, 99, &c);
	assert_int_equal(c.line, 99);
	assert_int_equal(c.speedup_pct, 0);	/* its baseline first */
	for (int i = 0; i < 100; i++)
		policy_note_sample(p, 5);
	for (int i = 0; i < 1000; i++) {
		next_ok(p, 99, &c);
		assert_int_equal(c.line, 99);
		assert_int_equal(policy_done(p, &c, NULL, 0, true), 0);
	}
	policy_free(p);
}

/* a list of speedups is taken in turn, whatever the line; no baseline is forced in between */
static void fixed_speedups_in_turn(void **state)
{
	static const unsigned int list[] = { 0, 30, 100 };
	struct policy_config cfg;
	struct policy_choice c;
	struct policy_stats st;
	struct policy *p;

	(void)state;
	policy_config_defaults(&cfg);
	memcpy(cfg.fixed_speedups, list, sizeof(list));
	cfg.nfixed_speedups = ARRAY_SIZE(list);
	p = new_policy(&cfg);
	for (uint32_t line = 1; line <= 50; line++)
		policy_note_sample(p, line);
	for (int i = 0; i < 300; i++) {
		run_one(p, &c);
		assert_int_equal(c.speedup_pct, list[i % ARRAY_SIZE(list)]);
		assert_int_equal(c.delay_ns, (uint64_t)list[i % ARRAY_SIZE(list)] * 10000);
		assert_false(c.forced_baseline);
	}
	policy_stats(p, &st);
	assert_int_equal(st.baselines, 100);
	policy_free(p);
}

static void fixed_speedup(void **state)
{
	struct policy_config cfg;
	struct policy *p;
	struct policy_choice c;
	struct policy_stats st;
	static const int fixed[] = { 40, 0, 100, 5 };

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(fixed); f++) {
		policy_config_defaults(&cfg);
		cfg.fixed_speedups[0] = (unsigned int)fixed[f];
		cfg.nfixed_speedups = 1;
		p = new_policy(&cfg);
		for (uint32_t line = 1; line <= 50; line++)
			policy_note_sample(p, line);
		for (int i = 0; i < 1000; i++) {
			run_one(p, &c);
			assert_int_equal(c.speedup_pct, fixed[f]);
			assert_int_equal(c.delay_ns, (uint64_t)fixed[f] * 10000);
			assert_false(c.forced_baseline);
		}
		policy_stats(p, &st);
		assert_int_equal(st.baselines, fixed[f] ? 0 : 1000);
		policy_free(p);
	}
}

static void delay_is_speedup_times_period(void **state)
{
	struct policy_config cfg;
	struct policy *p;
	struct policy_choice c;

	(void)state;
	policy_config_defaults(&cfg);
	cfg.period_ns = 250000;
	cfg.cooloff_ns = 7 * MS;
	p = new_policy(&cfg);
	policy_note_sample(p, 3);
	for (int i = 0; i < 1000; i++) {
		run_one(p, &c);
		assert_int_equal(c.delay_ns, c.speedup_pct * 2500ULL);
		assert_int_equal(c.cooloff_ns, 7 * MS);
	}
	policy_free(p);
}

/* Runs one experiment with the given deltas and returns the length it ran at. */
static uint64_t step(struct policy *p, const uint64_t *deltas, size_t n)
{
	struct policy_choice c;

	next_ok(p, 1, &c);
	assert_int_equal(policy_done(p, &c, deltas, n, true), 0);
	return c.length_ns;
}

/* One experiment's deltas (n of them) and the length, in ms, it should run at. */
struct step_want {
	const uint64_t *deltas;
	size_t n;
	uint64_t ms;
};

static void assert_steps(struct policy *p, const struct step_want *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(step(p, w[i].deltas, w[i].n), w[i].ms * MS);
}

static uint64_t next_length(struct policy *p)
{
	struct policy_stats st;

	policy_stats(p, &st);
	return st.length_ns;
}

static void length_doubles_to_cap_and_halves_back(void **state)
{
	struct policy *p = default_policy(10);
	static const uint64_t up[] = { 500, 1000, 2000, 4000, 8000, 8000, 8000, 8000 };
	static const uint64_t down[] = { 8000, 4000, 2000, 1000, 500, 500 };
	static const uint64_t starved[] = { 4 }, plenty[] = { 20 }, enough[] = { 19 }, just[] = { 5 };
	/* between the target and 4x it, the length holds */
	static const struct step_want holds[] = {
		{ starved, 1, 500 }, { just, 1, 1000 }, { enough, 1, 1000 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(up); i++)
		assert_int_equal(step(p, starved, 1), up[i] * MS);
	/* a starved point that moves never dies, however long it stays starved */
	assert_int_equal(policy_point_state(p, 0), POLICY_POINT_ACTIVE);
	for (size_t i = 0; i < ARRAY_SIZE(down); i++)
		assert_int_equal(step(p, plenty, 1), down[i] * MS);
	assert_steps(p, holds, ARRAY_SIZE(holds));
	assert_int_equal(next_length(p), 1000 * MS);
	policy_free(p);
}

static void length_cap_not_a_power_of_two(void **state)
{
	struct policy_config cfg;
	struct policy *p;
	uint64_t starved[] = { 0 };
	static const uint64_t want[] = { 500, 1000, 2000, 3000, 3000 };

	(void)state;
	policy_config_defaults(&cfg);
	cfg.max_length_ns = 3000 * MS;
	p = new_policy(&cfg);
	policy_note_sample(p, 1);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		assert_int_equal(step(p, starved, 1), want[i] * MS);
	policy_free(p);
}

/* Coz: the minimum over all points; here one starved point stretches, all need plenty to shrink */
static void length_per_point_minimum(void **state)
{
	struct policy *p = default_policy(11);
	static const uint64_t one_starved[] = { 1000, 2, 1000 }, one_short[] = { 1000, 19, 1000 };
	static const uint64_t all_plenty[] = { 1000, 20, 1000 };
	static const struct step_want steps[] = {
		{ one_starved, 3, 500 }, { one_starved, 3, 1000 }, { one_short, 3, 2000 }, { one_short, 3, 2000 },
		{ all_plenty, 3, 2000 },
	};

	(void)state;
	assert_steps(p, steps, ARRAY_SIZE(steps));
	assert_int_equal(next_length(p), 1000 * MS);
	policy_free(p);
}

static void dead_point_stops_stretching(void **state)
{
	struct policy *p = default_policy(12);
	uint64_t dead[] = { 100, 0 }, back[] = { 100, 3 };
	static const uint64_t want[] = {
		500, 1000, 2000, 4000, 8000, 8000, 4000, 2000, 1000, 500, 500
	};
	size_t idx[4];
	struct policy_stats st;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(step(p, dead, 2), want[i] * MS);
		/* it stretched until it had two chances at max length, then stopped counting */
		assert_int_equal(policy_point_state(p, 1),
				 i < 5 ? POLICY_POINT_WAITING : POLICY_POINT_NEVER_REACHED);
	}
	assert_int_equal(policy_point_state(p, 0), POLICY_POINT_ACTIVE);
	assert_int_equal(policy_dead_points(p, idx, 4), 1);
	assert_int_equal(idx[0], 1);
	assert_int_equal(policy_dead_points(p, NULL, 0), 1);
	policy_stats(p, &st);
	assert_int_equal(st.points, 2);
	assert_int_equal(st.dead_points, 1);

	/* it moves after all: it counts again, and its 3 visits stretch the next experiment */
	assert_int_equal(step(p, back, 2), 500 * MS);
	assert_int_equal(policy_point_state(p, 1), POLICY_POINT_ACTIVE);
	assert_int_equal(policy_dead_points(p, idx, 4), 0);
	assert_int_equal(next_length(p), 1000 * MS);

	/* then it stops: up to the cap again, and after two zero experiments there, stalled */
	for (size_t i = 0; i < 4; i++)
		step(p, dead, 2);
	assert_int_equal(policy_point_state(p, 1), POLICY_POINT_ACTIVE);
	assert_int_equal(next_length(p), 8000 * MS);
	step(p, dead, 2);
	assert_int_equal(policy_point_state(p, 1), POLICY_POINT_STALLED);
	assert_int_equal(next_length(p), 4000 * MS);
	assert_int_equal(policy_dead_points(p, idx, 4), 1);
	policy_free(p);
}

/* zero visits below max length are no evidence: the point might need a longer experiment */
static void dead_only_at_max_length(void **state)
{
	struct policy *p = default_policy(13);
	struct policy_choice c;
	uint64_t dead[] = { 0 };

	(void)state;
	for (int i = 0; i < 50; i++) {
		next_ok(p, 1, &c);
		c.length_ns = 500 * MS;		/* a driver that shortened it */
		policy_done(p, &c, dead, 1, true);
	}
	assert_int_equal(policy_point_state(p, 0), POLICY_POINT_WAITING);
	policy_free(p);
}

static void dead_after_configurable(void **state)
{
	struct policy_config cfg;
	struct policy *p;
	uint64_t dead[] = { 0 };

	(void)state;
	policy_config_defaults(&cfg);
	cfg.max_length_ns = cfg.min_length_ns;
	cfg.dead_after = 3;
	p = new_policy(&cfg);
	step(p, dead, 1);
	step(p, dead, 1);
	assert_int_equal(policy_point_state(p, 0), POLICY_POINT_WAITING);
	step(p, dead, 1);
	assert_int_equal(policy_point_state(p, 0), POLICY_POINT_NEVER_REACHED);
	policy_free(p);
}

static void all_points_dead_or_none_length_min(void **state)
{
	struct policy *p = default_policy(14);
	uint64_t dead[] = { 0, 0 };

	(void)state;
	for (int i = 0; i < 6; i++)
		step(p, dead, 2);
	assert_int_equal(next_length(p), 4000 * MS);
	for (int i = 0; i < 4; i++)
		step(p, dead, 2);
	assert_int_equal(next_length(p), 500 * MS);
	assert_int_equal(policy_dead_points(p, NULL, 0), 2);
	policy_free(p);

	p = default_policy(15);
	for (int i = 0; i < 10; i++)
		assert_int_equal(step(p, NULL, 0), 500 * MS);
	policy_free(p);
}

static void points_appear_later(void **state)
{
	struct policy *p = default_policy(16);
	uint64_t d[] = { 100, 100, 0 };

	(void)state;
	assert_int_equal(policy_point_state(p, 0), POLICY_POINT_UNKNOWN);
	step(p, d, 1);
	assert_int_equal(policy_point_state(p, 0), POLICY_POINT_ACTIVE);
	assert_int_equal(policy_point_state(p, 1), POLICY_POINT_UNKNOWN);
	assert_int_equal(next_length(p), 500 * MS);
	step(p, d, 3);
	assert_int_equal(policy_point_state(p, 1), POLICY_POINT_ACTIVE);
	assert_int_equal(policy_point_state(p, 2), POLICY_POINT_WAITING);
	assert_int_equal(next_length(p), 1000 * MS);
	policy_free(p);
}

static void stats_count_experiments(void **state)
{
	struct policy *p = default_policy(17);
	struct policy_choice c;
	struct policy_stats st;
	struct policy_line_stats ls, all[2];
	int logged = 0, on[3] = { 0 }, base[3] = { 0 };

	(void)state;
	for (int i = 0; i < 30; i++)
		policy_note_sample(p, 1 + i % 2);
	for (int i = 0; i < 500; i++) {
		next_ok(p, 0, &c);
		on[c.line]++;
		base[c.line] += !c.speedup_pct;
		logged += i % 3 != 0;
		assert_int_equal(policy_done(p, &c, NULL, 0, i % 3 != 0), 0);
	}
	policy_stats(p, &st);
	assert_int_equal(st.samples, 30);
	assert_int_equal(st.experiments, 500);
	assert_int_equal(st.logged, logged);
	assert_int_equal(st.baselines, base[1] + base[2]);
	assert_int_equal(st.lines, 2);
	for (uint32_t line = 1; line <= 2; line++) {
		assert_true(policy_line_stats(p, line, &ls));
		assert_int_equal(ls.line, line);
		assert_int_equal(ls.experiments, on[line]);
		assert_int_equal(ls.baselines, base[line]);
	}
	assert_false(policy_line_stats(p, 3, &ls));
	/* truncated listing still says how many there are */
	assert_int_equal(policy_lines(p, all, 1), 2);
	assert_int_equal(policy_lines(p, all, 2), 2);
	assert_int_equal(all[0].experiments + all[1].experiments, 500);
	assert_true(all[0].line != all[1].line);
	policy_free(p);
}

/* the line index grows and rehashes: ids that are addresses or dense, thousands of them */
static void many_lines(void **state)
{
	struct policy *p = default_policy(18);
	struct policy_choice c = { .speedup_pct = 0, .length_ns = 500 * MS };
	struct policy_line_stats ls;
	struct policy_stats st;

	(void)state;
	for (uint32_t i = 1; i <= 5000; i++) {
		c.line = i;
		assert_int_equal(policy_done(p, &c, NULL, 0, true), 0);
		c.line = 0x400000 + 16 * i;
		assert_int_equal(policy_done(p, &c, NULL, 0, true), 0);
		assert_int_equal(policy_done(p, &c, NULL, 0, true), 0);
	}
	policy_stats(p, &st);
	assert_int_equal(st.lines, 10000);
	for (uint32_t i = 1; i <= 5000; i++) {
		assert_true(policy_line_stats(p, i, &ls));
		assert_int_equal(ls.experiments, 1);
		assert_true(policy_line_stats(p, 0x400000 + 16 * i, &ls));
		assert_int_equal(ls.experiments, 2);
		assert_int_equal(ls.baselines, 2);
	}
	assert_false(policy_line_stats(p, 5001, &ls));
	policy_free(p);
}

static struct policy *adaptive_policy(uint64_t seed, bool adaptive)
{
	struct policy_config cfg;

	policy_config_defaults(&cfg);
	cfg.seed = seed;
	cfg.adaptive = adaptive;
	return new_policy(&cfg);
}

/*
 * A flat profile: 50 lines sampled alike. A line counts as ranked (as the report would rank it)
 * once it has had 5 experiments; the driver then feeds its estimate, all near 0. Returns how many
 * lines were ranked after n experiments.
 */
static unsigned int ranked_after(uint64_t seed, bool adaptive, unsigned int n)
{
	struct policy *p = adaptive_policy(seed, adaptive);
	struct policy_estimate est[50];
	struct policy_line_stats ls;
	struct policy_choice c;
	unsigned int ranked = 0;

	for (int i = 0; i < 100; i++)
		for (uint32_t l = 1; l <= 50; l++)
			policy_note_sample(p, l);
	for (unsigned int k = 0; k < n; k++) {
		run_one(p, &c);
		ranked = 0;
		for (uint32_t l = 1; l <= 50; l++)
			if (policy_line_stats(p, l, &ls) && ls.experiments >= 5)
				est[ranked++] = (struct policy_estimate){ .line = l, .impact = 0, .se = 0.01 };
		policy_note_estimates(p, est, ranked);
	}
	policy_free(p);
	return ranked;
}

/* Coz's policy spreads 60 experiments over 50 lines; the adaptive one finishes lines first */
static void adaptive_finishes_lines_on_flat_profiles(void **state)
{
	unsigned int a = 0, s = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 5; seed++) {
		a += ranked_after(seed, true, 60);
		s += ranked_after(seed, false, 60);
	}
	print_message("lines ranked after 60 experiments, 5 seeds: adaptive %u, samples %u\n", a, s);
	if (a < 3 * s || a < 5 * 3)
		fail_msg("adaptive ranked %u lines over 5 seeds, samples %u", a, s);
}

/* shares of lines 1..3, sampled alike, over n draws */
static void draw_shares(struct policy *p, unsigned int n, double share[4])
{
	struct policy_choice c;
	unsigned long hits[4] = { 0 };

	for (unsigned int i = 0; i < n; i++) {
		next_ok(p, 0, &c);
		assert_true(c.line >= 1 && c.line <= 3);
		hits[c.line]++;
	}
	for (int l = 1; l <= 3; l++)
		share[l] = (double)hits[l] / n;
}

static void adaptive_passes_over_lines_that_cannot_lead(void **state)
{
	struct policy_choice c = { .speedup_pct = 0, .length_ns = 500 * MS };
	const struct policy_estimate est[] = {
		/* impact -/+ 2 SE: the leader 0.10..0.20 */
		{ .line = 1, .impact = 0.15, .se = 0.025 },
		/* -0.02..0.05: below the leader's lower bound */
		{ .line = 2, .impact = 0.015, .se = 0.0175 },
		/* 0.02..0.12: may still lead (with one SE, 0.045..0.095, it could not) */
		{ .line = 3, .impact = 0.07, .se = 0.025 },
	};
	struct policy_line_stats ls;
	double share[4];

	(void)state;
	for (int adaptive = 0; adaptive <= 1; adaptive++) {
		struct policy *p = adaptive_policy(21, adaptive);

		for (int i = 0; i < 1000; i++)
			for (uint32_t l = 1; l <= 3; l++)
				policy_note_sample(p, l);
		/* ten experiments each: nothing left to finish */
		for (uint32_t l = 1; l <= 3; l++)
			for (int i = 0; i < 10; i++) {
				c.line = l;
				assert_int_equal(policy_done(p, &c, NULL, 0, true), 0);
			}
		policy_note_estimates(p, est, 3);
		draw_shares(p, 30000, share);
		assert_true(policy_line_stats(p, 2, &ls));
		assert_int_equal(ls.passed_over, adaptive);
		assert_true(policy_line_stats(p, 3, &ls));
		assert_false(ls.passed_over);
		if (!adaptive) {
			/* Coz's policy ignores the estimates */
			if (fabs(share[2] - 1.0 / 3) > 0.02)
				fail_msg("samples policy drew line 2 %.3f of the time", share[2]);
		} else {
			/* redrawn 9 times in 10: about (1/3 * 1/10) / (2/3 + 1/30) = 0.048 */
			if (share[2] > 0.07 || share[2] < 0.02)
				fail_msg("adaptive policy drew line 2 %.3f of the time", share[2]);
			if (fabs(share[1] - share[3]) > 0.03)
				fail_msg("lines 1 and 3 drawn %.3f and %.3f", share[1], share[3]);
		}
		/* new estimates replace the old: line 2 may lead now */
		policy_note_estimates(p, est + 1, 1);
		assert_true(policy_line_stats(p, 2, &ls));
		assert_false(ls.passed_over);
		policy_free(p);
	}
}

/* A line clearly below 0 is passed over with no leader; NAN and unknown lines rank nothing. */
static void adaptive_estimates_edges(void **state)
{
	struct policy *p = adaptive_policy(22, true);
	struct policy_choice c = { .line = 1, .speedup_pct = 0, .length_ns = 500 * MS };
	const struct policy_estimate est[] = {
		{ .line = 1, .impact = -0.125, .se = 0.0375 },	/* -0.2..-0.05 */
		{ .line = 2, .impact = 0.1, .se = NAN },
		{ .line = 99, .impact = 0.55, .se = 0.01 },	/* never experimented on: ignored */
	};
	struct policy_line_stats ls;

	(void)state;
	assert_int_equal(policy_done(p, &c, NULL, 0, true), 0);
	c.line = 2;
	assert_int_equal(policy_done(p, &c, NULL, 0, true), 0);
	policy_note_estimates(p, est, 3);
	assert_true(policy_line_stats(p, 1, &ls));
	assert_true(ls.passed_over);
	assert_true(policy_line_stats(p, 2, &ls));
	assert_false(ls.passed_over);
	assert_false(policy_line_stats(p, 99, &ls));
	policy_free(p);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(defaults_are_coz_with_fixes),
	cmocka_unit_test(bad_configs_rejected),
	cmocka_unit_test(no_line_until_a_sample),
	cmocka_unit_test(same_seed_same_sequence),
	cmocka_unit_test(adjacent_seeds_differ),
	cmocka_unit_test(speedup_distribution),
	cmocka_unit_test(speedup_steps_divide_100),
	cmocka_unit_test(weighting_follows_recent_samples),
	cmocka_unit_test(weighting_proportional_to_samples),
	cmocka_unit_test(small_window),
	cmocka_unit_test(every_line_gets_baselines),
	cmocka_unit_test(zero_share_zero_gives_one_baseline_per_line),
	cmocka_unit_test(fixed_line),
	cmocka_unit_test(fixed_speedup),
	cmocka_unit_test(fixed_speedups_in_turn),
	cmocka_unit_test(delay_is_speedup_times_period),
	cmocka_unit_test(length_doubles_to_cap_and_halves_back),
	cmocka_unit_test(length_cap_not_a_power_of_two),
	cmocka_unit_test(length_per_point_minimum),
	cmocka_unit_test(dead_point_stops_stretching),
	cmocka_unit_test(dead_only_at_max_length),
	cmocka_unit_test(dead_after_configurable),
	cmocka_unit_test(all_points_dead_or_none_length_min),
	cmocka_unit_test(points_appear_later),
	cmocka_unit_test(stats_count_experiments),
	cmocka_unit_test(many_lines),
	cmocka_unit_test(adaptive_finishes_lines_on_flat_profiles),
	cmocka_unit_test(adaptive_passes_over_lines_that_cannot_lead),
	cmocka_unit_test(adaptive_estimates_edges),
};

UNIT_MAIN(tests, NULL, NULL)
