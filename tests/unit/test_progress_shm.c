/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for causalctl's reader of libcausal regions (progress_shm.c): processes without a
 * region, processes that are gone, regions of other processes (mapped through map_files and read
 * with process_vm_readv), live counts, counts kept after the process exits, a region shared with
 * a forked child counted once, several regions summed, and malformed regions.
 *
 * This binary is not linked with libcausal. It runs copies of itself as profiled children
 * (CAUSAL_UNIT_CHILD in the environment), which dlopen libcausal and count.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "progress_unit.h"
#include "causal.h"
#include "region.h"

static causal_get_counter_fn load_libcausal(void)
{
	void *lib = dlopen(CAUSAL_TEST_LIBCAUSAL, RTLD_NOW);
	causal_get_counter_fn fn;
	void *p;

	if (!lib)
		return NULL;
	p = dlsym(lib, "causal_get_counter");
	memcpy(&fn, &p, sizeof(fn));
	return fn;
}

/*
 * A child's life: "idle" counts nothing; "count" loads libcausal and counts 42 visits of
 * remote-tp and 3 begins and 1 end of remote-lat. Both say 'r' on stdout when ready, then add 8
 * visits of remote-tp (answering 'a') for each 'm' read on stdin, and exit at end of file.
 */
__attribute__((constructor)) static void child_mode(void)
{
	const char *mode = getenv("CAUSAL_UNIT_CHILD");
	causal_counter_t *tp = NULL;
	char c;

	if (!mode)
		return;
	if (!strcmp(mode, "count")) {
		causal_get_counter_fn fn = load_libcausal();

		if (!fn)
			_exit(3);
		tp = fn(CAUSAL_COUNTER_THROUGHPUT, "remote-tp");
		__atomic_fetch_add(&tp->count, 42, __ATOMIC_RELAXED);
		__atomic_fetch_add(&fn(CAUSAL_COUNTER_BEGIN, "remote-lat")->count, 3, __ATOMIC_RELAXED);
		__atomic_fetch_add(&fn(CAUSAL_COUNTER_END, "remote-lat")->count, 1, __ATOMIC_RELAXED);
	}
	if (write(1, "r", 1) != 1)
		_exit(4);
	while (read(0, &c, 1) == 1) {
		if (c == 'm' && tp)
			__atomic_fetch_add(&tp->count, 8, __ATOMIC_RELAXED);
		if (write(1, "a", 1) != 1)
			_exit(4);
	}
	_exit(0);
}

struct child {
	pid_t pid;
	int in;		/* its stdin */
	int out;	/* its stdout */
};

static void child_start(struct child *ch, const char *mode)
{
	int in[2], out[2];
	char c;

	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	ch->pid = fork();
	assert_true(ch->pid >= 0);
	if (ch->pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || setenv("CAUSAL_UNIT_CHILD", mode, 1))
			_exit(5);
		execl("/proc/self/exe", "causal-unit-child", (char *)NULL);
		_exit(6);
	}
	close(in[0]);
	close(out[1]);
	ch->in = in[1];
	ch->out = out[0];
	/* 'r' only comes from the new image, after it set itself up */
	assert_int_equal(read(ch->out, &c, 1), 1);
	assert_int_equal(c, 'r');
}

static void child_poke(struct child *ch)
{
	char c;

	assert_int_equal(write(ch->in, "m", 1), 1);
	assert_int_equal(read(ch->out, &c, 1), 1);
	assert_int_equal(c, 'a');
}

static void child_end(struct child *ch)
{
	int status;

	close(ch->in);
	assert_int_equal(waitpid(ch->pid, &status, 0), ch->pid);
	close(ch->out);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void scan_without_region(void **state)
{
	struct shm_set *s = shm_set_new();
	struct shm_point *pts;
	size_t n;
	struct child ch;

	(void)state;
	assert_non_null(s);
	child_start(&ch, "idle");
	assert_int_equal(shm_set_scan_pid(s, ch.pid), 0);
	assert_int_equal(shm_set_snapshot(s, &pts, &n), 0);
	assert_null(pts);
	assert_int_equal(n, 0);
	assert_int_equal(shm_set_regions(s, NULL), 0);
	assert_int_equal(shm_set_overflows(s), 0);
	child_end(&ch);
	shm_set_free(s);
}

static void scan_dead_pid(void **state)
{
	struct shm_set *s = shm_set_new();
	int status;
	pid_t pid;

	(void)state;
	assert_non_null(s);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(shm_set_scan_pid(s, pid), -ESRCH);
	assert_int_equal(shm_set_scan_pid(s, 0), -ESRCH);
	assert_int_equal(shm_set_scan_pid(s, -1), -ESRCH);
	shm_set_free(s);
}

static void snapshot(struct shm_set *s, struct snap *sn)
{
	assert_int_equal(shm_set_snapshot(s, &sn->v, &sn->n), 0);
}

/* A point a snapshot should hold: its count (a latency point's begins) and a latency point's ends. */
struct point_want {
	const char *name;
	int kind;
	uint64_t begins, ends;
};

/* Takes a snapshot of s and checks the points in want; how many points it holds in all. */
static size_t assert_snapshot(struct shm_set *s, const struct point_want *want, size_t n)
{
	struct snap sn;
	size_t points;

	snapshot(s, &sn);
	for (size_t i = 0; i < n; i++)
		assert_point(&sn, want[i].name, want[i].kind, want[i].begins, want[i].ends);
	points = sn.n;
	snap_free(&sn);
	return points;
}

/* two profiled processes, each with its region, read from outside both ways */
static void regions_of_other_processes(void **state)
{
	struct shm_set *set[2] = { shm_set_new(), shm_set_new() };	/* mapped if we may; read */
	static const struct point_want counted[] = {
		{ "remote-tp", SHM_THROUGHPUT, 84, 0 },	/* summed over both */
		{ "remote-lat", SHM_LATENCY, 6, 2 },
	}, poked[] = {
		{ "remote-tp", SHM_THROUGHPUT, 100, 0 },
	}, ended[] = {
		{ "remote-tp", SHM_THROUGHPUT, 100, 0 },
		{ "remote-lat", SHM_LATENCY, 6, 2 },
	};
	struct child ch[2];
	size_t remote;

	(void)state;
	assert_non_null(set[0]);
	assert_non_null(set[1]);
	shm_set_force_readv(set[1], true);
	child_start(&ch[0], "count");
	child_start(&ch[1], "count");
	for (int m = 0; m < 2; m++) {
		assert_int_equal(shm_set_scan_pid(set[m], ch[0].pid), 1);
		assert_int_equal(shm_set_scan_pid(set[m], ch[0].pid), 0);	/* known already */
		assert_int_equal(shm_set_scan_pid(set[m], ch[1].pid), 1);
		assert_int_equal(shm_set_regions(set[m], &remote), 2);
		/* map_files needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE); without, it reads */
		if (m == 1)
			assert_int_equal(remote, 2);
		else if (geteuid() == 0)
			assert_int_equal(remote, 0);
		assert_int_equal(assert_snapshot(set[m], counted, ARRAY_SIZE(counted)), 2);
	}

	/* live: what a child counts after the scan is in the next snapshot */
	child_poke(&ch[0]);
	child_poke(&ch[0]);
	for (int m = 0; m < 2; m++)
		assert_snapshot(set[m], poked, ARRAY_SIZE(poked));

	/* the last counts outlive the processes */
	child_end(&ch[0]);
	child_end(&ch[1]);
	for (int m = 0; m < 2; m++) {
		assert_snapshot(set[m], ended, ARRAY_SIZE(ended));
		assert_int_equal(shm_set_scan_pid(set[m], ch[0].pid), -ESRCH);
		shm_set_free(set[m]);
	}
}

/* a forked child counts into its parent's region (MAP_SHARED), which is one region, not two */
static void forked_child_shares_region(void **state)
{
	causal_get_counter_fn fn = load_libcausal();
	causal_counter_t *c;
	struct shm_set *set[2] = { shm_set_new(), shm_set_new() };
	static const struct point_want counted[] = {
		{ "fork-tp", SHM_THROUGHPUT, 1005, 0 },
		{ "fork-child-lat", SHM_LATENCY, 0, 2 },
	};
	int go[2], ready[2];
	pid_t pid;
	char b;
	int status;

	(void)state;
	assert_non_null(fn);
	assert_non_null(set[0]);
	assert_non_null(set[1]);
	shm_set_force_readv(set[1], true);
	c = fn(CAUSAL_COUNTER_THROUGHPUT, "fork-tp");
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);	/* or it would never see the end of go */
		close(ready[0]);
		for (int i = 0; i < 1000; i++)
			__atomic_fetch_add(&c->count, 1, __ATOMIC_RELAXED);
		/* a name first seen in the child is registered in the shared region too */
		__atomic_fetch_add(&fn(CAUSAL_COUNTER_END, "fork-child-lat")->count, 2, __ATOMIC_RELAXED);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		_exit(read(go[0], &b, 1) == 0 ? 0 : 2);	/* until the parent closes go */
	}
	close(go[0]);
	close(ready[1]);
	assert_int_equal(read(ready[0], &b, 1), 1);
	__atomic_fetch_add(&c->count, 5, __ATOMIC_RELAXED);

	for (int m = 0; m < 2; m++) {
		assert_int_equal(shm_set_scan_pid(set[m], getpid()), 1);
		assert_int_equal(shm_set_scan_pid(set[m], pid), 0);	/* the same memfd */
		assert_int_equal(shm_set_regions(set[m], NULL), 1);
		assert_snapshot(set[m], counted, ARRAY_SIZE(counted));
	}
	assert_ptr_equal(fn(CAUSAL_COUNTER_END, "fork-child-lat"), fn(CAUSAL_COUNTER_BEGIN, "fork-child-lat") + 1);
	close(go[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	for (int m = 0; m < 2; m++) {
		assert_snapshot(set[m], counted, 1);	/* fork-tp */
		shm_set_free(set[m]);
	}
}

/* a region that does not follow region.h gives no points and no crash, whoever reads it */
static void malformed_regions(void **state)
{
	int fd = (int)syscall(SYS_memfd_create, CAUSAL_REGION_MEMFD_NAME, MFD_CLOEXEC);
	struct causal_region_header *h;
	struct causal_region_entry *e;
	char want[CAUSAL_REGION_NAME_MAX];
	struct snap sn;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, CAUSAL_REGION_SIZE), 0);
	h = mmap(NULL, CAUSAL_REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(h != MAP_FAILED);
	close(fd);
	e = (struct causal_region_entry *)((char *)h + CAUSAL_REGION_HEADER_SIZE);

	/* entry 0: a name with no NUL, 5 visits; entry 1: an unknown kind; entry 2: unpublished */
	memset(e[0].name, 'z', sizeof(e[0].name));
	e[0].kind = CAUSAL_REGION_THROUGHPUT;
	e[0].published = 1;
	e[0].counter[0].c.count = 5;
	snprintf(e[1].name, sizeof(e[1].name), "bad-kind");
	e[1].kind = 7;
	e[1].published = 1;
	snprintf(e[2].name, sizeof(e[2].name), "bad-unpublished");
	e[2].kind = CAUSAL_REGION_THROUGHPUT;
	memset(want, 'z', sizeof(want));
	want[sizeof(want) - 1] = '\0';

	for (int readv = 0; readv < 2; readv++) {
		/* not initialised: no magic */
		snap_self(&sn, readv);
		assert_null(snap_find(&sn, want, SHM_THROUGHPUT));
		snap_free(&sn);

		/* valid but for a count past capacity: clamped, and only entry 0 is a point */
		*h = (struct causal_region_header){
			.magic = CAUSAL_REGION_MAGIC, .version = CAUSAL_REGION_VERSION,
			.header_size = CAUSAL_REGION_HEADER_SIZE, .entry_size = CAUSAL_REGION_ENTRY_SIZE,
			.capacity = CAUSAL_REGION_CAPACITY, .counter_size = sizeof(size_t),
			.count = CAUSAL_REGION_CAPACITY + 1000, .overflows = 3,
		};
		snap_self(&sn, readv);
		assert_point(&sn, want, SHM_THROUGHPUT, 5, 0);
		assert_null(snap_find(&sn, "bad-kind", SHM_THROUGHPUT));
		assert_null(snap_find(&sn, "bad-kind", SHM_LATENCY));
		assert_null(snap_find(&sn, "bad-unpublished", SHM_THROUGHPUT));
		assert_true(sn.overflows >= 3);
		snap_free(&sn);

		/* entries past the end of the memfd, tiny entries, odd counters, another version */
		h->capacity = 1u << 30;
		snap_self(&sn, readv);
		assert_null(snap_find(&sn, want, SHM_THROUGHPUT));
		snap_free(&sn);
		h->capacity = CAUSAL_REGION_CAPACITY;
		h->entry_size = 8;
		snap_self(&sn, readv);
		assert_null(snap_find(&sn, want, SHM_THROUGHPUT));
		snap_free(&sn);
		h->entry_size = CAUSAL_REGION_ENTRY_SIZE;
		h->counter_size = 2;
		snap_self(&sn, readv);
		assert_null(snap_find(&sn, want, SHM_THROUGHPUT));
		snap_free(&sn);
		h->counter_size = sizeof(size_t);
		h->version = CAUSAL_REGION_VERSION + 1;
		snap_self(&sn, readv);
		assert_null(snap_find(&sn, want, SHM_THROUGHPUT));
		snap_free(&sn);
		memset(h, 0, sizeof(*h));
	}
	munmap(h, CAUSAL_REGION_SIZE);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(scan_without_region),
	cmocka_unit_test(scan_dead_pid),
	cmocka_unit_test(regions_of_other_processes),
	cmocka_unit_test(forked_child_shares_region),
	cmocka_unit_test(malformed_regions),
};

UNIT_MAIN(tests, NULL, NULL)
