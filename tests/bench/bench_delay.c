// SPDX-License-Identifier: GPL-2.0
/*
 * Delay precision, side by side: |slept - owed| of causal.ko's payments (an in-kernel zero-slack
 * hrtimer sleep on return to user mode) against a user-space clock_nanosleep() loop with the
 * default timer slack (what Coz does) and with 1 ns slack, for the same delays, in the same
 * process layout, interleaved in rounds so that drift of the (emulated) machine hits all three.
 *
 *   bench_delay [-n N] [-r ROUNDS] [-d US,US,...] [-c CONTROL_POLL_US] [-g SETTLE_US] [-v]
 *
 * N measurements per (delay, method), taken over ROUNDS rounds (default 500 over 5; delays
 * default 50,100,250,500,1000 us). Prints machine-readable "BENCH ..." lines (times in ns).
 * CONTROL_POLL_US (default 1000) is how often the controller looks for progress, SETTLE_US
 * (default 0) a pause after each experiment's stop, -v prints every experiment's result.
 *
 * The workload is a forked child with two threads: A spins in the function hot() (its own
 * section: the experiment's range) and B spins in cold(). The controller (this process, outside
 * the session) attaches to the child once; the sampler runs for the whole benchmark, so both
 * methods see the same sampling interrupts.
 *
 * module: one experiment per measurement, with delay_ns = D and max_samples = 1. A's first
 *   sample in hot() credits A with D, so B owes exactly D and pays it at its next sample tick or
 *   switch-in (min_pay_ns is set to D for the batch so that nothing smaller is paid). The
 *   controller waits for that payment's accounting (the stats page's payments, which the module
 *   counts after accounting the payment to the running experiment), then stops the experiment: the result holds exactly one payment of exactly D, so paid_error is
 *   that payment's |slept - D|. B's overshoot stays B's carry (A never owes it), so anything
 *   else (more than one payment) is counted and left out, and printed: it would be a module bug.
 * nanosleep: B alternates 0.3-1.7 ms of spinning (a random draw, like the gaps between module
 *   payments) with clock_nanosleep(D), timed with clock_gettime around it; the error is the
 *   overshoot. B's slack is PR_SET_TIMERSLACK 0 (the inherited default, 50 us) or 1 ns. The
 *   controller polls for completion on the same cadence as in the module batches.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "bench.h"

#define MAX_DELAYS 16
#define MAX_PER_BATCH 100000
#define MIN_PAY_PARAM "/sys/module/causal/parameters/min_pay_ns"

enum method { M_MODULE, M_DEFAULT, M_ONE, NR_METHODS };
static const char *const method_name[NR_METHODS] = { "module", "nanosleep_default", "nanosleep_1ns" };

/* shared with the forked workload */
struct shm {
	atomic_int go, quit;
	atomic_uint batch;		/* bumped by the controller: B runs a nanosleep batch */
	atomic_uint done;		/* sleeps finished in the current batch */
	uint64_t delay_ns;
	unsigned int count;
	int slack_one;
	atomic_ulong slack_seen;	/* B's timer slack during the batch, ns */
	uint64_t over[MAX_PER_BATCH];	/* overshoot of each sleep, ns */
};

static struct shm *shm;
static volatile uint64_t sink;

BENCH_DECLARE_RANGE(bench_hot);

BENCH_SECTION("bench_hot") uint64_t hot(uint64_t x)
{
	return spin(20000, x);
}

BENCH_SECTION("bench_cold") uint64_t cold(uint64_t x)
{
	return spin(2000, x);
}

static void *thread_a(void *arg)
{
	uint64_t x = 1;

	while (!atomic_load_explicit(&shm->quit, memory_order_relaxed))
		x = hot(x);
	sink = x;
	return arg;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t b_sleep_batch(uint64_t x, uint64_t *rng)
{
	uint64_t d = shm->delay_ns;
	struct timespec ts = { .tv_sec = (time_t)(d / SEC), .tv_nsec = (long)(d % SEC) };

	if (prctl(PR_SET_TIMERSLACK, shm->slack_one ? 1UL : 0UL, 0, 0, 0))
		die("PR_SET_TIMERSLACK");
	atomic_store(&shm->slack_seen, (unsigned long)prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
	for (unsigned int i = 0; i < shm->count; i++) {
		uint64_t end = now_ns() + 300 * US + xorshift(rng) % (1400 * US), t0, t1;

		while (now_ns() < end)
			x = cold(x);
		t0 = now_ns();
		if (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL))
			die("clock_nanosleep");
		t1 = now_ns();
		shm->over[i] = t1 - t0 >= d ? t1 - t0 - d : d - (t1 - t0);
		atomic_store(&shm->done, i + 1);
	}
	return x;
}

static void child_main(void)
{
	unsigned int seen = 0;
	uint64_t x = 2, rng = 0x9e3779b97f4a7c15ULL;
	pthread_t a;

	while (!atomic_load(&shm->go))
		usleep(1000);
	if (pthread_create(&a, NULL, thread_a, NULL))
		die("pthread_create");
	/* this thread is B */
	while (!atomic_load_explicit(&shm->quit, memory_order_relaxed)) {
		unsigned int b = atomic_load(&shm->batch);

		if (b != seen) {
			seen = b;
			x = b_sleep_batch(x, &rng);
			continue;
		}
		x = cold(x);
	}
	pthread_join(a, NULL);
	sink = x;
	_exit(0);
}

/* ---- controller ---- */

struct cell {
	uint64_t *err;
	size_t n;
	/* module only */
	uint64_t no_payment, left_out, inconsistent, attempts;
	uint64_t hist[CAUSAL_ERROR_BUCKETS];
	uint64_t slack;
};

static int fd;
static const volatile struct causal_stats *page;
static uint64_t poll_ns = 1 * MS;
static uint64_t settle_ns = 0;
static bool verbose;

static uint64_t page_read(const volatile __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void write_min_pay(uint64_t v)
{
	char buf[32];
	int f = open(MIN_PAY_PARAM, O_WRONLY);
	int len = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", v);

	if (f < 0 || write(f, buf, (size_t)len) != len)
		die("write %s", MIN_PAY_PARAM);
	close(f);
}

static uint64_t read_min_pay(void)
{
	char buf[32] = "";
	int f = open(MIN_PAY_PARAM, O_RDONLY);

	if (f < 0 || read(f, buf, sizeof(buf) - 1) <= 0)
		die("read %s", MIN_PAY_PARAM);
	close(f);
	buf[strcspn(buf, "\n")] = 0;
	return parse_u64(buf, "min_pay_ns");
}

static void module_batch(struct cell *c, uint64_t d, unsigned int n)
{
	struct causal_range r = { (__u64)(uintptr_t)__start_bench_hot,
				  (__u64)(uintptr_t)__stop_bench_hot };
	struct causal_stats st0, st1;
	unsigned int good = 0;

	write_min_pay(d);
	causal_get_stats(fd, &st0);
	for (unsigned int tries = 0; good < n && tries < 4 * n + 20; tries++) {
		struct causal_experiment e = {
			.size = sizeof(e), .delay_ns = d, .max_samples = 1, .nr_ranges = 1,
			.ranges = (__u64)(uintptr_t)&r,
		};
		struct causal_experiment_result res = { .size = sizeof(res) };
		uint64_t p0 = page_read(&page->payments), t0;
		uint64_t err;

		c->attempts++;
		if (ioctl(fd, CAUSAL_IOC_EXPERIMENT_START, &e) < 0)
			die("CAUSAL_IOC_EXPERIMENT_START");
		t0 = now_ns();
		/*
		 * The module counts a payment in the stats page after it has accounted it to the
		 * experiment: once payments moves, the stop cannot race with the accounting.
		 */
		while (page_read(&page->payments) == p0 && now_ns() - t0 < SEC)
			sleep_ns(poll_ns);
		if (ioctl(fd, CAUSAL_IOC_EXPERIMENT_STOP, &res) < 0)
			die("CAUSAL_IOC_EXPERIMENT_STOP");
		if (settle_ns)
			sleep_ns(settle_ns);
		if (verbose)
			printf("BENCH exp delay_ns=%" PRIu64 " selected=%llu payments=%llu tasks_delayed=%llu"
			       " delay_paid=%llu paid_error=%llu overshoot=%llu delay_inserted=%llu"
			       " wall=%llu\n", d, (unsigned long long)res.selected_samples,
			       (unsigned long long)res.payments, (unsigned long long)res.tasks_delayed,
			       (unsigned long long)res.delay_paid, (unsigned long long)res.paid_error,
			       (unsigned long long)res.overshoot, (unsigned long long)res.delay_inserted,
			       (unsigned long long)res.wall);
		if (res.selected_samples != 1 || res.payments == 0) {
			c->no_payment++;
			continue;
		}
		if (res.payments == 1 && res.tasks_delayed == 1) {
			err = res.paid_error;
			/*
			 * one payment of D + err, the overshoot carried, or of D - err with no carry
			 * (a spun end cut short because the CPU was wanted: the rest stays owed);
			 * global grew by D
			 */
			bool over = res.delay_paid == d + err && res.overshoot == err;
			bool under = res.delay_paid == d - err && res.overshoot == 0;

			if ((!(over || under) || res.delay_inserted != d) && c->inconsistent++ < 5)
				printf("BENCH note inconsistent delay_ns=%" PRIu64 " delay_paid=%llu"
				       " paid_error=%llu overshoot=%llu delay_inserted=%llu\n", d,
				       (unsigned long long)res.delay_paid,
				       (unsigned long long)res.paid_error,
				       (unsigned long long)res.overshoot,
				       (unsigned long long)res.delay_inserted);
		} else {
			/* say what it was: a module bug would show up here first */
			if (c->left_out++ < 5)
				printf("BENCH note left_out delay_ns=%" PRIu64 " payments=%llu"
				       " tasks_delayed=%llu delay_paid=%llu paid_error=%llu"
				       " overshoot=%llu delay_inserted=%llu\n", d,
				       (unsigned long long)res.payments,
				       (unsigned long long)res.tasks_delayed,
				       (unsigned long long)res.delay_paid,
				       (unsigned long long)res.paid_error,
				       (unsigned long long)res.overshoot,
				       (unsigned long long)res.delay_inserted);
			continue;
		}
		c->err[c->n++] = err;
		good++;
	}
	causal_get_stats(fd, &st1);
	for (int i = 0; i < CAUSAL_ERROR_BUCKETS; i++)
		c->hist[i] += st1.error_hist[i] - st0.error_hist[i];
}

static void user_batch(struct cell *c, uint64_t d, unsigned int n, int slack_one)
{
	uint64_t t0 = now_ns();

	shm->delay_ns = d;
	shm->count = n;
	shm->slack_one = slack_one;
	atomic_store(&shm->done, 0);
	atomic_fetch_add(&shm->batch, 1);
	while (atomic_load(&shm->done) < n) {
		if (now_ns() - t0 > 120 * SEC) {
			errno = ETIMEDOUT;
			die("nanosleep batch of %u x %" PRIu64 " ns did not finish", n, d);
		}
		sleep_ns(poll_ns);
	}
	memcpy(c->err + c->n, shm->over, n * sizeof(uint64_t));
	c->n += n;
	c->slack = atomic_load(&shm->slack_seen);
}

static void print_cell(const struct cell *c, enum method m, uint64_t d)
{
	uint64_t *s = malloc((c->n ? c->n : 1) * sizeof(*s)), sum = 0;

	if (!s)
		die("malloc");
	memcpy(s, c->err, c->n * sizeof(*s));
	qsort(s, c->n, sizeof(*s), cmp_u64);
	for (size_t i = 0; i < c->n; i++)
		sum += s[i];
	printf("BENCH delay method=%s delay_ns=%" PRIu64 " n=%zu p50=%" PRIu64 " p90=%" PRIu64
	       " p99=%" PRIu64 " mean=%" PRIu64 " max=%" PRIu64, method_name[m], d, c->n,
	       percentile(s, c->n, 0.5), percentile(s, c->n, 0.9), percentile(s, c->n, 0.99),
	       c->n ? sum / c->n : 0, c->n ? s[c->n - 1] : 0);
	if (m == M_MODULE) {
		uint64_t total = 0, cum = 0;
		int b50 = -1;

		for (int i = 0; i < CAUSAL_ERROR_BUCKETS; i++)
			total += c->hist[i];
		for (int i = 0; i < CAUSAL_ERROR_BUCKETS && b50 < 0; i++) {
			cum += c->hist[i];
			if (2 * cum >= total && total)
				b50 = i;
		}
		printf(" attempts=%" PRIu64 " no_payment=%" PRIu64 " left_out=%" PRIu64
		       " inconsistent=%" PRIu64 " hist_payments=%" PRIu64 " hist_p50_bucket=%d hist=",
		       c->attempts, c->no_payment, c->left_out, c->inconsistent, total, b50);
		for (int i = 0; i < CAUSAL_ERROR_BUCKETS; i++)
			printf("%s%" PRIu64, i ? "," : "", c->hist[i]);
	} else {
		printf(" slack_ns=%" PRIu64, c->slack);
	}
	printf("\n");
	free(s);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_delay [-n N] [-r ROUNDS] [-d US,US,...] [-c CONTROL_POLL_US] [-g SETTLE_US] [-v]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t delays[MAX_DELAYS] = { 50 * US, 100 * US, 250 * US, 500 * US, 1000 * US };
	unsigned int nd = 5, n = 500, rounds = 5, per_round;
	static struct cell cells[MAX_DELAYS][NR_METHODS];
	uint64_t min_pay0, t_start;
	pid_t pid;
	int opt, status;

	while ((opt = getopt(argc, argv, "n:r:d:c:g:v")) != -1) {
		switch (opt) {
		case 'n': n = (unsigned int)parse_u64(optarg, "N"); break;
		case 'r': rounds = (unsigned int)parse_u64(optarg, "ROUNDS"); break;
		case 'c': poll_ns = parse_u64(optarg, "CONTROL_POLL_US") * US; break;
		case 'g': settle_ns = parse_u64(optarg, "SETTLE_US") * US; break;
		case 'v': verbose = true; break;
		case 'd':
			nd = 0;
			for (char *tok = strtok(optarg, ","); tok; tok = strtok(NULL, ",")) {
				if (nd == MAX_DELAYS)
					usage();
				delays[nd++] = parse_u64(tok, "delay") * US;
			}
			break;
		default: usage();
		}
	}
	if (!n || !rounds || !nd || n < rounds)
		usage();
	per_round = (n + rounds - 1) / rounds;
	if (per_round > MAX_PER_BATCH)
		usage();

	shm = shared_alloc(sizeof(*shm));
	for (unsigned int i = 0; i < nd; i++)
		for (int m = 0; m < NR_METHODS; m++) {
			cells[i][m].err = calloc((size_t)per_round * rounds, sizeof(uint64_t));
			if (!cells[i][m].err)
				die("calloc");
		}
	min_pay0 = read_min_pay();
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		child_main();

	fd = causal_open_attach(pid, 0, 0);
	page = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, CAUSAL_MMAP_STATS);
	if (page == MAP_FAILED)
		die("mmap stats page");
	atomic_store(&shm->go, 1);
	sleep_ns(100 * MS);	/* let both threads start spinning */

	printf("BENCH delay_config n=%u rounds=%u per_round=%u delays_ns=", per_round * rounds,
	       rounds, per_round);
	for (unsigned int i = 0; i < nd; i++)
		printf("%s%" PRIu64, i ? "," : "", delays[i]);
	printf(" control_poll_ns=%" PRIu64 " settle_ns=%" PRIu64 " min_pay_ns_default=%" PRIu64 " default_slack_ns=%ld\n",
	       poll_ns, settle_ns, min_pay0, (long)prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
	fflush(stdout);
	/* the controller's own polling sleeps are as exact as user space allows */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	t_start = now_ns();
	for (unsigned int r = 0; r < rounds; r++) {
		for (unsigned int i = 0; i < nd; i++) {
			/* rotate the order of the methods from round to round */
			for (int k = 0; k < NR_METHODS; k++) {
				int m = (k + (int)r) % NR_METHODS;

				if (m == M_MODULE)
					module_batch(&cells[i][m], delays[i], per_round);
				else
					user_batch(&cells[i][m], delays[i], per_round, m == M_ONE);
			}
		}
		printf("BENCH progress delay_round=%u/%u elapsed_s=%.1f\n", r + 1, rounds,
		       (double)(now_ns() - t_start) / 1e9);
		fflush(stdout);
	}
	write_min_pay(min_pay0);

	atomic_store(&shm->quit, 1);
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	{
		struct causal_stats st;

		causal_get_stats(fd, &st);
		printf("BENCH delay_stats samples=%llu samples_dropped=%llu payments=%llu"
		       " payments_interrupted=%llu task_work_failed=%llu experiments=%llu"
		       " page_samples_dropped=%llu\n",
		       (unsigned long long)st.samples, (unsigned long long)st.samples_dropped,
		       (unsigned long long)st.payments, (unsigned long long)st.payments_interrupted,
		       (unsigned long long)st.task_work_failed, (unsigned long long)st.experiments,
		       (unsigned long long)page_read(&page->samples_dropped));
	}
	for (unsigned int i = 0; i < nd; i++)
		for (int m = 0; m < NR_METHODS; m++)
			print_cell(&cells[i][m], (enum method)m, delays[i]);
	printf("BENCH delay_done elapsed_s=%.1f workload_exit=%d\n",
	       (double)(now_ns() - t_start) / 1e9, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	close(fd);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
