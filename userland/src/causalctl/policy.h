/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The experiment policy of causalctl: which line to test next, at which speedup, for how long.
 * Pure logic: no I/O, no clock, its own seeded PRNG, so one seed gives one sequence of choices.
 */
#ifndef CAUSAL_POLICY_H
#define CAUSAL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Defaults; policy_config_defaults() sets them. See policy.c for why. */
#define POLICY_DEFAULT_PERIOD_NS	1000000ULL		/* the module's default period */
#define POLICY_DEFAULT_MIN_LENGTH_NS	500000000ULL		/* Coz */
#define POLICY_DEFAULT_MAX_LENGTH_NS	(16 * POLICY_DEFAULT_MIN_LENGTH_NS)	/* Coz HEAD: 8 s */
#define POLICY_DEFAULT_COOLOFF_NS	10000000ULL		/* Coz */
#define POLICY_DEFAULT_TARGET_DELTA	5U			/* Coz */
#define POLICY_DEFAULT_SPEEDUP_STEPS	20U			/* 5 % steps, as Coz */
#define POLICY_DEFAULT_ZERO_SHARE	(1.0 / 3.0)
#define POLICY_DEFAULT_WINDOW		4096U
#define POLICY_DEFAULT_DEAD_AFTER	2U
#define POLICY_MAX_WINDOW		(1U << 20)
#define POLICY_MAX_FIXED_SPEEDUPS	16U

struct policy_config {
	uint64_t period_ns;		/* sampling; delay per selected sample = speedup * period */
	uint64_t min_length_ns;		/* first and shortest experiment length */
	uint64_t max_length_ns;		/* doubling stops here; >= min_length_ns */
	uint64_t cooloff_ns;		/* pause after each experiment, passed on in each choice */
	unsigned int target_delta;	/* visits a counted progress point needs per experiment */
	unsigned int speedup_steps;	/* 1..100; 20 gives 5 %, 10 %, ... 100 % */
	double zero_share;		/* probability of a 0 % baseline, 0..1 */
	/* 0 = drawn; else the experiments take these (0..100) in turn, over and over */
	unsigned int fixed_speedups[POLICY_MAX_FIXED_SPEEDUPS];
	unsigned int nfixed_speedups;
	uint64_t seed;
	/* 0 in the fields below means the default, so a config that leaves them out still works */
	unsigned int window;		/* line choice draws from the last `window` samples */
	unsigned int dead_after;	/* zero-visit experiments at max length that kill a point */
	/*
	 * false: every line is drawn in proportion to its recent samples (Coz's policy). true:
	 * adaptive (policy.c): lines started are finished first, and lines that cannot lead, by the
	 * estimates of policy_note_estimates(), are passed over.
	 */
	bool adaptive;
};

struct policy_choice {
	uint32_t line;			/* the line to speed up virtually */
	unsigned int speedup_pct;	/* 0..100 */
	uint64_t delay_ns;		/* per selected sample: speedup_pct * period / 100 */
	uint64_t length_ns;		/* how long to run the experiment */
	uint64_t cooloff_ns;		/* how long to wait after it before the next */
	bool forced_baseline;		/* 0 % because the line lacked baselines, not drawn */
};

enum policy_point_state {
	POLICY_POINT_UNKNOWN,		/* no experiment has reported this point yet */
	POLICY_POINT_WAITING,		/* not moved yet; counted, so experiments stretch for it */
	POLICY_POINT_ACTIVE,		/* has moved; counted */
	POLICY_POINT_NEVER_REACHED,	/* never moved, not even at max length: no longer counted */
	POLICY_POINT_STALLED,		/* moved, then stopped even at max length: not counted */
};

struct policy_stats {
	uint64_t samples;		/* policy_note_sample() calls */
	uint64_t experiments;		/* policy_done() calls */
	uint64_t logged;		/* of those, with results written */
	uint64_t baselines;		/* experiments at 0 % */
	uint64_t forced_baselines;	/* of those, forced by the per-line baseline floor */
	uint64_t finished;		/* adaptive: choices that went on with a line not ranked yet */
	uint64_t redrawn;		/* adaptive: draws that fell on a line passed over, drawn again */
	uint64_t length_ns;		/* length of the next experiment */
	size_t lines;			/* distinct lines experimented on */
	size_t points;			/* progress points reported so far */
	size_t dead_points;		/* of those, no longer counted (never reached or stalled) */
};

struct policy_line_stats {
	uint32_t line;
	uint64_t experiments;
	uint64_t baselines;
	bool passed_over;		/* adaptive: ranked, and cannot lead (see policy.c) */
};

struct policy;

void policy_config_defaults(struct policy_config *cfg);
/* NULL with errno EINVAL for an inconsistent config, ENOMEM when out of memory. */
struct policy *policy_new(const struct policy_config *cfg);
void policy_free(struct policy *p);

/*
 * Every attributed in-scope sample; line ids are opaque and non-zero (0 is ignored). Samples taken
 * during an experiment at speedup > 0 slightly favour its line (the other threads sleep), but the
 * window spans several experiments, so that is diluted; the driver may leave them out.
 */
void policy_note_sample(struct policy *p, uint32_t line);

/*
 * Choose the next experiment. fixed_line != 0 forces the line. Returns false if no line can be
 * chosen yet (no in-scope sample seen): keep sampling and ask again.
 */
bool policy_next(struct policy *p, uint32_t fixed_line, struct policy_choice *out);

/*
 * After each experiment, whether or not its results could be written: the delta of every progress
 * point (throughput deltas; latency begin and end deltas as separate points), always in the same
 * order, new points appended. Adapts the length. Returns 0, or -ENOMEM if a new line or point could
 * not be tracked (the length still adapts to the points it knows). c->line 0 counts the experiment
 * but no line.
 */
int policy_done(struct policy *p, const struct policy_choice *c, const uint64_t *deltas,
		size_t n_points, bool logged);

/*
 * The adaptive policy's view of the answer so far: the ranked lines with their impact and its
 * standard error, as `causalctl report` ranks them. Replaces the previous estimates; a line left
 * out is not ranked (yet). Lines the policy has not met are ignored.
 */
struct policy_estimate {
	uint32_t line;
	double impact, se;
};

void policy_note_estimates(struct policy *p, const struct policy_estimate *e, size_t n);

enum policy_point_state policy_point_state(const struct policy *p, size_t point);
/* Indices of the points that no longer count, up to max of them; returns how many there are. */
size_t policy_dead_points(const struct policy *p, size_t *points, size_t max);

void policy_stats(const struct policy *p, struct policy_stats *out);
/* False if the line has had no experiment. */
bool policy_line_stats(const struct policy *p, uint32_t line, struct policy_line_stats *out);
/* Lines in the order of their first experiment, up to max of them; returns how many there are. */
size_t policy_lines(const struct policy *p, struct policy_line_stats *out, size_t max);

#endif /* CAUSAL_POLICY_H */
