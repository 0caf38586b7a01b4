// SPDX-License-Identifier: GPL-2.0-or-later
/* Why the module refused to open a session or to attach, and what the user can do about it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "refusal.h"

static long read_long(const char *dir, const char *name, long dflt)
{
	char path[512], text[32];
	FILE *f;
	long v = dflt;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return dflt;
	if (fgets(text, sizeof(text), f)) {
		char *end;

		v = strtol(text, &end, 10);
		if (end == text)
			v = dflt;
	}
	fclose(f);
	return v;
}

void refusal_facts_read(struct refusal_facts *f, const char *proc, const char *sysfs)
{
	struct rlimit rl;

	f->yama_scope = (int)read_long(proc, "sys/kernel/yama/ptrace_scope", -1);
	f->root = geteuid() == 0;
	f->memlock_limit = UINT64_MAX;
	if (!getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_cur != RLIM_INFINITY)
		f->memlock_limit = rl.rlim_cur;
	f->max_sessions = read_long(sysfs, "module/causal/parameters/max_sessions_per_user", -1);
}

int refusal_open_message(int err, const char *device, const struct refusal_facts *f, char *buf,
			 size_t len)
{
	if (err != EMFILE)
		return 0;
	/* the module's per-user cap (causalctl itself holds a handful of descriptors) */
	if (f->max_sessions > 0)
		snprintf(buf, len,
			 "cannot open %s: this user holds %ld causal sessions already, the most the "
			 "module allows one user (its max_sessions_per_user parameter). Close one (is "
			 "another causalctl still running?), or have root raise "
			 "/sys/module/causal/parameters/max_sessions_per_user", device,
			 f->max_sessions);
	else
		snprintf(buf, len,
			 "cannot open %s: too many open files (this process's, or the module's "
			 "max_sessions_per_user limit of sessions per user)", device);
	return 1;
}

int refusal_attach_message(int err, pid_t pid, uint64_t ring_bytes,
			   const struct refusal_facts *f, char *buf, size_t len)
{
	switch (err) {
	case ENOMEM:
		if (f->memlock_limit == UINT64_MAX)
			snprintf(buf, len,
				 "cannot attach to process %d: out of memory for the sample ring "
				 "(%" PRIu64 " KiB); the memory cgroup of causalctl may be at its limit "
				 "(memory.max)", pid, ring_bytes >> 10);
		else
			snprintf(buf, len,
				 "cannot attach to process %d: the sample ring (%" PRIu64 " KiB) does "
				 "not fit in the memory this user may lock: RLIMIT_MEMLOCK ('ulimit "
				 "-l') is %" PRIu64 " KiB, shared by the user's causal sessions and its "
				 "perf, io_uring and BPF buffers. Raise it ('ulimit -l', LimitMEMLOCK= "
				 "of systemd, /etc/security/limits.conf) or run as root (CAP_IPC_LOCK); "
				 "if it is high enough, the memory cgroup of causalctl is at its limit "
				 "(memory.max)", pid, ring_bytes >> 10, f->memlock_limit >> 10);
		return 1;
	case EACCES:
	case EPERM:
		if (f->root || f->yama_scope < 1)
			return 0;
		if (f->yama_scope == 1)
			snprintf(buf, len,
				 "not allowed to profile process %d: kernel.yama.ptrace_scope is 1, "
				 "which lets a user profile only the processes it started (causalctl "
				 "run), as with ptrace; or it belongs to another user, or is not "
				 "dumpable. Use 'causalctl run', or run causalctl as root "
				 "(CAP_SYS_PTRACE)", pid);
		else
			snprintf(buf, len,
				 "not allowed to profile process %d: kernel.yama.ptrace_scope is %d, "
				 "which lets only root (CAP_SYS_PTRACE) profile other processes; run "
				 "causalctl as root", pid, f->yama_scope);
		return 1;
	}
	return 0;
}
