/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * When a run has its answer (run/attach --until-settled): the line `causalctl report` ranks first
 * by default has led for the last SETTLE_STREAK experiments, and its lower bound (impact less its
 * standard error) is above the runner-up's upper bound (impact plus its standard error), or above
 * 0 when it is the only line measured at all. A lone ranked line while others have data but too
 * few speedups to rank waits for a runner-up. And the verdict on the leader (its predicted effect
 * at REPORT_VERDICT_SPEEDUP) is decided: it and its standard error do not straddle 0, or the
 * error is at most SETTLE_VERDICT_SE (then "about 0" is an answer too). A clear leader whose
 * effect could as well be a gain as a loss is not an answer yet.
 */
#ifndef CAUSALCTL_SETTLE_H
#define CAUSALCTL_SETTLE_H

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

#define SETTLE_STREAK	5
/* a verdict this precise is an answer whatever its sign */
#define SETTLE_VERDICT_SE	0.02

struct settle {
	char leader[256];		/* the top-ranked line after the last experiment, "" if none */
	unsigned int streak;		/* experiments it has led, this one included */
	unsigned int ranked;		/* ranked lines after the last experiment */
	double lead_lo;			/* its impact less its standard error (NAN: unknown) */
	char runner[256];		/* the runner-up, "" if none */
	double runner_hi;		/* its impact plus its standard error (NAN: unknown) */
	bool wait_runner;		/* the leader is the only ranked line of several measured */
	double verdict, verdict_se;	/* the leader's predicted effect and its error (NAN: none) */
	bool verdict_open;		/* the verdict is not decided (see above) */
	bool settled;
};

/* Takes the ranking after one more experiment; true (and s->settled) once the rule holds. */
bool settle_feed(struct settle *s, const struct report_result *r);
/*
 * Reads the profile at path into *p and ranks it into *r as `causalctl report` does by default;
 * the caller frees both (report_free, profile_free). 0, or -errno with a message in err.
 */
int settle_rank_file(const char *path, struct profile *p, struct report_result *r, char *err,
		     size_t errlen);
/* settle_rank_file(), then settle_feed(). 0, or -errno with a message in err. */
int settle_update(struct settle *s, const char *path, char *err, size_t errlen);

/*
 * Replays a profile one experiment at a time, ranking each prefix as the run would have: the
 * number of experiments after which the rule first held (s then), or 0 if it never did (s at the
 * end); *exp_ns the experiment time up to there (or in all). -ENOMEM, or 0.
 */
int settle_replay(const struct profile *p, struct settle *s, size_t *at, uint64_t *exp_ns);

#endif /* CAUSALCTL_SETTLE_H */
