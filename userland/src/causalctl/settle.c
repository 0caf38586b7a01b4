// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The stop rule of --until-settled. It judges the profile exactly as the user will read it: the
 * file on disk, ranked by `causalctl report`'s defaults, so a run that stops "settled" prints
 * that same line first. A leader that merely got lucky once must keep its place for several
 * experiments and be clear of the runner-up by more than both standard errors.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "settle.h"

static void copy_name(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* Whether a line other than lead has a measured speedup, ranked or not. */
static bool others_measured(const struct report_result *r, const char *lead)
{
	size_t i;

	for (i = 0; i < r->nseries; i++)
		if (r->series[i].nused && strcmp(r->series[i].selected, lead))
			return true;
	return false;
}

/*
 * Whether the verdict on the leader is decided: its prediction at REPORT_VERDICT_SPEEDUP, with a
 * known error, is clear of 0 by that error, or precise enough that "about 0" is the answer.
 */
static bool verdict_decided(const struct report_series *lead, double *y, double *se)
{
	*y = *se = NAN;
	if (!report_predict(lead, REPORT_VERDICT_SPEEDUP, y, se) || !isfinite(*se))
		return false;
	return *y - *se > 0 || *y + *se < 0 || *se <= SETTLE_VERDICT_SE;
}

bool settle_feed(struct settle *s, const struct report_result *r)
{
	const struct report_series *lead, *run;

	s->settled = false;
	s->wait_runner = false;
	s->ranked = (unsigned int)r->nlines;
	s->lead_lo = s->runner_hi = NAN;
	s->verdict = s->verdict_se = NAN;
	s->verdict_open = false;
	s->runner[0] = '\0';
	if (!r->nlines) {
		s->leader[0] = '\0';
		s->streak = 0;
		return false;
	}
	lead = &r->series[r->lines[0].series[0]];
	if (strcmp(s->leader, lead->selected)) {
		copy_name(s->leader, sizeof(s->leader), lead->selected);
		s->streak = 0;
	}
	s->streak++;
	s->lead_lo = lead->impact - lead->impact_se;
	if (r->nlines > 1) {
		run = &r->series[r->lines[1].series[0]];
		copy_name(s->runner, sizeof(s->runner), run->selected);
		s->runner_hi = run->impact + run->impact_se;
	} else if (others_measured(r, lead->selected)) {
		/* other lines have data but no ranking yet: wait for a runner-up to compare with */
		s->runner_hi = NAN;
		s->wait_runner = true;
	} else {
		s->runner_hi = 0;
	}
	s->verdict_open = !verdict_decided(lead, &s->verdict, &s->verdict_se);
	/* NAN (a standard error not known yet) compares false: not settled */
	s->settled = s->streak >= SETTLE_STREAK && s->lead_lo > s->runner_hi && !s->verdict_open;
	return s->settled;
}

int settle_rank_file(const char *path, struct profile *p, struct report_result *r, char *err,
		     size_t errlen)
{
	int ret;

	memset(p, 0, sizeof(*p));
	ret = profile_read(path, p, err, errlen);
	if (ret)
		return ret;
	if (report_analyse(p, REPORT_DEFAULT_SORT, REPORT_DEFAULT_MIN_POINTS, r)) {
		profile_free(p);
		snprintf(err, errlen, "out of memory ranking %s", path);
		return -ENOMEM;
	}
	return 0;
}

int settle_update(struct settle *s, const char *path, char *err, size_t errlen)
{
	struct report_result r;
	struct profile p;
	int ret;

	ret = settle_rank_file(path, &p, &r, err, errlen);
	if (ret)
		return ret;
	settle_feed(s, &r);
	report_free(&r);
	profile_free(&p);
	return 0;
}

int settle_replay(const struct profile *p, struct settle *s, size_t *at, uint64_t *exp_ns)
{
	struct profile prefix = *p;
	struct report_result r;
	size_t k;

	memset(s, 0, sizeof(*s));
	*at = 0;
	*exp_ns = 0;
	for (k = 1; k <= p->nexps; k++) {
		*exp_ns += p->exps[k - 1].duration;
		/* the run ranks after each experiment it logs: the file up to that one */
		prefix.nexps = k;
		if (report_analyse(&prefix, REPORT_DEFAULT_SORT, REPORT_DEFAULT_MIN_POINTS, &r))
			return -ENOMEM;
		settle_feed(s, &r);
		report_free(&r);
		if (s->settled) {
			*at = k;
			return 0;
		}
	}
	return 0;
}
