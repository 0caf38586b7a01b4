/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The experiment policy: Coz's measured defaults, with the flaws listed in the reference notes
 * (§1.5-1.7, §7.9) fixed. Line: drawn from a window of recent samples; the adaptive policy
 * (below) finishes lines it has started and passes over lines that cannot lead. Speedup: 0 %
 * with a fixed share, else uniform over the steps, and every line gets baselines. Length: doubles
 * while a progress point that counts is starved, halves when all have plenty, and a point that
 * cannot move even at the longest length stops counting.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hashtable.h"
#include "policy.h"

struct line_stat {
	UT_hash_handle hh;		/* in policy.lines */
	uint32_t line;			/* the key */
	uint64_t experiments;
	uint64_t baselines;
	bool ranked;			/* in the last policy_note_estimates() */
	double lo, hi;			/* its impact -/+ PASS_OVER_Z standard errors, if ranked */
};

struct point {
	enum policy_point_state state;
	bool moved;			/* ever had a visit */
	unsigned int zero_at_cap;	/* consecutive zero-visit experiments at max length */
};

struct policy {
	struct policy_config cfg;
	uint64_t rng[4];		/* xoshiro256** */

	/* the last cfg.window in-scope samples: a draw from them is weighted by recent samples */
	uint32_t *window;
	size_t filled, head;

	/* per-line experiment counts: a uthash table, which iterates in first-experiment order */
	struct line_stat *lines;

	struct point *points;
	size_t npoints;

	uint64_t length_ns;
	uint64_t fixed_next;		/* the next of cfg.fixed_speedups, mod nfixed_speedups */
	double lead_lo;			/* adaptive: max(0, the best lo of a ranked line) */
	struct policy_stats stats;
};

/*
 * Share of 0 % baselines. The report ranks a line by how program speedup rises with line speedup.
 * With the rest spread evenly over 5..100 %, the variance of that least-squares slope goes as
 * 1 / Var(x), Var(x) = (1-z)E[x^2] - (1-z)^2 E[x]^2 for a 0 % share z (E[x] = 0.525,
 * E[x^2] = 0.359 over the non-zero steps), and is lowest at z = 0.35. 1/3 is within 0.1 % of
 * that; Coz's 8/28 adds 1 % to the variance, the paper's 50 % adds 5 %. Comparing each of k levels
 * with the baseline on its own (Dunnett's rule, z = 1 / (1 + sqrt(k))) would want 18 % for all
 * 20, but the report smooths neighbouring levels together (loess, bandwidth 0.4), which leaves
 * about 4 independent ones: 1/3 again.
 *
 * Window: 4096 samples is about 4 s of one busy thread at the 1 ms period (8 experiments of
 * 500 ms), or half a second of 8: enough that a burst from one thread does not decide the draw,
 * short enough to follow phases of a few seconds. Coz in effect used a window of one sample.
 *
 * Dead points: a point gets zero visits at max length twice in a row before it stops counting,
 * so one unlucky or phased experiment does not kill it; with the defaults it has had
 * 0.5 + 1 + 2 + 4 + 8 + 8 s of chances by then.
 */
void policy_config_defaults(struct policy_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->period_ns = POLICY_DEFAULT_PERIOD_NS;
	cfg->min_length_ns = POLICY_DEFAULT_MIN_LENGTH_NS;
	cfg->max_length_ns = POLICY_DEFAULT_MAX_LENGTH_NS;
	cfg->cooloff_ns = POLICY_DEFAULT_COOLOFF_NS;
	cfg->target_delta = POLICY_DEFAULT_TARGET_DELTA;
	cfg->speedup_steps = POLICY_DEFAULT_SPEEDUP_STEPS;
	cfg->zero_share = POLICY_DEFAULT_ZERO_SHARE;
	cfg->seed = 0;
	cfg->window = POLICY_DEFAULT_WINDOW;
	cfg->dead_after = POLICY_DEFAULT_DEAD_AFTER;
}

/* splitmix64 spreads the seed over xoshiro's state, so seeds 0, 1, 2 give unrelated streams */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct policy *p)
{
	uint64_t *s = p->rng;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* uniform in [0, n), n > 0, without modulo bias */
static uint64_t rng_below(struct policy *p, uint64_t n)
{
	uint64_t threshold = -n % n;	/* 2^64 mod n: the values of a short last round */
	uint64_t x;

	do
		x = rng_next(p);
	while (x < threshold);
	return x % n;
}

/* uniform in [0, 1) with 53 random bits */
static double rng_unit(struct policy *p)
{
	return (double)(rng_next(p) >> 11) * 0x1p-53;
}

static bool fixed_speedups_valid(const struct policy_config *c)
{
	for (unsigned int i = 0; i < c->nfixed_speedups && i < POLICY_MAX_FIXED_SPEEDUPS; i++)
		if (c->fixed_speedups[i] > 100)
			return false;
	return true;
}

static bool config_valid(const struct policy_config *c)
{
	return c->period_ns > 0 && c->period_ns <= UINT64_MAX / 100 &&
	       c->min_length_ns > 0 && c->max_length_ns >= c->min_length_ns &&
	       c->target_delta > 0 &&
	       c->speedup_steps >= 1 && c->speedup_steps <= 100 &&
	       isfinite(c->zero_share) && c->zero_share >= 0.0 && c->zero_share <= 1.0 &&
	       c->nfixed_speedups <= POLICY_MAX_FIXED_SPEEDUPS && fixed_speedups_valid(c) &&
	       c->window <= POLICY_MAX_WINDOW;
}

struct policy *policy_new(const struct policy_config *cfg)
{
	struct policy *p;
	uint64_t x;

	if (!cfg || !config_valid(cfg)) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->cfg = *cfg;
	if (!p->cfg.window)
		p->cfg.window = POLICY_DEFAULT_WINDOW;
	if (!p->cfg.dead_after)
		p->cfg.dead_after = POLICY_DEFAULT_DEAD_AFTER;
	p->window = calloc(p->cfg.window, sizeof(*p->window));
	if (!p->window) {
		free(p);
		return NULL;
	}
	x = cfg->seed;
	for (int i = 0; i < 4; i++)
		p->rng[i] = splitmix64(&x);
	p->length_ns = cfg->min_length_ns;
	return p;
}

void policy_free(struct policy *p)
{
	struct line_stat *l, *tmp;

	if (!p)
		return;
	free(p->window);
	HASH_ITER(hh, p->lines, l, tmp) {
		HASH_DEL(p->lines, l);
		free(l);
	}
	free(p->points);
	free(p);
}

void policy_note_sample(struct policy *p, uint32_t line)
{
	if (!line)
		return;
	p->window[p->head] = line;
	p->head = (p->head + 1) % p->cfg.window;
	if (p->filled < p->cfg.window)
		p->filled++;
	p->stats.samples++;
}

static struct line_stat *line_find(const struct policy *p, uint32_t line)
{
	struct line_stat *l;

	HASH_FIND(hh, p->lines, &line, sizeof(line), l);
	return l;
}

/* The line's entry, added if new; NULL without memory. */
static struct line_stat *line_get(struct policy *p, uint32_t line)
{
	struct line_stat *l = line_find(p, line);

	if (l)
		return l;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->line = line;
	HASH_ADD(hh, p->lines, line, sizeof(l->line), l);
	if (!hash_added(l)) {
		free(l);
		return NULL;
	}
	return l;
}

/*
 * The report drops a line that has no 0 % experiment, and its baseline is what every other
 * speedup of the line is compared with. So a line's first experiment is a baseline, and its
 * baselines never fall below half the configured share: b >= zero_share / 2 * experiments holds
 * after every experiment (forcing when the next one would break it keeps it by induction).
 */
static bool needs_baseline(const struct policy *p, uint32_t line)
{
	const struct line_stat *l = line_find(p, line);
	double floor;

	if (!l || !l->baselines)
		return true;
	floor = p->cfg.zero_share / 2 * (double)(l->experiments + 1);
	return (double)l->baselines < floor;
}

static unsigned int draw_speedup(struct policy *p)
{
	unsigned int steps = p->cfg.speedup_steps;

	if (rng_unit(p) < p->cfg.zero_share)
		return 0;
	return (unsigned int)(rng_below(p, steps) + 1) * 100 / steps;
}

/*
 * The adaptive policy, for profiles whose samples spread over many lines (Coz's policy draws each
 * line in proportion to its samples, so with 50 lines sampled alike no line gets the baseline and
 * three speedups a ranking needs before the run ends). Two rules, after successive elimination
 * in bandit problems:
 * - Finish what was started: half the choices go on with the line that has had the most
 *   experiments without being ranked yet (up to FINISH_MAX of them: a line that cannot be ranked,
 *   its progress never moving, does not hold the run), so lines reach a ranking one after another
 *   instead of all at once, late.
 * - Pass over lines that cannot lead: a ranked line whose impact plus twice its standard error is
 *   below max(0, the best impact less twice its standard error of any line) is drawn again, 9
 *   times in 10 (the tenth keeps a line that was unlucky, or a phase that changed, from being
 *   dropped for good). Twice: with one standard error (settle.h's rule) a line measured a few
 *   times, and high by chance, passed over the right one in 6 of 6 flat profiles
 *   (docs/bench-history.md).
 * Line ids and samples are as in Coz's policy, so a profile with one busy line behaves the same.
 */
#define FINISH_SHARE		0.5
#define PASS_OVER_Z		2.0
#define FINISH_MAX		10
#define RECHECK_SHARE		0.1
#define REDRAW_TRIES		32

static bool passed_over(const struct policy *p, const struct line_stat *l)
{
	return p->cfg.adaptive && l->ranked && l->hi < p->lead_lo;
}

static const struct line_stat *line_to_finish(const struct policy *p)
{
	const struct line_stat *best = NULL, *l;

	for (l = p->lines; l; l = l->hh.next) {
		if (l->ranked || !l->experiments || l->experiments >= FINISH_MAX)
			continue;
		if (!best || l->experiments > best->experiments)
			best = l;
	}
	return best;
}

static uint32_t adaptive_line(struct policy *p)
{
	const struct line_stat *l = NULL;
	uint32_t line = 0;

	if (rng_unit(p) < FINISH_SHARE) {
		l = line_to_finish(p);
		if (l) {
			p->stats.finished++;
			return l->line;
		}
	}
	for (int i = 0; i < REDRAW_TRIES; i++) {
		line = p->window[rng_below(p, p->filled)];
		l = line_find(p, line);
		if (!l || !passed_over(p, l) || rng_unit(p) < RECHECK_SHARE)
			break;
		p->stats.redrawn++;
	}
	return line;
}

void policy_note_estimates(struct policy *p, const struct policy_estimate *e, size_t n)
{
	p->lead_lo = 0;
	for (struct line_stat *l = p->lines; l; l = l->hh.next)
		l->ranked = false;
	for (size_t i = 0; i < n; i++) {
		struct line_stat *l = line_find(p, e[i].line);

		/* NAN (a standard error not known yet) ranks nothing out */
		if (!l || isnan(e[i].impact) || isnan(e[i].se))
			continue;
		l->ranked = true;
		l->lo = e[i].impact - PASS_OVER_Z * e[i].se;
		l->hi = e[i].impact + PASS_OVER_Z * e[i].se;
		if (l->lo > p->lead_lo)
			p->lead_lo = l->lo;
	}
}

bool policy_next(struct policy *p, uint32_t fixed_line, struct policy_choice *out)
{
	uint32_t line = fixed_line;
	unsigned int pct;
	bool forced = false;

	if (!line) {
		if (!p->filled)
			return false;
		line = p->cfg.adaptive ? adaptive_line(p) : p->window[rng_below(p, p->filled)];
	}
	if (p->cfg.nfixed_speedups) {
		pct = p->cfg.fixed_speedups[p->fixed_next++ % p->cfg.nfixed_speedups];
	} else {
		pct = draw_speedup(p);
		if (pct && needs_baseline(p, line)) {
			pct = 0;
			forced = true;
		}
	}
	*out = (struct policy_choice){
		.line = line,
		.speedup_pct = pct,
		.delay_ns = p->cfg.period_ns * pct / 100,
		.length_ns = p->length_ns,
		.cooloff_ns = p->cfg.cooloff_ns,
		.forced_baseline = forced,
	};
	return true;
}

static int points_grow(struct policy *p, size_t n)
{
	struct point *pts;

	if (n <= p->npoints)
		return 0;
	pts = reallocarray(p->points, n, sizeof(*pts));
	if (!pts)
		return -ENOMEM;
	for (size_t i = p->npoints; i < n; i++)
		pts[i] = (struct point){ .state = POLICY_POINT_WAITING };
	p->points = pts;
	p->npoints = n;
	return 0;
}

static bool point_counts(const struct point *pt)
{
	return pt->state == POLICY_POINT_WAITING || pt->state == POLICY_POINT_ACTIVE;
}

/*
 * Per-point minimum: a point counts if it moves, or has not yet had its chance; one that got no
 * visit even in experiments at max length cannot reach the target at any length allowed, so
 * stretching for it buys nothing (Coz's global minimum stretched every experiment for it).
 */
static void point_update(struct policy *p, struct point *pt, uint64_t delta, bool at_cap)
{
	if (delta) {
		pt->moved = true;
		pt->zero_at_cap = 0;
		pt->state = POLICY_POINT_ACTIVE;
		return;
	}
	if (!at_cap || !point_counts(pt))
		return;
	if (++pt->zero_at_cap >= p->cfg.dead_after)
		pt->state = pt->moved ? POLICY_POINT_STALLED : POLICY_POINT_NEVER_REACHED;
}

/*
 * Halve only when every counted point got at least 4x the target: halving halves the visits, so
 * each point still expects 2x the target, and a Poisson count with mean 10 falls below 5 only 3 %
 * of the time. Halving at 2x (Coz) lands at a mean of 5, below target about 44 % of the time,
 * so the length would flip between two values.
 */
#define HALVE_FACTOR 4

static void adapt_length(struct policy *p, const uint64_t *deltas, size_t n, uint64_t length)
{
	uint64_t target = p->cfg.target_delta;
	bool starved = false, plenty = true;

	for (size_t i = 0; i < n && i < p->npoints; i++) {
		if (!point_counts(&p->points[i]))
			continue;
		if (deltas[i] < target)
			starved = true;
		if (deltas[i] < HALVE_FACTOR * target)
			plenty = false;
	}
	/* with no counted point left, nothing justifies long experiments: plenty stays true */
	if (starved)
		length = length > p->cfg.max_length_ns / 2 ? p->cfg.max_length_ns : 2 * length;
	else if (plenty)
		length /= 2;
	if (length < p->cfg.min_length_ns)
		length = p->cfg.min_length_ns;
	if (length > p->cfg.max_length_ns)
		length = p->cfg.max_length_ns;
	p->length_ns = length;
}

int policy_done(struct policy *p, const struct policy_choice *c, const uint64_t *deltas,
		size_t n_points, bool logged)
{
	bool at_cap = c->length_ns >= p->cfg.max_length_ns;
	struct line_stat *l = c->line ? line_get(p, c->line) : NULL;
	int ret = 0;

	p->stats.experiments++;
	p->stats.logged += logged;
	if (!c->speedup_pct) {
		p->stats.baselines++;
		p->stats.forced_baselines += c->forced_baseline;
	}
	if (l) {
		l->experiments++;
		l->baselines += !c->speedup_pct;
	} else {
		ret = -ENOMEM;
	}

	if (points_grow(p, n_points))
		ret = -ENOMEM;
	for (size_t i = 0; i < n_points && i < p->npoints; i++)
		point_update(p, &p->points[i], deltas[i], at_cap);
	adapt_length(p, deltas, n_points, c->length_ns);
	return ret;
}

enum policy_point_state policy_point_state(const struct policy *p, size_t point)
{
	return point < p->npoints ? p->points[point].state : POLICY_POINT_UNKNOWN;
}

size_t policy_dead_points(const struct policy *p, size_t *points, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < p->npoints; i++) {
		if (point_counts(&p->points[i]))
			continue;
		if (n < max)
			points[n] = i;
		n++;
	}
	return n;
}

void policy_stats(const struct policy *p, struct policy_stats *out)
{
	*out = p->stats;
	out->length_ns = p->length_ns;
	out->lines = HASH_COUNT(p->lines);
	out->points = p->npoints;
	out->dead_points = policy_dead_points(p, NULL, 0);
}

bool policy_line_stats(const struct policy *p, uint32_t line, struct policy_line_stats *out)
{
	const struct line_stat *l = line_find(p, line);

	if (!l)
		return false;
	*out = (struct policy_line_stats){
		.line = l->line,
		.experiments = l->experiments,
		.baselines = l->baselines,
		.passed_over = passed_over(p, l),
	};
	return true;
}

size_t policy_lines(const struct policy *p, struct policy_line_stats *out, size_t max)
{
	const struct line_stat *l = p->lines;

	for (size_t i = 0; l && i < max; i++, l = l->hh.next)
		out[i] = (struct policy_line_stats){
			.line = l->line,
			.experiments = l->experiments,
			.baselines = l->baselines,
			.passed_over = passed_over(p, l),
		};
	return HASH_COUNT(p->lines);
}
