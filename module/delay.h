/* SPDX-License-Identifier: GPL-2.0 */
/* The delay engine: tasks pay their debt with an exact hrtimer sleep on return to user mode. */
#ifndef _CAUSAL_DELAY_H
#define _CAUSAL_DELAY_H

struct causal_task;

int causal_delay_init(void);
void causal_delay_exit(void);
/* from atomic context: if the current task owes enough, make it pay on its way to user mode */
void causal_delay_kick(struct causal_task *ct);
/* takes back ct's queued payment, if any, and its references; see delay.c */
void causal_delay_cancel(struct causal_task *ct);

#endif /* _CAUSAL_DELAY_H */
