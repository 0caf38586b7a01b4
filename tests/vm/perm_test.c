// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest permission tests of /dev/causal, as KTAP on stdout. Run as root with causal.ko loaded
 * with its defaults; switches the unprivileged parameter through sysfs and back. The "user" is
 * uid/gid 1000 (a child that drops root), "another user" is 1001.
 *
 * The exec tests need setuid_helper on $PATH (as in the VM, in /bin): they copy it to /tmp as a
 * plain and a setuid-root program, and have a profiled process of the user run each.
 *
 *   perm_test [CAUSALCTL]     CAUSALCTL: path of causalctl, to check its message (default: on $PATH)
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/causal.h>

#include "workload.h"

#define PARAM "/sys/module/causal/parameters/unprivileged"
#define MAX_SESSIONS "/sys/module/causal/parameters/max_sessions_per_user"
#define YAMA "/proc/sys/kernel/yama/ptrace_scope"
#define CGROOT "/tmp/perm-cg"
#define USER 1000
#define OTHER 1001

static int n, fails;

static bool __attribute__((format(printf, 2, 3))) check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", ok ? "ok" : "not ok", ++n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		fails++;
	return ok;
}

static void skip(const char *name, const char *why)
{
	printf("ok %d %s # SKIP %s\n", ++n, name, why);
	fflush(stdout);
}

static void become(uid_t uid)
{
	if (setgroups(0, NULL) || setgid(uid) || setuid(uid)) {
		perror("drop root");
		_exit(100);
	}
}

/* a process of uid that sleeps until killed; not dumpable if asked */
static pid_t sleeper(uid_t uid, bool dumpable)
{
	pid_t p = fork();

	if (p == 0) {
		if (uid)
			become(uid);
		/* dropping root made it undumpable; an exec'd program of the user would be dumpable */
		prctl(PR_SET_DUMPABLE, dumpable);
		for (;;)
			pause();
	}
	usleep(100000);	/* let it drop its ids before anybody looks */
	return p;
}

static void *pause_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/*
 * A dumpable process of uid whose main thread has exited (pthread_exit) while another thread
 * lives on: its leader has no mm any more, like ptrace's target in that case.
 */
static pid_t headless(uid_t uid)
{
	pid_t p = fork();
	pthread_t t;

	if (p == 0) {
		become(uid);
		prctl(PR_SET_DUMPABLE, 1);
		if (pthread_create(&t, NULL, pause_thread, NULL))
			_exit(1);
		pthread_exit(NULL);
	}
	usleep(100000);
	return p;
}

static void reap(pid_t p)
{
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
}

/* runs fn(arg) in a child of uid; returns its exit status (an errno, or 0) */
static int as_user(uid_t uid, int (*fn)(long), long arg)
{
	int st;
	pid_t p = fork();

	if (p == 0) {
		become(uid);
		_exit(fn(arg));
	}
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

static int try_open(long unused)
{
	int fd = open(CAUSAL_DEVICE_PATH, O_RDWR);

	(void)unused;
	return fd < 0 ? errno : 0;
}

static int try_attach(long pid)
{
	struct causal_attach a = { .size = sizeof(a), .pid = (pid_t)pid };
	int fd = open(CAUSAL_DEVICE_PATH, O_RDWR);

	if (fd < 0)
		return 200;
	return ioctl(fd, CAUSAL_IOC_ATTACH, &a) ? errno : 0;
}

static int try_attach_cgroup(long dirfd)
{
	struct causal_attach a = {
		.size = sizeof(a), .flags = CAUSAL_ATTACH_CGROUP, .cgroup_fd = (int)dirfd,
	};
	int fd = open(CAUSAL_DEVICE_PATH, O_RDWR);

	if (fd < 0)
		return 200;
	return ioctl(fd, CAUSAL_IOC_ATTACH, &a) ? errno : 0;
}

static int try_attach_self(long unused)
{
	(void)unused;
	return try_attach(getpid());
}

static bool write_text(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);
	bool ok = fd >= 0 && write(fd, v, strlen(v)) == (ssize_t)strlen(v);

	if (fd >= 0)
		close(fd);
	return ok;
}

static bool set_param(const char *v)
{
	return write_text(PARAM, v);
}

/* the first line of path, without its newline, in buf; false if it cannot be read */
static bool read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

/* a session on fd attached to pid with a ring of pages data pages: 0 or an errno */
static int attach_ring(int fd, pid_t pid, uint32_t pages)
{
	struct causal_attach a = { .size = sizeof(a), .pid = pid, .ring_pages = pages };

	return ioctl(fd, CAUSAL_IOC_ATTACH, &a) ? errno : 0;
}

/* a child of the caller that sleeps until killed, dumpable (the caller may have dropped root) */
static pid_t pauser(void)
{
	int ready[2];
	char c = 0;
	pid_t p;

	if (pipe(ready))
		return -1;
	p = fork();
	if (p == 0) {
		prctl(PR_SET_DUMPABLE, 1);
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	if (p > 0 && read(ready[0], &c, 1) != 1)
		p = -1;
	close(ready[0]);
	close(ready[1]);
	return p;
}

/* attaches a child of its own (a descendant, for Yama) */
static int try_attach_child(long unused)
{
	pid_t c = pauser();
	int e;

	(void)unused;
	if (c < 0)
		return 201;
	e = try_attach(c);
	reap(c);
	return e;
}

static const char *err_name(int e)
{
	return e == 200 ? "open failed" : e == 0 ? "success" : strerror(e);
}

static int causalctl_as_after(uid_t uid, const char *causalctl, pid_t pid, char *out, size_t len,
			      void (*before)(void));

/* causalctl attach -p PID as uid: its exit status, and its stderr in out */
static int causalctl_as(uid_t uid, const char *causalctl, pid_t pid, char *out, size_t len)
{
	return causalctl_as_after(uid, causalctl, pid, out, len, NULL);
}

/* the same, with before() run as uid just before causalctl starts */
static int causalctl_as_after(uid_t uid, const char *causalctl, pid_t pid, char *out, size_t len,
			      void (*before)(void))
{
	int pfd[2], st;
	char pidarg[32];
	ssize_t k, got = 0;
	pid_t p;

	if (pipe(pfd))
		return -1;
	snprintf(pidarg, sizeof(pidarg), "%d", pid);
	p = fork();
	if (p == 0) {
		become(uid);
		if (before)
			before();
		dup2(pfd[1], STDERR_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		execlp(causalctl, causalctl, "attach", "-p", pidarg, "--duration", "1s", "-o",
		       "/tmp/perm-test.coz", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (got < (ssize_t)len - 1 && (k = read(pfd[0], out + got, len - 1 - got)) > 0)
		got += k;
	out[got] = 0;
	close(pfd[0]);
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

static void diag_lines(const char *what, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t l = strcspn(p, "\n");

		printf("# %s: %.*s\n", what, (int)l, p);
		p += l + (p[l] == '\n');
	}
}

/* What a profiled process of the user saw when one of its children exec'd a helper copy. */
struct exec_seen {
	int err;			/* 0, or where the run failed (an errno, or 200+) */
	int helper_status;		/* the helper's exit status: 10 euid 0, 11 not */
	uint64_t samples;		/* ring samples of the helper's pid in the helper's text */
	uint64_t delays;		/* ring payments of the helper's pid from its start on */
	uint64_t hits;			/* the progress point at the helper's entry point */
	uint64_t left;			/* stats: tasks_left_exec */
	uint64_t payments;		/* stats: all payments of the session (the test's own check) */
};

#define EXEC_RING_PAGES 512

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* An ELF program's executable segments (up to 4, virtual addresses) and its entry's file offset. */
struct elf_text {
	uint64_t start[4], end[4];
	int n;
	long entry_offset;		/* -1 if not found */
};

static void elf_text(int fd, struct elf_text *t)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int i;

	memset(t, 0, sizeof(*t));
	t->entry_offset = -1;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return;
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) != sizeof(ph))
			return;
		if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X) || t->n == 4)
			continue;
		t->start[t->n] = ph.p_vaddr;
		t->end[t->n++] = ph.p_vaddr + ph.p_memsz;
		if (eh.e_entry >= ph.p_vaddr && eh.e_entry < ph.p_vaddr + ph.p_filesz)
			t->entry_offset = (long)(eh.e_entry - ph.p_vaddr + ph.p_offset);
	}
}

static bool elf_text_has(const struct elf_text *t, uint64_t ip)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (ip >= t->start[i] && ip < t->end[i])
			return true;
	return false;
}

/*
 * As the user: a session (unprivileged=1) on a process of the user that spins, with a progress
 * point at helper's entry point and an experiment that selects the samples in perm_test's own
 * text (the spinning process's): helper's, linked elsewhere, are not, so a helper still in the
 * session owes the spinner's delay and pays it. (With every sample selected, helper and spinner
 * credited alike and owed each other little: whether helper paid anything was down to timing,
 * and on 7.x with kprobe hooks it once paid nothing.) The process forks a child that execs helper. Fills *r from the ring
 * (samples of the child's pid whose IP is in helper's text, which is not position-independent,
 * and payments of that pid from the helper's start on), the progress counter and the stats.
 */
/* the linker's bounds of this executable's code (GNU ld's default script) */
extern const char __executable_start[], etext[];

static void exec_case(const char *helper, struct exec_seen *r)
{
	struct causal_attach a = {
		.size = sizeof(a), .flags = CAUSAL_ATTACH_TRACE_DELAYS,
		.ring_pages = EXEC_RING_PAGES,
	};
	/* perm_test's own text, as the linker lays a static non-PIE executable out */
	struct causal_range range = {
		.start = (uintptr_t)__executable_start, .end = (uintptr_t)etext,
	};
	struct causal_experiment e = {
		.size = sizeof(e), .delay_ns = 500000, .nr_ranges = 1,
		.ranges = (uint64_t)(uintptr_t)&range,
	};
	struct causal_experiment_result res = { .size = sizeof(res) };
	struct causal_progress pa = { .size = sizeof(pa) };
	uint64_t counts[1] = { 0 }, t_start = 0, i;
	struct causal_progress_counts pc = {
		.size = sizeof(pc), .nr = 1, .counts = (uint64_t)(uintptr_t)counts,
	};
	struct causal_stats st = { .size = sizeof(st) };
	struct causal_ring_control *ctl;
	int fd, hfd, go[2], info[2], status = 0;
	pid_t target, child = 0;
	struct elf_text text;
	char c = 1, fdarg[16];
	size_t len;
	void *map;

	memset(r, 0, sizeof(*r));
	if (pipe(go) || pipe(info)) {
		r->err = errno;
		return;
	}
	snprintf(fdarg, sizeof(fdarg), "%d", info[1]);
	target = fork();
	if (target == 0) {
		/* the profiled process: on "go", runs helper in a child and spins until it ends */
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		child = fork();
		if (child == 0) {
			/* the helper writes its start time to info[1] */
			execl(helper, helper, "1000", fdarg, (char *)NULL);
			_exit(127);
		}
		/*
		 * the spin is in our text, the clock read between spins is not (on the debug
		 * kernel's hpet clocksource it is a system call): spinning on the clock alone gave
		 * the experiment so few samples in range that the helper paid 0 or 1 delays
		 */
		while (waitpid(child, &status, WNOHANG) == 0)
			for (t_start = mono_ns(); mono_ns() - t_start < 1000000;)
				sink += spin(100000, t_start);
		if (write(info[1], &child, sizeof(child)) != sizeof(child) ||
		    write(info[1], &status, sizeof(status)) != sizeof(status))
			_exit(1);
		_exit(0);
	}
	fd = open(CAUSAL_DEVICE_PATH, O_RDWR);
	hfd = open(helper, O_RDONLY);
	text.entry_offset = -1;
	if (hfd >= 0)
		elf_text(hfd, &text);
	pa.fd = hfd;
	pa.offset = text.entry_offset;
	if (fd < 0 || text.entry_offset < 0) {
		r->err = fd < 0 ? errno : 201;
	} else if (a.pid = target, ioctl(fd, CAUSAL_IOC_ATTACH, &a)) {
		r->err = errno;
	} else if (ioctl(fd, CAUSAL_IOC_PROGRESS_ADD, &pa) ||
		   ioctl(fd, CAUSAL_IOC_EXPERIMENT_START, &e)) {
		r->err = errno;
	}
	if (write(go[1], &c, 1) != 1 ||
	    read(info[0], &t_start, sizeof(t_start)) != sizeof(t_start) ||
	    read(info[0], &child, sizeof(child)) != sizeof(child) ||
	    read(info[0], &status, sizeof(status)) != sizeof(status))
		r->err = r->err ?: 202;
	waitpid(target, NULL, 0);
	r->helper_status = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
	if (r->err)
		return;
	if (ioctl(fd, CAUSAL_IOC_EXPERIMENT_STOP, &res) || ioctl(fd, CAUSAL_IOC_STATS, &st) ||
	    ioctl(fd, CAUSAL_IOC_PROGRESS_READ, &pc)) {
		r->err = errno;
		return;
	}
	r->hits = counts[0];
	r->payments = st.payments;
	/* a module without the field leaves it 0 (it writes back only what it knows) */
	r->left = st.size >= CAUSAL_STATS_SIZE_VER1 ? st.tasks_left_exec : 0;
	len = (1 + EXEC_RING_PAGES) * 4096UL;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, CAUSAL_MMAP_RING);
	if (map == MAP_FAILED) {
		r->err = errno;
		return;
	}
	ctl = map;
	for (i = ctl->tail; i < ctl->head; i++) {
		const struct causal_sample *rec = (const void *)((char *)map + 4096 +
				(i % ctl->nr_records) * ctl->record_size);

		if (__atomic_load_n(&rec->seq, __ATOMIC_ACQUIRE) != i + 1 ||
		    rec->pid != (uint32_t)child)
			continue;
		if (rec->flags & CAUSAL_SAMPLE_DELAY)
			r->delays += rec->time_ns >= t_start;
		else
			r->samples += elf_text_has(&text, rec->ip);
	}
	munmap(map, len);
	close(fd);
	close(hfd);
}

/* exec_case() as the user, in a child that is dumpable (as a program the user exec'd would be) */
static void exec_case_as_user(const char *helper, struct exec_seen *r)
{
	struct exec_seen *shared = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t p;

	memset(r, 0, sizeof(*r));
	r->err = 203;
	if (shared == MAP_FAILED)
		return;
	*shared = *r;
	p = fork();
	if (p == 0) {
		become(USER);
		prctl(PR_SET_DUMPABLE, 1);
		exec_case(helper, shared);
		_exit(0);
	}
	waitpid(p, NULL, 0);
	*r = *shared;
	munmap(shared, sizeof(*r));
}

/* copies the helper found on $PATH to dst, owned by root, with mode */
static bool install_helper(const char *dst, mode_t mode)
{
	char buf[65536];
	const char *path = getenv("PATH");
	char src[512];
	int in = -1, out;
	ssize_t k;
	bool ok = true;

	while (path && *path && in < 0) {
		size_t l = strcspn(path, ":");

		snprintf(src, sizeof(src), "%.*s/setuid_helper", (int)l, path);
		in = open(src, O_RDONLY);
		path += l + (path[l] == ':');
	}
	if (in < 0)
		return false;
	unlink(dst);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0700);
	if (out < 0) {
		close(in);
		return false;
	}
	while ((k = read(in, buf, sizeof(buf))) > 0)
		ok = ok && write(out, buf, k) == k;
	ok = ok && k == 0 && !fchown(out, 0, 0) && !fchmod(out, mode);
	close(in);
	close(out);
	return ok;
}

static void print_seen(const char *what, const struct exec_seen *r)
{
	printf("# %s: err %d, helper exit %d, samples %llu, delays %llu, probe hits %llu, "
	       "tasks_left_exec %llu, session payments %llu\n", what, r->err, r->helper_status,
	       (unsigned long long)r->samples, (unsigned long long)r->delays,
	       (unsigned long long)r->hits, (unsigned long long)r->left,
	       (unsigned long long)r->payments);
}

/*
 * A profiled process of the user runs a setuid-root program: the program leaves the session
 * before it runs (no sample, delay or progress hit of it), and the session says so. The same
 * program without the setuid bit is the control: it stays, and is sampled, delayed and counted.
 */
static void exec_tests(void)
{
	struct exec_seen plain, suid;
	bool have = install_helper("/tmp/perm-plain-helper", 0755) &&
		    install_helper("/tmp/perm-suid-helper", 04755);

	check(have, "exec_helpers_installed");
	exec_case_as_user("/tmp/perm-plain-helper", &plain);
	print_seen("plain helper", &plain);
	check(!plain.err && plain.helper_status == 11 && plain.samples && plain.delays &&
	      plain.hits && !plain.left, "plain_exec_stays_profiled");
	exec_case_as_user("/tmp/perm-suid-helper", &suid);
	print_seen("setuid-root helper", &suid);
	check(!suid.err && suid.helper_status == 10, "setuid_exec_ran_as_root");
	check(!suid.err && !suid.samples && !suid.delays && !suid.hits,
	      "setuid_exec_not_sampled_delayed_or_counted");
	check(!suid.err && suid.left == 1, "setuid_exec_counted_as_left");
	unlink("/tmp/perm-plain-helper");
	unlink("/tmp/perm-suid-helper");
}

/*
 * Yama: at ptrace_scope 1 a user attaches only to its own process and its descendants, at 2 only
 * with CAP_SYS_PTRACE, as ptrace would; root attaches to anything at both.
 */
static void yama_tests(const char *causalctl, pid_t own)
{
	char saved[16], out[2048];
	int e, rc;

	if (!read_text(YAMA, saved, sizeof(saved))) {
		const char *names[] = {
			"yama_scope_1_set", "yama_scope_restored",
			"yama1_user_cannot_attach_own_unrelated_process", "yama1_user_attaches_itself",
			"yama1_user_attaches_own_child", "yama1_root_attaches_any_process",
			"causalctl_says_yama_forbids_it", "yama2_user_cannot_attach_own_child",
			"yama2_user_attaches_itself", "yama2_root_attaches_any_process",
		};
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			skip(names[i], "no Yama in this kernel");
		return;
	}
	printf("# yama: ptrace_scope was %s\n", saved);
	check(write_text(YAMA, "1"), "yama_scope_1_set");
	e = as_user(USER, try_attach, own);
	check(e == EACCES, "yama1_user_cannot_attach_own_unrelated_process (%s)", err_name(e));
	e = as_user(USER, try_attach_self, 0);
	check(e == 0, "yama1_user_attaches_itself (%s)", err_name(e));
	e = as_user(USER, try_attach_child, 0);
	check(e == 0, "yama1_user_attaches_own_child (%s)", err_name(e));
	e = as_user(0, try_attach, own);
	check(e == 0, "yama1_root_attaches_any_process (%s)", err_name(e));
	rc = causalctl_as(USER, causalctl, own, out, sizeof(out));
	diag_lines("causalctl as uid 1000 on its own process at ptrace_scope 1", out);
	check(rc != 0 && strstr(out, "kernel.yama.ptrace_scope is 1") &&
	      strstr(out, "causalctl run"), "causalctl_says_yama_forbids_it");
	write_text(YAMA, "2");
	e = as_user(USER, try_attach_child, 0);
	check(e == EACCES, "yama2_user_cannot_attach_own_child (%s)", err_name(e));
	e = as_user(USER, try_attach_self, 0);
	check(e == 0, "yama2_user_attaches_itself (%s)", err_name(e));
	e = as_user(0, try_attach, own);
	check(e == 0, "yama2_root_attaches_any_process (%s)", err_name(e));
	/* down from 1 or 2 needs CAP_SYS_PTRACE, which root has (3 could not be undone) */
	check(write_text(YAMA, saved), "yama_scope_restored");
}

static void hold_two_sessions(void)
{
	if (open(CAUSAL_DEVICE_PATH, O_RDWR) < 0 || open(CAUSAL_DEVICE_PATH, O_RDWR) < 0)
		_exit(120);
}

/*
 * max_sessions_per_user=2: a user's third session is EMFILE, and again possible once one is
 * closed; root (CAP_SYS_RESOURCE) is not limited. Sessions of all the user's processes count.
 */
static int sessions_as_user(long unused)
{
	int a, b, c, d;

	(void)unused;
	a = open(CAUSAL_DEVICE_PATH, O_RDWR);
	b = open(CAUSAL_DEVICE_PATH, O_RDWR);
	c = open(CAUSAL_DEVICE_PATH, O_RDWR);
	if (a < 0 || b < 0)
		return 201;
	if (c >= 0)
		return 202;
	if (errno != EMFILE)
		return errno;
	close(a);
	d = open(CAUSAL_DEVICE_PATH, O_RDWR);
	return d < 0 ? 203 : 0;
}

static int sessions_as_root(long unused)
{
	int i;

	(void)unused;
	for (i = 0; i < 3; i++)
		if (open(CAUSAL_DEVICE_PATH, O_RDWR) < 0)
			return errno;
	return 0;
}

static void session_cap_tests(const char *causalctl, pid_t own)
{
	char saved[16] = "?", out[2048];
	int e, rc;

	check(read_text(MAX_SESSIONS, saved, sizeof(saved)) && write_text(MAX_SESSIONS, "2"),
	      "max_sessions_per_user_set_to_2 (was %s)", saved);
	e = as_user(USER, sessions_as_user, 0);
	check(e == 0, "third_session_of_a_user_is_emfile_until_one_closes (%d: %s)", e,
	      e == 201 ? "first two refused" : e == 202 ? "third accepted" :
	      e == 203 ? "refused after a close" : err_name(e));
	e = as_user(0, sessions_as_root, 0);
	check(e == 0, "root_is_not_limited (%s)", err_name(e));
	rc = causalctl_as_after(USER, causalctl, own, out, sizeof(out), hold_two_sessions);
	diag_lines("causalctl as uid 1000 holding 2 sessions", out);
	check(rc != 0 && strstr(out, "max_sessions_per_user"), "causalctl_says_too_many_sessions");
	check(write_text(MAX_SESSIONS, saved), "max_sessions_per_user_restored");
}

#define MEMLOCK_LIMIT	(128 << 10)

static void low_memlock(void)
{
	struct rlimit rl = { MEMLOCK_LIMIT, MEMLOCK_LIMIT };

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		_exit(121);
}

/*
 * With RLIMIT_MEMLOCK at 128 KiB, a user's ring of 64 data pages (260 KiB with its control page)
 * is ENOMEM; one of 16 (68 KiB) attaches, and a second one is ENOMEM until the first is closed:
 * the user's rings add up, as perf's buffers do. Returns a step number, or 0.
 */
static int memlock_as_user(long unused)
{
	pid_t c = pauser();
	int a, b, e, step = 0;

	(void)unused;
	low_memlock();
	a = open(CAUSAL_DEVICE_PATH, O_RDWR);
	b = open(CAUSAL_DEVICE_PATH, O_RDWR);
	if (a < 0 || b < 0 || c < 0)
		return 200;
	e = attach_ring(a, getpid(), 64);
	printf("# memlock: ring of 64 pages: %s\n", err_name(e));
	if (e != ENOMEM)
		step = 1;
	e = attach_ring(a, getpid(), 16);
	printf("# memlock: ring of 16 pages: %s\n", err_name(e));
	if (e && !step)
		step = 2;
	e = attach_ring(b, c, 16);
	printf("# memlock: a second ring of 16 pages: %s\n", err_name(e));
	if (e != ENOMEM && !step)
		step = 3;
	close(a);
	e = attach_ring(b, c, 16);
	printf("# memlock: the second once the first is closed: %s\n", err_name(e));
	if (e && !step)
		step = 4;
	reap(c);
	return step;
}

/* root (CAP_IPC_LOCK) with RLIMIT_MEMLOCK 0 */
static int memlock_as_root(long unused)
{
	struct rlimit rl = { 0, 0 };
	int fd = open(CAUSAL_DEVICE_PATH, O_RDWR);

	(void)unused;
	if (fd < 0 || setrlimit(RLIMIT_MEMLOCK, &rl))
		return 200;
	return attach_ring(fd, getpid(), 64);
}

static long long memcg_current(void)
{
	char text[32];

	return read_text(CGROOT "/perm-mem/memory.current", text, sizeof(text)) ?
	       atoll(text) : -1;
}

/*
 * A 16 MiB ring is charged to the memory cgroup of the process that attaches (as root, so that
 * RLIMIT_MEMLOCK has no say). Measured as the growth of memory.current, not as ENOMEM under a
 * memory.max below it: on 7.x the failed allocation's pages were still charged when the process
 * next faulted a page in, and the cgroup's OOM killer took it.
 */
static int memcg_as_root(long unused)
{
	char pid[16];
	long long before, after;
	int fd = open(CAUSAL_DEVICE_PATH, O_RDWR);
	int e;

	(void)unused;
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (fd < 0 || !write_text(CGROOT "/perm-mem/cgroup.procs", pid))
		return 200;
	before = memcg_current();
	e = attach_ring(fd, getpid(), CAUSAL_RING_PAGES_MAX);
	after = memcg_current();
	printf("# memcg: a ring of %d pages: %s, memory.current %lld -> %lld\n",
	       CAUSAL_RING_PAGES_MAX, err_name(e), before, after);
	if (e || before < 0 || after < 0)
		return 201;
	return after - before >= (long long)CAUSAL_RING_PAGES_MAX * 4096 ? 0 : 202;
}

static void memory_tests(const char *causalctl, pid_t own, bool have_cgroup)
{
	char out[2048];
	int e, rc;

	e = as_user(USER, memlock_as_user, 0);
	check(e == 0, "memlock_limits_the_users_rings (first failed step: %d, 0 none)", e);
	e = as_user(0, memlock_as_root, 0);
	check(e == 0, "memlock_does_not_limit_cap_ipc_lock (%s)", err_name(e));
	rc = causalctl_as_after(USER, causalctl, own, out, sizeof(out), low_memlock);
	diag_lines("causalctl as uid 1000 with ulimit -l 128", out);
	check(rc != 0 && strstr(out, "ulimit -l") && strstr(out, "is 128 KiB"),
	      "causalctl_says_the_ring_exceeds_memlock");
	if (!have_cgroup || !write_text(CGROOT "/cgroup.subtree_control", "+memory") ||
	    (mkdir(CGROOT "/perm-mem", 0755) && errno != EEXIST)) {
		skip("ring_charged_to_the_memory_cgroup", "no memory cgroup controller");
		return;
	}
	e = as_user(0, memcg_as_root, 0);
	check(e == 0, "ring_charged_to_the_memory_cgroup (%d)", e);
	rmdir(CGROOT "/perm-mem");
}

int main(int argc, char **argv)
{
	const char *causalctl = argc > 1 ? argv[1] : "causalctl";
	pid_t own, own_nodump, other, root, own_headless;
	char out[2048], expect[128];
	int e, rc, cg = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..42\n");

	own = sleeper(USER, true);
	own_nodump = sleeper(USER, false);
	other = sleeper(OTHER, true);
	root = sleeper(0, true);
	own_headless = headless(USER);

	/* by default only CAP_PERFMON / CAP_SYS_ADMIN may open the device */
	check(set_param("0"), "unprivileged_param_writable");
	e = as_user(USER, try_open, 0);
	check(e == EPERM, "user_cannot_open_by_default (%s)", err_name(e));
	rc = causalctl_as(USER, causalctl, own, out, sizeof(out));
	diag_lines("causalctl as uid 1000 on its own process, by default", out);
	check(rc != 0 && strstr(out, "Profiling needs root"), "causalctl_says_profiling_needs_root");
	e = try_open(0);
	check(e == 0, "root_can_open (%s)", err_name(e));

	/* unprivileged=1: a user profiles what it could ptrace, nothing else */
	check(set_param("1"), "unprivileged_on");
	e = as_user(USER, try_open, 0);
	check(e == 0, "user_can_open (%s)", err_name(e));
	e = as_user(USER, try_attach, own);
	check(e == 0, "user_attaches_own_process (%s)", err_name(e));
	e = as_user(USER, try_attach_self, 0);
	check(e == 0, "user_attaches_itself (%s)", err_name(e));
	e = as_user(USER, try_attach, own_headless);
	check(e == 0, "user_attaches_own_process_whose_main_thread_exited (%s)", err_name(e));
	e = as_user(USER, try_attach, other);
	check(e == EACCES || e == EPERM, "user_cannot_attach_other_users_process (%s)", err_name(e));
	e = as_user(USER, try_attach, root);
	check(e == EACCES || e == EPERM, "user_cannot_attach_root_process (%s)", err_name(e));
	e = as_user(USER, try_attach, 1);
	check(e == EACCES || e == EPERM, "user_cannot_attach_init (%s)", err_name(e));
	e = as_user(USER, try_attach, own_nodump);
	check(e == EACCES || e == EPERM, "user_cannot_attach_own_undumpable_process (%s)",
	      err_name(e));
	e = as_user(USER, try_attach, 2);
	check(e == EPERM, "user_cannot_attach_kernel_thread (%s)", err_name(e));

	/* the root cgroup holds root's processes: refused as a whole */
	mkdir("/tmp/perm-cg", 0755);
	if (!mount("none", "/tmp/perm-cg", "cgroup2", 0, NULL) || errno == EBUSY)
		cg = open("/tmp/perm-cg", O_RDONLY | O_DIRECTORY);
	e = cg >= 0 ? as_user(USER, try_attach_cgroup, cg) : -1;
	check(e == EACCES || e == EPERM, "user_cannot_attach_root_cgroup (%s)",
	      e < 0 ? "no cgroup2" : err_name(e));

	rc = causalctl_as(USER, causalctl, root, out, sizeof(out));
	diag_lines("causalctl as uid 1000 on a root process", out);
	/* whether /proc/PID/exe or the module refuses first, causalctl says what it means */
	snprintf(expect, sizeof(expect), "not allowed to profile process %d", root);
	check(rc != 0 && strstr(out, expect),
	      "causalctl_says_it_may_not_profile_it");
	e = try_attach(other);
	check(e == 0, "root_attaches_any_process (%s)", err_name(e));

	exec_tests();
	yama_tests(causalctl, own);
	session_cap_tests(causalctl, own);
	memory_tests(causalctl, own, cg >= 0);

	check(set_param("0"), "unprivileged_off_again");
	reap(own);
	reap(own_nodump);
	reap(other);
	reap(root);
	reap(own_headless);
	if (cg >= 0) {
		close(cg);
		umount("/tmp/perm-cg");
	}
	printf("# perm_test: %d of %d failed\n", fails, n);
	return fails ? 1 : 0;
}
