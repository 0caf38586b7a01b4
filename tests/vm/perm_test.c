// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest permission tests of /dev/causal, as KTAP on stdout. Run as root with causal.ko loaded
 * with its defaults; switches the unprivileged parameter through sysfs and back. The "user" is
 * uid/gid 1000 (a child that drops root), "another user" is 1001.
 *
 *   perm_test [CAUSALCTL]     CAUSALCTL: path of causalctl, to check its message (default: on $PATH)
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/causal.h>

#define PARAM "/sys/module/causal/parameters/unprivileged"
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

static bool set_param(const char *v)
{
	int fd = open(PARAM, O_WRONLY);
	bool ok = fd >= 0 && write(fd, v, strlen(v)) == (ssize_t)strlen(v);

	if (fd >= 0)
		close(fd);
	return ok;
}

static const char *err_name(int e)
{
	return e == 200 ? "open failed" : e == 0 ? "success" : strerror(e);
}

/* causalctl attach -p PID as uid: its exit status, and its stderr in out */
static int causalctl_as(uid_t uid, const char *causalctl, pid_t pid, char *out, size_t len)
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

int main(int argc, char **argv)
{
	const char *causalctl = argc > 1 ? argv[1] : "causalctl";
	pid_t own, own_nodump, other, root;
	char out[2048], expect[128];
	int e, rc, cg = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..17\n");

	own = sleeper(USER, true);
	own_nodump = sleeper(USER, false);
	other = sleeper(OTHER, true);
	root = sleeper(0, true);

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

	check(set_param("0"), "unprivileged_off_again");
	reap(own);
	reap(own_nodump);
	reap(other);
	reap(root);
	if (cg >= 0) {
		close(cg);
		umount("/tmp/perm-cg");
	}
	printf("# perm_test: %d of %d failed\n", fails, n);
	return fails ? 1 : 0;
}
