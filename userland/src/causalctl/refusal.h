/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Why the module refused to open a session or to attach, and what the user can do about it. */
#ifndef CAUSALCTL_REFUSAL_H
#define CAUSALCTL_REFUSAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the message depends on, read from the system (refusal_facts_read) or set by a test. */
struct refusal_facts {
	int yama_scope;			/* kernel.yama.ptrace_scope, -1 without Yama */
	int root;			/* euid 0 */
	uint64_t memlock_limit;		/* RLIMIT_MEMLOCK in bytes, UINT64_MAX unlimited */
	long max_sessions;		/* the module's max_sessions_per_user, -1 unknown */
};

/* Reads the facts: Yama's scope from PROC/sys, the module parameter from SYSFS. */
void refusal_facts_read(struct refusal_facts *f, const char *proc, const char *sysfs);
/* The message for open(@device) failing with @err, or 0 if refusal has nothing to say about it. */
int refusal_open_message(int err, const char *device, const struct refusal_facts *f, char *buf,
			 size_t len);
/*
 * The message for CAUSAL_IOC_ATTACH on @pid failing with @err, with a ring of @ring_bytes; 0 if
 * refusal has nothing to say about it.
 */
int refusal_attach_message(int err, pid_t pid, uint64_t ring_bytes,
			   const struct refusal_facts *f, char *buf, size_t len);

#endif /* CAUSALCTL_REFUSAL_H */
