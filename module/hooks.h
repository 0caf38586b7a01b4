/* SPDX-License-Identifier: GPL-2.0 */
/* Scheduler hooks: switch, waking, fork and exit, from tracepoints or kprobes. */
#ifndef _CAUSAL_HOOKS_H
#define _CAUSAL_HOOKS_H

int causal_hooks_init(void);
void causal_hooks_exit(void);
/* registers the hooks if they are not yet (the first attach); they stay until the unload */
int causal_hooks_register(void);
const char *causal_hooks_backend(void);

#endif /* _CAUSAL_HOOKS_H */
