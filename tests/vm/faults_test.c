// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest fault scenarios for causal.ko, as KTAP on stdout (one subtest per scenario). The
 * workloads are this program itself, forked (and exec'd where a scenario needs it). Scenarios
 * that core_test already has (sigkill: the controller killed mid-experiment; kill-payer; churn;
 * two-sessions: a second controller on one target gets EBUSY) are run from core_test.
 *
 *   faults_test [-m MODULE_PARAMS] [-T THREADS] [-F FORKS] [SCENARIO...]
 *
 * default: every scenario, 10 000 threads, 400 forks
 *
 *   target-exit     the target exits mid-experiment while its threads owe delay
 *   target-exec     the target execs mid-experiment while its threads pay delay
 *   thread-exit     threads exit while they owe delay; the process goes on
 *   rmmod           rmmod fails while a session is open, or its ring still mapped, and succeeds
 *                   after close (the module is loaded again from /lib/causal/causal.ko)
 *   cycles          100 attach / experiment / detach cycles on one running target
 *   fork-storm      a following session through FORKS forks, every third child forking a
 *                   grandchild
 *   many-threads    a target of THREADS threads (default 10000): attach, experiment, exit
 *
 * After each scenario: no thread of the target sleeps in causal code (wchan and kernel stack),
 * the session's counters balance (tasks_attached back to 0, exits == tasks_seen, the error
 * histogram counts every payment, the stats page agrees with CAUSAL_IOC_STATS), and, where the
 * kernel has kmemleak, the harness's scan at the end of the run finds nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/causal.h>

#include "ktap.h"
#include "device.h"
#include "procfs.h"
#include "clock.h"
#include "scenarios.h"
#include "options.h"

static const char *module_params = "";
static long many_threads = 10000;
static long storm_forks = 400;

/* ---- /proc ---- */

/*
 * The threads of pid whose wchan or kernel stack names a causal function, with the first one's
 * details in diagnostics; -1 if the process is gone.
 */
static int threads_in_causal(pid_t pid, int *nthreads, bool report)
{
	char path[320], buf[4096];
	DIR *dir = tasks_open(pid);
	pid_t tid;
	int n = 0;

	*nthreads = 0;
	if (!dir)
		return -1;
	while ((tid = tasks_next(dir))) {
		bool in = false;

		(*nthreads)++;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", pid, tid);
		read_proc(path, buf, sizeof(buf));
		in = strstr(buf, "causal") != NULL;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
		read_proc(path, buf, sizeof(buf));
		/*
		 * a frame the kernel cannot name ("[<0>] 0xffffffffc0..."): code of a module no
		 * longer loaded, which is how a thread left in causal's text after rmmod shows
		 */
		in = in || strstr(buf, "causal") != NULL || strstr(buf, "] 0x") != NULL;
		if (in && !n++ && report) {
			for (char *c = buf; *c; c++)
				if (*c == '\n')
					*c = '|';
			diag("thread %d of %d in causal code: %.300s", tid, pid, buf);
		}
	}
	closedir(dir);
	return n;
}

/*
 * every thread of every live pid is out of causal code, within 2 s: no frame named causal while the
 * module is loaded, no unnamed frame once it is not
 */
static void check_out_of_causal(const char *what, const pid_t *pids, int npids)
{
	uint64_t end = now_ns() + 2 * SEC;
	int in, total, threads;

	do {
		total = 0;
		threads = 0;
		for (int i = 0; i < npids; i++) {
			int t;

			in = threads_in_causal(pids[i], &t, now_ns() >= end);
			if (in > 0)
				total += in;
			threads += t;
		}
		if (!total || now_ns() >= end)
			break;
		sleep_ns(50 * MS);
	} while (true);
	check(total == 0, "%s_no_thread_in_causal_code (%d of %d threads)", what, total, threads);
}

/* ---- /dev/causal ---- */

/* ranges of this binary: the target's threads are forks of us */
#define SECTION(name) __attribute__((noinline, used, section(name)))
extern char __start_fault_a[], __stop_fault_a[];
static const struct causal_range *range_a(void)
{
	static struct causal_range r;

	r.start = (uintptr_t)__start_fault_a;
	r.end = (uintptr_t)__stop_fault_a;
	return &r;
}

/* an experiment on this binary's section fault_a */
static int exp_start_a(int fd, uint64_t delay)
{
	return exp_start(fd, delay, range_a(), 1, NULL);
}

static void diag_stats(const char *what, const struct causal_stats *s)
{
	diag("%s: tasks_attached %llu tasks_seen %llu forks_followed %llu exits %llu samples %llu "
	     "tasks_lost %llu global_delay %llu delay_paid %llu payments %llu interrupted %llu "
	     "unpaid_at_exit %llu task_work_failed %llu", what,
	     (unsigned long long)s->tasks_attached, (unsigned long long)s->tasks_seen,
	     (unsigned long long)s->forks_followed, (unsigned long long)s->exits,
	     (unsigned long long)s->samples, (unsigned long long)s->tasks_lost,
	     (unsigned long long)s->global_delay, (unsigned long long)s->delay_paid,
	     (unsigned long long)s->payments, (unsigned long long)s->payments_interrupted,
	     (unsigned long long)s->unpaid_at_exit, (unsigned long long)s->task_work_failed);
}

/*
 * The session's counters once its target is gone: nobody attached, every task seen has exited,
 * every payment in the histogram, and the stats page says the same as the ioctl.
 */
static void check_balanced(const char *what, int fd)
{
	struct causal_stats st, pg;
	uint64_t hist = 0, end = now_ns() + 2 * SEC;
	void *page;

	/* the last exits may still be on their way through the exit hooks */
	do {
		get_stats(fd, &st);
		if (!st.tasks_attached)
			break;
		sleep_ns(20 * MS);
	} while (now_ns() < end);
	diag_stats(what, &st);
	for (int i = 0; i < CAUSAL_ERROR_BUCKETS; i++)
		hist += st.error_hist[i];
	check(st.tasks_attached == 0, "%s_tasks_attached_0 (%llu)", what,
	      (unsigned long long)st.tasks_attached);
	check(st.exits == st.tasks_seen, "%s_exits_equal_tasks_seen (%llu vs %llu)", what,
	      (unsigned long long)st.exits, (unsigned long long)st.tasks_seen);
	check(hist == st.payments && st.payments_interrupted <= st.payments,
	      "%s_payments_balance (histogram %llu, payments %llu, interrupted %llu)", what,
	      (unsigned long long)hist, (unsigned long long)st.payments,
	      (unsigned long long)st.payments_interrupted);
	page = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, CAUSAL_MMAP_STATS);
	if (page == MAP_FAILED) {
		check(false, "%s_stats_page (mmap: %s)", what, strerror(errno));
		return;
	}
	memcpy(&pg, page, sizeof(pg));
	munmap(page, 4096);
	check(pg.tasks_attached == 0 && pg.exits == st.exits && pg.tasks_seen == st.tasks_seen &&
	      pg.payments == st.payments, "%s_stats_page_agrees", what);
}

/* ---- workloads: forks of this program ---- */

static volatile uint64_t sink;
static uint64_t wl_end;

SECTION("fault_a") uint64_t spin_a(uint64_t n, uint64_t x)
{
	for (uint64_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

static uint64_t spin_b(uint64_t n, uint64_t x)
{
	for (uint64_t i = 0; i < n; i++) {
		x = x * 2862933555777941757ULL + 3037000493ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

/* thread A: in the experiment's range until wl_end */
static void *thread_a(void *arg)
{
	(void)arg;
	while (now_ns() < wl_end)
		sink += spin_a(20000, 1);
	return NULL;
}

/* a B thread: outside the range, so it owes what A earns */
static void *thread_b(void *arg)
{
	uint64_t end = arg ? now_ns() + (uintptr_t)arg * MS : wl_end;

	while (now_ns() < end && now_ns() < wl_end)
		sink += spin_b(20000, 2);
	return NULL;
}

/* A and nb B threads for ms milliseconds */
static void wl_spin(long nb, long ms)
{
	pthread_t t[16];

	wl_end = now_ns() + ms * MS;
	pthread_create(&t[0], NULL, thread_a, NULL);
	for (long i = 1; i <= nb && i < 16; i++)
		pthread_create(&t[i], NULL, thread_b, NULL);
	for (long i = 0; i <= nb && i < 16; i++)
		pthread_join(t[i], NULL);
}

/* A, and short-lived B threads (30 ms each, up to nb at a time) for ms milliseconds */
static void wl_owe(long nb, long ms)
{
	pthread_t a, b[16];
	long made = 0;

	wl_end = now_ns() + ms * MS;
	pthread_create(&a, NULL, thread_a, NULL);
	while (now_ns() < wl_end) {
		for (long i = 0; i < nb && i < 16; i++)
			pthread_create(&b[i], NULL, thread_b, (void *)(uintptr_t)30);
		for (long i = 0; i < nb && i < 16; i++)
			pthread_join(b[i], NULL);
		made += nb;
	}
	pthread_join(a, NULL);
	printf("%ld\n", made);
}

/* A and B for ms/2, then exec this program to run A and B again for ms/2 */
static void wl_exec(long nb, long ms)
{
	pthread_t t[16];
	char a[32], b[32];

	wl_end = now_ns() + 10 * ms * MS;
	pthread_create(&t[0], NULL, thread_a, NULL);
	for (long i = 1; i <= nb && i < 16; i++)
		pthread_create(&t[i], NULL, thread_b, NULL);
	sleep_ns(ms / 2 * MS);
	snprintf(a, sizeof(a), "%ld", nb);
	snprintf(b, sizeof(b), "%ld", ms / 2);
	execl("/proc/self/exe", "faults_test", "--wl-spin", a, b, (char *)NULL);
	_exit(126);
}

/* n children at up to 8 at a time; each spins a little in A, every third forks a grandchild */
static void wl_fork_storm(long n, long ms)
{
	long running = 0;

	(void)ms;
	for (long i = 0; i < n; i++) {
		pid_t c = fork();

		if (c == 0) {
			if (i % 3 == 0 && fork() == 0) {
				sink += spin_b(20000, 3);
				_exit(0);
			}
			sink += spin_a(50000, 4);
			while (wait(NULL) > 0)
				;
			_exit(0);
		}
		if (c > 0)
			running++;
		if (running >= 8 && wait(NULL) > 0)
			running--;
	}
	while (wait(NULL) > 0)
		;
}

static pthread_barrier_t many_barrier;

static void *many_thread(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&many_barrier);
	sink += spin_b(2000, 5);
	return NULL;
}

/* n threads that wait, then spin a little and exit; "R" on stdout once all exist, go on stdin */
static void wl_many(long n, long ms)
{
	pthread_attr_t at;
	pthread_t *t = calloc(n, sizeof(*t));
	long made = 0;
	char c;

	(void)ms;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 64 * 1024);
	pthread_barrier_init(&many_barrier, NULL, n + 1);
	for (; made < n; made++)
		if (pthread_create(&t[made], &at, many_thread, NULL))
			break;
	if (made < n) {
		fprintf(stderr, "wl_many: %ld threads of %ld: %s\n", made, n, strerror(errno));
		_exit(1);
	}
	if (write(STDOUT_FILENO, "R", 1) != 1 || read(STDIN_FILENO, &c, 1) != 1)
		_exit(1);
	wl_end = now_ns() + 200 * MS;
	pthread_barrier_wait(&many_barrier);
	sink += spin_a(200000, 6);
	for (long i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

struct wl {
	pid_t pid;
	int in, out;	/* its stdin (write end), its stdout (read end) */
	int status;
	bool reaped;
};

static bool wl_start(struct wl *w, void (*fn)(long, long), long a, long b)
{
	int in[2], out[2];

	memset(w, 0, sizeof(*w));
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return false;
	fflush(NULL);
	w->pid = fork();
	if (w->pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		fn(a, b);
		fflush(NULL);
		_exit(0);
	}
	close(in[0]);
	close(out[1]);
	w->in = in[1];
	w->out = out[0];
	return w->pid > 0;
}

static bool wl_wait(struct wl *w, uint64_t timeout)
{
	uint64_t end = now_ns() + timeout;

	while (!w->reaped) {
		pid_t r = waitpid(w->pid, &w->status, WNOHANG);

		if (r == w->pid)
			w->reaped = true;
		else if (r < 0 || now_ns() > end)
			return false;
		else
			sleep_ns(10 * MS);
	}
	return true;
}

static void wl_end_it(struct wl *w)
{
	if (w->pid > 0 && !w->reaped) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, &w->status, 0);
		w->reaped = true;
	}
	close(w->in);
	close(w->out);
}

static bool wl_ok(const struct wl *w)
{
	return w->reaped && WIFEXITED(w->status) && WEXITSTATUS(w->status) == 0;
}

/*
 * A session on the target with an experiment on its range A at delay (check "attach_and_start"):
 * its fd; -1 if that failed, the fd closed and the target ended.
 */
static int session_start(struct wl *w, uint64_t delay)
{
	int fd = dev_open();

	if (check(fd >= 0 && !attach(fd, w->pid, 0, 0, 0) && !exp_start_a(fd, delay),
		  "attach_and_start"))
		return fd;
	if (fd >= 0)
		close(fd);
	wl_end_it(w);
	return -1;
}

/* The target fn(a, b) started (check "spawn"), then session_start(): its fd, or -1. */
static int spawn_session(struct wl *w, void (*fn)(long, long), long a, long b, uint64_t delay)
{
	if (!check(wl_start(w, fn, a, b), "spawn"))
		return -1;
	return session_start(w, delay);
}

/* ---- scenarios ---- */

/* the target ends (all threads) while an experiment with a 20 ms delay per sample runs */
static void scenario_target_exit(void)
{
	struct causal_experiment_result r;
	struct pollfd p;
	struct wl w;
	int fd, rc;

	fd = spawn_session(&w, wl_spin, 2, 1500, 20 * MS);
	if (fd < 0)
		return;
	check(wl_wait(&w, 60 * SEC), "target_exits_within_60s");
	check(wl_ok(&w), "target_exit_0 (status %#x)", w.status);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	rc = poll(&p, 1, 2000);
	check(rc == 1 && (p.revents & (POLLHUP | POLLIN)), "poll_says_hup_or_in (%d, revents %#x%s%s)",
	      rc, p.revents, rc < 0 ? ", " : "", rc < 0 ? strerror(errno) : "");
	check_errno(exp_stop(fd, &r), 0, "stop_after_target_exit");
	diag("experiment: selected %llu inserted %llu paid %llu payments %llu",
	     (unsigned long long)r.selected_samples, (unsigned long long)r.delay_inserted,
	     (unsigned long long)r.delay_paid, (unsigned long long)r.payments);
	check_errno(exp_start_a(fd, 1 * MS), 0, "start_with_no_task_left");
	check_errno(exp_stop(fd, &r), 0, "stop_with_no_task_left");
	check_balanced("after", fd);
	close(fd);
	wl_end_it(&w);
}

/*
 * the target execs itself while its B threads pay: de_thread must not wait for a payment. The
 * delay is below the period (a 50% speedup), so that the main thread catches up and execs.
 */
static void scenario_target_exec(void)
{
	struct causal_experiment_result r;
	struct causal_stats st;
	uint64_t t0;
	struct wl w;
	int fd, in, threads;

	fd = spawn_session(&w, wl_exec, 2, 1600, MS / 2);
	if (fd < 0)
		return;
	/* the exec ends three threads (after 800 ms plus what the main thread pays meanwhile) */
	t0 = now_ns();
	do {
		sleep_ns(100 * MS);
		get_stats(fd, &st);
	} while (st.exits < 2 && now_ns() - t0 < 60 * SEC);
	diag("exec seen after %" PRIu64 " ms", (now_ns() - t0) / MS);
	diag_stats("after the exec", &st);
	in = threads_in_causal(w.pid, &threads, true);
	diag("after the exec: %d threads, %d in causal code", threads, in);
	check(st.tasks_attached >= 1 && st.exits >= 2,
	      "exec_keeps_the_process_in_the_session (attached %llu, exits %llu)",
	      (unsigned long long)st.tasks_attached, (unsigned long long)st.exits);
	check_errno(exp_stop(fd, &r), 0, "stop");
	check_out_of_causal("after_stop", &w.pid, 1);
	check(wl_wait(&w, 60 * SEC), "target_exits_within_60s (%" PRIu64 " ms)",
	      (now_ns() - t0) / MS);
	check(wl_ok(&w), "target_exit_0 (status %#x)", w.status);
	check_balanced("after", fd);
	close(fd);
	wl_end_it(&w);
}

/* B threads come and go while they owe 10 ms per sample of A: their debt dies with them */
static void scenario_thread_exit(void)
{
	struct causal_experiment_result r;
	struct causal_stats st;
	char made[32] = "";
	struct wl w;
	int fd;

	fd = spawn_session(&w, wl_owe, 3, 1500, 10 * MS);
	if (fd < 0)
		return;
	sleep_ns(800 * MS);
	check_errno(exp_stop(fd, &r), 0, "stop");
	check_out_of_causal("after_stop", &w.pid, 1);
	check(wl_wait(&w, 90 * SEC), "target_exits_within_90s");
	check(wl_ok(&w), "target_exit_0 (status %#x)", w.status);
	if (read(w.out, made, sizeof(made) - 1) > 0)
		diag("%ld short-lived threads", atol(made));
	get_stats(fd, &st);
	/* whether a thread still owed when it ended depends on timing: the count is a diagnostic */
	check(st.exits > 4, "threads_exited_during_the_experiment (exits %llu, unpaid_at_exit %llu ns)",
	      (unsigned long long)st.exits, (unsigned long long)st.unpaid_at_exit);
	check_balanced("after", fd);
	close(fd);
	wl_end_it(&w);
}

static int delete_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? errno : 0;
}

static int load_module(void)
{
	int fd = open("/lib/causal/causal.ko", O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return errno;
	err = syscall(SYS_finit_module, fd, module_params, 0) ? errno : 0;
	close(fd);
	return err;
}

static bool module_busy(int err)
{
	return err == EBUSY || err == EAGAIN;
}

/* rmmod until it works or 5 s pass; the errno of the last try */
static int delete_module_retry(void)
{
	uint64_t end = now_ns() + 5 * SEC;
	int err;

	while ((err = delete_module("causal")) && module_busy(err) && now_ns() < end)
		sleep_ns(50 * MS);
	return err;
}

/* wait up to 5 s until pid has n threads and its main thread sleeps (in pthread_join) */
static bool wait_main_blocked(pid_t pid, int n)
{
	uint64_t end = now_ns() + 5 * SEC;
	int threads;

	do {
		if (threads_in_causal(pid, &threads, false) >= 0 && threads == n &&
		    thread_state(pid, pid) == 'S')
			return true;
		sleep_ns(20 * MS);
	} while (now_ns() < end);
	return false;
}

/* each thread of pid with its state, for a failure's diagnostics */
static void diag_threads(pid_t pid)
{
	DIR *dir = tasks_open(pid);
	pid_t tid;

	if (!dir)
		return;
	while ((tid = tasks_next(dir)))
		diag("thread %d of %d: state %c", tid, pid, thread_state(pid, tid));
	closedir(dir);
}

/*
 * rmmod while a session is attached with an experiment running: refused as in use; once the fd is
 * closed it works. The same with the fd closed but the ring still mapped. Loads the module again.
 * The experiment starts once the workload's main thread sleeps in pthread_join: a payment queued
 * on a thread runs when it next returns to user mode and holds the module until then, so a main
 * thread that took one on its way into a 30 s join would (rightly) keep the module loaded.
 */
static void scenario_rmmod(void)
{
	struct wl w;
	int fd, err;
	void *ring;

	if (!check(wl_start(&w, wl_spin, 1, 30000), "spawn"))
		return;
	if (!check(wait_main_blocked(w.pid, 3), "workload_main_thread_in_join")) {
		diag_threads(w.pid);
		wl_end_it(&w);
		return;
	}
	fd = session_start(&w, 5 * MS);
	if (fd < 0)
		return;
	sleep_ns(300 * MS);
	err = delete_module("causal");
	check(module_busy(err), "rmmod_with_session_open_is_refused (%s)", strerror(err));
	close(fd);
	/* while the module is loaded, its functions have names a stack shows */
	check_out_of_causal("closed", &w.pid, 1);
	err = delete_module_retry();
	check_errno(err, 0, "rmmod_after_close");
	if (err) {
		/* who holds it: the target's threads, and whether its end lets the module go */
		diag_threads(w.pid);
		wl_end_it(&w);
		err = delete_module_retry();
		diag("rmmod after the target was killed: %s", err ? strerror(err) : "ok");
		if (!err)
			load_module();
		return;
	}
	check(access(CAUSAL_DEVICE_PATH, F_OK) && errno == ENOENT, "device_gone");
	check_out_of_causal("unloaded", &w.pid, 1);
	check_errno(load_module(), 0, "insmod_again");

	/* a mapping of the ring holds the file, and so the module, after close */
	fd = dev_open();
	if (!check(fd >= 0 && !attach(fd, w.pid, 0, 0, 0), "attach_again")) {
		wl_end_it(&w);
		return;
	}
	ring = mmap(NULL, (CAUSAL_RING_PAGES_DEFAULT + 1) * 4096, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, CAUSAL_MMAP_RING);
	check(ring != MAP_FAILED, "mmap_ring");
	close(fd);
	if (ring != MAP_FAILED) {
		err = delete_module("causal");
		check(module_busy(err), "rmmod_with_ring_mapped_is_refused (%s)", strerror(err));
		munmap(ring, (CAUSAL_RING_PAGES_DEFAULT + 1) * 4096);
	}
	check_errno(delete_module_retry(), 0, "rmmod_after_munmap");
	check_out_of_causal("unloaded_again", &w.pid, 1);
	check_errno(load_module(), 0, "insmod_once_more");
	wl_end_it(&w);
}

/* 100 cycles of open, attach, experiment (stopped or not), close on one running target */
static void scenario_cycles(void)
{
	struct causal_experiment_result r;
	struct causal_stats st;
	int fails = 0, i, fd, threads, in;
	uint64_t t0 = now_ns(), attached_max = 0;
	struct wl w;

	if (!check(wl_start(&w, wl_spin, 2, 600000), "spawn"))
		return;
	sleep_ns(100 * MS);
	for (i = 0; i < 100; i++) {
		uint64_t c0 = now_ns(), c1, c2;

		fd = dev_open();
		if (fd < 0 || attach(fd, w.pid, i % 4 == 3 ? CAUSAL_ATTACH_CPU_MODEL : 0, 0, 0) ||
		    exp_start_a(fd, (i % 5) * MS)) {
			if (!fails++)
				diag("cycle %d: %s", i, strerror(errno));
			if (fd >= 0)
				close(fd);
			continue;
		}
		c1 = now_ns();
		sleep_ns((i % 7) * 5 * MS);
		get_stats(fd, &st);
		if (st.tasks_attached > attached_max)
			attached_max = st.tasks_attached;
		/* half of them end with the experiment still running */
		if (i % 2 && exp_stop(fd, &r) && !fails++)
			diag("cycle %d: stop: %s", i, strerror(errno));
		c2 = now_ns();
		close(fd);
		if (getenv("FAULTS_VERBOSE"))
			fprintf(stderr, "cycle %d +%" PRIu64 " ms: attach+start %" PRIu64 " ms, stop %"
				PRIu64 " ms, close %" PRIu64 " ms\n", i, (now_ns() - t0) / MS,
				(c1 - c0) / MS, (c2 - c1) / MS, (now_ns() - c2) / MS);
	}
	diag("100 cycles in %" PRIu64 " ms, at most %llu tasks attached", (now_ns() - t0) / MS,
	     (unsigned long long)attached_max);
	check(fails == 0, "100_cycles_without_error (%d failed)", fails);
	check(attached_max == 4, "each_cycle_attaches_the_4_threads (%llu)",
	      (unsigned long long)attached_max);
	in = threads_in_causal(w.pid, &threads, true);
	check(in == 0 && threads == 4, "target_out_of_causal_code (%d of %d threads)", in, threads);
	/* the target runs on, undelayed: a last session sees it whole */
	fd = dev_open();
	check(fd >= 0 && !attach(fd, w.pid, 0, 0, 0), "attach_after_the_cycles");
	kill(w.pid, SIGKILL);
	wl_wait(&w, 10 * SEC);
	if (fd >= 0) {
		check_balanced("after", fd);
		close(fd);
	}
	wl_end_it(&w);
}

/* a following session through a fork storm, with an experiment running */
static void scenario_fork_storm(void)
{
	struct causal_experiment_result r;
	struct causal_stats st;
	struct wl w;
	int fd;

	fd = spawn_session(&w, wl_fork_storm, storm_forks, 0, 2 * MS);
	if (fd < 0)
		return;
	check(wl_wait(&w, 120 * SEC), "storm_ends_within_120s");
	check(wl_ok(&w), "storm_exit_0 (status %#x)", w.status);
	check_errno(exp_stop(fd, &r), 0, "stop");
	get_stats(fd, &st);
	check(st.forks_followed >= (uint64_t)storm_forks * 3 / 4, "forks_followed (%llu)",
	      (unsigned long long)st.forks_followed);
	check(st.tasks_lost == 0, "no_task_lost (%llu)", (unsigned long long)st.tasks_lost);
	check_balanced("after", fd);
	close(fd);
	wl_end_it(&w);
}

static void raise_sysctl(const char *path, long want)
{
	char buf[32];
	int f;

	read_proc(path, buf, sizeof(buf));
	if (atol(buf) >= want)
		return;
	f = open(path, O_WRONLY);
	snprintf(buf, sizeof(buf), "%ld", want);
	if (f < 0 || write(f, buf, strlen(buf)) < 0)
		diag("cannot raise %s to %ld: %s", path, want, strerror(errno));
	if (f >= 0)
		close(f);
}

/* a target with many threads: attach takes them all, an experiment runs, all of them leave */
static void scenario_many_threads(void)
{
	struct causal_experiment_result r;
	struct causal_stats st;
	uint64_t t0, t_attach, t_made, limit;
	bool ended;
	char c = 0;
	struct wl w;
	int fd;

	/*
	 * threads-max of a small guest with big (KASAN) kernel stacks, and pid_max of a tinyconfig
	 * kernel (4096), are below what the target needs
	 */
	raise_sysctl("/proc/sys/kernel/threads-max", many_threads + 1000);
	raise_sysctl("/proc/sys/kernel/pid_max", many_threads + 2000 > 32768 ? many_threads + 2000 :
		     32768);
	t0 = now_ns();
	if (!check(wl_start(&w, wl_many, many_threads, 0), "spawn"))
		return;
	if (!check(read(w.out, &c, 1) == 1 && c == 'R', "target_made_%ld_threads", many_threads)) {
		wl_end_it(&w);
		return;
	}
	t_made = now_ns() - t0;
	diag("%ld threads made in %" PRIu64 " ms", many_threads, t_made / MS);
	fd = dev_open();
	t0 = now_ns();
	if (!check(fd >= 0 && !attach(fd, w.pid, 0, 0, 0), "attach")) {
		wl_end_it(&w);
		return;
	}
	t_attach = now_ns() - t0;
	get_stats(fd, &st);
	diag("attach took %" PRIu64 " ms", t_attach / MS);
	check(st.tasks_attached == (uint64_t)many_threads + 1 && st.tasks_lost == 0,
	      "all_threads_attached (%llu)", (unsigned long long)st.tasks_attached);
	check_errno(exp_start_a(fd, 1 * MS), 0, "start");
	t0 = now_ns();
	check(write(w.in, "g", 1) == 1, "go");
	/*
	 * Ending the threads costs about what making them did (~25 ms each on the debug kernel
	 * under emulation, more on a loaded host): allow 180 s plus twice that. The time is read
	 * after the wait, in a statement of its own (argument order is unspecified).
	 */
	limit = 180 * SEC + 2 * t_made;
	ended = wl_wait(&w, limit);
	check(ended, "target_ends_in_time (%" PRIu64 " ms, limit %" PRIu64 " s)",
	      (now_ns() - t0) / MS, limit / SEC);
	check(wl_ok(&w), "target_exit_0 (status %#x)", w.status);
	check_errno(exp_stop(fd, &r), 0, "stop");
	check_balanced("after", fd);
	close(fd);
	wl_end_it(&w);
}

static const struct scenario scenarios[] = {
	{ "target-exit", scenario_target_exit },
	{ "target-exec", scenario_target_exec },
	{ "thread-exit", scenario_thread_exit },
	{ "rmmod", scenario_rmmod },
	{ "cycles", scenario_cycles },
	{ "fork-storm", scenario_fork_storm },
	{ "many-threads", scenario_many_threads },
	{ NULL, NULL }
};

int main(int argc, char **argv)
{
	static const struct opt opts[] = {
		{ 'm', "MODULE_PARAMS", OPT_STR, &module_params, NULL },
		{ 'T', "THREADS", OPT_LONG, &many_threads, NULL },
		{ 'F', "FORKS", OPT_LONG, &storm_forks, NULL },
		{ 0 }
	};
	int first;

	if (argc == 4 && !strcmp(argv[1], "--wl-spin")) {
		wl_spin(atol(argv[2]), atol(argv[3]));
		return 0;
	}
	first = options_parse(argc, argv, opts, "[SCENARIO...]");
	if (first < 0)
		return 2;
	return scenarios_main("faults_test", scenarios, argv + first, argc - first, NULL, NULL,
			      false);
}
