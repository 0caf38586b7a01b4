// SPDX-License-Identifier: GPL-2.0
/*
 * Unloads causal.ko right after a session whose tasks were paying delays closes, round after
 * round, as KTAP on stdout. Each payment is a task_work that drops its module reference as its
 * last act and then returns through the module's text: an unload that frees the text before such
 * a task has left it makes the task run freed memory (on the debug kernel, a KASAN or page-fault
 * report, which fails the VM run). The payers are PAYERS threads of one process that spin in
 * user mode (each one's samples make the others owe: payments all the time); it stays across
 * rounds. There are more of them than CPUs, so that some wait for a CPU with a payment queued as
 * the session closes, and run it, and drop its reference, while the unload is being tried.
 * A round: load the module, open a session on the payers, start an experiment that selects every
 * sample, let them pay, close, then unload at once (retrying while references remain, which the
 * last payments hold until they run). Under emulation on the debug kernel a round takes about
 * two seconds, most of it in loading and unloading.
 * Then once: a payment queued on a task that is blocked in the kernel, in a read() of an empty
 * pipe, as the session closes. The payment would run when the task returns to user mode; close
 * takes it back, so the module unloads at once (see blocked_reader()).
 *
 *   unload_stress [-t SECONDS] [-n ROUNDS] MODULE.ko
 *       runs until SECONDS (default 60) or ROUNDS (default 100000) are over; expects MODULE.ko
 *       loaded or not, and leaves it loaded
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/causal.h>

#include "clock.h"
#include "procfs.h"

static int n, fails;

static void check(bool ok, const char *name)
{
	printf("%s %d %s\n", ok ? "ok" : "not ok", ++n, name);
	fflush(stdout);
	fails += !ok;
}

/* shared with the payers: they spin while it is set, and sleep while it is not */
static volatile int *paying;

static void *spin(void *arg)
{
	volatile unsigned long x = 0;

	(void)arg;
	for (;;) {
		while (*paying)
			x++;
		usleep(1000);
	}
	return NULL;
}

#define PAYERS 6

/*
 * The payers: a process of PAYERS threads, until killed. They spin only around the sessions, so
 * that loading and unloading (RCU grace periods, text patching) do not wait for CPUs they hold.
 */
static pid_t payers(void)
{
	pthread_t t;
	pid_t p;
	int i;

	paying = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (paying == MAP_FAILED)
		return -1;
	p = fork();

	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (i = 1; i < PAYERS; i++)
			pthread_create(&t, NULL, spin, NULL);
		spin(NULL);
	}
	return p;
}

static int load(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* delete_module until it succeeds: EAGAIN/EWOULDBLOCK while payments still hold references */
static int unload(uint64_t *busy)
{
	for (;;) {
		if (!syscall(SYS_delete_module, "causal", O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EBUSY)
			return -errno;
		++*busy;
		sched_yield();
	}
}

/* a session on pid with payments going on for about ms; its payment count, or -errno */
static long long session(pid_t pid, int ms)
{
	struct causal_attach a = { .size = sizeof(a), .pid = pid, .period_ns = 200000 };
	struct causal_range range = { .start = 0x1000, .end = 1ULL << 47 };
	struct causal_experiment e = {
		.size = sizeof(e), .delay_ns = 500000, .nr_ranges = 1,
		.ranges = (uint64_t)(uintptr_t)&range,
	};
	struct causal_stats st = { .size = sizeof(st) };
	struct timespec d = { 0, ms * 1000000L };
	long long ret;
	int fd, tries;

	/* the device node is created as the module registers it; give devtmpfs a moment */
	for (tries = 0; (fd = open(CAUSAL_DEVICE_PATH, O_RDWR)) < 0 && errno == ENOENT &&
	     tries < 1000; tries++)
		usleep(1000);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, CAUSAL_IOC_ATTACH, &a) || ioctl(fd, CAUSAL_IOC_EXPERIMENT_START, &e)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	nanosleep(&d, NULL);
	ret = ioctl(fd, CAUSAL_IOC_STATS, &st) ? -errno : (long long)st.payments;
	/* closing ends the experiment: the payers stop paying and their queued works run */
	close(fd);
	return ret;
}

/* waits up to 10 s for thread tid of pid to be in scheduler state st */
static bool wait_state(pid_t pid, pid_t tid, char st)
{
	int i;

	for (i = 0; i < 10000; i++) {
		if (thread_state(pid, tid) == st)
			return true;
		usleep(1000);
	}
	return false;
}

static int splice_in;	/* the socket end splice_holder() reads from */
static int splice_out;	/* the pipe's write end */
static volatile pid_t splice_tid;

/*
 * Holds the pipe's mutex until the socket is shut down: splice() from a socket into a pipe locks
 * the pipe and then waits for data on the socket. It returns 0, and the pipe stays empty.
 */
static void *splice_holder(void *arg)
{
	(void)arg;
	splice_tid = (pid_t)syscall(SYS_gettid);
	return (void *)(intptr_t)splice(splice_in, NULL, splice_out, NULL, 4096, 0);
}

/* the reader: a spinning thread, whose samples make the blocked main thread owe */
static void *reader_spin(void *arg)
{
	volatile unsigned long x = 0;

	(void)arg;
	for (;;)
		x++;
	return NULL;
}

/*
 * A payment queued on a task blocked in the kernel, as the session closes, and then the unload,
 * once. The reader process: a thread that spins, and its main thread in read() of an empty pipe.
 * A thread of ours (outside the session) holds the pipe's mutex in a splice(), so that the read
 * first blocks on the mutex. The session attaches to the reader and starts an experiment that
 * selects every sample: the spinner's samples make the blocked thread owe. The splice ends (the
 * socket is shut down) and hands the mutex over: the reader runs, in the kernel, owing, which
 * queues its payment for its return to user mode, and blocks again on the empty pipe. Close, then
 * delete_module must succeed at once: the queued payment held references on the module and the
 * session until the reader returned to user mode.
 */
static void blocked_reader(const char *ko)
{
	struct causal_attach a = { .size = sizeof(a), .period_ns = 200000 };
	struct causal_range range = { .start = 0x1000, .end = 1ULL << 47 };
	struct causal_experiment e = {
		.size = sizeof(e), .delay_ns = 500000, .nr_ranges = 1,
		.ranges = (uint64_t)(uintptr_t)&range,
	};
	struct causal_stats st = { .size = sizeof(st) };
	int pfd[2] = { -1, -1 }, sv[2] = { -1, -1 }, fd = -1, tries, err = 0;
	bool blocked = false, queued_state = false, unloaded = false, holding = false;
	uint64_t busy = 0;
	pthread_t holder;
	void *spliced = NULL;
	pid_t r = -1;
	char c = 0;

	if (pipe(pfd) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		perror("blocked_reader: pipe, socketpair");
		err = -errno;
		goto out;
	}
	splice_in = sv[1];
	splice_out = pfd[1];
	err = load(ko);
	if (err || pthread_create(&holder, NULL, splice_holder, NULL)) {
		err = err ?: -EAGAIN;
		goto out;
	}
	holding = true;
	/* the holder is in splice(), the pipe locked, once it sleeps */
	while (!splice_tid)
		usleep(1000);
	if (!wait_state(getpid(), splice_tid, 'S')) {
		err = -ETIMEDOUT;
		goto out;
	}
	r = fork();
	if (r == 0) {
		pthread_t t;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pthread_create(&t, NULL, reader_spin, NULL);
		_exit(read(pfd[0], &c, 1) == 1 ? 0 : 1);
	}
	/* the reader's main thread waits for the pipe's mutex */
	blocked = r > 0 && wait_state(r, r, 'D');
	for (tries = 0; (fd = open(CAUSAL_DEVICE_PATH, O_RDWR)) < 0 && errno == ENOENT &&
	     tries < 1000; tries++)
		usleep(1000);
	a.pid = r;
	if (fd < 0 || ioctl(fd, CAUSAL_IOC_ATTACH, &a) || ioctl(fd, CAUSAL_IOC_EXPERIMENT_START, &e)) {
		err = -errno;
		goto out;
	}
	usleep(200000);
	/* the splice returns with nothing: the reader gets the mutex, owing, and waits for data */
	shutdown(sv[0], SHUT_WR);
	pthread_join(holder, &spliced);
	holding = false;
	queued_state = wait_state(r, r, 'S');
	usleep(100000);
	if (ioctl(fd, CAUSAL_IOC_STATS, &st))
		err = -errno;
	printf("# blocked reader: waited for the mutex %s, then for data %s; %lld ns of delay inserted, %llu payments, splice %ld\n",
	       blocked ? "yes" : "no", queued_state ? "yes" : "no",
	       (long long)st.global_delay, (unsigned long long)st.payments, (long)(intptr_t)spliced);
	close(fd);
	fd = -1;
	unloaded = !syscall(SYS_delete_module, "causal", O_NONBLOCK);
	if (!unloaded)
		printf("# delete_module after close: %s\n", strerror(errno));
out:
	check(!err && blocked && queued_state && st.global_delay > 1000000 && unloaded,
	      "unloads_at_once_with_a_payment_queued_on_a_reader_blocked_in_the_kernel");
	if (fd >= 0)
		close(fd);
	if (holding) {
		shutdown(sv[0], SHUT_WR);
		pthread_join(holder, NULL);
	}
	if (r > 0) {
		/* the reader returns to user mode, and runs its payment if it is still queued */
		if (write(pfd[1], "x", 1) != 1)
			perror("blocked_reader: write");
		kill(r, SIGKILL);
		waitpid(r, NULL, 0);
	}
	if (!unloaded && unload(&busy))
		printf("# blocked reader: unload after the reader left: %s\n", strerror(errno));
	close(pfd[0]);
	close(pfd[1]);
	close(sv[0]);
	close(sv[1]);
}

int main(int argc, char **argv)
{
	uint64_t rounds = 0, max_rounds = 100000, payments = 0, paying_rounds = 0, busy = 0;
	int seconds = 60, opt, err = 0;
	uint64_t t0, took;
	long long paid;
	const char *ko;
	pid_t p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "t:n:")) != -1) {
		if (opt == 't')
			seconds = atoi(optarg);
		else if (opt == 'n')
			max_rounds = strtoull(optarg, NULL, 0);
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: unload_stress [-t SECONDS] [-n ROUNDS] MODULE.ko\n");
		return 2;
	}
	ko = argv[optind];
	printf("KTAP version 1\n1..5\n");
	p = payers();
	if (p < 0) {
		perror("payers");
		return 1;
	}
	/* loaded by whoever ran us, or not: start from unloaded */
	if (unload(&busy) && errno != ENOENT)
		err = -errno;
	t0 = now_ns();
	while (!err && rounds < max_rounds && now_ns() - t0 < seconds * 1000000000ULL) {
		err = load(ko);
		if (err)
			break;
		/* 100 ms of payments, then close and unload while the payers still run */
		*paying = 1;
		paid = session(p, 100);
		if (paid < 0) {
			err = (int)paid;
			unload(&busy);
			break;
		}
		payments += paid;
		paying_rounds += paid > 0;
		err = unload(&busy);
		*paying = 0;
		rounds++;
	}
	took = (now_ns() - t0) / 1000000000ULL;
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	printf("# %llu rounds in %llu s, %llu of them with payments (%llu payments), %llu unload retries while references remained; error %d (%s)\n",
	       (unsigned long long)rounds, (unsigned long long)took, (unsigned long long)paying_rounds,
	       (unsigned long long)payments, (unsigned long long)busy, err, strerror(-err));
	check(!err, "every_load_session_and_unload_succeeded");
	check(rounds > 0, "rounds_done");
	/* the rounds stress what they are meant to: payments were running as the session closed */
	check(paying_rounds * 2 >= rounds, "half_the_rounds_had_payments");
	if (!err)
		blocked_reader(ko);
	else
		check(false, "unloads_at_once_with_a_payment_queued_on_a_reader_blocked_in_the_kernel");
	check(!load(ko), "module_loaded_again");
	printf("# unload_stress: %d of %d failed\n", fails, n);
	return fails ? 1 : 0;
}
