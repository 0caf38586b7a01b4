/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for libcausal's name registry (this binary is linked with libcausal, as a profiled
 * program would be): one counter per (name, kind) forever, BEGIN and END of a name in one latency
 * entry, long names, threads registering at once, what the library exports, all checked through
 * causalctl's reader of the shared region.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>

#include "progress_unit.h"
#include "causal.h"
#include "region.h"

static void same_name_same_counter(void **state)
{
	causal_counter_t *a = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, "reg-same");
	causal_counter_t *b = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, "reg-same");
	char copy[] = "reg-same";	/* another string with the same contents */
	struct snap sn;

	(void)state;
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_ptr_equal(a, causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, copy));
	assert_ptr_not_equal(a, causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, "reg-same2"));
	assert_int_equal(a->count, 0);
	__atomic_fetch_add(&a->count, 3, __ATOMIC_RELAXED);

	snap_self(&sn, false);
	assert_point(&sn, "reg-same", SHM_THROUGHPUT, 3, 0);
	assert_point(&sn, "reg-same2", SHM_THROUGHPUT, 0, 0);
	assert_null(snap_find(&sn, "reg-same", SHM_LATENCY));
	snap_free(&sn);
}

static void kinds_of_one_name(void **state)
{
	causal_counter_t *tp = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, "reg-kinds");
	causal_counter_t *begin = causal_get_counter(CAUSAL_COUNTER_BEGIN, "reg-kinds");
	causal_counter_t *end = causal_get_counter(CAUSAL_COUNTER_END, "reg-kinds");
	struct snap sn;

	(void)state;
	assert_non_null(tp);
	assert_non_null(begin);
	assert_non_null(end);
	assert_ptr_not_equal(tp, begin);
	assert_ptr_not_equal(tp, end);
	/* one latency entry: its end counter is the 16-byte slot after its begin counter */
	assert_int_equal((char *)end - (char *)begin, CAUSAL_REGION_COUNTER_OFFSET(1));
	assert_ptr_equal(begin, causal_get_counter(CAUSAL_COUNTER_BEGIN, "reg-kinds"));
	assert_ptr_equal(end, causal_get_counter(CAUSAL_COUNTER_END, "reg-kinds"));

	__atomic_fetch_add(&tp->count, 7, __ATOMIC_RELAXED);
	__atomic_fetch_add(&begin->count, 5, __ATOMIC_RELAXED);
	__atomic_fetch_add(&end->count, 2, __ATOMIC_RELAXED);
	snap_self(&sn, false);
	assert_point(&sn, "reg-kinds", SHM_THROUGHPUT, 7, 0);
	assert_point(&sn, "reg-kinds", SHM_LATENCY, 5, 2);
	snap_free(&sn);

	/* END first: the entry is the same however the pair is first seen */
	end = causal_get_counter(CAUSAL_COUNTER_END, "reg-end-first");
	begin = causal_get_counter(CAUSAL_COUNTER_BEGIN, "reg-end-first");
	assert_int_equal((char *)end - (char *)begin, CAUSAL_REGION_COUNTER_OFFSET(1));
}

static void invalid_kinds_and_names(void **state)
{
	causal_counter_t *d, *d2;
	struct snap sn;
	size_t before;

	(void)state;
	assert_null(causal_get_counter(0, "reg-bad"));
	assert_null(causal_get_counter(4, "reg-bad"));
	assert_null(causal_get_counter(-1, "reg-bad"));
	snap_self(&sn, false);
	before = sn.n;
	snap_free(&sn);

	/* a NULL name is a caller's bug: a harmless counter, never a crash, nothing registered */
	d = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, NULL);
	d2 = causal_get_counter(CAUSAL_COUNTER_END, NULL);
	assert_non_null(d);
	assert_non_null(d2);
	__atomic_fetch_add(&d->count, 1, __ATOMIC_RELAXED);
	snap_self(&sn, false);
	assert_int_equal(sn.n, before);
	assert_null(snap_find(&sn, "reg-bad", SHM_THROUGHPUT));
	snap_free(&sn);

	/* the empty name is a name like any other */
	d = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, "");
	assert_ptr_equal(d, causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, ""));
	__atomic_fetch_add(&d->count, 2, __ATOMIC_RELAXED);
	snap_self(&sn, false);
	assert_point(&sn, "", SHM_THROUGHPUT, 2, 0);
	snap_free(&sn);
}

#define MANY 1000

static void many_names(void **state)
{
	causal_counter_t **c = calloc(MANY, sizeof(*c));
	char name[32];
	struct snap sn;

	(void)state;
	assert_non_null(c);
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "reg-many-%d", i);
		c[i] = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, name);
		assert_non_null(c[i]);
		__atomic_fetch_add(&c[i]->count, (size_t)i, __ATOMIC_RELAXED);
	}
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "reg-many-%d", i);
		assert_ptr_equal(c[i], causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, name));
		if (i)
			assert_ptr_not_equal(c[i], c[i - 1]);
	}
	/* the mapped region and a remote read agree */
	for (int readv = 0; readv < 2; readv++) {
		snap_self(&sn, readv);
		assert_int_equal(sn.regions, 1);
		for (int i = 0; i < MANY; i++) {
			snprintf(name, sizeof(name), "reg-many-%d", i);
			assert_point(&sn, name, SHM_THROUGHPUT, i, 0);
		}
		snap_free(&sn);
	}
	free(c);
}

static void long_names(void **state)
{
	char a[400], b[400], want[CAUSAL_REGION_NAME_MAX];
	causal_counter_t *ca, *cb;
	size_t keep = CAUSAL_REGION_NAME_MAX - 1 - 3;
	struct snap sn;
	uint64_t truncated;

	(void)state;
	snap_self(&sn, false);
	truncated = sn.truncated;
	snap_free(&sn);

	memset(a, 'x', sizeof(a));
	snprintf(a + 300, sizeof(a) - 300, "/file.c:%d", 123);
	memcpy(b, a, sizeof(b));
	snprintf(b + 300, sizeof(b) - 300, "/file.c:%d", 124);
	ca = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, a);
	cb = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, b);
	assert_ptr_not_equal(ca, cb);	/* they differ at the end, which is what is kept */
	assert_ptr_equal(ca, causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, a));
	__atomic_fetch_add(&ca->count, 1, __ATOMIC_RELAXED);

	/* the longest name stored whole, and one byte more */
	memset(want, 'y', sizeof(want));
	want[CAUSAL_REGION_NAME_MAX - 1] = '\0';
	__atomic_fetch_add(&causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, want)->count, 4, __ATOMIC_RELAXED);

	snap_self(&sn, false);
	assert_int_equal(sn.truncated, truncated + 2);
	assert_point(&sn, want, SHM_THROUGHPUT, 4, 0);
	snprintf(want, sizeof(want), "...%s", a + strlen(a) - keep);
	assert_int_equal(strlen(want), CAUSAL_REGION_NAME_MAX - 1);
	assert_point(&sn, want, SHM_THROUGHPUT, 1, 0);
	snap_free(&sn);
}

#define THREADS 8
#define SHARED_NAMES 200
#define ROUNDS 50

struct racer {
	int id;
	pthread_barrier_t *go;
	causal_counter_t *got[SHARED_NAMES][2];
};

static void *race(void *arg)
{
	struct racer *r = arg;
	char name[32];

	pthread_barrier_wait(r->go);
	for (int k = 0; k < SHARED_NAMES; k++) {
		/* each thread walks the names in another order, so first uses collide everywhere */
		int i = (k * 7 + r->id * 31) % SHARED_NAMES;

		snprintf(name, sizeof(name), "reg-race-%d", i);
		r->got[i][0] = causal_get_counter(CAUSAL_COUNTER_THROUGHPUT, name);
		r->got[i][1] = causal_get_counter(i % 2 ? CAUSAL_COUNTER_END : CAUSAL_COUNTER_BEGIN, name);
		for (int n = 0; n < ROUNDS; n++) {
			__atomic_fetch_add(&r->got[i][0]->count, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&r->got[i][1]->count, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static void concurrent_registration(void **state)
{
	static struct racer r[THREADS];
	pthread_t t[THREADS];
	pthread_barrier_t go;
	char name[32];
	struct snap sn;
	size_t race_points = 0;

	(void)state;
	assert_int_equal(pthread_barrier_init(&go, NULL, THREADS), 0);
	for (int i = 0; i < THREADS; i++) {
		r[i].id = i;
		r[i].go = &go;
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&go);

	for (int i = 0; i < SHARED_NAMES; i++)
		for (int j = 1; j < THREADS; j++) {
			assert_ptr_equal(r[j].got[i][0], r[0].got[i][0]);
			assert_ptr_equal(r[j].got[i][1], r[0].got[i][1]);
		}
	snap_self(&sn, false);
	for (size_t i = 0; i < sn.n; i++)
		race_points += !strncmp(sn.v[i].name, "reg-race-", 9);
	/* no duplicates: one throughput and one latency entry per name, all counts there */
	assert_int_equal(race_points, 2 * SHARED_NAMES);
	for (int i = 0; i < SHARED_NAMES; i++) {
		snprintf(name, sizeof(name), "reg-race-%d", i);
		assert_point(&sn, name, SHM_THROUGHPUT, THREADS * ROUNDS, 0);
		assert_point(&sn, name, SHM_LATENCY, i % 2 ? 0 : THREADS * ROUNDS, i % 2 ? THREADS * ROUNDS : 0);
	}
	snap_free(&sn);
}

static void exports_only_the_api(void **state)
{
	static const char *const api[] = {
		"causal_get_counter", "_coz_get_counter", "_coz_add_delays", "_coz_pre_block", "_coz_post_block",
	};
	void (*fn)(void);
	void (*post)(int);
	void *p;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(api); i++)
		assert_non_null(dlsym(RTLD_DEFAULT, api[i]));
	/* internals stay hidden (-fvisibility=hidden) */
	assert_null(dlsym(RTLD_DEFAULT, "region_get"));
	assert_null(dlsym(RTLD_DEFAULT, "lookup"));
	assert_null(dlsym(RTLD_DEFAULT, "dummy"));

	/* Coz's blocking hooks are documented no-ops: callable, no effect */
	p = dlsym(RTLD_DEFAULT, "_coz_pre_block");
	memcpy(&fn, &p, sizeof(fn));
	fn();
	p = dlsym(RTLD_DEFAULT, "_coz_add_delays");
	memcpy(&fn, &p, sizeof(fn));
	fn();
	p = dlsym(RTLD_DEFAULT, "_coz_post_block");
	memcpy(&post, &p, sizeof(post));
	post(1);
	post(0);
}

/* the memfd stays mapped, not open: the program's fd table is untouched */
static void no_fd_left_open(void **state)
{
	char link[PATH_MAX], path[PATH_MAX];
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	struct snap sn;

	(void)state;
	assert_non_null(dir);
	while ((d = readdir(dir))) {
		ssize_t n;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		assert_not_contains(link, "causal-progress");
	}
	closedir(dir);
	snap_self(&sn, false);
	assert_int_equal(sn.regions, 1);	/* but mapped, and found */
	snap_free(&sn);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(same_name_same_counter),
	cmocka_unit_test(kinds_of_one_name),
	cmocka_unit_test(invalid_kinds_and_names),
	cmocka_unit_test(many_names),
	cmocka_unit_test(long_names),
	cmocka_unit_test(concurrent_registration),
	cmocka_unit_test(exports_only_the_api),
	cmocka_unit_test(no_fd_left_open),
};

UNIT_MAIN(tests, NULL, NULL)
