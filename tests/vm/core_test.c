// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest integration tests of causal.ko's core engine, through /dev/causal, against real
 * workloads (two_threads, pipe_pingpong, futex_handoff, forker, thread_churn, found on $PATH).
 * Prints KTAP on stdout: one subtest per scenario, every number it judged by as a diagnostic.
 *
 *   core_test [-i ITERS] [-S] [SCENARIO...]     default: every scenario, in order
 *   -S: where the module cannot attach on this kernel (EOPNOTSUPP: hooks=kprobe without
 *       ftrace-based kprobes), every scenario is a SKIP; without -S, a failure (make check runs
 *       on kernels that must support both backends)
 *
 * ITERS sizes the spinning workloads (iterations per thread; also $CORE_TEST_ITERS); the default
 * runs about a second per thread in the software-emulated guest. Scenarios:
 *   delay          experiment on thread A's range: B pays about the delay inserted; stats page
 *   ring           the mmapped sample ring: tids, IPs, callchains, drops accounted
 *   pipe           wake-ups through a pipe carry delay
 *   futex          wake-ups through raw futexes carry delay
 *   fork           threads and children followed; only threads with CAUSAL_ATTACH_NO_FOLLOW
 *   attach-running attach to a process that already runs several threads
 *   sigkill        the controller is SIGKILLed mid-experiment: nobody stays delayed
 *   kill-payer     a workload SIGKILLed while it pays dies at once; the unpaid part is counted
 *   cpu-model      the delay experiment with CAUSAL_ATTACH_CPU_MODEL
 *   limits         max_samples and max_duration_ns bound the crediting
 *   churn          attach while threads and children come and go; every task leaves the session
 *   two-sessions   two sessions at once: each samples its own tasks, one's experiment delays
 *                  nobody in the other
 *   cgroup         attach to a cgroup v2 directory (mounted if need be): its tasks only, and the
 *                  errors of a cgroup target
 *   errors         errno of every misuse
 *   hotplug        CPU 1 goes offline and comes back during a session: its samples resume
 *   cycles         CAUSAL_EVENT_CYCLES samples, or falls back to cpu-clock without a PMU
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/causal.h>

#include "ktap.h"
#include "device.h"
#include "procfs.h"
#include "clock.h"
#include "scenarios.h"
#include <linux/magic.h>

static uint64_t iters = 400000000;

/* ---- /proc ---- */

/* The thread ids of process pid, up to max; returns how many (0 if it is gone). */
static int list_tids(pid_t pid, pid_t *tids, int max)
{
	DIR *dir = tasks_open(pid);
	int n = 0;

	if (!dir)
		return 0;
	while (n < max && (tids[n] = tasks_next(dir)))
		n++;
	closedir(dir);
	return n;
}

/* The thread id of thread `name` of process pid, 0 if it has none (yet). */
static pid_t thread_tid(pid_t pid, const char *name)
{
	char path[96], buf[64];
	pid_t tids[64];
	int n, i;

	n = list_tids(pid, tids, 64);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tids[i]);
		if (!read_proc(path, buf, sizeof(buf)))
			continue;
		buf[strcspn(buf, "\n")] = 0;
		if (!strcmp(buf, name))
			return tids[i];
	}
	return 0;
}

/* The time thread `name` of process pid has spent on a CPU (schedstat), ns; 0 if not found. */
static uint64_t thread_cpu_ns(pid_t pid, const char *name)
{
	char path[96], buf[64];
	pid_t tid = thread_tid(pid, name);

	if (!tid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", pid, tid);
	return read_proc(path, buf, sizeof(buf)) ? strtoull(buf, NULL, 10) : 0;
}

static void thread_wchan(pid_t pid, pid_t tid, char *out, size_t len)
{
	char path[96];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, out, len - 1);
	if (fd >= 0)
		close(fd);
	out[n > 0 ? n : 0] = 0;
}

/* ---- workloads: spawned with a pipe on stdin (the start signal) and one on stdout ---- */

#define MAX_RANGES 4

struct workload {
	const char *name;
	pid_t pid;
	int go_fd;		/* write one byte to start it */
	int nr_ranges;
	char range_name[MAX_RANGES][16];
	struct causal_range range[MAX_RANGES];
	int status;		/* from waitpid, once reaped */
	bool reaped;
	long long probe_off;	/* from a "PROBE name 0x<offset>" line, or -1 */
};

/* Starts argv[0] from $PATH and reads its RANGE lines up to READY; false (with a diag) on error. */
static bool wl_spawn(struct workload *w, char *const argv[])
{
	int in[2], out[2];
	char line[256];
	FILE *f;

	memset(w, 0, sizeof(*w));
	w->name = argv[0];
	w->pid = -1;
	w->probe_off = -1;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		diag("pipe: %s", strerror(errno));
		return false;
	}
	fflush(stdout);
	w->pid = fork();
	if (w->pid < 0) {
		diag("fork: %s", strerror(errno));
		return false;
	}
	if (w->pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	w->go_fd = in[1];
	f = fdopen(out[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		char name[16];
		unsigned long long s, e;

		if (!strcmp(line, "READY\n")) {
			fclose(f);
			return true;
		}
		if (sscanf(line, "PROBE %15s %llx", name, &s) == 2)
			w->probe_off = (long long)s;
		if (sscanf(line, "RANGE %15s %llx %llx", name, &s, &e) == 3 &&
		    w->nr_ranges < MAX_RANGES) {
			strcpy(w->range_name[w->nr_ranges], name);
			w->range[w->nr_ranges].start = s;
			w->range[w->nr_ranges].end = e;
			w->nr_ranges++;
		}
	}
	diag("%s: no READY line (not on $PATH?)", argv[0]);
	if (f)
		fclose(f);
	return false;
}

static const struct causal_range *wl_range(const struct workload *w, const char *name)
{
	for (int i = 0; i < w->nr_ranges; i++)
		if (!strcmp(w->range_name[i], name))
			return &w->range[i];
	return NULL;
}

static void wl_go(struct workload *w)
{
	char c = 'g';

	if (write(w->go_fd, &c, 1) != 1)
		diag("%s: cannot start it: %s", w->name, strerror(errno));
	close(w->go_fd);
	w->go_fd = -1;
}

/* Waits up to timeout for the workload to exit; true if it did. */
static bool wl_wait(struct workload *w, uint64_t timeout)
{
	uint64_t end = now_ns() + timeout;

	if (w->reaped)
		return true;
	for (;;) {
		pid_t r = waitpid(w->pid, &w->status, WNOHANG);

		if (r == w->pid) {
			w->reaped = true;
			return true;
		}
		if (r < 0 || now_ns() > end)
			return false;
		sleep_ns(5 * MS);
	}
}

static bool wl_exited_ok(const struct workload *w)
{
	return w->reaped && WIFEXITED(w->status) && WEXITSTATUS(w->status) == 0;
}

static void wl_kill(struct workload *w)
{
	if (w->pid <= 0)
		return;
	if (w->go_fd >= 0)
		close(w->go_fd);
	w->go_fd = -1;
	if (!w->reaped) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, &w->status, 0);
		w->reaped = true;
	}
}

/* ---- /dev/causal ---- */

/*
 * Reads the mmapped stats page as documented: every counter is atomic on its own and seq changes
 * at each experiment start and stop, so a copy between two equal reads of seq does not straddle
 * one. Gives up after 200 ms; returns false then (the copy is the last attempt).
 */
static bool read_stats_page(const volatile struct causal_stats *page, struct causal_stats *out,
			    int *tries)
{
	uint64_t end = now_ns() + 200 * MS, s1, s2;

	*tries = 0;
	do {
		(*tries)++;
		s1 = __atomic_load_n(&page->seq, __ATOMIC_ACQUIRE);
		memcpy(out, (const void *)page, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&page->seq, __ATOMIC_RELAXED);
		if (s1 == s2)
			return true;
	} while (now_ns() < end);
	return false;
}

static void diag_stats(const char *what, const struct causal_stats *s)
{
	diag("%s: seq %" PRIu64 " tasks_attached %" PRIu64 " tasks_seen %" PRIu64
	     " forks_followed %" PRIu64 " exits %" PRIu64 " samples %" PRIu64
	     " samples_in_kernel %" PRIu64 " samples_dropped %" PRIu64 " tasks_lost %" PRIu64,
	     what, (uint64_t)s->seq, (uint64_t)s->tasks_attached, (uint64_t)s->tasks_seen,
	     (uint64_t)s->forks_followed, (uint64_t)s->exits, (uint64_t)s->samples,
	     (uint64_t)s->samples_in_kernel, (uint64_t)s->samples_dropped,
	     (uint64_t)s->tasks_lost);
	diag("%s: wakeups_inherited %" PRIu64 " experiments %" PRIu64 " experiment_active %" PRIu64
	     " global_delay %" PRIu64 " delay_paid %" PRIu64 " payments %" PRIu64
	     " payments_interrupted %" PRIu64 " unpaid_at_exit %" PRIu64 " task_work_failed %" PRIu64,
	     what, (uint64_t)s->wakeups_inherited, (uint64_t)s->experiments,
	     (uint64_t)s->experiment_active, (uint64_t)s->global_delay, (uint64_t)s->delay_paid,
	     (uint64_t)s->payments, (uint64_t)s->payments_interrupted,
	     (uint64_t)s->unpaid_at_exit, (uint64_t)s->task_work_failed);
	diag("%s: error_hist %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
	     "%llu %llu", what,
	     (unsigned long long)s->error_hist[0], (unsigned long long)s->error_hist[1],
	     (unsigned long long)s->error_hist[2], (unsigned long long)s->error_hist[3],
	     (unsigned long long)s->error_hist[4], (unsigned long long)s->error_hist[5],
	     (unsigned long long)s->error_hist[6], (unsigned long long)s->error_hist[7],
	     (unsigned long long)s->error_hist[8], (unsigned long long)s->error_hist[9],
	     (unsigned long long)s->error_hist[10], (unsigned long long)s->error_hist[11],
	     (unsigned long long)s->error_hist[12], (unsigned long long)s->error_hist[13],
	     (unsigned long long)s->error_hist[14], (unsigned long long)s->error_hist[15]);
}

static void diag_result(const struct causal_experiment_result *r)
{
	diag("experiment %" PRIu64 ": selected_samples %" PRIu64 " session_samples %" PRIu64
	     " delay_inserted %" PRIu64 " delay_paid %" PRIu64 " paid_error %" PRIu64
	     " overshoot %" PRIu64 " payments %" PRIu64 " tasks_delayed %" PRIu64 " wall %" PRIu64
	     " effective %" PRIu64,
	     (uint64_t)r->id, (uint64_t)r->selected_samples, (uint64_t)r->session_samples,
	     (uint64_t)r->delay_inserted, (uint64_t)r->delay_paid, (uint64_t)r->paid_error,
	     (uint64_t)r->overshoot, (uint64_t)r->payments, (uint64_t)r->tasks_delayed,
	     (uint64_t)r->wall, (uint64_t)r->effective);
}


/* CAUSAL_IOC_ATTACH with every target field given; the errno, or 0 on success */
static int attach_target(int fd, pid_t pid, uint32_t flags, int cgroup_fd)
{
	struct causal_attach a = {
		.size = sizeof(a), .flags = flags, .pid = pid, .cgroup_fd = cgroup_fd,
	};

	return ioctl(fd, CAUSAL_IOC_ATTACH, &a) ? errno : 0;
}

/* a target that another session holds (attach_target()'s arguments), and its check's name */
struct held_try {
	pid_t pid;
	uint32_t flags;
	int cgroup_fd;
	const char *name;
};

/* A new session's attach to each of n targets is refused as busy (EBUSY); it closes again. */
static void check_held(const struct held_try *t, int n)
{
	int fd = dev_open();

	for (int i = 0; i < n; i++)
		check_errno(fd >= 0 ? attach_target(fd, t[i].pid, t[i].flags, t[i].cgroup_fd) : -1,
			    EBUSY, t[i].name);
	if (fd >= 0)
		close(fd);
}

/*
 * A reader of a session's sample ring that sorts every record by process: the records of `pid`
 * (whose tid must be one of its threads) and the others, which a session of pid alone must not
 * have.
 */
struct ring_reader {
	void *map;
	size_t len;
	struct causal_ring_control *ctl;
	struct causal_sample *recs;
	uint64_t tail;
	pid_t pid;		/* the process the session should sample */
	pid_t tids[64];		/* its threads seen so far in /proc */
	int ntids;
	uint64_t nread, own, foreign, unknown_tid;
	pid_t foreign_pid, foreign_tid;	/* the first record of another process */
	uint64_t own_on_cpu[8];		/* records of rr->pid per CPU (the first 8) */
};

static bool ring_open(struct ring_reader *rr, int fd, uint32_t ring_pages, pid_t pid)
{
	memset(rr, 0, sizeof(*rr));
	rr->pid = pid;
	rr->len = (size_t)(ring_pages + 1) * 4096;
	rr->map = mmap(NULL, rr->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, CAUSAL_MMAP_RING);
	if (rr->map == MAP_FAILED) {
		diag("mmap ring: %s", strerror(errno));
		rr->map = NULL;
		return false;
	}
	rr->ctl = rr->map;
	rr->recs = (struct causal_sample *)((char *)rr->map + 4096);
	rr->tail = rr->ctl->tail;
	return true;
}

/* adds the threads of rr->pid that /proc shows now */
static void ring_learn_tids(struct ring_reader *rr)
{
	pid_t tids[64];
	int n = list_tids(rr->pid, tids, 64), i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < rr->ntids && rr->tids[k] != tids[i]; k++)
			;
		if (k == rr->ntids && rr->ntids < 64)
			rr->tids[rr->ntids++] = tids[i];
	}
}

static bool ring_known_tid(const struct ring_reader *rr, pid_t tid)
{
	for (int k = 0; k < rr->ntids; k++)
		if (rr->tids[k] == tid)
			return true;
	return false;
}

/* consumes every complete record */
static void ring_drain(struct ring_reader *rr)
{
	if (!rr->map)
		return;
	ring_learn_tids(rr);
	for (;;) {
		struct causal_sample *r = &rr->recs[rr->tail & (rr->ctl->nr_records - 1)];

		if (__atomic_load_n(&r->seq, __ATOMIC_ACQUIRE) != rr->tail + 1)
			break;
		rr->nread++;
		if (r->pid == (uint32_t)rr->pid) {
			rr->own++;
			if (r->cpu < 8)
				rr->own_on_cpu[r->cpu]++;
			/* a thread born since the last look at /proc: look again */
			if (!ring_known_tid(rr, r->tid))
				ring_learn_tids(rr);
			if (!ring_known_tid(rr, r->tid))
				rr->unknown_tid++;
		} else if (!rr->foreign++) {
			rr->foreign_pid = r->pid;
			rr->foreign_tid = r->tid;
		}
		rr->tail++;
		__atomic_store_n(&rr->ctl->tail, rr->tail, __ATOMIC_RELEASE);
	}
}

/*
 * The next complete record, consumed (the tail moves past it: read it before the next call), or
 * NULL when there is none yet. For scenarios that look at each record themselves.
 */
static const struct causal_sample *ring_take(struct ring_reader *rr)
{
	const struct causal_sample *r = &rr->recs[rr->tail & (rr->ctl->nr_records - 1)];

	if (__atomic_load_n(&r->seq, __ATOMIC_ACQUIRE) != rr->tail + 1)
		return NULL;
	rr->tail++;
	__atomic_store_n(&rr->ctl->tail, rr->tail, __ATOMIC_RELEASE);
	return r;
}

static void ring_close(struct ring_reader *rr)
{
	if (rr->map)
		munmap(rr->map, rr->len);
	rr->map = NULL;
}

static void diag_ring(const char *what, const struct ring_reader *rr)
{
	diag("%s ring: read %" PRIu64 " records, %" PRIu64 " of pid %d (%" PRIu64
	     " with a tid not of it; %d tids seen in /proc), %" PRIu64 " of other processes"
	     " (first: pid %d tid %d)", what, rr->nread, rr->own, rr->pid, rr->unknown_tid,
	     rr->ntids, rr->foreign, rr->foreign_pid, rr->foreign_tid);
}

static char *u64arg(uint64_t v)
{
	static char bufs[8][24];
	static int i;
	char *b = bufs[i++ % 8];

	snprintf(b, sizeof(bufs[0]), "%" PRIu64, v);
	return b;
}

/* ---- a workload and its session, checked ---- */

/*
 * Check "setup": where it failed, the workload is killed and fd (if open) closed, and false
 * returned for the scenario to return.
 */
static bool setup_ok(bool ok, struct workload *w, int fd)
{
	if (check(ok, "setup"))
		return true;
	wl_kill(w);
	if (fd >= 0)
		close(fd);
	return false;
}

/*
 * Starts the workload argv (check "spawn_PROG"), with its range "a" in *a and a session in *fd
 * (setup_ok() checks both); false if it did not start.
 */
static bool wl_spawn_session(struct workload *w, char *argv[], const struct causal_range **a,
			     int *fd)
{
	if (!check(wl_spawn(w, argv), "spawn_%s", argv[0]))
		return false;
	*a = wl_range(w, "a");
	*fd = dev_open();
	return true;
}

/*
 * wl_spawn_session(), then the session attached to the workload with flags and, unless delay is
 * 0, an experiment with that delay on range "a": false if any of it failed (setup_ok()).
 */
static bool session_start(struct workload *w, char *argv[], uint32_t flags, uint64_t delay,
			  const struct causal_range **a, int *fd)
{
	return wl_spawn_session(w, argv, a, fd) &&
	       setup_ok(*fd >= 0 && *a && check_errno(attach(*fd, w->pid, flags, 0, 0), 0, "attach") &&
			(!delay ||
			 check_errno(exp_start(*fd, delay, *a, 1, NULL), 0, "experiment_start")),
			w, *fd);
}

/* Checks that the workload ends within timeout (0: has already ended) and exits with status 0. */
static void wl_check_end(struct workload *w, uint64_t timeout)
{
	check(wl_wait(w, timeout), "workload_finishes");
	check(wl_exited_ok(w), "workload_exit_0 (status %#x)", w->status);
}

/*
 * Stops fd's experiment (checked): its result in r and the session's stats in st, diagnosed (the
 * stats as what).
 */
static void exp_stop_checked(int fd, struct causal_experiment_result *r, struct causal_stats *st,
			     const char *what)
{
	check_errno(exp_stop(fd, r), 0, "experiment_stop");
	diag_result(r);
	get_stats(fd, st);
	diag_stats(what, st);
}

/* ---- scenarios ---- */

/*
 * two_threads, experiment on A's range at half the period: A is credited, B pays. Checks the
 * experiment result, and the stats page against CAUSAL_IOC_STATS while it runs and after.
 */
static void scenario_delay(void)
{
	const uint64_t delay = 500000;	/* 50% of the default 1 ms period */
	char *argv[] = { "two_threads", u64arg(iters), "1", NULL };
	struct causal_stats st, p1, p2, ioc;
	struct causal_experiment_result r;
	const struct causal_range *a;
	volatile struct causal_stats *page;
	struct workload w;
	uint64_t id = 0, seq0 = 0, t0;
	int fd, tries1, tries2, watched = 0, main_paying = 0;
	bool ok1, ok2;

	if (!wl_spawn_session(&w, argv, &a, &fd))
		return;
	if (!setup_ok(fd >= 0 && a && check_errno(attach(fd, w.pid, 0, 0, 0), 0, "attach") &&
		      !get_stats(fd, &st) && ((seq0 = st.seq), true) &&
		      check_errno(exp_start(fd, delay, a, 1, &id), 0, "experiment_start"), &w, fd))
		return;
	page = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, CAUSAL_MMAP_STATS);
	check(page != MAP_FAILED, "mmap_stats_page");
	if (page == MAP_FAILED) {
		diag("mmap stats: %s", strerror(errno));
		page = NULL;
	}
	wl_go(&w);

	/* mid-run: main, A and B are in the session; the page and the ioctl agree */
	sleep_ns(300 * MS);
	if (page) {
		ok1 = read_stats_page(page, &p1, &tries1);
		get_stats(fd, &ioc);
		ok2 = read_stats_page(page, &p2, &tries2);
		diag("stats page read in %d and %d tries", tries1, tries2);
		diag_stats("page (running)", &p1);
		diag_stats("ioctl (running)", &ioc);
		check(ok1 && ok2 && p1.seq == p2.seq && p1.seq == ioc.seq && p1.seq != seq0,
		      "stats_seq_changed_by_start_and_stable_while_running (%" PRIu64 " -> %" PRIu64
		      ")", seq0, (uint64_t)p1.seq);
		check(p1.tasks_attached == 3 && ioc.tasks_attached == 3 && p2.tasks_attached == 3,
		      "tasks_attached_3_while_running (page %" PRIu64 ", ioctl %" PRIu64 ")",
		      (uint64_t)p1.tasks_attached, (uint64_t)ioc.tasks_attached);
		check(p1.samples > 0 && p1.samples <= ioc.samples && ioc.samples <= p2.samples,
		      "stats_page_samples_consistent (page %" PRIu64 " <= ioctl %" PRIu64
		      " <= page %" PRIu64 ")", (uint64_t)p1.samples, (uint64_t)ioc.samples,
		      (uint64_t)p2.samples);
		check(ioc.experiment_active == id && p1.experiment_active == id,
		      "experiment_active_is_id (%" PRIu64 ")", id);
	}

	/*
	 * Until the exit, watch the main thread: it only waits in pthread_join, and each exiting
	 * thread's futex wake-up carries that thread's delay to it, so it should not pay.
	 */
	for (t0 = now_ns(); !wl_wait(&w, 0) && now_ns() - t0 < 120 * SEC; sleep_ns(10 * MS)) {
		char wchan[64], state = thread_state(w.pid, w.pid);

		thread_wchan(w.pid, w.pid, wchan, sizeof(wchan));
		watched++;
		if (state == 'D' || strstr(wchan, "causal"))
			main_paying++;
	}
	diag("main thread seen paying in %d of %d observations (every 10 ms)", main_paying,
	     watched);
	wl_check_end(&w, 0);
	check(main_paying <= watched / 10,
	      "joining_main_thread_rarely_pays (%d of %d observations)", main_paying, watched);
	check_errno(exp_stop(fd, &r), 0, "experiment_stop");
	diag_result(&r);
	check(r.id == id && id == 1, "result_id (%" PRIu64 ")", (uint64_t)r.id);
	check(r.selected_samples > 0, "selected_samples_positive");
	check(r.session_samples >= r.selected_samples, "session_samples_ge_selected");
	check(r.delay_inserted > 0, "delay_inserted_positive");
	/* only A runs in its range and A's local grows by delay per selected sample */
	check(r.delay_inserted >= r.selected_samples * delay,
	      "delay_inserted_ge_selected_times_delay (%" PRIu64 " >= %" PRIu64 ")",
	      (uint64_t)r.delay_inserted, (uint64_t)(r.selected_samples * delay));
	/*
	 * What the others owed, they slept: a sleep that overshoots (emulation: timers fire up to
	 * milliseconds late) is carried to the sleeper's next debt, so the sleeps add up to the
	 * inserted delay, give or take the last carry and the last debt of each task at the stop.
	 * (Were the overshoot pushed onto everyone, as in Coz, they would add up to more.)
	 */
	check(r.delay_paid * 2 >= r.delay_inserted && r.delay_paid * 2 <= r.delay_inserted * 3,
	      "paid_within_0.5x_1.5x_inserted (ratio %.3f)",
	      r.delay_inserted ? (double)r.delay_paid / r.delay_inserted : 0.0);
	check(r.payments > 0, "payments_positive");
	check(r.tasks_delayed >= 1, "tasks_delayed_ge_1");
	check(r.wall > 0 && r.effective == (r.wall > r.delay_inserted ? r.wall - r.delay_inserted : 0),
	      "effective_is_wall_minus_inserted");
	check(r.overshoot <= r.delay_paid, "overshoot_le_paid");

	/* after the exit: nobody left, every task accounted */
	if (!get_stats(fd, &st)) {
		diag_stats("ioctl (after)", &st);
		check(st.tasks_attached == 0, "tasks_attached_0_after_exit");
		check(st.tasks_seen == 3 && st.forks_followed == 2 && st.exits == 3,
		      "seen_3_followed_2_exits_3");
		check(st.experiments == 1 && st.experiment_active == 0, "experiments_1_none_active");
		if (page)
			check(st.seq != ioc.seq, "stats_seq_changed_by_stop (%" PRIu64 " -> %" PRIu64
			      ")", (uint64_t)ioc.seq, (uint64_t)st.seq);
		check(st.delay_paid >= r.delay_paid && st.payments >= r.payments,
		      "session_paid_covers_experiment");
		if (page) {
			ok1 = read_stats_page(page, &p1, &tries1);
			diag_stats("page (after)", &p1);
			check(ok1 && p1.tasks_attached == st.tasks_attached &&
			      p1.samples == st.samples && p1.exits == st.exits &&
			      p1.forks_followed == st.forks_followed &&
			      p1.delay_paid == st.delay_paid && p1.payments == st.payments,
			      "stats_page_equals_ioctl_when_idle");
		}
	}
	if (page)
		munmap((void *)page, 4096);
	close(fd);
	wl_kill(&w);
}

/*
 * two_threads, one experiment on both ranges: A owes B's credits and B owes A's, and each pays
 * with its IP in the selected code. The end of a payment is spun (causal_pay_until()), where the
 * sampler still fires: such a sample must be flagged CAUSAL_SAMPLE_PAYING and not credited, or a
 * payer would add the delay it pays to the other's debt. Every other sample in the ranges is
 * credited: the experiment's selected samples are exactly the unflagged records in them. A tick
 * lands in a spin rarely (a payment starts at a tick and spins well under a period): the target
 * runs until 3 have, at most 60 s, and is stopped (SIGSTOP) before the experiment is, so that
 * every record of it is read.
 */
static bool all_threads_stopped(pid_t pid)
{
	pid_t tids[64];
	int n = list_tids(pid, tids, 64);

	for (int i = 0; i < n; i++)
		if (thread_state(pid, tids[i]) != 'T')
			return false;
	return n > 0;
}

static void scenario_paying(void)
{
	const uint64_t delay = 500000;	/* 50% of the default 1 ms period */
	const uint32_t ring_pages = 256;
	/* spinning for ever: stopped below */
	char *argv[] = { "two_threads", "100000000000000", "1", NULL };
	struct causal_range ab[2];
	const struct causal_range *a, *b;
	const struct causal_sample *rec;
	struct causal_experiment_result r;
	struct ring_reader rr;
	struct causal_stats st;
	struct workload w;
	uint64_t t0, in_ab = 0, in_ab_paying = 0, paying = 0, paying_not_kernel = 0;
	bool stopped = false;
	int fd;

	if (!check(wl_spawn(&w, argv), "spawn_two_threads"))
		return;
	a = wl_range(&w, "a");
	b = wl_range(&w, "b");
	fd = dev_open();
	if (a && b) {
		ab[0] = a->start < b->start ? *a : *b;
		ab[1] = a->start < b->start ? *b : *a;
	}
	if (!setup_ok(fd >= 0 && a && b &&
		      check_errno(attach(fd, w.pid, 0, 0, ring_pages), 0, "attach") &&
		      ring_open(&rr, fd, ring_pages, w.pid) &&
		      check_errno(exp_start(fd, delay, ab, 2, NULL), 0, "experiment_start"),
		      &w, fd))
		return;
	wl_go(&w);
	for (t0 = now_ns();; sleep_ns(5 * MS)) {
		/* the last pass drains what the stopped target left */
		bool last = stopped;

		while ((rec = ring_take(&rr))) {
			bool in = (rec->ip >= a->start && rec->ip < a->end) ||
				  (rec->ip >= b->start && rec->ip < b->end);

			if (rec->flags & CAUSAL_SAMPLE_PAYING) {
				paying++;
				paying_not_kernel += !(rec->flags & CAUSAL_SAMPLE_KERNEL);
				in_ab_paying += in;
			} else {
				in_ab += in;
			}
		}
		if (last)
			break;
		if (!stopped && (in_ab_paying >= 3 || now_ns() - t0 > 60 * SEC || wl_wait(&w, 0))) {
			uint64_t t1 = now_ns();

			kill(w.pid, SIGSTOP);
			while (!all_threads_stopped(w.pid) && now_ns() - t1 < 10 * SEC &&
			       !wl_wait(&w, 0))
				sleep_ns(MS);
			stopped = true;
		}
	}
	check(all_threads_stopped(w.pid), "target_stopped");
	check_errno(exp_stop(fd, &r), 0, "experiment_stop");
	diag_result(&r);
	get_stats(fd, &st);
	diag("ran %" PRIu64 " ms; records in A's and B's ranges: %" PRIu64 " while running, %" PRIu64
	     " while paying (of %" PRIu64 " paying records); %" PRIu64 " dropped",
	     (now_ns() - t0) / MS, in_ab, in_ab_paying, paying, (uint64_t)st.samples_dropped);
	check(r.payments > 0, "payments_positive (%" PRIu64 ")", (uint64_t)r.payments);
	check(in_ab_paying >= 3, "samples_while_paying_flagged (%" PRIu64 ")", in_ab_paying);
	check(!paying_not_kernel, "paying_samples_are_in_the_kernel (%" PRIu64 " not)",
	      paying_not_kernel);
	if (st.samples_dropped)
		diag("the ring dropped records: selected samples compared as an upper bound");
	check(st.samples_dropped ? r.selected_samples >= in_ab : r.selected_samples == in_ab,
	      "selected_samples_are_the_unflagged_records (%" PRIu64 " selected, %" PRIu64 ")",
	      (uint64_t)r.selected_samples, in_ab);
	ring_close(&rr);
	close(fd);
	wl_kill(&w);
}

/*
 * mutex_handoff, experiment on A's range: A is the only task credited and owes nothing of its
 * own; B holds the mutex A blocks on while A's line inserts delay, and unlocks before it has paid
 * all of it. The wake-up passes what B still owes to A (Coz's B pays before the unlock, and A gets
 * the mutex that much later): A must pay too, in payment records with its tid. Before, A was
 * level with global at every wake-up and never paid, and the next holder of a mutex started
 * early by its last holder's unpaid delay.
 */
static void scenario_handoff(void)
{
	const uint64_t delay = 500000;	/* 50% of the default 1 ms period */
	const uint32_t ring_pages = 256;
	/* rounds for ever: it runs until A has paid a few times, at most 60 s */
	char *argv[] = { "mutex_handoff", "1000000000", NULL };
	const struct causal_range *a;
	struct causal_experiment_result r;
	struct ring_reader rr;
	struct workload w;
	uint64_t t0, paid_a = 0, paid_b = 0, pays_a = 0, pays_b = 0, other = 0;
	pid_t tid_a = 0, tid_b = 0;
	int fd;

	if (!check(wl_spawn(&w, argv), "spawn_mutex_handoff"))
		return;
	a = wl_range(&w, "a");
	fd = dev_open();
	if (!check(fd >= 0 && a &&
		   check_errno(attach(fd, w.pid, CAUSAL_ATTACH_TRACE_DELAYS, 0, ring_pages), 0,
			       "attach") &&
		   ring_open(&rr, fd, ring_pages, w.pid) &&
		   check_errno(exp_start(fd, delay, a, 1, NULL), 0, "experiment_start"), "setup")) {
		wl_kill(&w);
		if (fd >= 0)
			close(fd);
		return;
	}
	wl_go(&w);
	for (t0 = now_ns(); now_ns() - t0 < 60 * SEC && pays_a < 3; sleep_ns(5 * MS)) {
		bool done = wl_wait(&w, 0);

		if (!tid_a)
			tid_a = thread_tid(w.pid, "a");
		if (!tid_b)
			tid_b = thread_tid(w.pid, "b");
		while (__atomic_load_n(&rr.recs[rr.tail & (rr.ctl->nr_records - 1)].seq,
				       __ATOMIC_ACQUIRE) == rr.tail + 1) {
			const struct causal_sample *rec = &rr.recs[rr.tail & (rr.ctl->nr_records - 1)];

			if (rec->flags & CAUSAL_SAMPLE_DELAY) {
				if (tid_a && rec->tid == (uint32_t)tid_a) {
					pays_a++;
					paid_a += rec->ip;
				} else if (tid_b && rec->tid == (uint32_t)tid_b) {
					pays_b++;
					paid_b += rec->ip;
				} else {
					other++;
				}
			}
			rr.tail++;
			__atomic_store_n(&rr.ctl->tail, rr.tail, __ATOMIC_RELEASE);
		}
		if (done)
			break;
	}
	check(!wl_wait(&w, 0), "workload_still_running");
	check_errno(exp_stop(fd, &r), 0, "experiment_stop");
	diag("ran %" PRIu64 " ms", (now_ns() - t0) / MS);
	diag_result(&r);
	diag("payments: A (tid %d) %" PRIu64 " for %" PRIu64 " us, B (tid %d) %" PRIu64 " for %"
	     PRIu64 " us, other threads %" PRIu64, tid_a, pays_a, paid_a / 1000, tid_b, pays_b,
	     paid_b / 1000, other);
	check(tid_a && tid_b, "threads_a_and_b_found");
	check(r.selected_samples > 0, "selected_samples_positive (%" PRIu64 ")",
	      (uint64_t)r.selected_samples);
	check(pays_b > 0, "the_holder_pays (%" PRIu64 ")", pays_b);
	/* about one hand-off in 200 under emulation: a few within seconds */
	check(pays_a >= 3, "the_next_holder_pays_what_the_holder_had_not (%" PRIu64 " payments, %"
	      PRIu64 " us)", pays_a, paid_a / 1000);
	/* A's share is the unpaid rest at the unlocks: less than what B pays */
	check(paid_a < paid_b, "next_holder_pays_less_than_the_holder (%" PRIu64 " < %" PRIu64 " us)",
	      paid_a / 1000, paid_b / 1000);
	ring_close(&rr);
	close(fd);
	wl_kill(&w);
}

/*
 * A caller passes the size of the struct causal_stats it was built with and gets that much back,
 * its size field saying so, and not a byte more: here one of the first version's size with a
 * larger buffer behind it, as a caller built before tasks_left_exec (VER1) passes it. (The module
 * once wrote its own size there, which would overrun an older caller's struct.)
 */
static void scenario_stats_ver0(void)
{
	union {
		struct causal_stats st;
		unsigned char b[sizeof(struct causal_stats) + 16];
	} u;
	size_t i, bad = 0;
	int fd = dev_open();

	if (!check(fd >= 0, "open"))
		return;
	memset(&u, 0xa5, sizeof(u));
	u.st.size = CAUSAL_STATS_SIZE_VER0;
	u.st.flags = 0;
	check_errno(ioctl(fd, CAUSAL_IOC_STATS, &u.st) ? errno : 0, 0, "stats_ver0");
	for (i = CAUSAL_STATS_SIZE_VER0; i < sizeof(u.b); i++)
		bad += u.b[i] != 0xa5;
	check(u.st.size == CAUSAL_STATS_SIZE_VER0, "size_says_ver0 (%u)", u.st.size);
	check(bad == 0, "nothing_written_past_ver0 (%zu bytes)", bad);
	close(fd);
}

/*
 * The sample ring: a small ring, read in two phases with a pause between them that overflows it;
 * every record belongs to the workload, A's and B's ranges show up, callchains are there, and
 * records read + samples_dropped == samples.
 */
static void scenario_ring(void)
{
	const uint32_t ring_pages = 8, callchain = 4;
	char *argv[] = { "two_threads", u64arg(iters), "1", NULL };
	const struct causal_range *a, *b;
	struct causal_ring_control *ctl;
	struct causal_sample *recs;
	struct causal_stats st;
	struct workload w;
	pid_t tids[64], seen[64], rtids[64];
	uint64_t tail, nread = 0, in_a = 0, in_b = 0, with_chain = 0, chain_in_a = 0;
	uint64_t bad_pid = 0, bad_tid = 0, bad_chain = 0, kernel_flag = 0, bad_time = 0, bad_ip = 0;
	uint64_t last_time = 0, t0, phase = 0, max_backlog = 0, npollin = 0, poll_slow = 0;
	int fd, nseen = 0, nrtids = 0, n, i, k;
	size_t len;
	void *map;

	if (!check(wl_spawn(&w, argv), "spawn_two_threads"))
		return;
	a = wl_range(&w, "a");
	b = wl_range(&w, "b");
	fd = dev_open();
	if (!setup_ok(fd >= 0 && a && b &&
		      check_errno(attach(fd, w.pid, 0, callchain, ring_pages), 0, "attach"),
		      &w, fd))
		return;
	len = (size_t)(ring_pages + 1) * 4096;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, CAUSAL_MMAP_RING);
	if (!check(map != MAP_FAILED, "mmap_ring")) {
		diag("mmap ring: %s", strerror(errno));
		wl_kill(&w);
		close(fd);
		return;
	}
	ctl = map;
	recs = (struct causal_sample *)((char *)map + 4096);
	diag("ring: record_size %u nr_records %u head %llu tail %llu", ctl->record_size,
	     ctl->nr_records, (unsigned long long)ctl->head, (unsigned long long)ctl->tail);
	check(ctl->record_size == sizeof(struct causal_sample), "record_size");
	check(ctl->nr_records && !(ctl->nr_records & (ctl->nr_records - 1)) &&
	      (uint64_t)ctl->nr_records * ctl->record_size <= ring_pages * 4096ULL &&
	      (uint64_t)ctl->nr_records * 2 * ctl->record_size > ring_pages * 4096ULL,
	      "nr_records_largest_power_of_2_that_fits");

	wl_go(&w);
	t0 = now_ns();
	tail = ctl->tail;
	for (;;) {
		bool done = wl_wait(&w, 0);
		uint64_t head = __atomic_load_n(&ctl->head, __ATOMIC_ACQUIRE);

		n = list_tids(w.pid, tids, 64);
		for (i = 0; i < n; i++) {
			for (k = 0; k < nseen && seen[k] != tids[i]; k++)
				;
			if (k == nseen && nseen < 64)
				seen[nseen++] = tids[i];
		}
		/*
		 * phase 0: read for 300 ms; phase 1: stop reading until the module reports a drop
		 * (however slowly the guest runs), at most 10 s; then read to the end
		 */
		if (phase == 0 && now_ns() - t0 > 300 * MS)
			phase = 1;
		if (phase == 1) {
			struct causal_stats sp;

			if (done || now_ns() - t0 > 10 * SEC ||
			    (!get_stats(fd, &sp) && sp.samples_dropped > 0))
				phase = 2;
		}
		if (head - tail > max_backlog)
			max_backlog = head - tail;
		if (phase != 1) {
			for (;;) {
				struct causal_sample *r = &recs[tail & (ctl->nr_records - 1)];

				if (__atomic_load_n(&r->seq, __ATOMIC_ACQUIRE) != tail + 1)
					break;
				nread++;
				if (r->pid != (uint32_t)w.pid)
					bad_pid++;
				/* checked after the loop: a thread may be sampled before /proc lists it */
				for (k = 0; k < nrtids && rtids[k] != (pid_t)r->tid; k++)
					;
				if (k == nrtids && nrtids < 64)
					rtids[nrtids++] = r->tid;
				if (r->ip >= a->start && r->ip < a->end)
					in_a++;
				if (r->ip >= b->start && r->ip < b->end)
					in_b++;
				if (r->flags & CAUSAL_SAMPLE_KERNEL)
					kernel_flag++;
				if (!r->ip || r->ip >= 0x800000000000ULL)
					bad_ip++;
				if (r->nr_callchain > callchain)
					bad_chain++;
				if (r->nr_callchain)
					with_chain++;
				if (r->nr_callchain && r->ip >= a->start && r->ip < a->end &&
				    !(r->callchain[0] >= a->start && r->callchain[0] < a->end))
					chain_in_a++;
				if (r->time_ns < last_time)
					bad_time++;
				last_time = r->time_ns;
				tail++;
				__atomic_store_n(&ctl->tail, tail, __ATOMIC_RELEASE);
			}
		}
		if (done)
			break;
		if (now_ns() - t0 > 120 * SEC) {
			diag("workload did not finish");
			break;
		}
		if (phase == 1) {
			sleep_ns(10 * MS);
		} else {
			/* wait for records with poll(), as a controller would */
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			uint64_t tp = now_ns();

			if (poll(&pfd, 1, 100) > 0 && (pfd.revents & POLLIN))
				npollin++;
			if (now_ns() - tp > 50 * MS)
				poll_slow++;
			/* let records gather: one wake-up per record would be a busy loop here */
			sleep_ns(5 * MS);
		}
	}
	check(wl_exited_ok(&w), "workload_exit_0 (status %#x)", w.status);
	{
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int pr = poll(&pfd, 1, 1000);

		diag("poll: POLLIN %" PRIu64 " times while running (%" PRIu64 " waits over 50 ms); "
		     "after the exit and the drain: poll %d, revents %#x", npollin, poll_slow, pr,
		     pfd.revents);
		check(npollin > 0, "poll_reports_pollin_while_running");
		check(pr == 1 && (pfd.revents & POLLHUP) && !(pfd.revents & POLLIN),
		      "poll_reports_pollhup_after_exit");
	}
	get_stats(fd, &st);
	diag_stats("ioctl", &st);
	for (i = 0; i < nrtids; i++) {
		for (k = 0; k < nseen && seen[k] != rtids[i]; k++)
			;
		if (k == nseen)
			bad_tid++;
	}
	diag("read %" PRIu64 " records (max backlog %" PRIu64 "); in A %" PRIu64 ", in B %" PRIu64
	     ", kernel-flagged %" PRIu64 ", with callchain %" PRIu64 " (A samples whose caller is "
	     "outside A %" PRIu64 "); bad pid %" PRIu64 ", unknown tid %" PRIu64
	     ", time going back %" PRIu64 "; tids seen in /proc: %d",
	     nread, max_backlog, in_a, in_b, kernel_flag, with_chain, chain_in_a, bad_pid, bad_tid,
	     bad_time, nseen);
	check(nread > 0, "records_read");
	check(bad_ip == 0, "every_ip_is_a_user_address (%" PRIu64 " are not)", bad_ip);
	check(kernel_flag <= st.samples_in_kernel, "kernel_flagged_le_samples_in_kernel");
	check(bad_pid == 0, "every_record_has_workload_pid");
	check(bad_tid == 0, "every_record_tid_is_a_workload_thread");
	check(in_a > 0, "some_ips_in_A_range");
	check(in_b > 0, "some_ips_in_B_range");
	check(bad_chain == 0 && with_chain > 0, "callchains_present_and_bounded");
	check(chain_in_a > 0, "A_samples_return_to_caller_outside_A");
	check(ctl->head == tail, "head_equals_tail_after_drain (head %llu tail %" PRIu64 ")",
	      (unsigned long long)ctl->head, tail);
	check(st.samples_dropped > 0, "samples_dropped_counted_after_pause");
	check(nread + st.samples_dropped == st.samples,
	      "read_plus_dropped_equals_samples (%" PRIu64 " + %" PRIu64 " vs %" PRIu64 ")", nread,
	      (uint64_t)st.samples_dropped, (uint64_t)st.samples);
	{
		volatile struct causal_stats *page;
		struct causal_stats p;
		int tries;

		page = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, CAUSAL_MMAP_STATS);
		if (page != MAP_FAILED) {
			read_stats_page(page, &p, &tries);
			check(p.samples_dropped == st.samples_dropped,
			      "stats_page_samples_dropped_equals_ioctl (page %" PRIu64
			      ", ioctl %" PRIu64 ")", (uint64_t)p.samples_dropped,
			      (uint64_t)st.samples_dropped);
			munmap((void *)page, 4096);
		}
	}
	munmap(map, len);
	close(fd);
	wl_kill(&w);
}

/* pipe_pingpong or futex_handoff: A's wake-ups of B carry A's delay during an experiment on A */
static void scenario_wakeup(const char *prog)
{
	char *argv[] = { (char *)prog, "200", "100000", "10000", NULL };
	struct causal_experiment_result r;
	const struct causal_range *a;
	struct causal_stats st;
	struct workload w;
	int fd;

	if (!session_start(&w, argv, 0, 500000, &a, &fd))
		return;
	wl_go(&w);
	wl_check_end(&w, 120 * SEC);
	exp_stop_checked(fd, &r, &st, "ioctl");
	check(r.selected_samples > 0, "selected_samples_positive");
	check(st.wakeups_inherited > 0, "wakeups_inherited_positive");
	check(st.tasks_seen == 3 && st.forks_followed == 2, "seen_3_followed_2");
	close(fd);
	wl_kill(&w);
}

/*
 * CAUSAL_IOC_ATTACH's wakeup: poll() stays quiet until that many records are unread, then
 * reports the ring. The batch (48) is above a power of two, so the capacity rounding is tested
 * too: 8 pages hold 256 records.
 */
static void scenario_ring_batch(void)
{
	const uint32_t ring_pages = 8, batch = 48;
	char *argv[] = { "two_threads", u64arg(iters * 4), "1", NULL };
	struct causal_attach at = { .size = sizeof(at), .ring_pages = ring_pages, .wakeup = batch };
	struct causal_ring_control *ctl;
	struct pollfd pfd;
	struct workload w;
	uint64_t head = 0, tail;
	int fd, quiet, pr = -1, early = 0, rounds;
	void *map;

	if (!check(wl_spawn(&w, argv), "spawn_two_threads"))
		return;
	fd = dev_open();
	at.pid = w.pid;
	if (!setup_ok(fd >= 0 && check_errno(ioctl(fd, CAUSAL_IOC_ATTACH, &at) ? errno : 0, 0,
					      "attach_with_wakeup_batch"), &w, fd))
		return;
	map = mmap(NULL, (ring_pages + 1) * 4096UL, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   CAUSAL_MMAP_RING);
	if (!check(map != MAP_FAILED, "mmap_ring")) {
		wl_kill(&w);
		close(fd);
		return;
	}
	ctl = map;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	/* nothing read yet and nothing sampled: quiet */
	quiet = poll(&pfd, 1, 0);
	check(quiet == 0, "poll_quiet_before_samples (poll %d)", quiet);
	wl_go(&w);
	/* a few rounds: skip what is there, then wait for the next batch */
	for (rounds = 0; rounds < 3; rounds++) {
		uint64_t t0;

		tail = __atomic_load_n(&ctl->head, __ATOMIC_ACQUIRE);
		__atomic_store_n(&ctl->tail, tail, __ATOMIC_RELEASE);
		t0 = now_ns();
		pr = poll(&pfd, 1, 20000);
		head = __atomic_load_n(&ctl->head, __ATOMIC_ACQUIRE);
		diag("round %d: poll %d revents %#x after %" PRIu64 " ms, %" PRIu64 " unread", rounds,
		     pr, pfd.revents, (now_ns() - t0) / MS, head - tail);
		if (pr != 1 || !(pfd.revents & POLLIN))
			break;
		/* POLLIN with fewer than the batch unread is a wake-up the reader did not ask for */
		if (head - tail < batch)
			early++;
	}
	check(rounds == 3, "poll_reports_each_batch (poll %d, revents %#x)", pr, pfd.revents);
	check(early == 0, "poll_waits_for_the_batch (%d early)", early);
	wl_kill(&w);
	munmap(map, (ring_pages + 1) * 4096UL);
	close(fd);
}

static void scenario_pipe(void)
{
	scenario_wakeup("pipe_pingpong");
}

static void scenario_futex(void)
{
	scenario_wakeup("futex_handoff");
}

/*
 * forker: N children and one thread; all followed by default, only the thread with NO_FOLLOW. A
 * followed child is sampled (its counter is made in it before it first returns to user mode).
 */
static void fork_run(uint32_t flags, const char *tag)
{
	const int children = 4;
	const uint32_t ring_pages = 64;
	char *argv[] = { "forker", "4", u64arg(iters / 20), NULL };
	struct causal_stats st;
	struct ring_reader rr;
	struct workload w;
	uint64_t end;
	bool done;
	int fd;

	if (!check(wl_spawn(&w, argv), "%s_spawn_forker", tag))
		return;
	fd = dev_open();
	if (!check(fd >= 0 && !attach(fd, w.pid, flags, 0, ring_pages), "%s_attach", tag)) {
		wl_kill(&w);
		if (fd >= 0)
			close(fd);
		return;
	}
	ring_open(&rr, fd, ring_pages, w.pid);
	wl_go(&w);
	end = now_ns() + 120 * SEC;
	do {
		done = wl_wait(&w, 20 * MS);
		ring_drain(&rr);
	} while (!done && now_ns() < end);
	check(done, "%s_workload_finishes", tag);
	diag_ring(tag, &rr);
	if (flags & CAUSAL_ATTACH_NO_FOLLOW)
		check(rr.foreign == 0, "%s_children_not_sampled", tag);
	else
		check(rr.foreign > 0, "%s_children_sampled", tag);
	ring_close(&rr);
	check(wl_exited_ok(&w), "%s_workload_exit_0 (status %#x)", tag, w.status);
	get_stats(fd, &st);
	diag_stats(tag, &st);
	if (flags & CAUSAL_ATTACH_NO_FOLLOW) {
		check(st.forks_followed == 1, "%s_forks_followed_is_1 (%" PRIu64 ")", tag,
		      (uint64_t)st.forks_followed);
		check(st.tasks_seen == 2, "%s_tasks_seen_is_2 (%" PRIu64 ")", tag,
		      (uint64_t)st.tasks_seen);
	} else {
		check(st.forks_followed >= (uint64_t)children + 1,
		      "%s_forks_followed_ge_%d (%" PRIu64 ")", tag, children + 1,
		      (uint64_t)st.forks_followed);
		check(st.tasks_seen == (uint64_t)children + 2, "%s_tasks_seen_is_%d (%" PRIu64 ")",
		      tag, children + 2, (uint64_t)st.tasks_seen);
	}
	check(st.tasks_attached == 0 && st.exits == st.tasks_seen,
	      "%s_all_exited (attached %" PRIu64 ", exits %" PRIu64 ")", tag,
	      (uint64_t)st.tasks_attached, (uint64_t)st.exits);
	check(st.tasks_lost == 0, "%s_no_tasks_lost", tag);
	close(fd);
	wl_kill(&w);
}

static void scenario_fork(void)
{
	fork_run(0, "follow");
	fork_run(CAUSAL_ATTACH_NO_FOLLOW, "no_follow");
}

/* two_threads with 3 B threads already running: attach takes all 5 threads */
static void scenario_attach_running(void)
{
	char *argv[] = { "two_threads", u64arg(iters * 50), "3", NULL };
	struct causal_experiment_result r;
	const struct causal_range *a;
	struct causal_stats st;
	struct workload w;
	pid_t tids[64];
	uint64_t t0;
	int fd, n = 0, n2;

	if (!check(wl_spawn(&w, argv), "spawn_two_threads"))
		return;
	a = wl_range(&w, "a");
	wl_go(&w);
	for (t0 = now_ns(); now_ns() - t0 < 10 * SEC; sleep_ns(10 * MS))
		if ((n = list_tids(w.pid, tids, 64)) >= 5)
			break;
	sleep_ns(100 * MS);
	fd = dev_open();
	if (!check(n == 5 && fd >= 0 && a, "five_threads_running (%d)", n)) {
		wl_kill(&w);
		if (fd >= 0)
			close(fd);
		return;
	}
	check_errno(attach(fd, w.pid, 0, 0, 0), 0, "attach_running");
	get_stats(fd, &st);
	n2 = list_tids(w.pid, tids, 64);
	diag_stats("after attach", &st);
	check(st.tasks_attached == (uint64_t)n2 && n2 == 5,
	      "tasks_attached_equals_thread_count (%" PRIu64 " vs %d)",
	      (uint64_t)st.tasks_attached, n2);
	check(st.tasks_seen == 5 && st.forks_followed == 0, "seen_5_followed_0");
	check_errno(exp_start(fd, 250000, a, 1, NULL), 0, "experiment_start");
	sleep_ns(500 * MS);
	check_errno(exp_stop(fd, &r), 0, "experiment_stop");
	diag_result(&r);
	check(r.selected_samples > 0 && r.session_samples > r.selected_samples,
	      "running_threads_sampled");
	wl_kill(&w);
	sleep_ns(100 * MS);
	get_stats(fd, &st);
	diag_stats("after kill", &st);
	check(st.tasks_attached == 0 && st.exits == 5, "all_5_exit_on_sigkill");
	close(fd);
}

/*
 * Watches every thread of w for `watch` ns (or until it exits); returns the longest time one of
 * them was seen delayed without a break. A thread is delayed when it sleeps killably (state D, as
 * a payment does) or its wchan names a causal function; waiting in a futex or a read (state S) is
 * the workload's own business.
 */
static uint64_t longest_delay(struct workload *w, uint64_t watch, uint64_t *observations)
{
	pid_t tids[64], btid[64];
	uint64_t since[64], longest = 0, t0 = now_ns(), now;
	int n, i, k, nb = 0;
	char wchan[64];

	*observations = 0;
	while ((now = now_ns()) - t0 < watch && !wl_wait(w, 0)) {
		n = list_tids(w->pid, tids, 64);
		for (i = 0; i < n; i++) {
			char st = thread_state(w->pid, tids[i]);

			thread_wchan(w->pid, tids[i], wchan, sizeof(wchan));
			for (k = 0; k < nb && btid[k] != tids[i]; k++)
				;
			if (st == 'D' || strstr(wchan, "causal")) {
				(*observations)++;
				if (k == nb && nb < 64) {
					btid[nb] = tids[i];
					since[nb++] = now;
					diag("+%" PRIu64 " ms: %s %d state %c wchan %s",
					     (now - t0) / MS, tids[i] == w->pid ? "main" : "thread",
					     tids[i], st, wchan);
				} else if (k < nb && now - since[k] > longest) {
					longest = now - since[k];
				}
			} else if (k < nb) {
				btid[k] = btid[--nb];
				since[k] = since[nb];
			}
		}
		sleep_ns(20 * MS);
	}
	return longest;
}

/*
 * A controller process attaches, starts an experiment with a huge delay, and is SIGKILLed while
 * thread B pays seconds of debt. Closing its session must wake B: no thread stays blocked, and the
 * workload ends within a bound.
 */
static void scenario_sigkill(void)
{
	char *argv[] = { "two_threads", u64arg(iters * 2), "1", NULL };
	const struct causal_range *a;
	uint64_t before, after, blocked_before, blocked_after, t_kill, t_exit;
	struct workload w;
	int sync[2], report[2], status;
	FILE *rf;
	pid_t ctl;
	char msg[256] = "";
	ssize_t n;

	if (!check(wl_spawn(&w, argv), "spawn_two_threads"))
		return;
	a = wl_range(&w, "a");
	if (!a || pipe2(sync, O_CLOEXEC) || pipe2(report, O_CLOEXEC | O_NONBLOCK)) {
		check(false, "setup");
		wl_kill(&w);
		return;
	}
	fflush(stdout);
	ctl = fork();
	if (ctl == 0) {
		/* the controller: 50 ms per selected sample, then wait to be killed */
		int fd = open(CAUSAL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		int e1 = fd < 0 ? errno : attach(fd, w.pid, 0, 0, 0);
		int e2 = e1 ? e1 : exp_start(fd, 50 * MS, a, 1, NULL);

		dprintf(sync[1], "%d %d\n", e1, e2);
		close(sync[1]);
		/* what the session sees, for the diagnostics, until the kill */
		for (int i = 0; i < 40; i++) {
			struct causal_stats st;

			sleep_ns(100 * MS);
			if (get_stats(fd, &st))
				break;
			dprintf(report[1], "+%d00 ms: samples %llu global_delay %llu delay_paid %llu "
				"payments %llu interrupted %llu attached %llu seen %llu followed %llu "
				"exits %llu lost %llu task_work_failed %llu\n", i + 1,
				(unsigned long long)st.samples, (unsigned long long)st.global_delay,
				(unsigned long long)st.delay_paid, (unsigned long long)st.payments,
				(unsigned long long)st.payments_interrupted,
				(unsigned long long)st.tasks_attached,
				(unsigned long long)st.tasks_seen,
				(unsigned long long)st.forks_followed, (unsigned long long)st.exits,
				(unsigned long long)st.tasks_lost,
				(unsigned long long)st.task_work_failed);
		}
		for (;;)
			pause();
	}
	close(sync[1]);
	close(report[1]);
	n = read(sync[0], msg, sizeof(msg) - 1);
	close(sync[0]);
	msg[n > 0 ? n : 0] = 0;
	msg[strcspn(msg, "\n")] = 0;
	if (!check(ctl > 0 && !strcmp(msg, "0 0"),
		   "controller_attached_and_started (errno of attach, start: %s)", msg)) {
		if (ctl > 0) {
			kill(ctl, SIGKILL);
			waitpid(ctl, &status, 0);
		}
		wl_kill(&w);
		return;
	}
	wl_go(&w);
	/* B should be paying by now, in long sleeps */
	before = longest_delay(&w, 1 * SEC, &blocked_before);
	diag("before the kill: longest delay %" PRIu64 " ms, %" PRIu64 " delayed observations",
	     before / MS, blocked_before);
	check(blocked_before > 0, "a_thread_pays_before_the_kill");

	t_kill = now_ns();
	kill(ctl, SIGKILL);
	waitpid(ctl, &status, 0);
	diag("controller reaped %" PRIu64 " ms after SIGKILL", (now_ns() - t_kill) / MS);
	rf = fdopen(report[0], "r");
	while (rf && fgets(msg, sizeof(msg), rf))
		diag("controller: %.*s", (int)strcspn(msg, "\n"), msg);
	if (rf)
		fclose(rf);
	after = longest_delay(&w, 2 * SEC, &blocked_after);
	diag("after the kill: longest delay %" PRIu64 " ms, %" PRIu64 " delayed observations",
	     after / MS, blocked_after);
	check(after < 300 * MS, "no_thread_stays_delayed_after_the_kill (longest %" PRIu64 " ms)",
	      after / MS);
	check(wl_wait(&w, 30 * SEC), "workload_finishes_within_30s_of_the_kill");
	t_exit = now_ns();
	diag("workload exited %" PRIu64 " ms after the kill", (t_exit - t_kill) / MS);
	check(wl_exited_ok(&w), "workload_exit_0 (status %#x)", w.status);
	wl_kill(&w);
}

/*
 * The workload itself is SIGKILLed while B pays a long debt: it must die at once (the sleep is
 * killable), and the session counts the interrupted payment and the unpaid debt.
 */
static void scenario_kill_payer(void)
{
	char *argv[] = { "two_threads", u64arg(iters * 4), "1", NULL };
	struct causal_experiment_result r;
	const struct causal_range *a;
	struct causal_stats st;
	uint64_t blocked, longest, t_kill, dt;
	struct workload w;
	int fd;

	if (!session_start(&w, argv, 0, 50 * MS, &a, &fd))
		return;
	wl_go(&w);
	longest = longest_delay(&w, 1 * SEC, &blocked);
	diag("longest delay %" PRIu64 " ms, %" PRIu64 " delayed observations", longest / MS,
	     blocked);
	check(blocked > 0, "a_thread_pays");
	t_kill = now_ns();
	kill(w.pid, SIGKILL);
	check(wl_wait(&w, 5 * SEC), "workload_dies_within_5s");
	dt = now_ns() - t_kill;
	diag("reaped %" PRIu64 " ms after SIGKILL", dt / MS);
	check(dt < 1 * SEC, "workload_dies_within_1s (%" PRIu64 " ms)", dt / MS);
	check(WIFSIGNALED(w.status) && WTERMSIG(w.status) == SIGKILL, "killed_by_sigkill");
	exp_stop_checked(fd, &r, &st, "ioctl");
	check(st.payments_interrupted >= 1, "payments_interrupted_ge_1");
	check(st.unpaid_at_exit > 0, "unpaid_at_exit_positive");
	check(st.tasks_attached == 0 && st.exits == st.tasks_seen, "all_exited");
	close(fd);
	wl_kill(&w);
}

/*
 * CAUSAL_ATTACH_CPU_MODEL: the same experiment as "delay", accounted per CPU, with five B threads:
 * six threads on two CPUs. The CPU that runs A owes nothing; the other owes, and its debt is paid
 * once, whichever of its threads runs: the delay inserted is the delay credited, no more. (When
 * each B paid and credited the same debt, the CPU's counter, then global, ran 5-11 % past it.)
 */
static void scenario_cpu_model(void)
{
	const uint64_t delay = 500000;
	char *argv[] = { "two_threads", u64arg(iters / 4), "5", NULL };
	struct causal_experiment_result r;
	const struct causal_range *a;
	struct causal_stats st;
	struct workload w;
	double inflation;
	int fd;

	if (!session_start(&w, argv, CAUSAL_ATTACH_CPU_MODEL, delay, &a, &fd))
		return;
	wl_go(&w);
	wl_check_end(&w, 120 * SEC);
	exp_stop_checked(fd, &r, &st, "ioctl");
	check(r.selected_samples > 0, "selected_samples_positive");
	check(r.delay_inserted >= r.selected_samples * delay / 2,
	      "delay_inserted_ge_half_selected_times_delay");
	check(r.payments > 0 && r.delay_paid > 0, "payments_positive");
	diag("paid / inserted = %.3f",
	     r.delay_inserted ? (double)r.delay_paid / r.delay_inserted : 0.0);
	inflation = r.selected_samples ?
		    (double)r.delay_inserted / ((double)r.selected_samples * delay) : 0.0;
	check(inflation <= 1.02, "delay_inserted_le_credited (inserted / (selected x delay) %.3f)",
	      inflation);
	check(st.tasks_attached == 0 && st.exits == 7, "all_exited");
	close(fd);
	wl_kill(&w);
}

/*
 * max_samples and max_duration_ns bound the crediting: the result reports exactly max_samples
 * selected samples; a 300 ms bound keeps the selected samples of A (one CPU, 1 ms period) near 300.
 * The workload runs longer than the scenario and is killed at the end.
 */
static void scenario_limits(void)
{
	const uint64_t delay = 200000;
	char *argv[] = { "two_threads", u64arg(iters * 8), "1", NULL };
	struct causal_experiment_result r;
	struct causal_stats st1, st2;
	uint64_t cpu0, cpu1, a_ns;
	struct causal_experiment e;
	const struct causal_range *a;
	struct workload w;
	int fd;

	if (!session_start(&w, argv, 0, 0, &a, &fd))
		return;
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.delay_ns = delay;
	e.max_samples = 50;
	e.nr_ranges = 1;
	e.ranges = (uintptr_t)a;
	check_errno(ioctl(fd, CAUSAL_IOC_EXPERIMENT_START, &e) ? errno : 0, 0,
		    "start_max_samples_50");
	wl_go(&w);
	sleep_ns(500 * MS);
	/* the 50 samples are long credited: does the global delay still grow (overshoot ping-pong)? */
	get_stats(fd, &st1);
	sleep_ns(500 * MS);
	get_stats(fd, &st2);
	diag("after the last credit: global_delay %" PRIu64 " -> %" PRIu64 " ns in 500 ms, "
	     "%" PRIu64 " payments", (uint64_t)st1.global_delay, (uint64_t)st2.global_delay,
	     (uint64_t)(st2.payments - st1.payments));
	check_errno(exp_stop(fd, &r), 0, "stop_max_samples");
	diag_result(&r);
	check(r.selected_samples == 50, "selected_samples_is_50 (%" PRIu64 ")",
	      (uint64_t)r.selected_samples);
	/* only credits move global: B's oversleeps are carried, not pushed back onto A */
	check(st2.global_delay == st1.global_delay, "global_delay_still_after_the_last_credit");
	check(r.delay_inserted == 50 * delay,
	      "delay_inserted_is_50_delays (%" PRIu64 " == %" PRIu64 ", overshoot %" PRIu64 ")",
	      (uint64_t)r.delay_inserted, (uint64_t)(50 * delay), (uint64_t)r.overshoot);

	e.max_samples = 0;
	e.max_duration_ns = 300 * MS;
	check_errno(ioctl(fd, CAUSAL_IOC_EXPERIMENT_START, &e) ? errno : 0, 0,
		    "start_max_duration_300ms");
	sleep_ns(800 * MS);
	check_errno(exp_stop(fd, &r), 0, "stop_max_duration");
	diag_result(&r);
	/* at one sample per ms, A alone cannot earn 450 in 300 ms; 800 ms unbounded would */
	check(r.selected_samples > 0 && r.selected_samples <= 450,
	      "selected_samples_bounded_by_300ms (%" PRIu64 ")", (uint64_t)r.selected_samples);
	check(r.wall >= 800 * MS, "wall_covers_the_whole_experiment");

	/*
	 * CAUSAL_EXPERIMENT_ELAPSED: each sample credits delay * (time since the CPU's previous
	 * tick) / period. Ticks come at least a period apart on average (late under emulation), and
	 * the module caps one at 10 periods.
	 */
	e.flags = CAUSAL_EXPERIMENT_ELAPSED;
	e.max_duration_ns = 0;
	cpu0 = thread_cpu_ns(w.pid, "a");
	check_errno(ioctl(fd, CAUSAL_IOC_EXPERIMENT_START, &e) ? errno : 0, 0, "start_elapsed");
	sleep_ns(400 * MS);
	check_errno(exp_stop(fd, &r), 0, "stop_elapsed");
	cpu1 = thread_cpu_ns(w.pid, "a");
	diag_result(&r);
	diag("elapsed: %.3f periods per selected sample",
	     r.selected_samples ? (double)r.delay_inserted / (r.selected_samples * delay) : 0.0);
	check(r.selected_samples > 0 && r.delay_inserted * 10 >= r.selected_samples * delay * 9 &&
	      r.delay_inserted <= r.selected_samples * delay * 10,
	      "elapsed_credits_0.9_to_10_periods_per_sample");
	/*
	 * A spins in its range the whole time, so what it was credited is delay per period of its
	 * CPU time, however late the ticks came (under emulation 1.7-2.7 periods apart: a credit
	 * per sample would be half of that). Its CPU time brackets the experiment's, a little more;
	 * the time in interrupts may be left out of it (IRQ time accounting), hence up to 2x.
	 */
	a_ns = cpu1 > cpu0 ? cpu1 - cpu0 : 0;
	diag("A's CPU time %.1f ms, credited %.1f ms of it", a_ns / 1e6,
	     (double)r.delay_inserted * CAUSAL_PERIOD_DEFAULT_NS / delay / 1e6);
	if (!cpu0 && !cpu1 && access("/proc/self/schedstat", F_OK))
		diag("no schedstat (CONFIG_SCHED_INFO off): A's CPU time not checked");
	else
		check(a_ns && r.delay_inserted * CAUSAL_PERIOD_DEFAULT_NS * 10 >= a_ns * delay * 7 &&
		      r.delay_inserted * CAUSAL_PERIOD_DEFAULT_NS <= a_ns * delay * 2,
		      "elapsed_credits_0.7_to_2_of_A_cpu_time");
	check(!wl_wait(&w, 0), "workload_ran_throughout");
	close(fd);
	wl_kill(&w);
}

/*
 * thread_churn: attach while threads and children come and go, run an experiment through the
 * churn, and check that every task the session took in also left it.
 */
static void scenario_churn(void)
{
	char *argv[] = { "thread_churn", "150", "4", u64arg(iters / 400), NULL };
	struct causal_experiment_result r;
	const struct causal_range *a;
	struct causal_stats st;
	struct workload w;
	int fd;

	if (!wl_spawn_session(&w, argv, &a, &fd))
		return;
	if (!setup_ok(fd >= 0 && a, &w, fd))
		return;
	wl_go(&w);
	sleep_ns(200 * MS);
	check_errno(attach(fd, w.pid, 0, 2, 0), 0, "attach_mid_churn");
	check_errno(exp_start(fd, 300000, a, 1, NULL), 0, "experiment_start");
	wl_check_end(&w, 120 * SEC);
	check_errno(exp_stop(fd, &r), 0, "experiment_stop");
	diag_result(&r);
	sleep_ns(100 * MS);
	get_stats(fd, &st);
	diag_stats("ioctl", &st);
	check(st.forks_followed > 100, "forks_followed (%" PRIu64 ")", (uint64_t)st.forks_followed);
	check(st.tasks_lost == 0, "no_tasks_lost");
	check(st.tasks_attached == 0, "tasks_attached_0_after_exit (%" PRIu64 ")",
	      (uint64_t)st.tasks_attached);
	check(st.exits == st.tasks_seen, "exits_equal_tasks_seen (%" PRIu64 " vs %" PRIu64 ")",
	      (uint64_t)st.exits, (uint64_t)st.tasks_seen);
	check(r.selected_samples > 0, "selected_samples_positive");
	/*
	 * a payment is queued from an irq_work on the current task, which is not PF_EXITING then
	 * and cannot start exiting before the irq_work returns: task_work_add cannot fail
	 */
	check(st.task_work_failed == 0, "task_work_never_failed (%" PRIu64 " of %" PRIu64 " payments)",
	      (uint64_t)st.task_work_failed, (uint64_t)st.payments);
	close(fd);
	wl_kill(&w);
}

/*
 * Two sessions at once, each attached to its own two_threads: an experiment in session 1 only.
 * Each session samples its own tasks only, session 2 pays nothing and its global delay stays 0,
 * while session 1 pays; a third session cannot take workload 1's tasks (EBUSY).
 */
static void scenario_two_sessions(void)
{
	const uint64_t delay = 500000;
	const uint32_t ring_pages = 256;
	char *argv[] = { "two_threads", u64arg(iters), "1", NULL };
	struct causal_stats st1, st2, mid1, mid2;
	struct causal_experiment_result r, r2;
	struct ring_reader rr1, rr2;
	const struct causal_range *a;
	struct workload w1, w2;
	pid_t tids[64];
	int fd1 = -1, fd2 = -1, n1 = 0, n2 = 0;
	uint64_t t0;
	bool mid = false;

	if (!check(wl_spawn(&w1, argv), "spawn_two_threads_1"))
		return;
	if (!check(wl_spawn(&w2, argv), "spawn_two_threads_2")) {
		wl_kill(&w1);
		return;
	}
	a = wl_range(&w1, "a");
	fd1 = dev_open();
	fd2 = dev_open();
	if (!check(fd1 >= 0 && fd2 >= 0 && a &&
		   check_errno(attach(fd1, w1.pid, 0, 0, ring_pages), 0, "session_1_attach") &&
		   check_errno(attach(fd2, w2.pid, 0, 0, ring_pages), 0, "session_2_attach"),
		   "setup")) {
		wl_kill(&w1);
		wl_kill(&w2);
		if (fd1 >= 0)
			close(fd1);
		if (fd2 >= 0)
			close(fd2);
		return;
	}
	/* workload 1 belongs to session 1: a third session may not take it */
	check_held((const struct held_try[]){
		{ w1.pid, 0, 0, "third_session_attach_workload_1_ebusy" },
		{ w2.pid, 0, 0, "third_session_attach_workload_2_ebusy" },
	}, 2);
	check(ring_open(&rr1, fd1, ring_pages, w1.pid), "session_1_mmap_ring");
	check(ring_open(&rr2, fd2, ring_pages, w2.pid), "session_2_mmap_ring");
	check_errno(exp_start(fd1, delay, a, 1, NULL), 0, "session_1_experiment_start");

	wl_go(&w1);
	wl_go(&w2);
	for (t0 = now_ns(); !(wl_wait(&w1, 0) && wl_wait(&w2, 0)); sleep_ns(10 * MS)) {
		ring_drain(&rr1);
		ring_drain(&rr2);
		/*
		 * mid-run, once both have made their threads (under KASAN and a loaded host a thread
		 * can take longer than 300 ms to appear): both sessions hold their three, and only those
		 */
		if (!mid && now_ns() - t0 > 300 * MS && list_tids(w1.pid, tids, 64) == 3 &&
		    list_tids(w2.pid, tids, 64) == 3) {
			mid = true;
			n1 = list_tids(w1.pid, tids, 64);
			get_stats(fd1, &mid1);
			get_stats(fd2, &mid2);
			n2 = list_tids(w2.pid, tids, 64);
			diag_stats("session 1 (running)", &mid1);
			diag_stats("session 2 (running)", &mid2);
			check_held((const struct held_try[]){
				{ w1.pid, 0, 0, "third_session_attach_running_workload_1_ebusy" },
			}, 1);
		}
		if (now_ns() - t0 > 120 * SEC) {
			diag("the workloads did not finish");
			break;
		}
	}
	ring_drain(&rr1);
	ring_drain(&rr2);
	check(mid, "both_ran_300ms_with_their_threads");
	if (mid) {
		check(mid1.tasks_attached == (uint64_t)n1 && n1 == 3,
		      "session_1_tasks_attached_equals_thread_count (%" PRIu64 " vs %d)",
		      (uint64_t)mid1.tasks_attached, n1);
		check(mid2.tasks_attached == (uint64_t)n2 && n2 == 3,
		      "session_2_tasks_attached_equals_thread_count (%" PRIu64 " vs %d)",
		      (uint64_t)mid2.tasks_attached, n2);
		check(mid1.experiment_active != 0 && mid2.experiment_active == 0 &&
		      mid2.experiments == 0, "experiment_in_session_1_only");
		check(mid2.samples > 0, "session_2_samples_while_session_1_experiments");
	}
	check(wl_wait(&w1, 0) && wl_wait(&w2, 0), "workloads_finish");
	check(wl_exited_ok(&w1), "workload_1_exit_0 (status %#x)", w1.status);
	check(wl_exited_ok(&w2), "workload_2_exit_0 (status %#x)", w2.status);

	check_errno(exp_stop(fd1, &r), 0, "session_1_experiment_stop");
	diag_result(&r);
	check_errno(exp_stop(fd2, &r2), ENOENT, "session_2_stop_enoent");
	get_stats(fd1, &st1);
	get_stats(fd2, &st2);
	diag_stats("session 1", &st1);
	diag_stats("session 2", &st2);
	diag_ring("session 1", &rr1);
	diag_ring("session 2", &rr2);
	check(r.selected_samples > 0, "session_1_selected_samples_positive (%" PRIu64 ")",
	      (uint64_t)r.selected_samples);
	check(r.payments > 0 && st1.payments > 0, "session_1_payments_positive (%" PRIu64 ")",
	      (uint64_t)st1.payments);
	check(st2.payments == 0 && st2.delay_paid == 0,
	      "session_2_no_payments (%" PRIu64 ", %" PRIu64 " ns)", (uint64_t)st2.payments,
	      (uint64_t)st2.delay_paid);
	check(st2.global_delay == 0, "session_2_global_delay_0 (%" PRIu64 ")",
	      (uint64_t)st2.global_delay);
	check(st2.wakeups_inherited == 0 && st2.unpaid_at_exit == 0,
	      "session_2_inherits_and_owes_nothing");
	check(st1.tasks_seen == 3 && st1.exits == 3 && st1.tasks_attached == 0,
	      "session_1_seen_3_exits_3");
	check(st2.tasks_seen == 3 && st2.exits == 3 && st2.tasks_attached == 0,
	      "session_2_seen_3_exits_3");
	check(rr1.nread > 0 && rr2.nread > 0, "both_rings_have_records");
	check(rr1.foreign == 0 && rr1.unknown_tid == 0,
	      "session_1_ring_only_workload_1 (%" PRIu64 " foreign, %" PRIu64 " unknown tids)",
	      rr1.foreign, rr1.unknown_tid);
	check(rr2.foreign == 0 && rr2.unknown_tid == 0,
	      "session_2_ring_only_workload_2 (%" PRIu64 " foreign, %" PRIu64 " unknown tids)",
	      rr2.foreign, rr2.unknown_tid);
	check(rr1.nread + st1.samples_dropped == st1.samples &&
	      rr2.nread + st2.samples_dropped == st2.samples,
	      "rings_account_for_every_sample (%" PRIu64 " + %" PRIu64 " vs %" PRIu64 ", %" PRIu64
	      " + %" PRIu64 " vs %" PRIu64 ")", rr1.nread, (uint64_t)st1.samples_dropped,
	      (uint64_t)st1.samples, rr2.nread, (uint64_t)st2.samples_dropped,
	      (uint64_t)st2.samples);
	ring_close(&rr1);
	ring_close(&rr2);
	close(fd1);
	close(fd2);
	wl_kill(&w1);
	wl_kill(&w2);
}

/* writes pid into DIR/cgroup.procs; the errno, or 0 */
static int cgroup_move(const char *dir, pid_t pid)
{
	char path[256], buf[32];
	int fd, n, err = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = snprintf(buf, sizeof(buf), "%d\n", pid);
	if (write(fd, buf, n) != n)
		err = errno ? errno : EIO;
	close(fd);
	return err;
}

/* rmdir of a cgroup whose last task was just reaped: it may take a moment to let go */
static int cgroup_remove(const char *dir)
{
	for (int i = 0; i < 100; i++) {
		if (!rmdir(dir) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		sleep_ns(10 * MS);
	}
	return errno;
}

#define CGROUP_ROOT "/sys/fs/cgroup"

/*
 * cgroup2 at /sys/fs/cgroup, mounted here if nobody did (*mounted: umount it after). False, with
 * a failed check or a skip said, if there is none.
 */
static bool cgroup2_mount(bool *mounted)
{
	struct statfs sfs;
	int err;

	*mounted = false;
	if (statfs(CGROUP_ROOT, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		if (mkdir(CGROUP_ROOT, 0755) && errno != EEXIST) {
			diag("mkdir %s: %s", CGROUP_ROOT, strerror(errno));
		} else if (mount("none", CGROUP_ROOT, "cgroup2", 0, NULL)) {
			err = errno;
			diag("mount cgroup2 on %s: %s", CGROUP_ROOT, strerror(err));
			if (err == ENODEV) {
				sub_skip("the kernel has no cgroup2 file system");
				return false;
			}
		} else {
			*mounted = true;
		}
		if (!check(*mounted, "mount_cgroup2"))
			return false;
	}
	diag("cgroup2 at %s%s", CGROUP_ROOT, *mounted ? " (mounted here)" : " (mounted already)");
	return true;
}

/* Undoes cgroup2_mount(): unmounts cgroup2 if it was mounted here. */
static void cgroup2_unmount(bool mounted)
{
	if (mounted && umount(CGROUP_ROOT))
		diag("umount %s: %s", CGROUP_ROOT, strerror(errno));
}

/*
 * What the cgroup scenarios set up alike, and take down with cgroup_case_end() and
 * cgroup2_unmount(): cgroup2 mounted, a cgroup directory of their own, its fd and a session's
 * (-1 until the scenario opens them), and the workloads started by cgroup_case_spawn().
 */
struct cgroup_case {
	bool mounted;
	char dir[128];
	int dirfd, fd;
	struct workload *wl[4];
	int nwl;
};

/*
 * cgroup2 mounted and c->dir named CGROUP_ROOT/causal-NAME-PID (not made yet). False, with a
 * failed check or a skip said, if there is no cgroup2: there is nothing to end then.
 */
static bool cgroup_case_begin(struct cgroup_case *c, const char *name)
{
	*c = (struct cgroup_case){ .dirfd = -1, .fd = -1 };
	if (!cgroup2_mount(&c->mounted))
		return false;
	snprintf(c->dir, sizeof(c->dir), CGROUP_ROOT "/causal-%s-%d", name, getpid());
	return true;
}

/* mkdir of a cgroup directory (one already there will do), a check named what */
static bool cgroup_mkdir(const char *dir, const char *what)
{
	int err = mkdir(dir, 0755) ? errno : 0;

	if (check(!err || err == EEXIST, "%s", what))
		return true;
	diag("mkdir %s: %s", dir, strerror(err));
	return false;
}

/* a workload for cgroup_case_spawn(), and the name of its check */
struct cgroup_spawn {
	struct workload *w;
	const char *what;
};

/* Starts argv as each of the n workloads, a check each; true if all started. */
static bool cgroup_case_spawn(struct cgroup_case *c, char **argv, const struct cgroup_spawn *s,
			      int n)
{
	bool all = true;

	for (int i = 0; i < n; i++) {
		if (check(wl_spawn(s[i].w, argv), "%s", s[i].what) &&
		    c->nwl < (int)(sizeof(c->wl) / sizeof(c->wl[0])))
			c->wl[c->nwl++] = s[i].w;
		else
			all = false;
	}
	return all;
}

/* true once every workload of the case has exited */
static bool cgroup_case_finished(struct cgroup_case *c)
{
	for (int i = 0; i < c->nwl; i++)
		if (!wl_wait(c->wl[i], 0))
			return false;
	return true;
}

/*
 * Takes the case down but for the mount (cgroup2_unmount(c->mounted) after it): the fds closed,
 * the workloads killed, the directory removed (a check).
 */
static void cgroup_case_end(struct cgroup_case *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->dirfd >= 0)
		close(c->dirfd);
	for (int i = 0; i < c->nwl; i++)
		wl_kill(c->wl[i]);
	check_errno(cgroup_remove(c->dir), 0, "rmdir_cgroup");
}

/*
 * CAUSAL_ATTACH_CGROUP: two_threads moved into a fresh cgroup v2 directory before it starts; the
 * session holds its main thread and follows A and B, an experiment on A works, and a second
 * two_threads outside the cgroup (same binary, same addresses) is not sampled. Then the errors of
 * the cgroup target.
 */
static void scenario_cgroup(void)
{
	const uint64_t delay = 500000;
	const uint32_t ring_pages = CAUSAL_RING_PAGES_DEFAULT;	/* attach_target's ring */
	char *argv[] = { "two_threads", u64arg(iters), "1", NULL };
	char cg_empty[160];
	struct causal_experiment_result r;
	struct causal_stats st, mid;
	struct ring_reader rr;
	const struct causal_range *a;
	struct cgroup_case cc;
	struct workload w, out;
	bool midrun = false;
	int fd, cgfd, emptyfd = -1, filefd, rootfd, procsfd, n = 0;
	pid_t tids[64];
	uint64_t t0;

	if (!cgroup_case_begin(&cc, "test"))
		return;
	snprintf(cg_empty, sizeof(cg_empty), "%s-empty", cc.dir);
	if (!cgroup_mkdir(cc.dir, "mkdir_cgroup") ||
	    !cgroup_mkdir(cg_empty, "mkdir_empty_cgroup") ||
	    !cgroup_case_spawn(&cc, argv, (const struct cgroup_spawn[]){
		{ &w, "spawn_two_threads_in_cgroup" },
		{ &out, "spawn_two_threads_outside" },
	    }, 2))
		goto cleanup;
	a = wl_range(&w, "a");
	if (!check_errno(cgroup_move(cc.dir, w.pid), 0, "move_workload_into_cgroup"))
		goto cleanup;
	cgfd = cc.dirfd = open(cc.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	emptyfd = open(cg_empty, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = cc.fd = dev_open();
	if (!check(cgfd >= 0 && emptyfd >= 0 && fd >= 0 && a, "setup"))
		goto cleanup;

	/* misuse first, on the same session: a failed attach leaves it reusable */
	check_errno(attach_target(fd, 0, CAUSAL_ATTACH_CGROUP, -1), EINVAL,
		    "cgroup_fd_minus_1_einval");
	check_errno(attach_target(fd, w.pid, CAUSAL_ATTACH_CGROUP, cgfd), EINVAL,
		    "cgroup_with_pid_einval");
	check_errno(attach_target(fd, w.pid, 0, cgfd), EINVAL, "pid_with_cgroup_fd_einval");
	filefd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	check_errno(filefd >= 0 ? attach_target(fd, 0, CAUSAL_ATTACH_CGROUP, filefd) : -1, EBADF,
		    "cgroup_fd_regular_file_ebadf");
	if (filefd >= 0)
		close(filefd);
	rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	check_errno(rootfd >= 0 ? attach_target(fd, 0, CAUSAL_ATTACH_CGROUP, rootfd) : -1, EBADF,
		    "cgroup_fd_other_directory_ebadf");
	if (rootfd >= 0)
		close(rootfd);
	{
		char path[192];

		snprintf(path, sizeof(path), "%s/cgroup.procs", cc.dir);
		procsfd = open(path, O_RDONLY | O_CLOEXEC);
		check_errno(procsfd >= 0 ? attach_target(fd, 0, CAUSAL_ATTACH_CGROUP, procsfd) : -1,
			    EBADF, "cgroup_fd_cgroup_file_ebadf");
		if (procsfd >= 0)
			close(procsfd);
	}
	check_errno(attach_target(fd, 0, CAUSAL_ATTACH_CGROUP, 1000), EBADF,
		    "cgroup_fd_not_open_ebadf");
	check_errno(attach_target(fd, 0, CAUSAL_ATTACH_CGROUP, emptyfd), ESRCH,
		    "empty_cgroup_esrch");

	if (!check_errno(attach_target(fd, 0, CAUSAL_ATTACH_CGROUP, cgfd), 0, "attach_cgroup"))
		goto cleanup;
	get_stats(fd, &st);
	diag_stats("after attach", &st);
	check(st.tasks_attached == 1 && st.tasks_seen == 1,
	      "attach_takes_the_one_waiting_thread (%" PRIu64 ")", (uint64_t)st.tasks_attached);
	check_errno(attach_target(fd, 0, CAUSAL_ATTACH_CGROUP, cgfd), EBUSY, "double_attach_ebusy");
	check_held((const struct held_try[]){
		{ 0, CAUSAL_ATTACH_CGROUP, cgfd, "second_session_same_cgroup_ebusy" },
		{ w.pid, 0, 0, "second_session_cgroup_process_ebusy" },
	}, 2);
	check(ring_open(&rr, fd, ring_pages, w.pid), "mmap_ring");
	check_errno(exp_start(fd, delay, a, 1, NULL), 0, "experiment_start");

	wl_go(&w);
	wl_go(&out);
	for (t0 = now_ns(); !cgroup_case_finished(&cc); sleep_ns(10 * MS)) {
		ring_drain(&rr);
		/*
		 * mid-run once the workload has made its three threads (under load or KASAN they can
		 * take longer than 300 ms to appear, as in two-sessions)
		 */
		if (!midrun && now_ns() - t0 > 300 * MS && list_tids(w.pid, tids, 64) == 3) {
			midrun = true;
			n = list_tids(w.pid, tids, 64);
			get_stats(fd, &mid);
			diag_stats("running", &mid);
		}
		if (now_ns() - t0 > 120 * SEC) {
			diag("the workloads did not finish");
			break;
		}
	}
	ring_drain(&rr);
	check(midrun, "ran_300ms_with_its_threads");
	if (midrun)
		check(mid.tasks_attached == (uint64_t)n && n == 3 && mid.forks_followed == 2,
		      "threads_created_after_attach_followed (attached %" PRIu64 ", %d threads, "
		      "%" PRIu64 " followed)", (uint64_t)mid.tasks_attached, n,
		      (uint64_t)mid.forks_followed);
	check(cgroup_case_finished(&cc), "workloads_finish");
	check(wl_exited_ok(&w), "workload_in_cgroup_exit_0 (status %#x)", w.status);
	check(wl_exited_ok(&out), "workload_outside_exit_0 (status %#x)", out.status);
	exp_stop_checked(fd, &r, &st, "after");
	diag_ring("session", &rr);
	check(r.selected_samples > 0, "selected_samples_positive (%" PRIu64 ")",
	      (uint64_t)r.selected_samples);
	check(r.payments > 0 && r.delay_paid > 0, "payments_positive (%" PRIu64 ")",
	      (uint64_t)r.payments);
	check(st.tasks_seen == 3 && st.forks_followed == 2 && st.exits == 3 &&
	      st.tasks_attached == 0, "seen_3_followed_2_exits_3 (the cgroup's workload only)");
	check(rr.nread > 0, "ring_has_records");
	check(rr.foreign == 0, "no_samples_of_the_process_outside (%" PRIu64 " records of other "
	      "processes, the one outside is %d)", rr.foreign, out.pid);
	check(rr.unknown_tid == 0, "every_record_tid_is_a_workload_thread (%" PRIu64 " are not)",
	      rr.unknown_tid);
	check(rr.nread + st.samples_dropped == st.samples,
	      "ring_accounts_for_every_sample (%" PRIu64 " + %" PRIu64 " vs %" PRIu64 ")",
	      rr.nread, (uint64_t)st.samples_dropped, (uint64_t)st.samples);
	ring_close(&rr);

cleanup:
	if (emptyfd >= 0)
		close(emptyfd);
	cgroup_case_end(&cc);
	check_errno(cgroup_remove(cg_empty), 0, "rmdir_empty_cgroup");
	cgroup2_unmount(cc.mounted);
}

/* Samples of one process in a ring, before and after a moment. */
struct pid_samples {
	pid_t pid;
	uint64_t before, after;
};

/* Consumes the ring's records, counting those of each process in pids[n] around @at (ns). */
static void ring_count_pids(struct ring_reader *rr, struct pid_samples *pids, int n, uint64_t at,
			    uint64_t *others)
{
	const struct causal_sample *r;
	int i;

	while ((r = ring_take(rr))) {
		rr->nread++;
		for (i = 0; i < n && r->pid != (uint32_t)pids[i].pid; i++)
			;
		if (i == n)
			(*others)++;
		else if (at && r->time_ns > at)
			pids[i].after++;
		else
			pids[i].before++;
	}
}

/*
 * A cgroup session follows tasks across cgroup moves (cgroup_attach_task): a process moved into
 * the subtree after attach joins (its threads, created later, are followed) and is sampled; a
 * process moved out leaves at once, and no sample of it is recorded after its move; a process
 * that never enters is never sampled.
 */
static void scenario_cgroup_moves(void)
{
	char *argv[] = { "two_threads", u64arg(iters), "1", NULL };
	struct pid_samples pids[3];
	struct causal_stats st, in, out_st;
	struct ring_reader rr;
	struct cgroup_case cc;
	struct workload a, b, c;
	uint64_t t0, t_out = 0, others = 0;
	bool moved_out = false;
	pid_t tids[64];
	int fd, cgfd, na = 0, nb = 0;

	if (!cgroup_case_begin(&cc, "moves"))
		return;
	if (!cgroup_mkdir(cc.dir, "mkdir_cgroup") ||
	    !cgroup_case_spawn(&cc, argv, (const struct cgroup_spawn[]){
		{ &a, "spawn_a_in_cgroup" },
		{ &b, "spawn_b_moved_in_later" },
		{ &c, "spawn_c_never_in" },
	    }, 3))
		goto cleanup;
	cgfd = cc.dirfd = open(cc.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = cc.fd = dev_open();
	if (!check(cgfd >= 0 && fd >= 0, "setup") ||
	    !check_errno(cgroup_move(cc.dir, a.pid), 0, "move_a_into_cgroup") ||
	    !check_errno(attach_target(fd, 0, CAUSAL_ATTACH_CGROUP, cgfd), 0, "attach_cgroup") ||
	    !check(ring_open(&rr, fd, CAUSAL_RING_PAGES_DEFAULT, a.pid), "mmap_ring"))
		goto cleanup;
	get_stats(fd, &st);
	check(st.tasks_attached == 1, "attach_takes_a (%" PRIu64 ")", (uint64_t)st.tasks_attached);

	check_errno(cgroup_move(cc.dir, b.pid), 0, "move_b_into_cgroup");
	/* the module decides what a move means in a work item, soon after it */
	for (t0 = now_ns(); get_stats(fd, &in), in.tasks_attached < 2 && now_ns() - t0 < 10 * SEC;)
		sleep_ns(MS);
	diag_stats("after moving b in", &in);
	check(in.tasks_attached == 2 && in.tasks_seen == 2,
	      "moved_in_joins (attached %" PRIu64 ", seen %" PRIu64 ")",
	      (uint64_t)in.tasks_attached, (uint64_t)in.tasks_seen);

	memset(pids, 0, sizeof(pids));
	pids[0].pid = a.pid;
	pids[1].pid = b.pid;
	pids[2].pid = c.pid;
	wl_go(&a);
	wl_go(&b);
	wl_go(&c);
	for (t0 = now_ns(); !cgroup_case_finished(&cc); sleep_ns(10 * MS)) {
		ring_count_pids(&rr, pids, 3, t_out, &others);
		if (!moved_out && now_ns() - t0 > 300 * MS) {
			moved_out = true;
			na = list_tids(a.pid, tids, 64);
			check_errno(cgroup_move(CGROUP_ROOT, a.pid), 0, "move_a_out (to the root)");
			/* a's samples up to here are in the ring, or being written: they count as before */
			t_out = now_ns();
			for (;;) {
				nb = list_tids(b.pid, tids, 64);
				get_stats(fd, &out_st);
				if (out_st.tasks_attached == (uint64_t)nb || now_ns() - t_out > 10 * SEC)
					break;
				sleep_ns(MS);
			}
			diag_stats("after moving a out", &out_st);
		}
		if (now_ns() - t0 > 120 * SEC) {
			diag("the workloads did not finish");
			break;
		}
	}
	ring_count_pids(&rr, pids, 3, t_out, &others);
	check(moved_out, "ran_300ms");
	check(cgroup_case_finished(&cc), "workloads_finish");
	get_stats(fd, &st);
	diag_stats("after", &st);
	diag("samples: a %" PRIu64 " before its move out, %" PRIu64 " after; b %" PRIu64 "; c %"
	     PRIu64 "; other processes %" PRIu64, pids[0].before, pids[0].after,
	     pids[1].before + pids[1].after, pids[2].before + pids[2].after, others);
	check(pids[1].before + pids[1].after > 0, "moved_in_process_sampled (%" PRIu64 ")",
	      pids[1].before + pids[1].after);
	check(st.forks_followed >= 2, "threads_of_both_followed (%" PRIu64 ")",
	      (uint64_t)st.forks_followed);
	check(pids[0].before > 0, "a_sampled_before_its_move_out (%" PRIu64 ")", pids[0].before);
	check(pids[0].after == 0, "moved_out_process_not_sampled_after (%" PRIu64 ")",
	      pids[0].after);
	/* a's threads, and no others, have left the session other than by exiting */
	check(moved_out && out_st.tasks_attached == (uint64_t)nb &&
	      out_st.tasks_seen - out_st.exits - out_st.tasks_attached == (uint64_t)na,
	      "moved_out_leaves (attached %" PRIu64 " after the move, b has %d threads; left "
	      "%" PRIu64 ", a had %d)", (uint64_t)out_st.tasks_attached, nb,
	      (uint64_t)(out_st.tasks_seen - out_st.exits - out_st.tasks_attached), na);
	check(pids[2].before + pids[2].after == 0 && others == 0,
	      "never_in_not_sampled (c %" PRIu64 ", others %" PRIu64 ")",
	      pids[2].before + pids[2].after, others);
	check(st.tasks_attached == 0, "all_left_or_exited (%" PRIu64 ")",
	      (uint64_t)st.tasks_attached);
	ring_close(&rr);

cleanup:
	cgroup_case_end(&cc);
	cgroup2_unmount(cc.mounted);
}

/* The ioctl's errno, or 0 on success; *id gets the point's id. */
static int progress_add(int fd, int file_fd, uint64_t offset, uint32_t flags, uint32_t *id)
{
	struct causal_progress p = {
		.size = sizeof(p), .flags = flags, .fd = file_fd, .offset = offset,
	};

	if (ioctl(fd, CAUSAL_IOC_PROGRESS_ADD, &p))
		return errno;
	if (id)
		*id = p.id;
	return 0;
}

static int progress_read(int fd, uint64_t *counts, uint32_t nr, uint32_t *points)
{
	struct causal_progress_counts c = {
		.size = sizeof(c), .nr = nr, .counts = (uintptr_t)counts,
	};

	if (ioctl(fd, CAUSAL_IOC_PROGRESS_READ, &c))
		return errno;
	if (points)
		*points = c.nr;
	return 0;
}

/*
 * Progress points served by the module: an entry probe and a return probe on a function that the
 * target calls exactly CALLS times from each of two threads count exactly that, while a second
 * copy of the same program outside the session, calling the same function, is not counted.
 */
static void scenario_progress(void)
{
	const uint64_t calls = 5000, threads = 2;
	char calls_arg[32], path[64];
	char *argv[] = { "progress_calls", calls_arg, "2", NULL };
	uint64_t counts[3] = { ~0ULL, ~0ULL, ~0ULL };
	struct workload w, other;
	uint32_t id_entry = ~0U, id_ret = ~0U, points = 0;
	int fd, file;

	snprintf(calls_arg, sizeof(calls_arg), "%" PRIu64, calls);
	if (!wl_spawn(&w, argv) || !wl_spawn(&other, argv)) {
		check(false, "spawn progress_calls");
		wl_kill(&w);
		wl_kill(&other);
		return;
	}
	check(w.probe_off > 0, "the workload says where counted_call is (%lld)", w.probe_off);
	snprintf(path, sizeof(path), "/proc/%d/exe", w.pid);
	file = open(path, O_RDONLY | O_CLOEXEC);
	check(file >= 0, "open %s: %s", path, file < 0 ? strerror(errno) : "ok");
	fd = dev_open();
	if (fd < 0 || file < 0 || w.probe_off <= 0 ||
	    !check(attach(fd, w.pid, 0, 0, 0) == 0, "attach")) {
		if (fd >= 0)
			close(fd);
		wl_kill(&w);
		wl_kill(&other);
		return;
	}
	check_errno(progress_add(fd, file, w.probe_off, 0, &id_entry), 0, "add_entry");
	check_errno(progress_add(fd, file, w.probe_off, CAUSAL_PROGRESS_RETURN, &id_ret), 0,
		    "add_return");
	check(id_entry == 0 && id_ret == 1, "ids count from 0 (%u, %u)", id_entry, id_ret);
	check_errno(progress_add(fd, file, w.probe_off, 0, NULL), EEXIST, "add_duplicate");
	check_errno(progress_add(fd, file, w.probe_off, 1U << 5, NULL), EINVAL, "add_bad_flags");
	check_errno(progress_add(fd, 1000, w.probe_off, 0, NULL), EBADF, "add_bad_fd");
	check_errno(progress_add(fd, file, 1ULL << 40, 0, NULL), EINVAL, "add_past_eof");
	{
		int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		check_errno(progress_add(fd, dir, 0, 0, NULL), EINVAL, "add_directory");
		close(dir);
	}
	check_errno(progress_read(fd, counts, CAUSAL_MAX_PROGRESS + 1, NULL), E2BIG, "read_too_many");
	check_errno(progress_read(fd, NULL, 2, NULL), EFAULT, "read_null");
	check_errno(progress_read(fd, counts, 3, &points), 0, "read_before");
	check(points == 2 && counts[0] == 0 && counts[1] == 0 && counts[2] == ~0ULL,
	      "before the run: 2 points at 0, the third slot untouched (%u: %" PRIu64 " %" PRIu64
	      " %" PRIx64 ")", points, counts[0], counts[1], counts[2]);

	wl_go(&other);
	wl_go(&w);
	check(wl_wait(&w, 120 * SEC) && wl_exited_ok(&w), "the target ran to the end");
	check(wl_wait(&other, 120 * SEC) && wl_exited_ok(&other), "the other copy ran to the end");
	check_errno(progress_read(fd, counts, 2, &points), 0, "read_after");
	check(counts[0] == calls * threads, "entry probe counted %" PRIu64 " calls, want %" PRIu64,
	      counts[0], calls * threads);
	check(counts[1] == calls * threads, "return probe counted %" PRIu64 " returns, want %" PRIu64,
	      counts[1], calls * threads);
	close(file);
	close(fd);
	wl_kill(&w);
	wl_kill(&other);
}

static void scenario_errors(void)
{
	char *argv[] = { "two_threads", "1000", "1", NULL };
	struct causal_range good, kern, many[CAUSAL_MAX_RANGES + 1], empty, inverted;
	struct causal_experiment_result r;
	struct causal_experiment e;
	struct causal_attach at;
	struct workload w;
	uint64_t id = 0;
	int fd, st;
	pid_t gone;
	void *m;

	if (!check(wl_spawn(&w, argv), "spawn_two_threads"))
		return;
	good = *wl_range(&w, "a");
	empty = (struct causal_range){ good.start, good.start };
	inverted = (struct causal_range){ good.end, good.start };
	kern = (struct causal_range){ 0xffffffff81000000ULL, 0xffffffff81001000ULL };
	for (int i = 0; i <= CAUSAL_MAX_RANGES; i++)
		many[i] = (struct causal_range){ good.start + i, good.start + i + 1 };

	/* a pid that surely does not exist: a child that was just reaped */
	gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, &st, 0);

	fd = dev_open();
	if (!check(fd >= 0, "open")) {
		wl_kill(&w);
		return;
	}
	check_errno(exp_start(fd, 500000, &good, 1, NULL), ENOTCONN, "start_before_attach_enotconn");
	check_errno(exp_stop(fd, &r), ENOTCONN, "stop_before_attach_enotconn");
	m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, CAUSAL_MMAP_RING);
	check_errno(m == MAP_FAILED ? errno : 0, ENOTCONN, "mmap_ring_before_attach_enotconn");
	if (m != MAP_FAILED)
		munmap(m, 2 * 4096);
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, CAUSAL_MMAP_STATS);
	check_errno(m == MAP_FAILED ? errno : 0, EACCES, "mmap_stats_writable_eacces");
	if (m != MAP_FAILED)
		munmap(m, 4096);
	check_errno(attach(fd, gone, 0, 0, 0), ESRCH, "attach_nonexistent_pid_esrch");
	check_errno(attach(fd, 0, 0, 0, 0), EINVAL, "attach_pid_0_einval");
	check_errno(attach(fd, w.pid, 1U << 7, 0, 0), EINVAL, "attach_unknown_flag_einval");
	memset(&at, 0, sizeof(at));
	at.size = sizeof(at);
	at.pid = w.pid;
	at.period_ns = CAUSAL_PERIOD_MIN_NS - 1;
	check_errno(ioctl(fd, CAUSAL_IOC_ATTACH, &at) ? errno : 0, ERANGE,
		    "attach_period_too_small_erange");
	at.period_ns = CAUSAL_PERIOD_MAX_NS + 1;
	check_errno(ioctl(fd, CAUSAL_IOC_ATTACH, &at) ? errno : 0, ERANGE,
		    "attach_period_too_large_erange");
	check_errno(attach(fd, w.pid, 0, CAUSAL_MAX_CALLCHAIN + 1, 0), EINVAL,
		    "attach_callchain_9_einval");
	check_errno(attach(fd, w.pid, 0, 0, 3), EINVAL, "attach_ring_pages_not_pow2_einval");
	check_errno(attach(fd, w.pid, 0, 0, CAUSAL_RING_PAGES_MAX * 2), EINVAL,
		    "attach_ring_pages_too_many_einval");
	/* a wake-up batch the ring cannot hold (1 page holds 32 records of 104 bytes) */
	memset(&at, 0, sizeof(at));
	at.size = sizeof(at);
	at.pid = w.pid;
	at.ring_pages = 1;
	at.wakeup = 4096 / sizeof(struct causal_sample) + 1;
	check_errno(ioctl(fd, CAUSAL_IOC_ATTACH, &at) ? errno : 0, EINVAL,
		    "attach_wakeup_above_capacity_einval");

	check_errno(attach(fd, w.pid, 0, 0, 0), 0, "attach");
	check_errno(attach(fd, w.pid, 0, 0, 0), EBUSY, "double_attach_ebusy");
	check_errno(attach(fd, getpid(), 0, 0, 0), EBUSY, "second_attach_other_pid_ebusy");
	/* a task is in at most one session: the second one is refused as busy */
	check_held((const struct held_try[]){
		{ w.pid, 0, 0, "second_session_same_process_ebusy" },
	}, 1);

	check_errno(exp_stop(fd, &r), ENOENT, "stop_without_start_enoent");
	check_errno(exp_start(fd, 500000, &good, 0, NULL), EINVAL, "start_0_ranges_einval");
	check_errno(exp_start(fd, 500000, &empty, 1, NULL), EINVAL, "start_empty_range_einval");
	check_errno(exp_start(fd, 500000, &inverted, 1, NULL), EINVAL,
		    "start_inverted_range_einval");
	check_errno(exp_start(fd, 500000, &kern, 1, NULL), EINVAL,
		    "start_kernel_address_range_einval");
	check_errno(exp_start(fd, CAUSAL_DELAY_MAX_NS + 1, &good, 1, NULL), ERANGE,
		    "start_delay_too_large_erange");
	check_errno(exp_start(fd, 500000, many, CAUSAL_MAX_RANGES + 1, NULL), E2BIG,
		    "start_too_many_ranges_e2big");
	check_errno(exp_start(fd, 500000, (void *)8, 1, NULL), EFAULT, "start_bad_ranges_efault");
	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.delay_ns = 500000;
	e.nr_ranges = 1;
	e.ranges = (uintptr_t)&good;
	e.flags = CAUSAL_EXPERIMENT_FLAGS + 1;
	check_errno(ioctl(fd, CAUSAL_IOC_EXPERIMENT_START, &e) ? errno : 0, EINVAL,
		    "start_flags_einval");
	e.flags = 0;
	e.nr_line_ranges = 1;
	check_errno(ioctl(fd, CAUSAL_IOC_EXPERIMENT_START, &e) ? errno : 0, EINVAL,
		    "start_line_ranges_without_scope_einval");

	check_errno(exp_start(fd, 500000, many, CAUSAL_MAX_RANGES, &id), 0,
		    "start_max_ranges_overlapping");
	check(id == 1, "first_experiment_id_1 (%" PRIu64 ")", id);
	check_errno(exp_start(fd, 500000, &good, 1, NULL), EBUSY, "second_start_ebusy");
	check_errno(exp_stop(fd, &r), 0, "stop");
	check(r.id == 1, "stop_returns_id_1 (%" PRIu64 ")", (uint64_t)r.id);
	check_errno(exp_stop(fd, &r), ENOENT, "second_stop_enoent");
	check_errno(exp_start(fd, 500000, &good, 1, &id), 0, "restart");
	check(id == 2, "second_experiment_id_2 (%" PRIu64 ")", id);
	check_errno(exp_stop(fd, &r), 0, "stop_again");
	/* delay 0 is a baseline: it starts, delays nobody, and stops */
	check_errno(exp_start(fd, 0, &good, 1, &id), 0, "start_delay_0_baseline");
	check_errno(exp_stop(fd, &r), 0, "stop_baseline");
	check(r.id == 3 && r.delay_inserted == 0 && r.payments == 0,
	      "baseline_id_3_inserts_nothing (id %" PRIu64 ", inserted %" PRIu64 ", payments %" PRIu64
	      ")", (uint64_t)r.id, (uint64_t)r.delay_inserted, (uint64_t)r.payments);
	close(fd);
	wl_kill(&w);
}

/* Writes "0" or "1" to CPU cpu's online file; false (diagnosed) if the kernel refused. */
static bool cpu_set_online(int cpu, bool online)
{
	char path[64];
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		diag("%s: %s", path, strerror(errno));
		return false;
	}
	ok = write(fd, online ? "1" : "0", 1) == 1;
	if (!ok)
		diag("write %s to %s: %s", online ? "1" : "0", path, strerror(errno));
	close(fd);
	return ok;
}

static bool pin_to(pid_t pid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(pid, sizeof(set), &set)) {
		diag("sched_setaffinity(%d, CPU %d): %s", pid, cpu, strerror(errno));
		return false;
	}
	return true;
}

/* the samples of rr's process on each CPU over the next `ns` */
static void hotplug_phase(struct ring_reader *rr, const char *what, uint64_t ns, uint64_t *on_cpu)
{
	uint64_t end = now_ns() + ns;

	ring_drain(rr);
	memset(rr->own_on_cpu, 0, sizeof(rr->own_on_cpu));
	while (now_ns() < end) {
		sleep_ns(20 * MS);
		ring_drain(rr);
	}
	on_cpu[0] = rr->own_on_cpu[0];
	on_cpu[1] = rr->own_on_cpu[1];
	diag("%s: %" PRIu64 " samples on CPU 0, %" PRIu64 " on CPU 1", what, on_cpu[0], on_cpu[1]);
}

/* a child that spins until killed */
static pid_t spinner(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		volatile uint64_t x = 1;

		for (;;)
			x = x * 3 + 1;
	}
	return pid;
}

/*
 * CPU hotplug: a spinning process pinned to CPU 1 is sampled there; CPU 1 goes offline (the
 * process goes on on CPU 0, still sampled) and comes back, the process is pinned to it again, and
 * its samples come from CPU 1 again. Counters bound to CPUs online at attach would stay detached.
 */
static void scenario_hotplug(void)
{
	const uint32_t ring_pages = 64;
	const uint64_t phase = 400 * MS;
	uint64_t before[2], offline[2], after[2];
	struct ring_reader rr;
	bool online = true;
	pid_t pid;
	int fd;

	if (access("/sys/devices/system/cpu/cpu1/online", W_OK)) {
		sub_skip("CPU 1 cannot go offline here (no /sys/devices/system/cpu/cpu1/online)");
		return;
	}
	pid = spinner();
	if (!check(pid > 0, "fork_spinner"))
		return;
	fd = dev_open();
	if (!check(fd >= 0 && pin_to(pid, 1) &&
		   check_errno(attach(fd, pid, 0, 0, ring_pages), 0, "attach") &&
		   ring_open(&rr, fd, ring_pages, pid), "setup"))
		goto out;
	hotplug_phase(&rr, "pinned to CPU 1", phase, before);
	check(before[1] > 0, "sampled_on_cpu1");
	online = !check(cpu_set_online(1, false), "cpu1_offline");
	if (!online) {
		hotplug_phase(&rr, "CPU 1 offline", phase, offline);
		check(offline[0] > 0 && offline[1] == 0, "sampled_on_cpu0_while_cpu1_offline");
		online = check(cpu_set_online(1, true), "cpu1_online");
	}
	if (online && check(pin_to(pid, 1), "pinned_to_cpu1_again")) {
		hotplug_phase(&rr, "CPU 1 online again, pinned to it", phase, after);
		check(after[1] > 0, "samples_resume_on_cpu1");
	}
	ring_close(&rr);
out:
	if (!online && !cpu_set_online(1, true))
		diag("CPU 1 stays offline");
	if (fd >= 0)
		close(fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* CAUSAL_EVENT_CYCLES: counters of cycles where there is a PMU, cpu-clock (said so) where not */
static void scenario_cycles(void)
{
	struct causal_attach a = { .size = sizeof(a), .event = CAUSAL_EVENT_CYCLES };
	struct causal_stats st;
	pid_t pid;
	int fd;

	pid = spinner();
	if (!check(pid > 0, "fork_spinner"))
		return;
	a.pid = pid;
	fd = dev_open();
	if (check(fd >= 0, "open") &&
	    check_errno(ioctl(fd, CAUSAL_IOC_ATTACH, &a) ? errno : 0, 0, "attach_cycles")) {
		diag("event_used %" PRIu64 " (%s)", (uint64_t)a.event_used,
		     a.event_used == CAUSAL_EVENT_CYCLES ? "cycles" : "cpu-clock: no PMU");
		check(a.event_used == CAUSAL_EVENT_CYCLES || a.event_used == CAUSAL_EVENT_CPU_CLOCK,
		      "event_used_is_cycles_or_cpu_clock");
		sleep_ns(300 * MS);
		get_stats(fd, &st);
		check(st.samples > 0, "sampled (%" PRIu64 " samples)", (uint64_t)st.samples);
	}
	if (fd >= 0)
		close(fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static const struct scenario scenarios[] = {
	{ "delay", scenario_delay },
	{ "paying", scenario_paying },
	{ "handoff", scenario_handoff },
	{ "ring", scenario_ring },
	{ "ring-batch", scenario_ring_batch },
	{ "pipe", scenario_pipe },
	{ "futex", scenario_futex },
	{ "fork", scenario_fork },
	{ "attach-running", scenario_attach_running },
	{ "sigkill", scenario_sigkill },
	{ "kill-payer", scenario_kill_payer },
	{ "cpu-model", scenario_cpu_model },
	{ "limits", scenario_limits },
	{ "churn", scenario_churn },
	{ "two-sessions", scenario_two_sessions },
	{ "cgroup", scenario_cgroup },
	{ "cgroup-moves", scenario_cgroup_moves },
	{ "errors", scenario_errors },
	{ "progress", scenario_progress },
	{ "stats-ver0", scenario_stats_ver0 },
	{ "hotplug", scenario_hotplug },
	{ "cycles", scenario_cycles },
	{ NULL, NULL }
};

int main(int argc, char **argv)
{
	const char *env = getenv("CORE_TEST_ITERS");
	char note[96], cannot[128];
	bool may_skip = false;
	int opt, fd, err;

	if (env && *env)
		iters = strtoull(env, NULL, 0);
	while ((opt = getopt(argc, argv, "i:Sh")) != -1) {
		switch (opt) {
		case 'i':
			iters = strtoull(optarg, NULL, 0);
			break;
		case 'S':
			may_skip = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-i ITERS] [-S] [SCENARIO...]\nscenarios:", argv[0]);
			for (const struct scenario *s = scenarios; s->name; s++)
				fprintf(stderr, " %s", s->name);
			fprintf(stderr, "\n");
			return 2;
		}
	}

	/*
	 * Can this module attach here at all? hooks=kprobe needs ftrace-based kprobes, and the
	 * module says EOPNOTSUPP at attach where the kernel has none: everything is skipped
	 * then if -S allows it, and fails if not.
	 */
	fd = open(CAUSAL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	err = fd < 0 ? errno : attach(fd, getpid(), 0, 0, 0);
	if (fd >= 0)
		close(fd);
	snprintf(cannot, sizeof(cannot), "attach: %s (see dmesg)", strerror(err));
	snprintf(note, sizeof(note), "core_test: %" PRIu64 " iterations per spinning thread", iters);
	return scenarios_main("core_test", scenarios, argv + optind, argc - optind, note,
			      err == EOPNOTSUPP ? cannot : NULL, may_skip);
}
