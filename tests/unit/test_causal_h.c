/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for causal.h's macros in a program linked with libcausal: exact counts as
 * causalctl's reader sees them, "FILE:LINE" names, sites sharing a name, and threads hitting one
 * site at once (the add is atomic).
 */
#include <pthread.h>

#include "progress_unit.h"
#include "causal.h"

static void macros_count_exactly(void **state)
{
	char line_name[256] = "";

	(void)state;
	assert_non_null(dlsym(RTLD_DEFAULT, "causal_get_counter"));
	VISIT_PROGRESS_SITES(CAUSAL, "h-throughput", "h-latency", line_name);
	assert_progress_sites("h-throughput", "h-latency", line_name);
	/* the counters the sites cached are the library's */
	assert_int_equal(causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, "h-throughput")->count, 8);
	assert_int_equal(causal_get_counter(CAUSAL_COUNTER_END, "h-latency")->count, 3);
}

/* a name computed at run time: a site resolves it once, on its first visit */
static void site_keeps_its_first_name(void **state)
{
	const char *names[] = { "h-first", "h-second" };
	struct snap sn;

	(void)state;
	for (int i = 0; i < 2; i++)
		CAUSAL_PROGRESS_NAMED(names[i]);
	snap_self(&sn, false);
	assert_point(&sn, "h-first", SHM_THROUGHPUT, 2, 0);
	assert_null(snap_find(&sn, "h-second", SHM_THROUGHPUT));
	snap_free(&sn);
}

#define THREADS 4
#define HITS 100000

static void *hammer(void *arg)
{
	pthread_barrier_t *go = arg;

	pthread_barrier_wait(go);
	for (int i = 0; i < HITS; i++) {
		CAUSAL_PROGRESS_NAMED("h-threads");
		if (i % 2)
			CAUSAL_BEGIN("h-threads-lat");
	}
	return NULL;
}

static void threads_on_one_site(void **state)
{
	pthread_t t[THREADS];
	pthread_barrier_t go;
	struct snap sn;

	(void)state;
	assert_int_equal(pthread_barrier_init(&go, NULL, THREADS), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &go), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&go);
	snap_self(&sn, false);
	assert_point(&sn, "h-threads", SHM_THROUGHPUT, THREADS * HITS, 0);
	assert_point(&sn, "h-threads-lat", SHM_LATENCY, THREADS * HITS / 2, 0);
	snap_free(&sn);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(macros_count_exactly),
	cmocka_unit_test(site_keeps_its_first_name),
	cmocka_unit_test(threads_on_one_site),
};

UNIT_MAIN(tests, NULL, NULL)
