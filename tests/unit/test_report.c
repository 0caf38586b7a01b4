/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for `causalctl report`: the maths on small profiles with values computed by hand,
 * the filters and their counts, the ranking, and the JSON, HTML and trace outputs.
 */
#include <math.h>
#include <limits.h>
#include <unistd.h>

#include "profile_unit.h"

#define EPS 1e-9

UNIT_SCRATCH_DIR("/tmp/causal-unit-report-XXXXXX")

/* One legacy experiment followed by a throughput point "main.c:73". */
static void tp(FILE *f, const char *sel, int pct, uint64_t dur, uint64_t delta)
{
	fprintf(f, "experiment\tselected=%s\tspeedup=%.2f\tduration=%lu\tselected-samples=1\n"
		"throughput-point\tname=main.c:73\tdelta=%lu\n", sel, pct / 100.0, (unsigned long)dur,
		(unsigned long)delta);
}

/*
 * A profile's text written record by record (tp(), fprintf): f = text_begin(), the records, then
 * text = text_end(f). One at a time.
 */
static char *text_buf;
static size_t text_len;

static FILE *text_begin(void)
{
	FILE *f = open_memstream(&text_buf, &text_len);

	assert_non_null(f);
	return f;
}

static char *text_end(FILE *f)
{
	assert_int_equal(fclose(f), 0);
	return text_buf;
}

/*
 * What a command test made, the test's until its teardown (kept_teardown), whether it passed or
 * not: the strings it kept (keep(): profile texts, paths, files read back) and its report runs.
 */
static void *kept[24];
static size_t nkept;
static struct cli_run runs[8];
static size_t nruns;

/* p, malloc'd and not NULL, kept until the test's teardown */
static void *keep(void *p)
{
	assert_non_null(p);
	assert_true(nkept < ARRAY_SIZE(kept));
	kept[nkept++] = p;
	return p;
}

static int kept_teardown(void **state)
{
	(void)state;
	while (nkept)
		free(kept[--nkept]);
	while (nruns)
		cli_run_done(&runs[--nruns]);
	return 0;
}

#define command_test(f) cmocka_unit_test_teardown(f, kept_teardown)

/*
 * Each analysing test's profile, its analysis and the text they were read from (when built with
 * text_end()): made by analyse(), freed by the test's teardown, whether it passed or not, with
 * what the test kept.
 */
struct analysis {
	struct profile p;
	struct report_result r;
	char *text;
};

static struct analysis the_analysis;

static int analysis_setup(void **state)
{
	memset(&the_analysis, 0, sizeof(the_analysis));
	*state = &the_analysis;
	return 0;
}

static void analysis_free(struct analysis *a)
{
	report_free(&a->r);
	profile_free(&a->p);
	free(a->text);
}

static int analysis_teardown(void **state)
{
	analysis_free(*state);
	return kept_teardown(state);
}

#define analysis_test(f) cmocka_unit_test_setup_teardown(f, analysis_setup, analysis_teardown)

/* The analysis of text sorted by sort, after freeing the test's previous one; the analysis must not fail. */
static const struct report_result *analyse(void **state, const char *text, enum report_sort sort,
					   unsigned int min_points)
{
	struct analysis *a = *state;

	analysis_free(a);
	analysis_setup(state);
	profile_read_text(&a->p, text);
	assert_int_equal(report_analyse(&a->p, sort, min_points, &a->r), 0);
	return &a->r;
}

/* analyse() of text from text_end(), which the analysis then owns. */
static const struct report_result *analyse_built(void **state, char *text, enum report_sort sort,
						 unsigned int min_points)
{
	const struct report_result *r = analyse(state, text, sort, min_points);

	((struct analysis *)*state)->text = text;
	return r;
}

/* The same profile analysed again, sorted by sort. */
static const struct report_result *reanalyse(void **state, enum report_sort sort, unsigned int min_points)
{
	struct analysis *a = *state;

	report_free(&a->r);
	assert_int_equal(report_analyse(&a->p, sort, min_points, &a->r), 0);
	return &a->r;
}

/* The text report of r (see report_print_text), in c until capture_close(). */
static const char *print_text(struct capture *c, const struct report_result *r, bool verdict, int width)
{
	capture_open(c);
	report_print_text(c->f, r, 0, verdict, width);
	return capture_text(c);
}

static const char *print_verdict(struct capture *c, const struct report_result *r)
{
	capture_open(c);
	report_print_verdict(c->f, r);
	return capture_text(c);
}

static const struct report_series *series_of(const struct report_result *r, const char *sel)
{
	size_t i;

	for (i = 0; i < r->nseries; i++)
		if (!strcmp(r->series[i].selected, sel))
			return &r->series[i];
	fail_msg("no series for %s", sel);
	return NULL;
}

static const struct report_agg *agg_of(const struct report_series *s, int pct)
{
	size_t i;

	for (i = 0; i < s->naggs; i++)
		if (s->aggs[i].speedup_pct == pct)
			return &s->aggs[i];
	fail_msg("no %d%% aggregate", pct);
	return NULL;
}

/*
 * Coz's sqlite record (legacy, historic progress-point) plus two baselines:
 *   p0 = (500000000 + 500000000) / (2000 + 2000) = 250000 ns per visit
 *   p55 = 500214432 / 2034 = 245926.46607669618
 *   progress speedup = (250000 - 245926.46607669618) / 250000 = 0.016294135693215
 *   impact: trapezoid (0,0)-(0.55,y) has area 0.55 * y / 2, over 0.55: y / 2 = 0.0081470678466
 *   slope through (0,0) and (0.55,y): y / 0.55 = 0.0296257012604
 */
static void sqlite_legacy_maths(void **state)
{
	static const char text[] =
		"startup\ttime=1427223983237973526\n"
		"experiment\tselected=sqlite3.c:123263\tspeedup=0.00\tduration=500000000\tselected-samples=0\n"
		"progress-point\tname=main.c:73\ttype=source\tdelta=2000\n"
		"experiment\tselected=sqlite3.c:123263\tspeedup=0.55\tduration=500214432\tselected-samples=0\n"
		"progress-point\tname=main.c:73\ttype=source\tdelta=2034\n"
		"experiment\tselected=sqlite3.c:123263\tspeedup=0.00\tduration=500000000\tselected-samples=0\n"
		"progress-point\tname=main.c:73\ttype=source\tdelta=2000\n"
		"shutdown\ttime=1427224000600601814\tsamples=12456\n";
	const struct report_result *r = analyse(state, text, REPORT_SORT_IMPACT, 2);
	const struct report_series *s;

	assert_int_equal(r->nseries, 1);
	s = &r->series[0];
	assert_true(s->ranked);
	assert_int_equal(s->nused, 2);
	assert_int_equal(s->experiments, 3);
	assert_int_equal(agg_of(s, 0)->delta, 4000);
	assert_int_equal(agg_of(s, 0)->duration, 1000000000);
	assert_int_equal(agg_of(s, 0)->experiments, 2);
	assert_float_equal(agg_of(s, 0)->period, 250000, EPS);
	assert_float_equal(agg_of(s, 55)->period, 245926.46607669618, 1e-6);
	assert_float_equal(agg_of(s, 55)->progress_speedup, 0.016294135693215, 1e-12);
	assert_float_equal(s->impact, 0.0081470678466, 1e-12);
	assert_float_equal(s->slope, 0.0296257012604, 1e-12);
	assert_float_equal(s->max, 0.016294135693215, 1e-12);
	assert_float_equal(s->min, 0, EPS);
	assert_int_equal(r->nlines, 1);
	/* the default minimum of 5 distinct speedups filters it, and says so */
	r = reanalyse(state, REPORT_SORT_IMPACT, REPORT_DEFAULT_MIN_POINTS);
	assert_int_equal(r->nlines, 0);
	assert_int_equal(r->few_points, 1);
	assert_int_equal(r->lines_few_points, 1);
}

/*
 * Latency, Little's law: W = difference / (arrivals / duration), difference averaged over
 * experiments weighted by duration.
 *   0 %:  (1e9 s, 100 arrivals, difference 10) and (3e9, 300, 20):
 *         difference = (10 * 1e9 + 20 * 3e9) / 4e9 = 17.5; W0 = 17.5 / (400 / 4e9) = 1.75e8
 *   50 %: (2e9, 200, 7): W = 7 / (200 / 2e9) = 7e7
 *   progress speedup = (1.75e8 - 7e7) / 1.75e8 = 0.6: the latency fell, so the program is faster
 */
static void latency_littles_law(void **state)
{
	static const char text[] =
		"{\"type\":\"experiment\",\"selected\":\"/s/q.c:9\",\"speedup\":0.00,\"duration\":1000000000}\n"
		"{\"type\":\"latency-point\",\"name\":\"req\",\"arrivals\":100,\"departures\":99,\"difference\":10}\n"
		"{\"type\":\"experiment\",\"selected\":\"/s/q.c:9\",\"speedup\":0.00,\"duration\":3000000000}\n"
		"{\"type\":\"latency-point\",\"name\":\"req\",\"arrivals\":300,\"departures\":290,\"difference\":20}\n"
		"{\"type\":\"experiment\",\"selected\":\"/s/q.c:9\",\"speedup\":0.50,\"duration\":2000000000}\n"
		"{\"type\":\"latency-point\",\"name\":\"req\",\"arrivals\":200,\"departures\":200,\"difference\":7}\n";
	const struct report_result *r = analyse(state, text, REPORT_SORT_IMPACT, 2);
	const struct report_series *s = series_of(r, "/s/q.c:9");

	assert_int_equal(s->kind, PROFILE_LATENCY);
	assert_float_equal(agg_of(s, 0)->difference, 17.5, EPS);
	assert_int_equal(agg_of(s, 0)->arrivals, 400);
	assert_int_equal(agg_of(s, 0)->departures, 389);
	assert_float_equal(agg_of(s, 0)->period, 1.75e8, 1e-3);
	assert_float_equal(agg_of(s, 50)->period, 7e7, 1e-3);
	/* latency fell from 1.75e8 to 7e7: +60 %, a speedup; no second flip (Coz's viewer shows -60 %) */
	assert_float_equal(agg_of(s, 50)->progress_speedup, 0.6, EPS);
	assert_true(s->ranked);
	assert_float_equal(s->max, 0.6, EPS);
	/* the two baselines are a repeat (W of 1e8 and 2e8): one degree of freedom, too few for a noise */
	assert_int_equal(r->npoints, 1);
	assert_int_equal(r->points[0].noise_dof, 1);
	assert_true(isnan(r->points[0].noise));
	assert_true(isnan(s->impact_se));
}

/*
 * Baselines: line B has no 0 % experiment (dropped, counted); line T's baseline has only 3
 * visits (< MIN_DELTA = 5: dropped, counted); line A's 20 % point has 4 visits (dropped, counted)
 * and its 40 % value is (1e6 - 1e9/200) / 1e6 = -4 < -1 (out of range, counted).
 */
static void baseline_and_delta_filters(void **state)
{
	const struct report_result *r;
	const struct report_series *s;
	struct capture c;
	char *text;
	FILE *f = text_begin();

	tp(f, "/B.c:1", 50, 1000000000, 1000);
	tp(f, "/T.c:1", 0, 1000000000, 3);
	tp(f, "/T.c:1", 50, 1000000000, 1000);
	tp(f, "/A.c:1", 0, 1000000000, 1000);
	tp(f, "/A.c:1", 20, 1000000000, 4);
	tp(f, "/A.c:1", 40, 1000000000, 200);
	tp(f, "/A.c:1", 60, 1000000000, 1250);
	text = text_end(f);
	r = analyse_built(state, text, REPORT_SORT_IMPACT, 2);
	assert_int_equal(r->nseries, 3);
	assert_int_equal(r->no_baseline, 1);
	assert_int_equal(r->thin_baseline, 1);
	assert_int_equal(r->thin_points, 1);
	assert_int_equal(r->out_of_range, 1);
	s = series_of(r, "/A.c:1");
	assert_int_equal(s->nused, 2);
	assert_false(agg_of(s, 20)->used);
	assert_false(agg_of(s, 40)->used);
	assert_float_equal(agg_of(s, 60)->progress_speedup, 0.2, EPS);
	assert_int_equal(r->nlines, 1);
	assert_contains(print_text(&c, r, false, 0), "dropped: 1 line/point series without a 0% speedup experiment");
	assert_contains(c.buf, "dropped: 1 line/point series whose 0% baseline has fewer than 5 visits");
	assert_contains(c.buf, "dropped: 1 speedup values with fewer than 5 visits");
	assert_contains(c.buf, "dropped: 1 speedup values with program speedup outside");
	capture_close(&c);
}

/*
 * Two lines whose order depends on the score (throughput; p0 = 1e9 / 1000 = 1e6):
 *   P: 0 %: 0, then 0.2 at 25, 50, 75 and 100 % (delta 1250: p = 8e5)
 *      impact: areas 0.025, 0.075, 0.125, 0.175 over x = 0.1, 0.15, 0.1667, 0.175 -> 0.175
 *      slope: Sxy = 0.10, Sxx = 0.625 -> 0.16; max 0.2
 *   Q: 0 at 0, 25 and 50 %, 0.1 at 75 % (9e8 / 1000), 0.5 at 100 % (1e9 / 2000)
 *      impact: 0, 0, 0.0125 / 0.75 = 0.01667, 0.0875 / 1 = 0.0875 -> 0.0875
 *      slope, weighted by experiment time (1, 1, 1, 0.9, 1 s): W = 4.9, Sx = 2.425, Sy = 0.59,
 *      Sxx = 1.81875, Sxy = 0.5675 -> (W Sxy - Sx Sy) / (W Sxx - Sx^2) = 1.35 / 3.03125; max 0.5
 *   C (contention): 0 at 0 %, -0.25 at 25 .. 100 % (delta 800: p = 1.25e6)
 */
static char *ranking_profile(void)
{
	char *text;
	FILE *f = text_begin();
	int pct;

	for (pct = 0; pct <= 100; pct += 25) {
		tp(f, "/P.c:1", pct, 1000000000, pct ? 1250 : 1000);
		tp(f, "/Q.c:2", pct, pct == 75 ? 900000000 : 1000000000, pct == 100 ? 2000 : 1000);
		tp(f, "/C.c:3", pct, 1000000000, pct ? 800 : 1000);
	}
	text = text_end(f);
	return text;
}

/*
 * The slope weighs each speedup by its experiment time. R: 0 % for 1 s (p0 = 1e6), 50 % for 4.5 s
 * at 0.1 (delta 5000: p = 9e5), 100 % once for 0.1 s at 0.9 (delta 1000: p = 1e5). Unweighted,
 * the short outlier would make the slope 0.9; weighted (1, 4.5, 0.1): W = 5.6, Sx = 2.35,
 * Sy = 0.54, Sxx = 1.225, Sxy = 0.315 -> 0.495 / 1.3375.
 */
static void slope_weighs_experiment_time(void **state)
{
	const struct report_result *r;
	const struct report_series *s;
	char *text;
	FILE *f = text_begin();

	tp(f, "/R.c:1", 0, 1000000000, 1000);
	tp(f, "/R.c:1", 50, 4500000000, 5000);
	tp(f, "/R.c:1", 100, 100000000, 1000);
	text = text_end(f);
	r = analyse_built(state, text, REPORT_SORT_SLOPE, 3);
	s = series_of(r, "/R.c:1");
	assert_float_equal(agg_of(s, 100)->progress_speedup, 0.9, EPS);
	assert_float_equal(s->slope, 0.495 / 1.3375, EPS);
}

static void ranking(void **state)
{
	const struct report_result *r;
	char *text = ranking_profile();
	const struct report_series *s;

	r = analyse_built(state, text, REPORT_SORT_IMPACT, 5);
	s = series_of(r, "/P.c:1");
	assert_float_equal(s->impact, 0.175, EPS);
	assert_float_equal(s->slope, 0.16, EPS);
	assert_float_equal(s->max, 0.2, EPS);
	s = series_of(r, "/Q.c:2");
	assert_float_equal(s->impact, 0.0875, EPS);
	assert_float_equal(s->slope, 1.35 / 3.03125, EPS);
	assert_float_equal(s->max, 0.5, EPS);
	s = series_of(r, "/C.c:3");
	assert_float_equal(s->impact, -0.125, EPS);	/* -0.03125 / 0.25 at x = 0.25, lower after */
	assert_float_equal(s->min, -0.25, EPS);
	assert_int_equal(r->nlines, 3);
	assert_string_equal(r->lines[0].selected, "/P.c:1");
	assert_string_equal(r->lines[1].selected, "/Q.c:2");
	assert_string_equal(r->lines[2].selected, "/C.c:3");

	r = reanalyse(state, REPORT_SORT_SLOPE, 5);
	assert_string_equal(r->lines[0].selected, "/Q.c:2");
	assert_string_equal(r->lines[1].selected, "/P.c:1");
	r = reanalyse(state, REPORT_SORT_MAX, 5);
	assert_string_equal(r->lines[0].selected, "/Q.c:2");
	r = reanalyse(state, REPORT_SORT_MIN, 5);
	assert_string_equal(r->lines[0].selected, "/C.c:3");
	assert_float_equal(r->lines[0].score, -0.25, EPS);
}

/* The verdict line: the top line's program speedup at a 20 % line speedup, interpolated. */
static void verdict_and_prediction(void **state)
{
	const struct report_result *r;
	char *text = ranking_profile();
	const struct report_series *s;
	struct capture c;
	double y, se;

	r = analyse_built(state, text, REPORT_SORT_IMPACT, 5);
	/*
	 * P: 0 at 0 %, 0.2 from 25 % on, 1 s each. At 20 % the window widens to h = 0.35 for three
	 * speedups: 0, 25 and 50 % weigh 3/7, 6/7 and 1/7; the weighted line through (0, 0),
	 * (0.25, 0.2), (0.5, 0.2) is 1/30 + 8/15 x: 0.14 at 0.2. At 100 %: h = 0.55, three points at 0.2.
	 */
	s = series_of(r, "/P.c:1");
	assert_true(report_predict(s, 0.20, &y, &se));
	assert_float_equal(y, 0.14, EPS);
	assert_true(report_predict(s, 1.0, &y, &se));
	assert_float_equal(y, 0.2, EPS);
	assert_contains(print_text(&c, r, true, 0), "\nverdict: speeding up /P.c:1 by 20 % would speed the program up by "
			"about 14 % (progress point main.c:73)\n");
	capture_close(&c);
	/* sorted by min, the line that only hurts comes first (-0.25 from 25 %; -0.175 fitted): none helps */
	r = reanalyse(state, REPORT_SORT_MIN, 5);
	assert_string_equal(print_verdict(&c, r), "verdict: none of the 3 ranked lines would speed the program up; "
			    "the best, /C.c:3, changes progress at main.c:73 by -17.5 % when sped up by 20 %\n");
	capture_close(&c);

	/* measured only up to 10 %: nothing to say about 20 % */
	{
			FILE *f = text_begin();
		int pct;

		for (pct = 0; pct <= 10; pct += 2)
			tp(f, "/S.c:5", pct, 1000000000, 1000 + 10 * pct);
		text = text_end(f);
	}
	r = analyse_built(state, text, REPORT_SORT_IMPACT, 5);
	assert_false(report_predict(series_of(r, "/S.c:5"), 0.20, &y, &se));
	assert_string_equal(print_verdict(&c, r), "verdict: /S.c:5 ranks first, but no experiment sped it up by 20 % or more\n");
	capture_close(&c);

	/* --fixed-speedup 0,30: 30 % is measured, but two speedups do not make a fit at 20 % */
	{
			FILE *f = text_begin();
		int i;

		for (i = 0; i < 6; i++)
			tp(f, "/T.c:7", i % 2 ? 30 : 0, 1000000000, i % 2 ? 1100 : 1000);
		text = text_end(f);
	}
	r = analyse_built(state, text, REPORT_SORT_IMPACT, 2);
	assert_false(report_predict(series_of(r, "/T.c:7"), 0.20, &y, &se));
	assert_string_equal(print_verdict(&c, r), "verdict: /T.c:7 ranks first, but its experiments have 2 "
			    "distinct speedups; predicting 20 % takes 3\n");
	capture_close(&c);
}

/*
 * Series group into lines by the selected line, whatever the order of the records: two points
 * of one line make one entry with two series, best first, among lines that interleave with it.
 */
static void lines_group_their_series(void **state)
{
	const struct report_result *r;
	char *text;
	FILE *f = text_begin();
	int pct, k;

	for (pct = 0; pct <= 100; pct += 25)
		for (k = 0; k < 3; k++)
			fprintf(f, "experiment\tselected=/L%d.c:1\tspeedup=%.2f\tduration=1000000000\n"
				"throughput-point\tname=fast\tdelta=%d\n"
				"throughput-point\tname=slow\tdelta=%d\n", k, pct / 100.0,
				pct ? 1000 + 100 * k : 1000, pct ? 1000 + 50 * k : 1000);
	text = text_end(f);
	r = analyse_built(state, text, REPORT_SORT_IMPACT, 5);
	assert_int_equal(r->nseries, 6);
	assert_int_equal(r->nlines, 3);
	/* L2 gains most at both points, then L1; L0 gains nothing */
	assert_string_equal(r->lines[0].selected, "/L2.c:1");
	assert_string_equal(r->lines[1].selected, "/L1.c:1");
	assert_string_equal(r->lines[2].selected, "/L0.c:1");
	for (k = 0; k < 3; k++) {
		assert_int_equal(r->lines[k].nseries, 2);
		assert_string_equal(r->series[r->lines[k].series[0]].selected, r->lines[k].selected);
		assert_string_equal(r->series[r->lines[k].series[1]].selected, r->lines[k].selected);
	}
	/* within a line, the better series first: "fast" gains twice what "slow" does */
	assert_string_equal(r->series[r->lines[0].series[0]].point, "fast");
	assert_string_equal(r->series[r->lines[0].series[1]].point, "slow");
}

/* Display columns of each line of text up to the first line starting with prefix (UTF-8 aware). */
static int widest_line(const char *text, const char *stop)
{
	int w = 0, cur = 0;
	const char *p;

	for (p = text; *p; p++) {
		if (*p == '\n') {
			w = cur > w ? cur : w;
			cur = 0;
			if (!strncmp(p + 1, stop, strlen(stop)))
				break;
		} else if (((unsigned char)*p & 0xc0) != 0x80) {
			cur++;
		}
	}
	return w;
}

/* The table fits the width it is given: names shortened from the head, then the plot left out. */
static void table_fits_the_terminal(void **state)
{
	const struct report_result *r;
	static const char *const dirs[] = { "/home/someone/projects/a-rather-long-project-name/src/net",
					     "/home/someone/projects/a-rather-long-project-name/src/db" };
	char *text;
	FILE *f = text_begin();
	struct capture c;
	int pct, k;

	for (pct = 0; pct <= 100; pct += 25)
		for (k = 0; k < 2; k++)
			fprintf(f, "experiment\tselected=%s/connection_handler.c:%d\tspeedup=%.2f\tduration=1000000000\n"
				"throughput-point\tname=requests_completed_per_connection\tdelta=%d\n", dirs[k], 100 + k,
				pct / 100.0, pct ? 1100 + 100 * k : 1000);
	text = text_end(f);
	r = analyse_built(state, text, REPORT_SORT_IMPACT, 5);
	/* unlimited: the names' widths (capped at 48) and the plot */
	print_text(&c, r, false, 0);
	assert_true(widest_line(c.buf, "sorted by") > 130);
	assert_contains(c.buf, "0% .. line speedup .. 100%");
	capture_close(&c);
	/* 120 columns: shorter names, the plot kept; the file name and line survive */
	print_text(&c, r, false, 120);
	assert_true(widest_line(c.buf, "sorted by") <= 120);
	assert_contains(c.buf, "0% .. line speedup .. 100%");
	assert_contains(c.buf, "handler.c:101  ");
	capture_close(&c);
	/* 90: no room for the plot beside names worth reading */
	print_text(&c, r, true, 90);
	assert_true(widest_line(c.buf, "sorted by") <= 90);
	assert_not_contains(c.buf, "line speedup ..");
	assert_contains(c.buf, ".c:101  ");
	capture_close(&c);
}

/* Names from a profile reach the terminal without their control characters (an ESC, a BEL, C1). */
static void control_characters_in_names(void **state)
{
	const struct report_result *r;
	char *text;
	FILE *f = text_begin();
	struct capture c;
	int pct;

	for (pct = 0; pct <= 100; pct += 25)
		fprintf(f, "experiment\tselected=/x\x1b]0;pwned\x07.c:1\tspeedup=%.2f\tduration=1000000000\n"
			"throughput-point\tname=p\x1b[31m\xc2\x9b" "2J\tdelta=%d\n", pct / 100.0, pct ? 1250 : 1000);
	text = text_end(f);
	r = analyse_built(state, text, REPORT_SORT_IMPACT, 5);
	print_text(&c, r, true, 0);
	assert_null(strchr(c.buf, '\x1b'));
	assert_null(strchr(c.buf, '\x07'));
	assert_null(strstr(c.buf, "\xc2\x9b"));
	assert_contains(c.buf, "/x?]0;pwned?.c:1");
	assert_contains(c.buf, "p?[31m?2J");
	assert_contains(c.buf, "verdict: speeding up /x?]0;pwned?.c:1 by 20 %");
	capture_close(&c);
}

/*
 * The verdict's fit widens past the first window holding three speedups while its error is above
 * REPORT_PREDICT_SE. V: 4 s at 0 %; 0.1 s each at 10..40 % measured at -10 % (short, noisy); 4 s
 * each at 60, 80 and 100 % at +30 % (impact about +10 %). The narrowest window (h = 0.25: 0..40 %) follows the short
 * experiments below 0; the wider ones reach the long experiments and their smaller error, and
 * the prediction at 20 % comes out above 0, as V's impact does. The noise is se_profile's (N's
 * baselines).
 */
static void prediction_widens_while_noisy(void **state)
{
	const struct report_result *r;
	const struct report_series *s;
	struct capture c;
	double y, se;
	char *text;
	FILE *f = text_begin();
	int pct, i;

	tp(f, "/V.c:4", 0, 4000000000, 4000);
	for (pct = 10; pct <= 40; pct += 10)
		tp(f, "/V.c:4", pct, 100000000, 91);	/* period 1.1e6: y = -0.1 */
	for (pct = 60; pct <= 100; pct += 20)
		tp(f, "/V.c:4", pct, 4000000000, 5714);	/* period 7e5: y = +0.3 */
	for (i = 0; i < 4; i++)
		tp(f, "/N.c:9", 0, 1000000000, i % 2 ? 1250 : 1000);
	text = text_end(f);
	r = analyse_built(state, text, REPORT_SORT_IMPACT, 3);
	s = series_of(r, "/V.c:4");
	assert_true(s->impact > 0);
	assert_true(report_predict(s, 0.20, &y, &se));
	assert_true(isfinite(se));
	assert_true(y > 0);
	assert_contains(print_verdict(&c, r), "verdict: speeding up /V.c:4 by 20 % would speed the program up by");
	capture_close(&c);
}

/*
 * The impact's standard error, and the ranking by impact less it (throughput, 1 s = 1e9 ns).
 *   noise: N's four 0 % baselines of 1 s at periods 1e6, 8e5, 1e6, 8e5 (mean 9e5):
 *     sum t (q - 9e5)^2 = 4 * 1e10 = 4e10, over 9e5^2 = 4 / 81, over 3 degrees of freedom: 4 / 243
 *   W: 4 s at each of 0, 50, 100 %; p0 = 1e6, then p = 8e5 (r = 0.8, y = 0.2) at 50 and 100 %
 *     impact at x = 1: (0.5 * 0.2 / 2 + 0.5 * 0.2) / 1 = 0.15; weights c = 0.5 (50 %), 0.25 (100 %)
 *     Var = noise (0.4^2 / 4 + 0.2^2 / 4) + (0.4 + 0.2)^2 noise / 4 = 0.14 noise
 *   T: 0.1 s at each; p0 = 1e6, p = 1e8 / 150 (r = 2/3, y = 1/3): impact 0.25 at x = 1
 *     Var = noise ((1/3)^2 + (1/6)^2) / 0.1 + (1/2)^2 noise / 0.1 = 35/9 noise
 *   by impact T (0.25) ranks above W (0.15); by impact-se W (0.15 - 0.048) above T (0.25 - 0.253).
 */
static char *se_profile(int baselines)
{
	char *text;
	FILE *f = text_begin();
	int pct, i;

	for (pct = 0; pct <= 100; pct += 50) {
		tp(f, "/W.c:1", pct, 4000000000, pct ? 5000 : 4000);
		tp(f, "/T.c:2", pct, 100000000, pct ? 150 : 100);
	}
	for (i = 0; i < baselines; i++)
		tp(f, "/N.c:9", 0, 1000000000, i % 2 ? 1250 : 1000);
	text = text_end(f);
	return text;
}

static void impact_standard_error(void **state)
{
	const struct report_result *r;
	const double noise = 4.0 / 243;
	const struct report_series *s;
	char *text = se_profile(4);

	r = analyse_built(state, text, REPORT_SORT_IMPACT, 3);
	assert_int_equal(r->npoints, 1);
	assert_int_equal(r->points[0].noise_dof, 3);
	assert_float_equal(r->points[0].noise, noise, EPS);
	s = series_of(r, "/W.c:1");
	assert_float_equal(s->impact, 0.15, EPS);
	assert_float_equal(s->impact_x, 1, EPS);
	assert_float_equal(s->impact_se, sqrt(0.14 * noise), EPS);
	/* a point's own error: r sqrt(noise / T + noise / T0) = 0.8 sqrt(noise / 2) */
	assert_float_equal(agg_of(s, 50)->progress_speedup_se, 0.8 * sqrt(noise / 2), EPS);
	assert_float_equal(agg_of(s, 0)->progress_speedup_se, 0, EPS);
	s = series_of(r, "/T.c:2");
	assert_float_equal(s->impact, 0.25, EPS);
	assert_float_equal(s->impact_se, sqrt(35.0 / 9 * noise), EPS);
	assert_int_equal(r->few_points, 1);	/* N: one speedup */
	assert_int_equal(r->nlines, 2);
	assert_string_equal(r->lines[0].selected, "/T.c:2");
	r = reanalyse(state, REPORT_SORT_IMPACT_SE, 3);
	assert_string_equal(r->lines[0].selected, "/W.c:1");
	assert_float_equal(r->lines[0].score, 0.15 - sqrt(0.14 * noise), EPS);
	assert_string_equal(r->lines[1].selected, "/T.c:2");
	/* the verdict's prediction carries an error once the noise is known: W at 20 %, fitted on 0 %
	 * (se 0), 50 % and 100 % (se 0.8 sqrt(noise / 2) each) */
	{
		double y, se;

		assert_true(report_predict(series_of(r, "/W.c:1"), 0.20, &y, &se));
		assert_true(isfinite(se) && se > 0 && se < 0.8 * sqrt(noise / 2));
	}

	/* two degrees of freedom are too few: no error, and impact-se falls back to the impact */
	text = se_profile(3);
	r = analyse_built(state, text, REPORT_SORT_IMPACT_SE, 3);
	assert_int_equal(r->points[0].noise_dof, 2);
	assert_true(isnan(r->points[0].noise));
	assert_true(isnan(series_of(r, "/W.c:1")->impact_se));
	assert_string_equal(r->lines[0].selected, "/T.c:2");
	assert_float_equal(r->lines[0].score, 0.25, EPS);
}

/* Appended runs aggregate: the baseline of run 1 serves run 2's speedups. */
static void runs_aggregate_and_header_lines_skip(void **state)
{
	static const char text[] =
		"startup\ttime=1\n"
		"experiment\tselected=/x.c:1\tspeedup=0.00\tduration=1000\tselected-samples=0\n"
		"throughput-point\tname=p\tdelta=10\n"
		"experiment\tselected=/usr/include/coz.h:12\tspeedup=0.00\tduration=1000\tselected-samples=0\n"
		"throughput-point\tname=p\tdelta=10\n"
		"startup\ttime=2\n"
		"{\"type\":\"startup\",\"time\":3}\n"
		"{\"type\":\"experiment\",\"selected\":\"/x.c:1\",\"speedup\":0.5,\"duration\":1000}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":20}\n"
		"{\"type\":\"experiment\",\"selected\":\"/inc/causal.h:3\",\"speedup\":0.5,\"duration\":1000}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":20}\n";
	const struct report_result *r = analyse(state, text, REPORT_SORT_IMPACT, 2);

	assert_int_equal(((struct analysis *)*state)->p.runs, 3);
	assert_int_equal(r->experiments, 4);
	assert_int_equal(r->skipped_header, 2);
	assert_int_equal(r->nseries, 1);
	/* p0 = 1000 / 10 = 100, p50 = 1000 / 20 = 50: (100 - 50) / 100 = 0.5 */
	assert_float_equal(agg_of(&r->series[0], 50)->progress_speedup, 0.5, EPS);
	/* the progress point's total counts every experiment */
	assert_int_equal(r->npoints, 1);
	assert_int_equal(r->points[0].total, 60);
}

/* An experiment during which the target ended measured it winding down: left out, and counted. */
static void target_ended_left_out(void **state)
{
	static const char text[] =
		"{\"type\":\"startup\",\"time\":1}\n"
		"{\"type\":\"experiment\",\"selected\":\"/x.c:1\",\"speedup\":0.00,\"duration\":1000}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":10}\n"
		"{\"type\":\"experiment\",\"selected\":\"/x.c:1\",\"speedup\":0.5,\"duration\":1000}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":20}\n"
		"{\"type\":\"experiment\",\"selected\":\"/x.c:1\",\"speedup\":0.5,\"duration\":1000,"
		"\"target_ended\":1}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":2}\n";
	const struct report_result *r = analyse(state, text, REPORT_SORT_IMPACT, 1);

	assert_int_equal(r->experiments, 3);
	assert_int_equal(r->target_ended, 1);
	assert_int_equal(r->nseries, 1);
	/* with the last one (20 + 2 visits in 2000 ns) it would be 0.1; without it 0.5 */
	assert_float_equal(agg_of(&r->series[0], 50)->progress_speedup, 0.5, EPS);
	/* its visits still happened */
	assert_int_equal(r->points[0].total, 32);
}

/* ---- the command ---- */

/*
 * Runs "causalctl report ARGS..."; the run is the test's until its teardown. (getopt_long may
 * reorder the array, a compound literal of REPORT's, but leaves the strings alone.)
 */
#define REPORT(...) run_report((const char *[]){ "causalctl", "report", __VA_ARGS__, NULL })

static const struct cli_run *run_report(const char **argv)
{
	int argc = 0;

	assert_true(nruns < ARRAY_SIZE(runs));
	while (argv[argc])
		argc++;
	cli_run_argv(&runs[nruns], "/nonexistent", argc, (char **)argv);
	return &runs[nruns++];
}

/* dir/name, kept */
static char *in_dir(const char *name)
{
	char *path;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	return keep(path);
}

/* dir/name holding text: its path, kept */
static char *fixture(const char *name, const char *text)
{
	char *path = in_dir(name);
	FILE *f;

	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* what path holds, kept */
static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t cap = 0, n;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	n = getdelim(&buf, &cap, '\0', f);
	assert_true(n > 0);
	fclose(f);
	return keep(buf);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* A small JSON validator: enough to say the output is one well-formed value. */
static const char *json_value(const char *s);

static const char *json_ws(const char *s)
{
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

static const char *json_strv(const char *s)
{
	if (*s++ != '"')
		return NULL;
	while (*s && *s != '"') {
		if ((unsigned char)*s < 0x20)
			return NULL;
		if (*s == '\\')
			s++;
		s++;
	}
	return *s == '"' ? s + 1 : NULL;
}

static const char *json_value(const char *s)
{
	s = json_ws(s);
	if (*s == '{' || *s == '[') {
		char close = *s == '{' ? '}' : ']';

		s = json_ws(s + 1);
		if (*s == close)
			return s + 1;
		for (;;) {
			if (close == '}') {
				s = json_strv(json_ws(s));
				if (!s)
					return NULL;
				s = json_ws(s);
				if (*s++ != ':')
					return NULL;
			}
			s = json_value(s);
			if (!s)
				return NULL;
			s = json_ws(s);
			if (*s == close)
				return s + 1;
			if (*s++ != ',')
				return NULL;
		}
	}
	if (*s == '"')
		return json_strv(s);
	if (!strncmp(s, "true", 4) || !strncmp(s, "null", 4))
		return s + 4;
	if (!strncmp(s, "false", 5))
		return s + 5;
	if (*s == '-' || (*s >= '0' && *s <= '9')) {
		char *end;

		strtod(s, &end);
		return end;
	}
	return NULL;
}

static void assert_valid_json(const char *text)
{
	const char *end = json_value(text);

	if (!end || *json_ws(end))
		fail_msg("not one JSON value:\n%s", text);
}

#define OK	CAUSALCTL_EXIT_OK
#define USAGE	CAUSALCTL_EXIT_USAGE
#define FAILURE	CAUSALCTL_EXIT_FAILURE

/* Runs each of the report command lines (argv after "causalctl"; file arguments made at run time). */
static void check_cases(const struct cli_case *cases, size_t n)
{
	cli_check_cases("/nonexistent", cases, n);
}

static void table_and_help(void **state)
{
	const char *path = fixture("rank.coz", keep(ranking_profile()));
	const struct cli_case unicode[] = {
		{ { "report", path }, { OK, .err_is = "", .out = { "rank  line", "   1  /P.c:1",
			"+17.5%       -  ",	/* P's impact; no repeats, no error */
			"+0.45",		/* Q's slope */
			/* the sparkline: 0 % is the lowest block, 100 % of Q the highest */
			"\u2581\u00b7\u00b7\u00b7\u00b7\u2581" },
			/* no module counters in it (as in Coz's profiles): nothing to say about delays */
			.not_out = { "delays:" } } },
		{ { "report", "--sort", "slope", "--top", "1", "--ascii", path }, { OK,
			.out = { "   1  /Q.c:2", "(2 more lines; --top 0 shows all)" },
			.not_out = { "/P.c:1", "\u2581" } } },
		{ { "report", "--help" }, { OK, .out = { "Usage: causalctl report [OPTIONS] [FILE...]",
							  "--min-points N", "--trace OUT" } } },
	}, narrow[] = {
		/* too narrow for the plot: without it */
		{ { "report", path }, { OK, .out = { "   1  /P.c:1" }, .not_out = { "line speedup .." } } },
	}, ascii[] = {
		/* a locale that does not write UTF-8 (LC_ALL=C): ASCII without being asked */
		{ { "report", path }, { OK, .out = { "   1  /P.c:1", "+-: its standard error" },
					.not_out = { "\u2581", "\u00b1" } } },
	};
	const struct cli_run *r;

	(void)state;
	/* Unicode where the locale writes UTF-8, whatever the environment running the tests says; no width */
	setenv("LC_ALL", "C.UTF-8", 1);
	unsetenv("COLUMNS");
	check_cases(unicode, ARRAY_SIZE(unicode));
	r = REPORT(path);
	assert_true(strstr(r->out.buf, "/P.c:1") < strstr(r->out.buf, "/Q.c:2"));
	assert_true(strstr(r->out.buf, "/Q.c:2") < strstr(r->out.buf, "/C.c:3"));
	/* COLUMNS (or the terminal's width) narrows the table */
	setenv("COLUMNS", "75", 1);
	check_cases(narrow, ARRAY_SIZE(narrow));
	unsetenv("COLUMNS");
	setenv("LC_ALL", "C", 1);
	check_cases(ascii, ARRAY_SIZE(ascii));
	setenv("LC_ALL", "C.UTF-8", 1);
}

/* The standard error's column, the order by it, and the ways report finds its profile. */
static void standard_error_column_and_input(void **state)
{
	const char *path = fixture("se.coz", keep(se_profile(4)));
	const struct cli_case cases[] = {
		/* the standard error's column: the value with repeated experiments ('-' in table_and_help: none) */
		{ { "report", "--sort", "impact-se", "--min-points", "3", path }, { OK,
			.out = { "   1  /W.c:1", "+15.0%    \u00b14.8  ", "+25.0%   \u00b125.3  ", "sorted by impact-se;" } } },
		/* impact-se is the default order; impact, Coz's, puts the barely measured T first */
		{ { "report", "--ascii", "--min-points", "3", path }, { OK,
			.out = { "   1  /W.c:1", "+25.0%  +-25.3  ", "sorted by impact-se;" } } },
		{ { "report", "--sort", "impact", "--min-points", "3", path }, { OK,
			.out = { "   1  /T.c:2", "sorted by impact;" } } },
		{ { "report", "--sort", "best", path }, { USAGE,
			.err = { "--sort wants impact, impact-se, slope, max or min, not 'best'" } } },
		{ { "report", "--min-points", "x", path }, { .ret = USAGE } },
		/* one meaning per short option: -s is run's and attach's --source-scope */
		{ { "report", "-s", "slope", path }, { USAGE,
			.err = { "-s is run's and attach's --source-scope; report sorts with --sort KEY" } } },
	};
	static const struct cli_case no_file[] = {
		/* no FILE: profile.coz here, as Coz; none here: which profile? */
		{ { "report", "--min-points", "3" }, { USAGE, .err = { "which profile? There is no profile.coz here" } } },
	}, here[] = {
		{ { "report", "--min-points", "3" }, { OK, .out = { "   1  /W.c:1" } } },
	}, from_stdin[] = {
		/* - reads the standard input */
		{ { "report", "--min-points", "3", "-" }, { OK, .out = { "   1  /W.c:1" } } },
	};
	char cwd[PATH_MAX];

	(void)state;
	setenv("LC_ALL", "C.UTF-8", 1);
	unsetenv("COLUMNS");
	check_cases(cases, ARRAY_SIZE(cases));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	unlink("profile.coz");
	check_cases(no_file, ARRAY_SIZE(no_file));
	assert_int_equal(symlink(path, "profile.coz"), 0);
	check_cases(here, ARRAY_SIZE(here));
	assert_int_equal(unlink("profile.coz"), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(freopen(path, "r", stdin));
	check_cases(from_stdin, ARRAY_SIZE(from_stdin));
	assert_non_null(freopen("/dev/null", "r", stdin));
}

/* Several files add up as appended runs; each file's warnings carry its name; a missing one fails. */
static void several_files(void **state)
{
	const char *text = keep(ranking_profile()), *whole = fixture("whole.coz", text), *a, *b;
	const struct cli_run *one, *two;
	char *half;
	size_t cut;

	(void)state;
	/* split after an experiment's records: the second half starts with an experiment */
	cut = strlen(text) / 2;
	while (cut && strncmp(text + cut, "experiment\t", 11))
		cut--;
	a = fixture("a.coz", keep(strndup(text, cut)));
	half = keep(malloc(strlen(text + cut) + 32));
	sprintf(half, "garbage line\n%s", text + cut);
	b = fixture("b.coz", half);
	one = REPORT(whole);
	two = REPORT(a, b);
	assert_int_equal(two->ret, CAUSALCTL_EXIT_OK);
	/* the same table as the one file (the warnings aside) */
	assert_string_equal(one->out.buf, two->out.buf);
	assert_contains(two->err.buf, "b.coz:1: warning:");
	assert_not_contains(two->err.buf, "a.coz:");
	two = REPORT("--json", a, b);
	assert_contains(two->out.buf, "a.coz (and 1 more)");
	two = REPORT(a, "/nonexistent/x.coz");
	assert_int_equal(two->ret, CAUSALCTL_EXIT_FAILURE);
	assert_contains(two->err.buf, "cannot open /nonexistent/x.coz");
}

static void min_points_filter_says_so(void **state)
{
	const char *path = fixture("rank6.coz", keep(ranking_profile()));
	const struct cli_case cases[] = {
		/* each line has 5 distinct speedups */
		{ { "report", "--min-points", "6", path }, { OK,
			.out = { "filtered: 3 line/point series with fewer than 6 distinct speedups",
				 "3 lines were filtered by --min-points 6" },
			.not_out = { "rank  line" } } },
	};

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

static void json_output(void **state)
{
	const struct cli_run *r = REPORT("--json", fixture("json.coz", keep(ranking_profile())));

	(void)state;
	assert_int_equal(r->ret, CAUSALCTL_EXIT_OK);
	assert_valid_json(r->out.buf);
	assert_contains(r->out.buf, "\"ranked_lines\":3,");
	assert_contains(r->out.buf, "{\"rank\":1,\"selected\":\"/P.c:1\",\"score\":0.175,");
	/* the layout's version first (causalctl(1)) */
	assert_true(!strncmp(r->out.buf, "{\"schema\":1,\"profile\":", 22));
	assert_contains(r->out.buf, "{\"point\":\"main.c:73\",\"kind\":\"throughput\",\"impact\":0.0875,"
			"\"impact_se\":null,\"impact_x\":1.0,\"slope\":0.445361,\"max\":0.5,\"min\":0.0,\"speedups\":5,\"experiments\":5,");
	assert_contains(r->out.buf, "{\"speedup\":1.0,\"used\":true,\"progress_speedup\":0.5,\"progress_speedup_se\":null,"
			"\"experiments\":1,"
			"\"duration\":1000000000,\"delta\":2000}");
	assert_contains(r->out.buf, "\"reached\":true");
	assert_contains(r->out.buf, "\"delays\":{\"experiments\":0,\"wall_ns\":0,");
	/* 3 lines, 5 aggregated points each */
	assert_int_equal(count(r->out.buf, "\"speedup\":"), 15);
}

/*
 * How the delays were paid: summed over the estimated experiments above 0 % (a baseline pays
 * nothing; an experiment the program ended in is left out as from the estimates), in all outputs.
 */
static void delays_summarised(void **state)
{
	static const char text[] =
		"{\"type\":\"startup\",\"time\":1}\n"
		"{\"type\":\"experiment\",\"selected\":\"/x.c:1\",\"speedup\":0.00,\"duration\":1000000,"
		"\"start_ns\":0,\"end_ns\":1000000,\"delay_inserted\":0,\"delay_paid\":0,\"paid_error_ns\":0,"
		"\"payments\":0}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":10}\n"
		"{\"type\":\"experiment\",\"selected\":\"/x.c:1\",\"speedup\":0.50,\"duration\":700000,"
		"\"start_ns\":1000000,\"end_ns\":2000000,\"delay_inserted\":300000,\"delay_paid\":600000,"
		"\"paid_error_ns\":150000,\"payments\":3}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":12}\n"
		"{\"type\":\"experiment\",\"selected\":\"/x.c:1\",\"speedup\":0.25,\"duration\":800000,"
		"\"start_ns\":2000000,\"end_ns\":3000000,\"delay_inserted\":200000,\"delay_paid\":200000,"
		"\"paid_error_ns\":50000,\"payments\":1}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":11}\n"
		"{\"type\":\"experiment\",\"selected\":\"/x.c:1\",\"speedup\":0.50,\"duration\":700000,"
		"\"start_ns\":3000000,\"end_ns\":4000000,\"delay_inserted\":300000,\"delay_paid\":900000,"
		"\"paid_error_ns\":900000,\"payments\":9,\"target_ended\":1}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":1}\n";
	const struct report_result *res = analyse(state, text, REPORT_SORT_IMPACT, 1);
	const char *path = fixture("delays.coz", text), *out = in_dir("delays.html");
	const struct cli_run *r;

	assert_int_equal(res->delays.experiments, 2);
	assert_int_equal(res->delays.wall_ns, 2000000);
	assert_int_equal(res->delays.inserted_ns, 500000);
	assert_int_equal(res->delays.paid_ns, 800000);
	assert_int_equal(res->delays.payments, 4);
	assert_int_equal(res->delays.error_ns, 200000);

	r = REPORT("--min-points", "1", path);
	assert_int_equal(r->ret, CAUSALCTL_EXIT_OK);
	/* 800 us in 4 payments, 200 us of error */
	assert_contains(r->out.buf, "delays: 4 payments in 2 experiments, 200 us each and off by 50 us on average");
	r = REPORT("--json", path);
	assert_valid_json(r->out.buf);
	assert_contains(r->out.buf, "\"delays\":{\"experiments\":2,\"wall_ns\":2000000,\"inserted_ns\":500000,"
			"\"paid_ns\":800000,\"payments\":4,\"paid_error_ns\":200000}");
	r = REPORT("--html", out, "--min-points", "1", path);
	assert_int_equal(r->ret, CAUSALCTL_EXIT_OK);
	assert_contains(slurp(out), "<li>delays: 4 payments in 2 experiments, 200 &micro;s each and off by 50 &micro;s");
}

/* one experiment of ours (timed) on line sel at pct with `selected` samples selected, and its point */
static void timed(FILE *f, const char *sel, int pct, uint64_t selected, uint64_t delta, uint64_t *t)
{
	fprintf(f, "{\"type\":\"experiment\",\"selected\":\"%s\",\"speedup\":%.2f,"
		"\"duration\":1000000,\"selected_samples\":%lu,\"start_ns\":%lu,\"end_ns\":%lu,"
		"\"delay_inserted\":0,\"delay_paid\":0,\"paid_error_ns\":0,\"payments\":0}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":%lu}\n", sel, pct / 100.0,
		(unsigned long)selected, (unsigned long)*t, (unsigned long)(*t + 1000000),
		(unsigned long)delta);
	*t += 1000000;
}

/*
 * A line whose experiments above 0 % selected no sample had nothing delayed: its "speedups" are
 * noise, and it is left out, said; a Coz profile (no times) is ranked as Coz's viewer ranks it.
 */
static void unselected_series_dropped(void **state)
{
	const struct report_result *res;
	const struct cli_run *r;
	const char *path;
	char *text;
	FILE *f = text_begin();
	uint64_t t = 0;

	fputs("{\"type\":\"startup\",\"time\":1}\n", f);
	for (int i = 0; i < 3; i++) {
		/* noise that looks like a 40 % effect, on a line nothing was delayed for */
		timed(f, "/a.c:1", 0, 5, 100, &t);
		timed(f, "/a.c:1", 20 + 10 * i, 0, 140, &t);
		timed(f, "/b.c:2", 0, 5, 100, &t);
		timed(f, "/b.c:2", 20 + 10 * i, 40, 110, &t);
	}
	text = text_end(f);
	path = fixture("unselected.coz", text);
	res = analyse_built(state, text, REPORT_SORT_IMPACT, 3);
	assert_int_equal(res->unselected, 1);
	assert_int_equal(res->nlines, 1);
	assert_string_equal(res->lines[0].selected, "/b.c:2");

	r = REPORT(path);
	assert_int_equal(r->ret, CAUSALCTL_EXIT_OK);
	assert_contains(r->out.buf, "dropped: 1 line/point series whose experiments above 0% selected no sample");
	assert_not_contains(r->out.buf, "/a.c:1");
	r = REPORT("--json", path);
	assert_contains(r->out.buf, "\"unselected\":1");
}

/* A run shorter than an experiment: the report says why nothing is ranked, and what to do. */
static void target_ended_says_so(void **state)
{
	static const char text[] =
		"{\"type\":\"startup\",\"time\":1}\n"
		"{\"type\":\"experiment\",\"selected\":\"/x.c:1\",\"speedup\":0.00,\"duration\":1000,"
		"\"target_ended\":1}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":10}\n";
	const char *path = fixture("ended.coz", text);
	const struct cli_case cases[] = {
		{ { "report", path }, { OK, .out = { "note: 1 experiments during which the program ended left out",
			"every experiment ran while the program ended; a shorter --experiment-length" } } },
		{ { "report", "--json", path }, { OK, .out = { "\"dropped\":{\"target_ended\":1," } } },
	};

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
	assert_valid_json(REPORT("--json", path)->out.buf);
}

static void html_output(void **state)
{
	const char *path = fixture("html.coz", keep(ranking_profile())), *out = in_dir("report.html"), *html;
	const struct cli_run *r;
	FILE *f;
	int pct;

	(void)state;
	r = REPORT("--html", out, "--min-points", "5", path);
	assert_int_equal(r->ret, CAUSALCTL_EXIT_OK);
	assert_contains(r->err.buf, "wrote the HTML report to");
	html = slurp(out);
	assert_int_equal(count(html, "<svg"), 3);
	assert_int_equal(count(html, "</svg>"), 3);
	assert_int_equal(count(html, "<circle"), 15);
	assert_not_contains(html, "http://");
	assert_not_contains(html, "https://");
	assert_not_contains(html, "<script");
	assert_contains(html, "line speedup");
	assert_contains(html, "program speedup");
	assert_contains(html, "<style>");
	assert_int_equal(count(html, "class=\"err\""), 0);	/* no repeats: no error bars */
	/* y ticks: round steps of 25 % from -50 % (under C's -25 %) to +75 % (over Q's +50 %), 0 among them */
	assert_contains(html, ">-50%</text>");
	assert_contains(html, ">-25%</text>");
	assert_contains(html, ">+0%</text>");
	assert_contains(html, ">+25%</text>");
	assert_contains(html, ">+75%</text>");
	assert_not_contains(html, "text-anchor=\"end\">+100%</text>");

	/* a point keeps its colour from plot to plot: L2 has only the profile's second point, "b" */
	f = text_begin();
	for (pct = 0; pct <= 100; pct += 25) {
		fprintf(f, "experiment\tselected=/L1.c:1\tspeedup=%.2f\tduration=1000000000\n"
			"throughput-point\tname=a\tdelta=%d\nthroughput-point\tname=b\tdelta=%d\n",
			pct / 100.0, pct ? 1200 : 1000, pct ? 1100 : 1000);
		fprintf(f, "experiment\tselected=/L2.c:1\tspeedup=%.2f\tduration=1000000000\n"
			"throughput-point\tname=b\tdelta=%d\n", pct / 100.0, pct ? 1300 : 1000);
	}
	r = REPORT("--html", out, fixture("colours.coz", keep(text_end(f))));
	assert_int_equal(r->ret, CAUSALCTL_EXIT_OK);
	html = slurp(out);
	assert_int_equal(count(html, "<polyline fill=\"none\" stroke=\"#1f77b4\""), 1);	/* a: L1 */
	assert_int_equal(count(html, "<polyline fill=\"none\" stroke=\"#d62728\""), 2);	/* b: L1, L2 */

	/* --top limits the plots */
	REPORT("--html", out, "--top", "2", path);
	assert_int_equal(count(slurp(out), "<svg"), 2);

	/* with repeats: a bar at each speedup but the baselines (W and T, 50 and 100 %), the ± in the table */
	r = REPORT("--html", out, "--min-points", "3", fixture("html-se.coz", keep(se_profile(4))));
	assert_int_equal(r->ret, CAUSALCTL_EXIT_OK);
	html = slurp(out);
	assert_int_equal(count(html, "class=\"err\""), 4);
	assert_contains(html, "<td>+15.0%</td><td>4.8</td>");
	assert_contains(html, "line 50% \u2192 program +20.0% \u00b1 ");
}

static void trace_output(void **state)
{
	static const char text[] =
		"{\"type\":\"startup\",\"time\":5,\"thread_model\":\"task\"}\n"
		"{\"type\":\"experiment\",\"selected\":\"/a.c:1\",\"speedup\":0.00,\"duration\":1000,"
		"\"start_ns\":2000000,\"end_ns\":2001500}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":10}\n"
		"{\"type\":\"experiment\",\"selected\":\"/a.c:1\",\"speedup\":0.25,\"duration\":1000,"
		"\"start_ns\":2002000,\"end_ns\":2003000}\n"
		"{\"type\":\"throughput-point\",\"name\":\"p\",\"delta\":10}\n"
		"{\"type\":\"timeline\",\"cpus\":2,\"start\":1998000,\"source\":\"switches\"}\n"
		"{\"type\":\"thread-spans\",\"pid\":7,\"tid\":7,\"kind\":\"oncpu\",\"cpu\":0,\"spans\":[[1999000,500],[2001000,10]]}\n"
		"{\"type\":\"thread-spans\",\"pid\":7,\"tid\":8,\"kind\":\"oncpu\",\"cpu\":1,\"spans\":[[1999200,400]]}\n"
		"{\"type\":\"thread-spans\",\"pid\":7,\"tid\":8,\"kind\":\"runnable\",\"spans\":[[1999600,100]]}\n"
		"{\"type\":\"thread-spans\",\"pid\":7,\"tid\":8,\"kind\":\"delay\",\"spans\":[[2002100,250]]}\n"
		"{\"type\":\"thread-spans\",\"pid\":7,\"tid\":7,\"kind\":\"delay\",\"spans\":[[2002200,3]]}\n"
		"{\"type\":\"timeline\",\"end\":2004000,\"dropped\":0}\n";
	const char *out = in_dir("trace.json"), *spans = strstr(text, "{\"type\":\"timeline\""), *json;
	const struct cli_run *r;

	(void)state;
	r = REPORT("--trace", out, fixture("trace.coz", text));
	assert_int_equal(r->ret, CAUSALCTL_EXIT_OK);
	json = slurp(out);
	assert_valid_json(json);
	assert_contains(json, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"clock\":\"CLOCK_MONOTONIC\","
			"\"base_ns\":1999000,\"cpus\":2,\"spans\":\"context switches\",\"records_dropped\":0},"
			"\"traceEvents\":[");
	/* 2 experiments + 6 spans */
	assert_int_equal(count(json, "\"ph\":\"X\""), 8);
	assert_int_equal(count(json, "\"cat\":\"experiment\""), 2);
	assert_int_equal(count(json, "\"cat\":\"delay\""), 2);
	assert_int_equal(count(json, "\"cat\":\"oncpu\""), 3);
	assert_int_equal(count(json, "\"cat\":\"runnable\""), 1);
	assert_contains(json, "\"name\":\"oncpu\",\"cat\":\"oncpu\",\"ph\":\"X\",\"ts\":0.2,\"dur\":0.4,"
			"\"pid\":7,\"tid\":8,\"args\":{\"cpu\":1}}");
	/* the utilisation of pid 7 at every change: 1, 2, 1, 0 threads running, then 1 and 0 */
	assert_int_equal(count(json, "\"name\":\"utilisation\",\"ph\":\"C\""), 6);
	assert_contains(json, "{\"name\":\"utilisation\",\"ph\":\"C\",\"ts\":0.0,\"pid\":7,"
			"\"args\":{\"running threads\":1,\"CPUs\":2}}");
	assert_contains(json, "\"ts\":0.2,\"pid\":7,\"args\":{\"running threads\":2,\"CPUs\":2}}");
	assert_contains(json, "\"ts\":0.5,\"pid\":7,\"args\":{\"running threads\":1,\"CPUs\":2}}");
	assert_contains(json, "\"ts\":0.6,\"pid\":7,\"args\":{\"running threads\":0,\"CPUs\":2}}");
	assert_contains(json, "\"ts\":2.01,\"pid\":7,\"args\":{\"running threads\":0,\"CPUs\":2}}");
	/* the progress point's rate in each experiment (10 in 1000 ns), 0 after the last */
	assert_contains(json, "{\"name\":\"progress p\",\"ph\":\"C\",\"ts\":1.0,\"pid\":0,"
			"\"args\":{\"per second\":10000000.0}}");
	assert_contains(json, "{\"name\":\"progress p\",\"ph\":\"C\",\"ts\":4.0,\"pid\":0,"
			"\"args\":{\"per second\":0}}");
	/* experiments process and track, pid 7, threads 7 and 8 */
	assert_int_equal(count(json, "\"ph\":\"M\""), 5);
	assert_int_equal(count(json, "\"name\":\"thread_name\""), 3);
	/* relative to the earliest span (1999000 ns): the first experiment starts at 1 µs */
	assert_contains(json, "\"name\":\"/a.c:1 +0%\",\"cat\":\"experiment\",\"ph\":\"X\",\"ts\":1.0,"
			"\"dur\":1.5,\"pid\":0,\"tid\":0,\"args\":{\"selected\":\"/a.c:1\",\"speedup\":0.0,");
	assert_contains(json, "\"name\":\"oncpu\",\"cat\":\"oncpu\",\"ph\":\"X\",\"ts\":0.0,\"dur\":0.5,"
			"\"pid\":7,\"tid\":7,\"args\":{\"cpu\":0}}");

	/* the spans in FILE.timeline beside the profile, as run --timeline writes them: the same trace */
	fixture("side.coz" PROFILE_TIMELINE_SUFFIX, spans);
	r = REPORT("--trace", out, fixture("side.coz", keep(strndup(text, (size_t)(spans - text)))));
	assert_int_equal(r->ret, CAUSALCTL_EXIT_OK);
	json = slurp(out);
	assert_int_equal(count(json, "\"cat\":\"delay\""), 2);
	assert_int_equal(count(json, "\"cat\":\"oncpu\""), 3);
	assert_int_equal(count(json, "\"name\":\"utilisation\""), 6);
}

static void unusable_profiles(void **state)
{
	const char *empty = fixture("empty.coz", "\n\n"), *noexp = fixture("noexp.coz", "startup\ttime=1\nruntime\ttime=5\n");
	const char *nopoints = fixture("nopoints.coz", "experiment\tselected=/a.c:1\tspeedup=0.00\tduration=10\n");
	const char *unreached = fixture("unreached.coz",
				  "experiment\tselected=/a.c:1\tspeedup=0.00\tduration=10\n"
				  "throughput-point\tname=main.c:9\tdelta=0\n"
				  "experiment\tselected=/a.c:1\tspeedup=0.50\tduration=10\n"
				  "throughput-point\tname=main.c:9\tdelta=0\n");
	const char *garbage = fixture("garbage.coz", "experiment\tselected=/a.c:1\tspeedup=0.00\tduration=10\n"
				"throughput-point\tname=p\tdelta=10\n"
				"what is this\nnor this\n\x01\x02\nx\ny\nz\n");
	const struct cli_case cases[] = {
		{ { "report", "/nonexistent/profile.coz" }, { FAILURE,
			.err = { "cannot open /nonexistent/profile.coz: No such file or directory" } } },
		{ { "report", empty }, { FAILURE, .err = { "is empty" } } },
		{ { "report", noexp }, { FAILURE, .err = { "the profile has no experiments: was the program run under "
							    "causalctl run, and did it reach a progress point?" } } },
		{ { "report", nopoints }, { FAILURE, .err = { "no progress-point records", "CAUSAL_PROGRESS",
							      "--progress SYMBOL" } } },
		{ { "report", "--min-points", "1", unreached }, { OK,
			.out = { "warning: progress point main.c:9 was never reached",
				 "no progress point was ever reached" } } },
		{ { "report", "--min-points", "1", garbage }, { OK,
			.err = { "garbage.coz:3: warning: unknown record type 'what is this'; line ignored",
				 "garbage.coz:7: warning:", "6 lines ignored in all (the first 5 shown)" },
			.not_err = { "garbage.coz:8: warning:" } } },
	};

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

static const struct CMUnitTest tests[] = {
	analysis_test(sqlite_legacy_maths),
	analysis_test(latency_littles_law),
	analysis_test(baseline_and_delta_filters),
	analysis_test(ranking),
	analysis_test(verdict_and_prediction),
	analysis_test(control_characters_in_names),
	analysis_test(lines_group_their_series),
	analysis_test(table_fits_the_terminal),
	analysis_test(slope_weighs_experiment_time),
	analysis_test(impact_standard_error),
	analysis_test(prediction_widens_while_noisy),
	analysis_test(runs_aggregate_and_header_lines_skip),
	analysis_test(target_ended_left_out),
	command_test(table_and_help),
	command_test(standard_error_column_and_input),
	command_test(several_files),
	command_test(min_points_filter_says_so),
	command_test(json_output),
	command_test(target_ended_says_so),
	analysis_test(delays_summarised),
	analysis_test(unselected_series_dropped),
	command_test(html_output),
	command_test(trace_output),
	command_test(unusable_profiles),
};

UNIT_MAIN(tests, setup, teardown)
