// SPDX-License-Identifier: GPL-2.0
/*
 * Sampling overhead: the wall time of a fixed CPU-bound job (two threads, each spinning a fixed
 * number of iterations) while a causal session samples it (attached, no experiment) divided by
 * its wall time unattached, in interleaved pairs (ABBA order: the attached run goes first in
 * even pairs, second in odd ones), median of the pairs' ratios.
 *
 *   bench_overhead [-p PAIRS] [-t TARGET_MS] [-c CALLCHAIN] [-P PERIOD_US]
 *
 * PAIRS default 9; the job is calibrated once, unattached, to last about TARGET_MS (default 1000);
 * CALLCHAIN frame-pointer return addresses per sample (default 4); PERIOD_US the sampling period
 * (default 1000). The workload is a forked child that starts on a byte from a pipe and times itself
 * from then until both threads are joined, so attaching (before the byte) is not in the time.
 * When attached, the controller drains the sample ring every 20 ms, as a profiler must; when not,
 * it wakes up on the same 20 ms cadence and does nothing. Prints "BENCH ..." lines (times in ns),
 * including the wall time each sample cost, (attached - unattached) / (samples / 2): the two
 * threads run on two CPUs, so the job is late by one CPU's share of the samples' cost. Short runs
 * and many pairs, because the guest's vCPUs share the host with everything else: the median of
 * nine 1 s pairs resists a busy host better than five 2 s ones.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "bench.h"

struct shm {
	atomic_ulong elapsed_ns;
};

static struct shm *shm;
static volatile uint64_t sink;
static uint32_t callchain = 4;
static uint64_t period_ns = CAUSAL_PERIOD_DEFAULT_NS;

BENCH_SECTION("bench_work") uint64_t work(uint64_t iters, uint64_t x)
{
	return spin(iters, x);
}

static void *worker(void *arg)
{
	sink = work(*(uint64_t *)arg, (uint64_t)(uintptr_t)&arg);
	return NULL;
}

static void child_main(int rfd, uint64_t iters)
{
	pthread_t t[2];
	uint64_t t0;
	char c;

	if (read(rfd, &c, 1) != 1)
		_exit(1);
	t0 = now_ns();
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, worker, &iters))
			_exit(1);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	atomic_store(&shm->elapsed_ns, now_ns() - t0);
	_exit(0);
}

struct run {
	uint64_t elapsed, samples, dropped, records;
};

/* consumes every complete record of the ring; returns how many */
static uint64_t drain(void *ring)
{
	struct causal_ring_control *ctl = ring;
	struct causal_sample *rec = (struct causal_sample *)((char *)ring + 4096);
	uint64_t tail = __atomic_load_n(&ctl->tail, __ATOMIC_RELAXED), n = 0;
	uint64_t head = __atomic_load_n(&ctl->head, __ATOMIC_ACQUIRE);

	while (tail < head) {
		struct causal_sample *r = &rec[tail & (ctl->nr_records - 1)];

		if (__atomic_load_n(&r->seq, __ATOMIC_ACQUIRE) != tail + 1)
			break;
		sink += r->ip;	/* touch the record, as a reader would */
		tail++;
		n++;
	}
	__atomic_store_n(&ctl->tail, tail, __ATOMIC_RELEASE);
	return n;
}

static struct run run_once(bool attached, uint64_t iters)
{
	struct run r = { 0 };
	int go, fd = -1, status;
	void *ring = MAP_FAILED;
	size_t ring_len = (1 + CAUSAL_RING_PAGES_DEFAULT) * 4096;
	pid_t pid;

	atomic_store(&shm->elapsed_ns, 0);
	pid = fork_child(child_main, iters, &go);
	if (attached) {
		fd = causal_open_attach(pid, callchain, period_ns);
		ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			    CAUSAL_MMAP_RING);
		if (ring == MAP_FAILED)
			die("mmap ring");
	}
	start_child(go);
	for (;;) {
		pid_t w;

		sleep_ns(20 * MS);
		if (attached)
			r.records += drain(ring);
		w = waitpid(pid, &status, WNOHANG);
		if (w < 0)
			die("waitpid");
		if (w == pid)
			break;
	}
	child_exit_0(status, "workload");
	if (attached) {
		struct causal_stats st;

		r.records += drain(ring);
		causal_get_stats(fd, &st);
		r.samples = st.samples;
		r.dropped = st.samples_dropped;
		munmap(ring, ring_len);
		close(fd);
	}
	r.elapsed = atomic_load(&shm->elapsed_ns);
	return r;
}

static uint64_t run_unattached(uint64_t iters)
{
	return run_once(false, iters).elapsed;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_overhead [-p PAIRS] [-t TARGET_MS] [-c CALLCHAIN] [-P PERIOD_US]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int pairs = 9;
	uint64_t target = 1000 * MS, iters = 1 << 22, t_start;
	double ratios[MAX_PAIRS], costs[MAX_PAIRS];
	int opt;

	while ((opt = pairs_getopt(argc, argv, "p:t:c:P:", &pairs, &target, &period_ns)) != -1) {
		if (opt != 'c')
			usage();
		callchain = (uint32_t)parse_u64(optarg, "CALLCHAIN");
	}
	shm = shared_alloc(sizeof(*shm));
	t_start = now_ns();

	iters = calibrate(run_unattached, iters, target, 1ULL << 40);
	printf("BENCH overhead_config pairs=%u target_ns=%" PRIu64 " iters_per_thread=%" PRIu64
	       " callchain=%u period_ns=%" PRIu64 "\n", pairs, target, iters, callchain, period_ns);
	fflush(stdout);

	for (unsigned int i = 0; i < pairs; i++) {
		struct run att, un;

		PAIR_ABBA(i, att = run_once(true, iters), un = run_once(false, iters));
		ratios[i] = (double)att.elapsed / (double)un.elapsed;
		/* both threads are sampled, each on its own CPU: wall time grows by one CPU's share */
		costs[i] = att.samples ? ((double)att.elapsed - (double)un.elapsed) /
					 ((double)att.samples / 2) : 0;
		printf("BENCH overhead pair=%u order=%s attached_ns=%" PRIu64 " unattached_ns=%" PRIu64
		       " ratio=%.4f samples=%" PRIu64 " records=%" PRIu64 " dropped=%" PRIu64
		       " ns_per_sample=%.0f\n", i + 1, i % 2 == 0 ? "attached-first" : "unattached-first",
		       att.elapsed, un.elapsed, ratios[i], att.samples, att.records, att.dropped,
		       costs[i]);
		fflush(stdout);
	}
	qsort(ratios, pairs, sizeof(ratios[0]), cmp_double);
	qsort(costs, pairs, sizeof(costs[0]), cmp_double);
	printf("BENCH overhead_summary pairs=%u median_ratio=%.4f min_ratio=%.4f max_ratio=%.4f"
	       " median_ns_per_sample=%.0f elapsed_s=%.1f\n", pairs, median_double(ratios, pairs),
	       ratios[0], ratios[pairs - 1], median_double(costs, pairs),
	       (double)(now_ns() - t_start) / 1e9);
	return 0;
}
