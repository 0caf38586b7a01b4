/* SPDX-License-Identifier: GPL-2.0 */
/* Yama's ptrace_scope, as the attach check applies it (modules cannot call Yama's own check). */
#ifndef _CAUSAL_YAMA_H
#define _CAUSAL_YAMA_H

#include <linux/types.h>

struct task_struct;

/* kernel.yama.ptrace_scope (Documentation/admin-guide/LSM/Yama.rst) */
enum causal_yama_scope {
	CAUSAL_YAMA_DISABLED,	/* 0, or no Yama: classic ptrace permissions */
	CAUSAL_YAMA_RELATIONAL,	/* 1: descendants only, or CAP_SYS_PTRACE */
	CAUSAL_YAMA_ADMIN,	/* 2: CAP_SYS_PTRACE only */
	CAUSAL_YAMA_NO_ATTACH,	/* 3: no ptrace attach at all */
	CAUSAL_YAMA_UNKNOWN,	/* could not be read: treated as ADMIN */
};

/* At load and unload: a mount of procfs of the module's own, for causal_yama_scope(). */
int causal_yama_init(void);
void causal_yama_exit(void);
/* The current scope, read from the sysctl. Process context. */
enum causal_yama_scope causal_yama_scope(void);
/* The scope the sysctl's text @buf (@len bytes) says, or CAUSAL_YAMA_UNKNOWN. */
enum causal_yama_scope causal_yama_parse(const char *buf, size_t len);
/*
 * Whether Yama at @scope lets a tracer attach that the classic rule let through: @descendant, the
 * target is the tracer's process or descends from it; @capable, the tracer has CAP_SYS_PTRACE over
 * the target's user namespace.
 */
bool causal_yama_permits(enum causal_yama_scope scope, bool descendant, bool capable);
/* Whether t is a thread of @tracer's process or of one of its descendants (Yama's rule). */
bool causal_task_is_descendant(struct task_struct *tracer, struct task_struct *t);

#endif /* _CAUSAL_YAMA_H */
