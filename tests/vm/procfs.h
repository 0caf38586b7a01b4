/* SPDX-License-Identifier: GPL-2.0 */
/* Reading /proc for the in-guest test programs (core_test, faults_test, unload_stress). */
#ifndef CAUSAL_TEST_PROCFS_H
#define CAUSAL_TEST_PROCFS_H

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* The contents of a small /proc file, NUL-terminated (empty if it cannot be read); false then. */
static inline bool read_proc(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n > 0;
}

/* The directory of process pid's threads (/proc/PID/task), for tasks_next(); NULL if it is gone. */
static inline DIR *tasks_open(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	return opendir(path);
}

/* The next thread id in a tasks_open() directory, 0 after the last. */
static inline pid_t tasks_next(DIR *dir)
{
	struct dirent *d;

	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			return atoi(d->d_name);
	return 0;
}

/* The scheduler state letter of a thread ('R', 'S', 'D', ...), or 0 if it is gone. */
static inline char thread_state(pid_t pid, pid_t tid)
{
	char path[96], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (!read_proc(path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

#endif
