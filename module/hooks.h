/* SPDX-License-Identifier: GPL-2.0 */
/* Scheduler hooks: switch, waking, fork and exit, from tracepoints or kprobes. */
#ifndef _CAUSAL_HOOKS_H
#define _CAUSAL_HOOKS_H

int causal_hooks_init(void);
void causal_hooks_exit(void);
/* the first attached session registers the hooks; they stay until the module is unloaded */
int causal_hooks_get(void);
void causal_hooks_put(void);
const char *causal_hooks_backend(void);

#endif /* _CAUSAL_HOOKS_H */
